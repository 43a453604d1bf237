#include "editor/document/graph_commands.h"

#include <algorithm>
#include <set>

#include "editor/document/graph_document.h"

namespace strata::editor {

// ---- AddNodeCommand -----------------------------------------------------------------------------

AddNodeCommand::AddNodeCommand(GraphDocument* doc, GraphNode node, QPointF pos, const QString& text)
    : doc_(doc), node_(std::move(node)), pos_(pos), inputsBefore_(doc->spec().inputs) {
    setText(text);
}

void AddNodeCommand::redo() {
    GraphDocument::EditBatch batch(doc_);
    doc_->insertNodeRaw(node_, pos_);
    if (node_.isInput()) {
        auto inputs = inputsBefore_;
        inputs.push_back(node_.id);
        doc_->setInputsRaw(inputs);
    }
}

void AddNodeCommand::undo() {
    GraphDocument::EditBatch batch(doc_);
    if (node_.isInput()) doc_->setInputsRaw(inputsBefore_);
    doc_->removeNodeRaw(qs(node_.id));
}

// ---- RemoveNodesCommand -------------------------------------------------------------------------

RemoveNodesCommand::RemoveNodesCommand(GraphDocument* doc, const QStringList& ids) : doc_(doc) {
    const GraphSpec& spec = doc->spec();
    std::set<std::string> gone;
    for (const auto& id : ids)
        if (spec.find(id.toStdString())) gone.insert(id.toStdString());
    for (size_t i = 0; i < spec.nodes.size(); ++i) {
        const GraphNode& n = spec.nodes[i];
        if (gone.count(n.id)) {
            removed_.push_back({static_cast<int>(i), n, doc->position(qs(n.id))});
            continue;
        }
        // Consumers lose the wires from removed nodes; variadic layers close the gap so the
        // remaining inputs stay in order, fixed-arity layers keep an empty port.
        bool touched = false;
        std::vector<TensorRef> after;
        const int ports = doc->inputPortCount(qs(n.id));
        const bool variadic = ports > static_cast<int>(n.inbound.size());
        for (const auto& ref : n.inbound) {
            if (ref.connected() && gone.count(ref.node)) {
                touched = true;
                if (!variadic) after.push_back({});
            } else {
                after.push_back(ref);
            }
        }
        while (!after.empty() && !after.back().connected()) after.pop_back();
        if (touched) rewired_.push_back({qs(n.id), n.inbound, after});
    }
    outputsBefore_ = spec.outputs;
    for (const auto& r : spec.outputs)
        if (!gone.count(r.node)) outputsAfter_.push_back(r);
    inputsBefore_ = spec.inputs;
    for (const auto& id : spec.inputs)
        if (!gone.count(id)) inputsAfter_.push_back(id);
    setText(removed_.size() == 1 ? QObject::tr("Delete %1").arg(qs(removed_[0].node.layerName))
                                 : QObject::tr("Delete %1 layers").arg(removed_.size()));
}

void RemoveNodesCommand::redo() {
    GraphDocument::EditBatch batch(doc_);
    for (const auto& r : rewired_) doc_->setInboundRaw(r.id, r.after);
    doc_->setOutputsRaw(outputsAfter_);
    doc_->setInputsRaw(inputsAfter_);
    for (auto it = removed_.rbegin(); it != removed_.rend(); ++it) doc_->removeNodeRaw(qs(it->node.id));
}

void RemoveNodesCommand::undo() {
    GraphDocument::EditBatch batch(doc_);
    for (const auto& r : removed_) doc_->insertNodeRaw(r.node, r.pos, r.index);
    for (const auto& r : rewired_) doc_->setInboundRaw(r.id, r.before);
    doc_->setOutputsRaw(outputsBefore_);
    doc_->setInputsRaw(inputsBefore_);
}

// ---- SetInboundCommand --------------------------------------------------------------------------

SetInboundCommand::SetInboundCommand(GraphDocument* doc, const QString& id, std::vector<TensorRef> before,
                                     std::vector<TensorRef> after, const QString& text)
    : doc_(doc), id_(id), before_(std::move(before)), after_(std::move(after)) {
    setText(text);
}

void SetInboundCommand::redo() { doc_->setInboundRaw(id_, after_); }
void SetInboundCommand::undo() { doc_->setInboundRaw(id_, before_); }

// ---- MoveNodesCommand ---------------------------------------------------------------------------

MoveNodesCommand::MoveNodesCommand(GraphDocument* doc, QHash<QString, QPointF> before, QHash<QString, QPointF> after)
    : doc_(doc), before_(std::move(before)), after_(std::move(after)) {
    setText(after_.size() == 1 ? QObject::tr("Move layer") : QObject::tr("Move %1 layers").arg(after_.size()));
}

void MoveNodesCommand::redo() {
    for (auto it = after_.begin(); it != after_.end(); ++it) doc_->setPositionRaw(it.key(), it.value());
}

void MoveNodesCommand::undo() {
    for (auto it = before_.begin(); it != before_.end(); ++it) doc_->setPositionRaw(it.key(), it.value());
}

bool MoveNodesCommand::mergeWith(const QUndoCommand* other) {
    const auto* o = static_cast<const MoveNodesCommand*>(other);
    if (o->after_.keys().size() != after_.size()) return false;
    for (auto it = o->after_.begin(); it != o->after_.end(); ++it)
        if (!after_.contains(it.key())) return false;
    for (auto it = o->after_.begin(); it != o->after_.end(); ++it) after_[it.key()] = it.value();
    return true;
}

// ---- SetConfigCommand ---------------------------------------------------------------------------

SetConfigCommand::SetConfigCommand(GraphDocument* doc, const QString& layerName, const QString& key, Json before,
                                   Json after)
    : doc_(doc), layerName_(layerName), key_(key), before_(std::move(before)), after_(std::move(after)) {
    setText(QObject::tr("Set %1 of %2").arg(key, layerName));
}

void SetConfigCommand::redo() { doc_->setLayerConfigRaw(layerName_, after_); }
void SetConfigCommand::undo() { doc_->setLayerConfigRaw(layerName_, before_); }

bool SetConfigCommand::mergeWith(const QUndoCommand* other) {
    const auto* o = static_cast<const SetConfigCommand*>(other);
    if (o->layerName_ != layerName_ || o->key_ != key_) return false;
    after_ = o->after_;
    return true;
}

// ---- RenameLayerCommand -------------------------------------------------------------------------

RenameLayerCommand::RenameLayerCommand(GraphDocument* doc, const QString& oldName, const QString& newName)
    : doc_(doc), old_(oldName), new_(newName) {
    setText(QObject::tr("Rename %1 to %2").arg(oldName, newName));
}

void RenameLayerCommand::redo() { doc_->renameLayerRaw(old_, new_); }
void RenameLayerCommand::undo() { doc_->renameLayerRaw(new_, old_); }

// ---- SetNodeLayerCommand ------------------------------------------------------------------------

SetNodeLayerCommand::SetNodeLayerCommand(GraphDocument* doc, const QString& id, QString oldName, Json oldConfig,
                                         QString newName, Json newConfig, const QString& text)
    : doc_(doc),
      id_(id),
      oldName_(std::move(oldName)),
      newName_(std::move(newName)),
      oldConfig_(std::move(oldConfig)),
      newConfig_(std::move(newConfig)) {
    setText(text);
}

void SetNodeLayerCommand::redo() { doc_->setNodeLayerRaw(id_, newName_, newConfig_); }
void SetNodeLayerCommand::undo() { doc_->setNodeLayerRaw(id_, oldName_, oldConfig_); }

// ---- outputs and inputs -------------------------------------------------------------------------

SetOutputsCommand::SetOutputsCommand(GraphDocument* doc, std::vector<TensorRef> before, std::vector<TensorRef> after,
                                     const QString& text)
    : doc_(doc), before_(std::move(before)), after_(std::move(after)) {
    setText(text);
}

void SetOutputsCommand::redo() { doc_->setOutputsRaw(after_); }
void SetOutputsCommand::undo() { doc_->setOutputsRaw(before_); }

SetInputsCommand::SetInputsCommand(GraphDocument* doc, std::vector<std::string> before, std::vector<std::string> after)
    : doc_(doc), before_(std::move(before)), after_(std::move(after)) {
    setText(QObject::tr("Reorder inputs"));
}

void SetInputsCommand::redo() { doc_->setInputsRaw(after_); }
void SetInputsCommand::undo() { doc_->setInputsRaw(before_); }

// ---- ReplaceNodesCommand ------------------------------------------------------------------------

ReplaceNodesCommand::ReplaceNodesCommand(GraphDocument* doc, std::vector<GraphNode> before, std::vector<GraphNode> after,
                                         const QString& text)
    : doc_(doc), before_(std::move(before)), after_(std::move(after)) {
    setText(text);
}

void ReplaceNodesCommand::redo() {
    GraphDocument::EditBatch batch(doc_);
    for (const auto& n : after_) doc_->replaceNodeRaw(n);
}

void ReplaceNodesCommand::undo() {
    GraphDocument::EditBatch batch(doc_);
    for (const auto& n : before_) doc_->replaceNodeRaw(n);
}

// ---- SetLayerOriginCommand ----------------------------------------------------------------------

SetLayerOriginCommand::SetLayerOriginCommand(GraphDocument* doc, const QString& layerName,
                                             std::optional<LayerOrigin> after, const QString& text)
    : doc_(doc), layerName_(layerName), after_(std::move(after)) {
    if (const LayerOrigin* o = doc->layerOrigin(layerName)) before_ = *o;
    setText(text);
}

void SetLayerOriginCommand::redo() { doc_->setLayerOriginRaw(layerName_, after_ ? &*after_ : nullptr); }

void SetLayerOriginCommand::undo() { doc_->setLayerOriginRaw(layerName_, before_ ? &*before_ : nullptr); }

}  // namespace strata::editor
