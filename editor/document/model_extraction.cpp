#include "editor/document/model_extraction.h"

#include <QObject>
#include <map>
#include <set>

#include "editor/document/graph_document.h"

namespace strata::editor {

namespace {

std::optional<ExtractedModel> refuse(QString* why, const QString& text) {
    if (why) *why = text;
    return std::nullopt;
}

/// `(None, 28, 28)` -> `[28, 28]` (the Input's shape is without the batch dim).
Json inputShapeOf(const Shape& s) {
    Json shape = Json::array();
    for (size_t d = 1; d < s.dims().size(); ++d) shape.push_back(s.dims()[d] == kNone ? Json(nullptr) : Json(s.dims()[d]));
    return shape;
}

}  // namespace

std::optional<ExtractedModel> modelFromTensor(const GraphDocument& doc, const QString& id, int output, QString* why) {
    const GraphSpec& spec = doc.spec();
    const GraphNode* cutNode = doc.node(id);
    if (!cutNode) return refuse(why, QObject::tr("Unknown node"));
    const TensorRef cut{cutNode->id, output};
    const std::string cutName = cutNode->layerName;

    // Everything downstream of the tensor: the consumers of that one output (a nested model with
    // several outputs feeds other layers from its other outputs, which do not depend on this one),
    // then everything after them.
    std::map<std::string, std::vector<std::string>> consumers;
    for (const auto& n : spec.nodes)
        for (const auto& r : n.inbound)
            if (r.connected()) consumers[r.node].push_back(n.id);
    std::set<std::string> downstream;
    std::vector<std::string> stack;
    for (const auto& n : spec.nodes)
        for (const auto& r : n.inbound)
            if (r == cut && downstream.insert(n.id).second) stack.push_back(n.id);
    while (!stack.empty()) {
        std::string cur = stack.back();
        stack.pop_back();
        for (const auto& c : consumers[cur])
            if (downstream.insert(c).second) stack.push_back(c);
    }
    std::vector<TensorRef> outputs;
    for (const auto& r : spec.outputs)
        if (downstream.count(r.node)) outputs.push_back(r);
    if (outputs.empty())
        return refuse(why, QObject::tr("No model output comes after %1; mark the layer the new model should end at as "
                                       "an output first (Model Output)")
                               .arg(qs(cutName)));

    // Only what the outputs need: walk back from them, stopping at the cut and at the part's edge.
    std::set<std::string> needed;
    for (const auto& r : outputs) stack.push_back(r.node);
    while (!stack.empty()) {
        std::string cur = stack.back();
        stack.pop_back();
        if (!downstream.count(cur) || !needed.insert(cur).second) continue;
        for (const auto& r : spec.find(cur)->inbound)
            if (r.connected() && r != cut) stack.push_back(r.node);
    }

    ExtractedModel out;
    GraphSpec& part = out.spec;
    part.name = spec.name.empty() ? cutName + "_onward" : spec.name + "_from_" + cutName;
    std::map<std::pair<std::string, int>, std::string> inputFor;  // outside tensor -> new Input id
    std::set<std::string> usedIds;
    for (const auto& n : spec.nodes) usedIds.insert(n.id);
    auto inputNode = [&](const TensorRef& r, const std::string& consumer) -> std::optional<std::string> {
        auto key = std::make_pair(r.node, r.output);
        if (auto it = inputFor.find(key); it != inputFor.end()) return it->second;
        const NodeCheck* c = doc.check().node(r.node);
        if (!c || c->state != NodeState::Ok || r.output >= static_cast<int>(c->outputShapes.size())) return std::nullopt;
        GraphNode in;
        for (int k = 0;; ++k) {
            in.id = "input_" + std::to_string(k);
            if (!usedIds.count(in.id)) break;
        }
        usedIds.insert(in.id);
        in.className = "InputLayer";
        in.layerName = freshLayerName(part, r == cut ? cutName + "_output" : spec.find(r.node)->layerName + "_output");
        in.config = {{"shape", inputShapeOf(c->outputShapes[r.output])}};
        part.nodes.push_back(in);
        part.inputs.push_back(in.id);
        inputFor[key] = in.id;
        const QPointF below = doc.position(qs(consumer));
        out.positions[qs(in.id)] = below - QPointF(0, 110);
        if (r != cut) out.extraInputs << qs(in.layerName);
        return in.id;
    };
    // The cut tensor's Input first, so it is input 0 of the new model.
    {
        const NodeCheck* c = doc.check().node(cut.node);
        if (!c || c->state != NodeState::Ok || output < 0 || output >= static_cast<int>(c->outputShapes.size()))
            return refuse(why, QObject::tr("The shape of %1's output is not known yet; fix the problems above it first")
                                   .arg(qs(cutName)));
        std::string firstConsumer = cut.node;
        for (const auto& n : spec.nodes)
            if (needed.count(n.id)) {
                firstConsumer = n.id;
                break;
            }
        inputNode(cut, firstConsumer);
    }
    for (const auto& n : spec.nodes) {  // graph order
        if (!needed.count(n.id)) continue;
        GraphNode c = n;
        for (auto& r : c.inbound) {
            if (!r.connected() || needed.count(r.node)) continue;
            auto in = inputNode(r, n.id);
            if (!in) {
                const GraphNode* from = spec.find(r.node);  // may be a wire to a node that is gone
                return refuse(why, QObject::tr("%1 also needs %2, whose shape is not known yet")
                                       .arg(qs(n.layerName), from ? qs(from->layerName) : qs(r.node)));
            }
            r = {*in, 0};
        }
        part.nodes.push_back(c);
        out.positions[qs(n.id)] = doc.position(qs(n.id));
    }
    part.outputs = outputs;
    return out;
}

}  // namespace strata::editor
