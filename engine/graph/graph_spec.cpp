#include "engine/graph/graph_spec.h"

#include <set>
#include <unordered_set>

#include "engine/core/errors.h"
#include "engine/graph/input_layer.h"
#include "engine/layers/layer_registry.h"

namespace strata {

// ---- GraphSpec ----------------------------------------------------------------------------------

const GraphNode* GraphSpec::find(const std::string& id) const {
    for (const auto& n : nodes)
        if (n.id == id) return &n;
    return nullptr;
}

GraphNode* GraphSpec::find(const std::string& id) {
    for (auto& n : nodes)
        if (n.id == id) return &n;
    return nullptr;
}

std::vector<std::string> GraphSpec::callsOf(const std::string& layerName) const {
    std::vector<std::string> ids;
    for (const auto& n : nodes)
        if (n.layerName == layerName) ids.push_back(n.id);
    return ids;
}

std::vector<std::string> modelInputIds(const GraphSpec& spec) {
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (const auto& id : spec.inputs) {
        const GraphNode* n = spec.find(id);
        if (n && n->isInput() && seen.insert(id).second) ids.push_back(id);
    }
    for (const auto& n : spec.nodes)
        if (n.isInput() && seen.insert(n.id).second) ids.push_back(n.id);
    return ids;
}

const NodeCheck* GraphCheck::node(const std::string& id) const {
    auto it = nodes.find(id);
    return it == nodes.end() ? nullptr : &it->second;
}

namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

std::string describeNode(const GraphNode& n) { return n.className + " " + quoted(n.layerName); }

/// Kahn's algorithm over the wired inputs. Returns the node indices in an order where every node
/// comes after its producers; nodes on (or fed by) a cycle are left out and returned in `cyclic`.
std::vector<size_t> topologicalOrder(const GraphSpec& spec, const std::unordered_map<std::string, size_t>& index,
                                     std::vector<size_t>* cyclic) {
    const size_t n = spec.nodes.size();
    std::vector<int> pending(n, 0);
    std::vector<std::vector<size_t>> consumers(n);
    for (size_t i = 0; i < n; ++i) {
        for (const auto& ref : spec.nodes[i].inbound) {
            if (!ref.connected()) continue;
            auto it = index.find(ref.node);
            if (it == index.end()) continue;  // reported as a node error
            ++pending[i];
            consumers[it->second].push_back(i);
        }
    }
    std::vector<size_t> order;
    order.reserve(n);
    for (size_t i = 0; i < n; ++i)
        if (pending[i] == 0) order.push_back(i);
    for (size_t k = 0; k < order.size(); ++k)
        for (size_t c : consumers[order[k]])
            if (--pending[c] == 0) order.push_back(c);
    if (cyclic) {
        cyclic->clear();
        for (size_t i = 0; i < n; ++i)
            if (pending[i] > 0) cyclic->push_back(i);
    }
    return order;
}

std::unordered_map<std::string, size_t> indexNodes(const GraphSpec& spec) {
    std::unordered_map<std::string, size_t> index;
    index.reserve(spec.nodes.size() * 2);
    for (size_t i = 0; i < spec.nodes.size(); ++i) index.emplace(spec.nodes[i].id, i);
    return index;
}

Json configWithName(const GraphNode& n) {
    Json cfg = n.config.is_object() ? n.config : Json::object();
    cfg["name"] = n.layerName;
    return cfg;
}

bool sameShapesIgnoringBatch(const std::vector<Shape>& a, const std::vector<Shape>& b, std::string* why) {
    if (a.size() != b.size()) {
        *why = std::to_string(a.size()) + " input(s) instead of " + std::to_string(b.size());
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        bool same = a[i].rank() == b[i].rank();
        for (int d = 1; same && d < a[i].rank(); ++d) same = dimsCompatible(a[i][d], b[i][d]);
        if (!same) {
            *why = "input " + std::to_string(i) + " has shape " + a[i].toString() + " but the first call got " +
                   b[i].toString();
            return false;
        }
    }
    return true;
}

}  // namespace

// ---- GraphValidator -----------------------------------------------------------------------------

