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

/// Adds (or replaces) the training entry of the archive at `path`, and its model.weights.h5 with
/// `trained`'s weights when `trained` is given and the archive's config.json is its architecture.
/// Rewrites the archive atomically. Throws strata::Error naming the file.
void saveTrainingToProject(const QString& path, const Json& state, const ModelSnapshot* trained);

/// The training entry of a project, or nullopt if it has none (or is not an archive).
std::optional<Json> loadTrainingFromProject(const QString& path);

}  // namespace strata::studio
