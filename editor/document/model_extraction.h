#pragma once
/// Cutting a model as the Keras guides do by hand (`Model(inputs=layer.output, outputs=...)`):
/// "New model from here" takes one tensor of the graph and everything from it to the model outputs
/// it feeds, as a model of its own whose Input replaces that tensor.
#include <QHash>
#include <QPointF>
#include <QString>
#include <optional>

#include "engine/graph/graph_spec.h"

namespace strata::editor {

class GraphDocument;

struct ExtractedModel {
    GraphSpec spec;
    QHash<QString, QPointF> positions;
    /// Inputs made for other tensors the part needs (a branch joining it from elsewhere), by layer name.
    QStringList extraInputs;
};

/// The part of `doc`'s graph downstream of output `output` of node `id` that reaches a model
/// output: its layers (names, settings, positions kept) with a new Input of that tensor's shape in
/// place of the tensor. A tensor from outside the part that it also needs (a branch merging in)
/// gets an Input too, listed in `extraInputs`. Refuses unknown nodes, tensors whose shape is not
/// known, and tensors from which no model output can be reached, saying why.
std::optional<ExtractedModel> modelFromTensor(const GraphDocument& doc, const QString& id, int output = 0,
                                              QString* why = nullptr);

}  // namespace strata::editor