/// What the validator remembers of one node: the layer made from its config and the engine's
/// answer for the input shapes it was last asked about.
struct GraphValidator::Cached {
    std::string className;
    std::string layerName;
    Json config;
    std::shared_ptr<Layer> layer;  // null if creating it failed (createError says why)
    std::string createError;
    bool haveResult = false;
    std::vector<Shape> inputShapes;
    NodeCheck result;
};

GraphValidator::GraphValidator() = default;
GraphValidator::~GraphValidator() = default;

void GraphValidator::clearCache() { cache_.clear(); }

GraphCheck GraphValidator::check(const GraphSpec& spec) {
    lastEngineCalls_ = 0;
    GraphCheck out;
    const auto& registry = LayerRegistry::instance();
    auto index = indexNodes(spec);
    std::vector<std::string> graphProblems;

    if (index.size() != spec.nodes.size()) {
        std::set<std::string> seen;
        for (const auto& n : spec.nodes)
            if (!seen.insert(n.id).second) graphProblems.push_back("two nodes have the id " + quoted(n.id));
    }

    std::vector<size_t> cyclic;
    std::vector<size_t> order = topologicalOrder(spec, index, &cyclic);

    auto setError = [&](const GraphNode& n, std::string message) {
        NodeCheck& c = out.nodes[n.id];
        c.state = NodeState::Error;
        c.outputShapes.clear();
        c.message = std::move(message);
    };

    // Shared layers: the first call (in graph order) fixes what the others must match.
    struct FirstCall {
        const GraphNode* node;
        std::vector<Shape> inputShapes;
        bool haveShapes;
    };
    std::unordered_map<std::string, FirstCall> firstCalls;

    std::vector<Shape> inputShapes;
    for (size_t idx : order) {
        const GraphNode& n = spec.nodes[idx];
        NodeCheck& result = out.nodes[n.id];
        const LayerSpec* ls = registry.find(n.className);
        if (!ls) {
            setError(n, "unknown layer class " + quoted(n.className) + " (layer " + quoted(n.layerName) +
                            "): Strata does not implement it");
            continue;
        }
        if (n.layerName.empty()) {
            setError(n, "a " + n.className + " node (" + n.id + ") has no layer name");
            continue;
        }

        auto first = firstCalls.find(n.layerName);
        if (first != firstCalls.end()) {
            const GraphNode& f = *first->second.node;
            if (n.isInput() || f.isInput()) {
                setError(n, "the name " + quoted(n.layerName) + " is used by another layer; Input layers cannot be shared");
                continue;
            }
            if (f.className != n.className) {
                setError(n, "the name " + quoted(n.layerName) + " is already used by a " + f.className +
                                " layer; names must be unique");
                continue;
            }
            if (f.config != n.config) {
                setError(n, "calls of the shared layer " + quoted(n.layerName) + " have different settings");
                continue;
            }
        }

        // Wiring: every port connected to an existing output of a node whose shapes are known.
        bool unknown = false, broken = false;
        inputShapes.clear();
        const int connectedMin = ls->arity.min;
        if (static_cast<int>(n.inbound.size()) < connectedMin) {
            std::string msg = describeNode(n) + ": input " + std::to_string(n.inbound.size()) + " is not connected";
            if (connectedMin > 1) msg += " (it needs at least " + std::to_string(connectedMin) + " inputs)";
            setError(n, msg);
            continue;
        }
        for (size_t i = 0; i < n.inbound.size() && !broken; ++i) {
            const TensorRef& ref = n.inbound[i];
            if (!ref.connected()) {
                setError(n, describeNode(n) + ": input " + std::to_string(i) + " is not connected");
                broken = true;
                break;
            }
            auto pit = index.find(ref.node);
            if (pit == index.end()) {
                setError(n, describeNode(n) + ": input " + std::to_string(i) + " is wired to a node that does not exist (" +
                                ref.node + ")");
                broken = true;
                break;
            }
            const NodeCheck& producer = out.nodes[ref.node];
            if (producer.state != NodeState::Ok) {
                unknown = true;
                continue;
            }
            if (ref.output < 0 || ref.output >= static_cast<int>(producer.outputShapes.size())) {
                const GraphNode& p = spec.nodes[pit->second];
                setError(n, describeNode(n) + ": input " + std::to_string(i) + " is wired to output " +
                                std::to_string(ref.output) + " of " + quoted(p.layerName) + ", which has " +
                                std::to_string(producer.outputShapes.size()) + " output(s)");
                broken = true;
                break;
            }
            inputShapes.push_back(producer.outputShapes[ref.output]);
        }
        if (broken) continue;
        if (unknown) {
            result.state = NodeState::Unknown;
            result.outputShapes.clear();
            result.message.clear();
            if (first == firstCalls.end()) firstCalls.emplace(n.layerName, FirstCall{&n, {}, false});
            continue;
        }

        // The engine: reuse the layer while class, name and config are unchanged, and the answer
        // while the input shapes are unchanged too.
        auto& slot = cache_[n.id];
        if (!slot) slot = std::make_unique<Cached>();
        Cached& c = *slot;
        if (c.className != n.className || c.layerName != n.layerName || c.config != n.config ||
            (!c.layer && c.createError.empty())) {
            c.className = n.className;
            c.layerName = n.layerName;
            c.config = n.config;
            c.layer.reset();
            c.createError.clear();
            c.haveResult = false;
            ++lastEngineCalls_;
            try {
                c.layer = registry.create(n.className, configWithName(n), /*strict=*/false);
            } catch (const std::exception& e) {
                c.createError = e.what();
            }
        }
        if (!c.layer) {
            setError(n, c.createError);
            continue;
        }
        if (!c.haveResult || c.inputShapes != inputShapes) {
            ++lastEngineCalls_;
            c.inputShapes = inputShapes;
            c.haveResult = true;
            try {
                c.result.outputShapes = c.layer->outputShapesFor(inputShapes);
                c.result.state = NodeState::Ok;
                c.result.message.clear();
            } catch (const std::exception& e) {
                c.result.state = NodeState::Error;
                c.result.outputShapes.clear();
                c.result.message = e.what();
            }
        }
        result = c.result;

        if (result.state == NodeState::Ok) {
            if (first == firstCalls.end()) {
                firstCalls.emplace(n.layerName, FirstCall{&n, inputShapes, true});
            } else if (first->second.haveShapes) {
                std::string why;
                if (!sameShapesIgnoringBatch(inputShapes, first->second.inputShapes, &why))
                    setError(n, "call of the shared layer " + quoted(n.layerName) + ": " + why +
                                    "; all calls share the weights built for the first call's shapes");
            } else {
                first->second.inputShapes = inputShapes;
                first->second.haveShapes = true;
            }
        }
    }

    if (!cyclic.empty()) {
        std::string names;
        for (size_t i : cyclic) {
            const GraphNode& n = spec.nodes[i];
            names += (names.empty() ? "" : ", ") + quoted(n.layerName);
            setError(n, describeNode(n) + " is on a cycle (or fed by one); a model's graph must not loop");
        }
        graphProblems.push_back("the graph has a cycle through " + names);
    }

    // Forget the nodes that are gone, so the cache does not grow with every deleted node.
    if (cache_.size() > spec.nodes.size()) {
        for (auto it = cache_.begin(); it != cache_.end();)
            it = index.count(it->first) ? std::next(it) : cache_.erase(it);
    }

    // Graph-level checks.
    if (modelInputIds(spec).empty()) graphProblems.push_back("the model has no Input; add an Input layer");
    if (spec.outputs.empty()) graphProblems.push_back("the model has no output; mark a layer as an output");
    for (size_t i = 0; i < spec.outputs.size(); ++i) {
        const TensorRef& ref = spec.outputs[i];
        const NodeCheck* c = out.node(ref.node);
        if (!c) {
            graphProblems.push_back("output " + std::to_string(i) + " refers to a node that does not exist (" + ref.node + ")");
        } else if (c->state == NodeState::Ok &&
                   (ref.output < 0 || ref.output >= static_cast<int>(c->outputShapes.size()))) {
            graphProblems.push_back("output " + std::to_string(i) + " is output " + std::to_string(ref.output) + " of " +
                                    quoted(spec.find(ref.node)->layerName) + ", which has " +
                                    std::to_string(c->outputShapes.size()) + " output(s)");
        }
    }

    for (size_t idx : order) {
        const auto& n = spec.nodes[idx];
        const NodeCheck& c = out.nodes[n.id];
        if (c.state == NodeState::Error) out.problems.push_back({n.id, c.message});
    }
    for (auto& p : graphProblems) out.problems.push_back({"", std::move(p)});
    return out;
}

