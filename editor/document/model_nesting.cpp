#include "editor/document/model_nesting.h"

#include <map>
#include <set>

#include "editor/document/graph_commands.h"
#include "editor/document/graph_document.h"
#include "engine/core/errors.h"
#include "engine/layers/layer_registry.h"

namespace strata::editor {

namespace {

/// Node ids not used in `reserved` (which grows as ids are handed out).
std::string takeId(GraphSpec& reserved, const std::string& layerName) {
    for (size_t k = reserved.nodes.size() + 1;; ++k) {
        std::string id = "n" + std::to_string(k);
        if (!reserved.find(id)) {
            GraphNode placeholder;
            placeholder.id = id;
            placeholder.layerName = layerName;
            reserved.nodes.push_back(placeholder);
            return id;
        }
    }
}

bool fail(QString* why, const QString& text) {
    if (why) *why = text;
    return false;
}

}  // namespace

QString groupIntoModel(GraphDocument& doc, const QStringList& ids, const QString& name, QString* why) {
    const GraphSpec& spec = doc.spec();
    std::set<std::string> group;
    for (const auto& id : ids)
        if (const GraphNode* n = doc.node(id)) group.insert(n->id);
    if (group.empty()) return fail(why, QObject::tr("Select the layers to group first")), QString();
    for (const auto& id : group) {
        const GraphNode* n = spec.find(id);
        if (n->isInput()) return fail(why, QObject::tr("Inputs stay outside a group; select the layers after them")), QString();
        for (const auto& other : spec.nodes)
            if (other.layerName == n->layerName && !group.count(other.id))
                return fail(why, QObject::tr("%1 is shared with a call outside the selection; select all its calls or "
                                             "make that call independent")
                                     .arg(qs(n->layerName))),
                       QString();
    }

    // Wires coming in become the sub-model's Inputs (in order of first use).
    std::vector<TensorRef> external;
    std::map<std::pair<std::string, int>, std::string> inputFor;  // external ref -> Input node id
    GraphSpec sub;
    sub.name = name.isEmpty() ? freshLayerName(spec, "model") : name.toStdString();
    for (const auto& n : spec.nodes) {
        if (!group.count(n.id)) continue;
        for (const auto& r : n.inbound) {
            if (!r.connected()) return fail(why, QObject::tr("%1 has an unconnected input").arg(qs(n.layerName))), QString();
            if (group.count(r.node) || inputFor.count({r.node, r.output})) continue;
            const NodeCheck* c = doc.check().node(r.node);
            if (!c || c->state != NodeState::Ok || r.output >= static_cast<int>(c->outputShapes.size()))
                return fail(why, QObject::tr("The shapes coming into the group must be known; fix the problems "
                                             "upstream first")),
                       QString();
            GraphNode in;
            in.id = "input_" + std::to_string(external.size());
            in.className = "InputLayer";
            in.layerName = freshLayerName(sub, "input_layer");
            Json shape = Json::array();
            const auto& dims = c->outputShapes[r.output].dims();
            for (size_t d = 1; d < dims.size(); ++d) shape.push_back(dims[d] == kNone ? Json(nullptr) : Json(dims[d]));
            in.config = {{"shape", shape}};
            sub.nodes.push_back(in);
            sub.inputs.push_back(in.id);
            inputFor[{r.node, r.output}] = in.id;
            external.push_back(r);
        }
    }
    for (const auto& n : spec.nodes) {
        if (!group.count(n.id)) continue;
        GraphNode c = n;
        for (auto& r : c.inbound)
            if (!group.count(r.node)) r = {inputFor[{r.node, r.output}], 0};
        sub.nodes.push_back(c);
    }
    // Tensors used outside (by other nodes or as model outputs) become the sub-model's outputs.
    std::map<std::pair<std::string, int>, int> outputIndex;
    auto useOutside = [&](const TensorRef& r) {
        if (!group.count(r.node) || outputIndex.count({r.node, r.output})) return;
        outputIndex[{r.node, r.output}] = static_cast<int>(sub.outputs.size());
        sub.outputs.push_back(r);
    };
    for (const auto& n : spec.nodes)
        if (!group.count(n.id))
            for (const auto& r : n.inbound)
                if (r.connected()) useOutside(r);
    for (const auto& r : spec.outputs) useOutside(r);
    if (sub.outputs.empty())
        return fail(why, QObject::tr("Nothing outside the selection uses its result, so the group would have no output")),
               QString();

    ModelPtr model;
    try {
        model = buildModel(sub);
    } catch (const std::exception& e) {
        return fail(why, QObject::tr("The selection is not a valid model: %1").arg(qs(e.what()))), QString();
    }
    GraphNode g;
    GraphSpec reserved = spec;
    g.id = takeId(reserved, sub.name);
    g.className = "Functional";
    g.layerName = sub.name;
    g.config = model->getConfig();
    g.config.erase("name");
    g.inbound = external;
    QPointF center;
    for (const auto& id : group) center += doc.position(qs(id));
    center /= static_cast<qreal>(group.size());

    QUndoStack* undo = doc.undoStack();
    undo->beginMacro(QObject::tr("Group %1 layers into %2").arg(group.size()).arg(qs(sub.name)));
    undo->push(new AddNodeCommand(&doc, g, center, QObject::tr("Add %1").arg(qs(g.layerName))));
    for (const auto& n : spec.nodes) {
        if (group.count(n.id) || n.id == g.id) continue;
        std::vector<TensorRef> after = n.inbound;
        bool changed = false;
        for (auto& r : after)
            if (r.connected() && group.count(r.node)) {
                r = {g.id, outputIndex[{r.node, r.output}]};
                changed = true;
            }
        if (changed) undo->push(new SetInboundCommand(&doc, qs(n.id), n.inbound, after, QObject::tr("Rewire")));
    }
    std::vector<TensorRef> outputs = doc.spec().outputs;
    for (auto& r : outputs)
        if (group.count(r.node)) r = {g.id, outputIndex[{r.node, r.output}]};
    undo->push(new SetOutputsCommand(&doc, doc.spec().outputs, outputs, QObject::tr("Outputs")));
    QStringList removed;
    for (const auto& id : group) removed << qs(id);
    undo->push(new RemoveNodesCommand(&doc, removed));
    undo->endMacro();
    return qs(g.id);
}

QStringList expandModel(GraphDocument& doc, const QString& id, QString* why) {
    const GraphNode* n = doc.node(id);
    if (!n) return {};
    const LayerSpec* ls = LayerRegistry::instance().find(n->className);
    if (!ls || ls->category != LayerCategory::ModelsBlocks)
        return fail(why, QObject::tr("%1 is not a nested model").arg(qs(n->layerName))), QStringList();
    if (doc.callCount(id) > 1)
        return fail(why, QObject::tr("%1 is called %2 times (shared weights); make this call independent before "
                                     "expanding it")
                             .arg(qs(n->layerName))
                             .arg(doc.callCount(id))),
               QStringList();
    GraphSpec inner;
    // A library model's weights go to its layers: each inlined layer keeps its part of them.
    std::map<std::string, std::vector<Tensor>> innerWeights;
    try {
        Json cfg = n->config;
        cfg["name"] = n->layerName;
        LayerPtr layer = LayerRegistry::instance().create(n->className, cfg, false);
        auto* model = dynamic_cast<Model*>(layer.get());
        if (!model) throw GraphError("not a model");
        inner = graphSpecFromModel(*model);
        const LayerOrigin* origin = doc.layerOrigin(qs(n->layerName));
        if (origin && origin->weights && model->weights().size() == origin->weights->size()) {
            try {
                model->setWeights(*origin->weights);
                for (const auto& l : model->layers())
                    if (!l->weights().empty()) innerWeights[l->name()] = l->getWeights();
            } catch (const std::exception&) {
                innerWeights.clear();  // edited since: the file's weights no longer fit
            }
        }
    } catch (const std::exception& e) {
        return fail(why, QObject::tr("Cannot expand %1: %2").arg(qs(n->layerName), qs(e.what()))), QStringList();
    }
    const GraphNode outer = *n;  // copies: the commands below change the spec
    const GraphSpec before = doc.spec();
    std::vector<std::string> innerInputs = modelInputIds(inner);
    if (innerInputs.size() != outer.inbound.size())
        return fail(why, QObject::tr("%1 takes %2 input(s) but %3 are wired")
                             .arg(qs(outer.layerName))
                             .arg(innerInputs.size())
                             .arg(outer.inbound.size())),
               QStringList();

    // Inner layers keep their names where the outer graph does not use them yet.
    GraphSpec reserved = before;
    std::map<std::string, std::string> newId, newName;
    std::map<std::string, TensorRef> inputRef;
    for (size_t i = 0; i < innerInputs.size(); ++i) inputRef[innerInputs[i]] = outer.inbound[i];
    for (const auto& m : inner.nodes) {
        if (m.isInput()) continue;
        if (!newName.count(m.layerName)) newName[m.layerName] = freshLayerName(reserved, m.layerName);
        newId[m.id] = takeId(reserved, newName[m.layerName]);
    }
    auto mapRef = [&](const TensorRef& r) -> TensorRef {
        if (inputRef.count(r.node)) return inputRef[r.node];
        return {newId[r.node], r.output};
    };
    QUndoStack* undo = doc.undoStack();
    undo->beginMacro(QObject::tr("Expand %1").arg(qs(outer.layerName)));
    QStringList created;
    const QPointF origin = doc.position(id);
    int row = 0;
    for (const auto& m : inner.nodes) {
        if (m.isInput()) continue;
        GraphNode c = m;
        c.id = newId[m.id];
        c.layerName = newName[m.layerName];
        for (auto& r : c.inbound) r = mapRef(r);
        undo->push(new AddNodeCommand(&doc, c, origin + QPointF(0, 110.0 * row++), QObject::tr("Add %1").arg(qs(c.layerName))));
        created << qs(c.id);
    }
    if (const LayerOrigin* from = doc.layerOrigin(qs(outer.layerName)); from && !innerWeights.empty()) {
        const LayerOrigin whole = *from;
        for (const auto& [innerName, values] : innerWeights) {
            if (!newName.count(innerName)) continue;
            const QString name = qs(newName[innerName]);
            const GraphNode* m = doc.node(doc.nodeOfLayer(name));
            if (!m) continue;
            LayerOrigin part{whole.file, qs(m->className), qs(outer.layerName),
                             std::make_shared<const std::vector<Tensor>>(values)};
            undo->push(new SetLayerOriginCommand(&doc, name, part, QObject::tr("Library weights of %1").arg(name)));
        }
    }
    for (const auto& m : before.nodes) {
        if (m.id == outer.id) continue;
        std::vector<TensorRef> after = m.inbound;
        bool changed = false;
        for (auto& r : after)
            if (r.connected() && r.node == outer.id && r.output < static_cast<int>(inner.outputs.size())) {
                r = mapRef(inner.outputs[r.output]);
                changed = true;
            }
        if (changed) undo->push(new SetInboundCommand(&doc, qs(m.id), m.inbound, after, QObject::tr("Rewire")));
    }
    std::vector<TensorRef> outputs = before.outputs;
    for (auto& r : outputs)
        if (r.node == outer.id && r.output < static_cast<int>(inner.outputs.size())) r = mapRef(inner.outputs[r.output]);
    undo->push(new SetOutputsCommand(&doc, before.outputs, outputs, QObject::tr("Outputs")));
    undo->push(new RemoveNodesCommand(&doc, {id}));
    undo->endMacro();
    return created;
}

}  // namespace strata::editor
