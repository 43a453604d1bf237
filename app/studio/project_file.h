#pragma once
/// Studio project files and model files.
///
/// A project is a Keras 3 `.keras` archive (config.json, metadata.json, model.weights.h5, as the
/// engine's saveModel writes them, so Keras opens it) with one more entry, `strata_layout.json`,
/// holding the editor's graph (node ids, unconnected ports, ...) and the canvas positions. A graph
/// that is not a valid model yet is saved as a draft: the layout entry only (Strata opens it,
/// Keras does not), and the caller is told so.
///
/// Opening accepts projects and any model file the engine reads (.json, .h5, .keras without
/// layout); those need auto-layout. Errors are strata::Error naming the file and the problem.
#include <QHash>
#include <QPointF>
#include <QString>

#include "engine/graph/graph_spec.h"

namespace strata::studio {

inline constexpr const char* kLayoutEntry = "strata_layout.json";

struct LoadedGraph {
    GraphSpec spec;
    QHash<QString, QPointF> positions;
    bool needsLayout = false;  ///< no saved positions (a plain model file)
    QString format;            ///< "Strata project", "Keras model config (JSON)", ...
    /// The model as the file holds it, with its weights (null for drafts): saving copies the
    /// weights of layers that are still the same, so editing a trained model keeps its training.
    ModelPtr weights;
};

/// Copies the weights of every layer of `from` into the layer of `to` with the same name, class
/// and weight shapes (the rest keep their fresh initial values). Returns how many layers got them.
int carryOverWeights(const Model& from, Model& to);

LoadedGraph loadGraphFile(const QString& path);

/// Writes a project atomically. Returns "" or a warning for the user (saved as a draft).
QString saveProjectFile(const GraphSpec& spec, const QHash<QString, QPointF>& positions, const QString& path,
                        const Model* weights = nullptr);

/// Exports the built model by extension (.keras, .h5, .json, .weights.h5) through the engine.
void exportModelFile(const GraphSpec& spec, const QString& path, const Model* weights = nullptr);

}  // namespace strata::studio