GraphCheck validateGraph(const GraphSpec& spec) {
    GraphValidator v;
    return v.check(spec);
}

// ---- building -----------------------------------------------------------------------------------

ModelPtr buildModel(const GraphSpec& spec) {
    GraphCheck check = validateGraph(spec);
    if (!check.ok()) {
        std::string msg = "the graph is not a valid model: ";
        for (size_t i = 0; i < check.problems.size() && i < 3; ++i) msg += (i ? "; " : "") + check.problems[i].message;
        if (check.problems.size() > 3) msg += " (and " + std::to_string(check.problems.size() - 3) + " more)";
        throw GraphError(msg);
    }
    const auto& registry = LayerRegistry::instance();
    auto index = indexNodes(spec);
    std::vector<size_t> order = topologicalOrder(spec, index, nullptr);

    std::unordered_map<std::string, LayerPtr> layers;  // by layer name: one instance per shared layer
    std::unordered_map<std::string, std::vector<KerasTensor>> produced;
    for (size_t idx : order) {
        const GraphNode& n = spec.nodes[idx];
        LayerPtr& layer = layers[n.layerName];
        if (!layer) layer = registry.create(n.className, configWithName(n), /*strict=*/false);
        if (n.isInput()) {
            auto input = std::dynamic_pointer_cast<InputLayer>(layer);
            if (!input) throw GraphError("node " + n.id + " is an InputLayer but its layer is not");
            produced[n.id] = {input->tensor()};
            continue;
        }
        std::vector<KerasTensor> inputs;
        for (const auto& ref : n.inbound) inputs.push_back(produced.at(ref.node).at(ref.output));
        produced[n.id] = (*layer)(inputs);
    }
    std::vector<KerasTensor> inputs, outputs;
    for (const auto& id : modelInputIds(spec)) inputs.push_back(produced.at(id).at(0));
    for (const auto& ref : spec.outputs) outputs.push_back(produced.at(ref.node).at(ref.output));
    return makeModel(inputs, outputs, spec.name);
}

