#pragma once
/// GraphSpec: a model as plain, copyable data — the form the Studio edits. Nodes are layer calls,
/// wires are (producer node, output index) references in each node's `inbound` list, and a shared
/// layer is several nodes with the same `layerName` (one layer instance, one set of weights).
///
/// The engine stays the only source of shape inference: `GraphValidator` creates each layer with
/// the LayerRegistry and asks Layer::outputShapesFor; it never re-implements shapes. It caches the
/// created layers and the shapes per node so that checking again after an edit only calls the
/// engine for the nodes whose config or input shapes changed (everything downstream of the edit).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/json.h"
#include "engine/core/shape.h"
#include "engine/graph/model.h"

namespace strata {

/// One output of one node; an empty `node` is an input port left unconnected.
struct TensorRef {
    std::string node;
    int output = 0;

    bool connected() const { return !node.empty(); }
    bool operator==(const TensorRef& o) const { return node == o.node && output == o.output; }
    bool operator!=(const TensorRef& o) const { return !(*this == o); }
};

/// One call of a layer.
struct GraphNode {
    std::string id;         ///< unique within the graph; stable across edits
    std::string className;  ///< Keras class name ("Dense", "InputLayer", "Functional", ...)
    std::string layerName;  ///< the layer's name; several nodes with one name are calls of one layer
    Json config = Json::object();  ///< the layer's config without "name" (same in every call)
    std::vector<TensorRef> inbound;  ///< input port i is wired to inbound[i]

    bool isInput() const { return className == "InputLayer"; }
};

struct GraphSpec {
    std::string name;                ///< model name ("" lets the engine choose)
    std::vector<GraphNode> nodes;    ///< any order; validation sorts them
    /// Model inputs in order (ids of InputLayer nodes). InputLayer nodes not listed here are
    /// appended in node order by `modelInputIds`.
    std::vector<std::string> inputs;
    std::vector<TensorRef> outputs;  ///< model outputs in order

    const GraphNode* find(const std::string& id) const;
    GraphNode* find(const std::string& id);
    /// The ids of the nodes calling layer `layerName`, in node order.
    std::vector<std::string> callsOf(const std::string& layerName) const;
};

/// The model's input node ids: `spec.inputs` (known InputLayer ids) then the other InputLayer nodes.
std::vector<std::string> modelInputIds(const GraphSpec& spec);

enum class NodeState {
    Ok,       ///< shapes known
    Error,    ///< this node itself is wrong (message says why)
    Unknown,  ///< an upstream node is wrong or unconnected, so this node's shapes are unknown
};

struct NodeCheck {
    NodeState state = NodeState::Unknown;
    std::vector<Shape> outputShapes;  ///< empty unless Ok
    std::string message;              ///< for Error: the engine's message (which input, expected vs actual)
};

/// A problem of the whole graph or of one node (`node` empty for the graph).
struct GraphProblem {
    std::string node;
    std::string message;
};

struct GraphCheck {
    std::map<std::string, NodeCheck> nodes;  ///< every node of the spec
    std::vector<GraphProblem> problems;      ///< node errors first (graph order), then graph problems
    bool ok() const { return problems.empty(); }
    const NodeCheck* node(const std::string& id) const;
};

/// Checks a GraphSpec with the engine, reusing the work of the previous check: a node is sent to
/// the engine again only if its class, config or input shapes changed since then. Not thread-safe.
class GraphValidator {
public:
    GraphValidator();
    ~GraphValidator();
    GraphValidator(const GraphValidator&) = delete;
    GraphValidator& operator=(const GraphValidator&) = delete;

    GraphCheck check(const GraphSpec& spec);
    /// How many nodes the last check() sent to the engine (the rest came from the cache).
    int lastEngineCalls() const { return lastEngineCalls_; }
    void clearCache();

private:
    struct Cached;
    std::unordered_map<std::string, std::unique_ptr<Cached>> cache_;
    int lastEngineCalls_ = 0;
};

/// One-off check (a fresh validator).
GraphCheck validateGraph(const GraphSpec& spec);

/// Builds the engine model: one layer per layerName, called in graph order. Throws GraphError
/// listing the problems if the graph is not valid, or the engine's error naming the layer.
ModelPtr buildModel(const GraphSpec& spec);

/// The graph of a model (for opening .json/.h5/.keras files). Node ids are the layer names, with
/// "@k" appended for the k-th further call of a shared layer. Nested models become one node whose
/// config is the nested model's config. Throws GraphError for a model without a graph.
GraphSpec graphSpecFromModel(const Model& model);

/// Plain JSON form of a GraphSpec (the Studio keeps it in project files) and back. fromJson throws
/// ConfigError naming the field that is wrong.
Json graphSpecToJson(const GraphSpec& spec);
GraphSpec graphSpecFromJson(const Json& json);

/// A layer name not used by any node: `base`, else `base_1`, `base_2`, ...
std::string freshLayerName(const GraphSpec& spec, const std::string& base);

}  // namespace strata
