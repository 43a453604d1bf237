#pragma once
/// The trainer's part of a Studio project (.keras archive): an entry `strata_training.json` with
/// the training settings, the data source and every run (history, final metrics), and the trained
/// weights in the archive's `model.weights.h5` when they belong to the saved architecture, so a
/// reopened project trains on from where it was and re-plots its runs. Keras ignores the extra
/// entry; the weights entry is the one Keras reads.
#include <QString>
#include <optional>

#include "app/studio/training/model_snapshot.h"
#include "engine/core/json.h"

namespace strata::studio {

inline constexpr const char* kTrainingEntry = "strata_training.json";
/// Entries "strata_optimizer/<i>.npy": the trained weights' optimizer state, so that Continue
/// goes on after the project is reopened (with `state["resume"]`: epoch, random state, key).
inline constexpr const char* kOptimizerPrefix = "strata_optimizer/";

/// Adds (or replaces) the training entry of the archive at `path`, and its model.weights.h5 with
/// `trained`'s weights when `trained` is given and the archive's config.json is its architecture.
/// With those weights go `trained`'s optimizer state (kOptimizerPrefix entries); without them
/// `state`'s "resume" entry is dropped (it would describe weights the archive does not hold).
/// Rewrites the archive atomically. Throws strata::Error naming the file.
void saveTrainingToProject(const QString& path, Json state, const ModelSnapshot* trained);

/// The optimizer state saved with a project's trained weights (empty if none).
std::vector<Tensor> loadOptimizerStateFromProject(const QString& path);

/// The training entry of a project, or nullopt if it has none (or is not an archive).
std::optional<Json> loadTrainingFromProject(const QString& path);

}  // namespace strata::studio