// ---- from a model -------------------------------------------------------------------------------

namespace {

/// InputLayer configs as the palette makes them (shape + batch_size) rather than batch_shape, so the
/// inspector shows the shape without the batch dimension.
Json inputConfigFromLayer(const Layer& layer) {
    Json cfg = layer.getConfig();
    cfg.erase("name");
    const auto* input = dynamic_cast<const InputLayer*>(&layer);
    if (input) {
        Json shape = Json::array();
        const auto& dims = input->batchShape().dims();
        for (size_t i = 1; i < dims.size(); ++i) shape.push_back(dims[i] == kNone ? Json(nullptr) : Json(dims[i]));
        cfg.erase("batch_shape");
        cfg.erase("batch_input_shape");
        cfg["shape"] = shape;
        cfg["batch_size"] = dims.empty() || dims[0] == kNone ? Json(nullptr) : Json(dims[0]);
        cfg.erase("trainable");
    }
    return cfg;
}

}  // namespace

GraphSpec graphSpecFromModel(const Model& model) {
    if (model.nodes().empty() || model.outputs().empty())
        throw GraphError("model " + quoted(model.name()) +
                         " has no graph yet (a Sequential model without an input shape); it cannot be edited");
    GraphSpec spec;
    spec.name = model.name();
    std::unordered_map<const Node*, std::string> ids;
    for (const auto& node : model.nodes()) {
        const Layer& layer = node->layer();
        int k = model.nodeIndexInModel(node.get());
        std::string id = k <= 0 ? layer.name() : layer.name() + "@" + std::to_string(k);
        ids[node.get()] = id;
        GraphNode g;
        g.id = id;
        g.className = layer.className();
        g.layerName = layer.name();
        if (layer.className() == "InputLayer") {
            g.config = inputConfigFromLayer(layer);
        } else {
            g.config = layer.getConfig();
            g.config.erase("name");
        }
        for (const auto& t : node->inputs()) {
            auto it = ids.find(t.node());
            if (it == ids.end())
                throw GraphError("model " + quoted(model.name()) + ": layer " + quoted(layer.name()) +
                                 " is called on a tensor from outside the model");
            g.inbound.push_back({it->second, t.index()});
        }
        spec.nodes.push_back(std::move(g));
    }
    for (const auto& t : model.inputs()) {
        auto it = ids.find(t.node());
        if (it != ids.end()) spec.inputs.push_back(it->second);
    }
    for (const auto& t : model.outputs()) {
        auto it = ids.find(t.node());
        if (it == ids.end()) throw GraphError("model " + quoted(model.name()) + ": an output is not part of its graph");
        spec.outputs.push_back({it->second, t.index()});
    }
    return spec;
}

