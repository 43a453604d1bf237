#pragma once
/// Nested models on the canvas: "Group into model" turns selected nodes into one Functional node
/// (a sub-model whose Inputs replace the wires coming in), "Expand" inlines a Functional node's
/// layers back into the graph. Both are one undo step made of the document's ordinary commands.
#include <QString>
#include <QStringList>

namespace strata::editor {

class GraphDocument;

/// Groups `ids` into a nested model named `name` (or a fresh "model" name). The wires into the
/// group become its inputs (their shapes must be known), the tensors used outside become its
/// outputs. Refuses Inputs, layers shared with calls outside the group and groups whose result
/// nothing uses. Returns the new node's id, or "" with `why` set.
QString groupIntoModel(GraphDocument& doc, const QStringList& ids, const QString& name = {}, QString* why = nullptr);

/// Inlines a nested model node (called once). Returns the ids of the new nodes, or {} with `why`.
QStringList expandModel(GraphDocument& doc, const QString& id, QString* why = nullptr);

}  // namespace strata::editor