// ---- JSON ---------------------------------------------------------------------------------------

namespace {

Json refToJson(const TensorRef& r) { return Json::array({r.node, r.output}); }

TensorRef refFromJson(const Json& j, const std::string& where) {
    if (j.is_null()) return {};
    if (!j.is_array() || j.size() != 2 || !j[0].is_string() || !j[1].is_number_integer())
        throw ConfigError(where + " must be [node id, output index] or null, got " + j.dump());
    return {j[0].get<std::string>(), j[1].get<int>()};
}

std::string stringField(const Json& j, const char* key, const std::string& where) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) throw ConfigError(where + " needs a string '" + key + "'");
    return it->get<std::string>();
}

}  // namespace

Json graphSpecToJson(const GraphSpec& spec) {
    Json nodes = Json::array();
    for (const auto& n : spec.nodes) {
        Json inbound = Json::array();
        for (const auto& r : n.inbound) inbound.push_back(r.connected() ? refToJson(r) : Json(nullptr));
        nodes.push_back({{"id", n.id}, {"class_name", n.className}, {"layer_name", n.layerName},
                         {"config", n.config}, {"inbound", inbound}});
    }
    Json outputs = Json::array();
    for (const auto& r : spec.outputs) outputs.push_back(refToJson(r));
    return {{"name", spec.name}, {"nodes", nodes}, {"inputs", spec.inputs}, {"outputs", outputs}};
}

GraphSpec graphSpecFromJson(const Json& j) {
    if (!j.is_object()) throw ConfigError("a graph must be a JSON object, got " + j.dump().substr(0, 80));
    GraphSpec spec;
    if (j.contains("name") && j["name"].is_string()) spec.name = j["name"].get<std::string>();
    if (!j.contains("nodes") || !j["nodes"].is_array()) throw ConfigError("a graph needs a 'nodes' list");
    size_t i = 0;
    for (const auto& e : j["nodes"]) {
        std::string where = "graph node " + std::to_string(i++);
        if (!e.is_object()) throw ConfigError(where + " must be an object");
        GraphNode n;
        n.id = stringField(e, "id", where);
        where += " (" + n.id + ")";
        n.className = stringField(e, "class_name", where);
        n.layerName = stringField(e, "layer_name", where);
        n.config = e.value("config", Json::object());
        if (!n.config.is_object()) throw ConfigError(where + ": 'config' must be an object");
        if (e.contains("inbound")) {
            if (!e["inbound"].is_array()) throw ConfigError(where + ": 'inbound' must be a list");
            for (const auto& r : e["inbound"]) n.inbound.push_back(refFromJson(r, where + " inbound"));
        }
        spec.nodes.push_back(std::move(n));
    }
    if (j.contains("inputs")) {
        if (!j["inputs"].is_array()) throw ConfigError("graph 'inputs' must be a list of node ids");
        for (const auto& e : j["inputs"]) {
            if (!e.is_string()) throw ConfigError("graph 'inputs' must be a list of node ids, got " + e.dump());
            spec.inputs.push_back(e.get<std::string>());
        }
    }
    if (j.contains("outputs")) {
        if (!j["outputs"].is_array()) throw ConfigError("graph 'outputs' must be a list");
        for (const auto& e : j["outputs"]) {
            TensorRef r = refFromJson(e, "graph output");
            if (!r.connected()) throw ConfigError("graph outputs must not be null");
            spec.outputs.push_back(r);
        }
    }
    return spec;
}

std::string freshLayerName(const GraphSpec& spec, const std::string& base) {
    std::unordered_set<std::string> used;
    for (const auto& n : spec.nodes) used.insert(n.layerName);
    if (!used.count(base)) return base;
    for (int k = 1;; ++k) {
        std::string name = base + "_" + std::to_string(k);
        if (!used.count(name)) return name;
    }
}

}  // namespace strata
