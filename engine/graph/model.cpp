#include "engine/graph/model.h"

#include <algorithm>
#include <functional>
#include <set>

#include "engine/core/errors.h"
#include "engine/graph/input_layer.h"

namespace strata {

// ---- per-call execution state ---------------------------------------------------------------------

struct Model::ExecState : LayerCache {
    std::vector<Tensors> outputs;                       // per node
    std::vector<std::unique_ptr<LayerCache>> caches;    // per node
    std::vector<std::optional<Tensor>> masks;           // per node, for output 0
    std::vector<ConstTensorPtrs> inputPtrs;             // per node
    std::vector<ConstTensorPtrs> maskPtrs;              // per node
    std::vector<Tensors> outputGrads;                   // per node
    std::vector<std::vector<char>> gradSet;             // per node output
    std::vector<Tensors> inputGrads;                    // per node scratch
    std::vector<char> gradWanted;                       // per node: someone reads its output gradient
    std::vector<const Tensor*> fed;                     // per model input
};

// ---- construction ---------------------------------------------------------------------------------

Model::Model(const std::string& className, const std::string& name)
    : Layer(className, name.empty() ? Json::object() : Json{{"name", name}}) {}

Model::Model(std::vector<KerasTensor> inputs, std::vector<KerasTensor> outputs, const std::string& name)
    : Layer("Functional", name.empty() ? Json{{"name", uniqueName("functional")}} : Json{{"name", name}}) {
    initGraph(std::move(inputs), std::move(outputs));
}

static std::vector<KerasTensor> flattenNamed(const NamedTensors& named) {
    auto sorted = named;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<KerasTensor> v;
    for (auto& [k, t] : sorted) v.push_back(t);
    return v;
}

Model::Model(const NamedTensors& inputs, std::vector<KerasTensor> outputs, const std::string& name)
    : Model(flattenNamed(inputs), std::move(outputs), name) {}

Model::~Model() = default;

ModelPtr makeModel(std::vector<KerasTensor> inputs, std::vector<KerasTensor> outputs, const std::string& name) {
    return std::make_shared<Model>(std::move(inputs), std::move(outputs), name);
}
ModelPtr makeModel(const KerasTensor& input, const KerasTensor& output, const std::string& name) {
    return makeModel(std::vector<KerasTensor>{input}, std::vector<KerasTensor>{output}, name);
}

void Model::initGraph(std::vector<KerasTensor> inputs, std::vector<KerasTensor> outputs) {
    if (outputs.empty()) throw GraphError("Model '" + name() + "' needs at least one output");
    for (size_t i = 0; i < inputs.size(); ++i)
        if (!inputs[i].valid()) throw GraphError("Model '" + name() + "' input " + std::to_string(i) + " is empty");
    for (size_t i = 0; i < outputs.size(); ++i)
        if (!outputs[i].valid()) throw GraphError("Model '" + name() + "' output " + std::to_string(i) + " is empty");

    // Inputs that are intermediate tensors: start the model there. Like Keras's clone_graph_nodes,
    // re-call the layers between the new Inputs and the outputs (sharing their weights).
    bool needsCut = false;
    for (const auto& t : inputs)
        if (!dynamic_cast<InputLayer*>(&t.layer())) needsCut = true;
    if (needsCut) {
        std::map<KerasTensor, KerasTensor> mapped;
        for (auto& t : inputs) {
            if (dynamic_cast<InputLayer*>(&t.layer())) {
                mapped[t] = t;
                continue;
            }
            auto dims = t.shape().withoutBatch().dims();
            auto ni = Input(dims, "", dtypeName(t.dtype()), t.shape()[0]);
            mapped[t] = ni;
        }
        std::set<Node*> inProgress;
        std::function<KerasTensor(const KerasTensor&)> rebuild = [&](const KerasTensor& t) -> KerasTensor {
            auto it = mapped.find(t);
            if (it != mapped.end()) return it->second;
            Node* n = t.node();
            if (n->isInput())
                throw GraphError("Graph disconnected: output of model '" + name() + "' needs input layer '" +
                                 n->layer().name() + "', which is not among the model's inputs");
            if (!inProgress.insert(n).second) throw GraphError("cycle at layer '" + n->layer().name() + "'");
            std::vector<KerasTensor> ins;
            for (const auto& x : n->inputs()) ins.push_back(rebuild(x));
            inProgress.erase(n);
            auto outs = n->layer()(ins);
            for (int k = 0; k < n->numOutputs(); ++k) mapped[KerasTensor(t.nodePtr(), k)] = outs[k];
            return mapped.at(t);
        };
        std::vector<KerasTensor> newOutputs;
        for (auto& o : outputs) newOutputs.push_back(rebuild(o));
        for (auto& t : inputs) t = mapped.at(t);
        outputs = std::move(newOutputs);
    }
    inputs_ = std::move(inputs);
    outputs_ = std::move(outputs);
    mapGraph();
    markBuilt([&] {
        std::vector<Shape> s;
        for (const auto& t : inputs_) s.push_back(t.shape());
        return s;
    }());
    ownState_.reset();
}

void Model::mapGraph() {
    // Depth-first walk from the outputs (Keras's _build_map), stopping at the model's inputs.
    std::set<const Node*> finished, inProgress;
    std::vector<std::shared_ptr<Node>> decreasingDepth;
    std::map<const Layer*, int> layerIndex;
    auto isModelInput = [&](const KerasTensor& t) {
        return std::find(inputs_.begin(), inputs_.end(), t) != inputs_.end();
    };
    std::function<void(const KerasTensor&)> visit = [&](const KerasTensor& t) {
        const auto& node = t.nodePtr();
        if (finished.count(node.get())) return;
        if (inProgress.count(node.get()))
            throw GraphError("Model '" + name() + "': tensor from layer '" + node->layer().name() + "' is part of a cycle");
        if (!layerIndex.count(&node->layer())) layerIndex[&node->layer()] = static_cast<int>(layerIndex.size());
        inProgress.insert(node.get());
        if (!node->isInput() && !isModelInput(t))
            for (const auto& x : node->inputs()) visit(x);
        finished.insert(node.get());
        inProgress.erase(node.get());
        decreasingDepth.push_back(node);
    };
    for (const auto& o : outputs_) visit(o);

    std::map<const Node*, int> depth;
    std::map<const Layer*, int> layerDepth;
    for (auto it = decreasingDepth.rbegin(); it != decreasingDepth.rend(); ++it) {
        const Node* n = it->get();
        int d = depth.count(n) ? depth[n] : 0;
        int prev = layerDepth.count(&n->layer()) ? layerDepth[&n->layer()] : 0;
        d = std::max(d, prev);
        layerDepth[&n->layer()] = d;
        depth[n] = d;
        if (!n->isInput())
            for (const auto& x : n->inputs()) {
                int pd = depth.count(x.node()) ? depth[x.node()] : 0;
                depth[x.node()] = std::max(d + 1, pd);
            }
    }
    // Inputs not connected to any output still belong to the model (Keras keeps them, depth 0).
    for (const auto& in : inputs_) {
        if (!depth.count(in.node())) {
            depth[in.node()] = 0;
            layerDepth[&in.layer()] = 0;
            layerIndex[&in.layer()] = -1;
            decreasingDepth.insert(decreasingDepth.begin(), in.nodePtr());
        }
    }

    // Layers ordered by depth (descending), then by traversal order.
    std::map<int, std::vector<const Layer*>, std::greater<int>> byDepth;
    for (auto& [l, d] : layerDepth) byDepth[d].push_back(l);
    std::map<const Layer*, std::shared_ptr<Layer>> owners;
    for (const auto& n : decreasingDepth) owners[&n->layer()] = n->layerPtr();
    layers_.clear();
    for (auto& [d, ls] : byDepth) {
        std::sort(ls.begin(), ls.end(), [&](const Layer* a, const Layer* b) { return layerIndex[a] < layerIndex[b]; });
        for (const Layer* l : ls) layers_.push_back(owners.at(l));
    }

    // Nodes in execution order: depth descending, stable by discovery.
    nodes_ = decreasingDepth;
    std::stable_sort(nodes_.begin(), nodes_.end(),
                     [&](const auto& a, const auto& b) { return depth[a.get()] > depth[b.get()]; });
    nodeDepth_ = depth;

    // Every tensor a node needs must come from the inputs ("graph disconnected").
    std::set<KerasTensor> computable(inputs_.begin(), inputs_.end());
    for (const auto& n : nodes_) {
        bool fedAsInput = false;
        for (int k = 0; k < n->numOutputs(); ++k)
            if (computable.count(KerasTensor(n, k))) fedAsInput = true;
        if (!fedAsInput) {
            if (n->isInput())
                throw GraphError("Graph disconnected: model '" + name() + "' needs input layer '" + n->layer().name() +
                                 "' (shape " + n->outputShapes()[0].toString() +
                                 "), which is not among the model's inputs");
            for (const auto& x : n->inputs())
                if (!computable.count(x))
                    throw GraphError("Graph disconnected: layer '" + n->layer().name() + "' needs tensor " +
                                     x.describe() + ", which cannot be computed from the model's inputs");
        }
        for (int k = 0; k < n->numOutputs(); ++k) computable.insert(KerasTensor(n, k));
    }

    // Unique layer names (configs refer to layers by name).
    std::map<std::string, int> counts;
    for (const auto& l : layers_) counts[l->name()]++;
    for (const auto& [nm, c] : counts)
        if (c > 1)
            throw GraphError("Model '" + name() + "': the name \"" + nm + "\" is used " + std::to_string(c) +
                             " times in the model; all layer names must be unique");
}

// ---- accessors ------------------------------------------------------------------------------------

std::vector<std::shared_ptr<Layer>> Model::layers() const { return layers_; }

std::vector<Layer*> Model::subLayers() const {
    std::vector<Layer*> v;
    for (const auto& l : layers()) v.push_back(l.get());
    for (const auto& l : tracked_) v.push_back(l.get());
    return v;
}

std::shared_ptr<Layer> Model::getLayer(const std::string& n) const {
    for (const auto& l : layers())
        if (l->name() == n) return l;
    std::string all;
    for (const auto& l : layers()) all += (all.empty() ? "" : ", ") + l->name();
    throw ValueError("Model '" + name() + "' has no layer named '" + n + "' (layers: " + all + ")");
}

std::shared_ptr<Layer> Model::getLayer(int index) const {
    auto ls = layers();
    if (index < 0 || index >= static_cast<int>(ls.size()))
        throw ValueError("Model '" + name() + "' has " + std::to_string(ls.size()) + " layers, asked for index " +
                         std::to_string(index));
    return ls[index];
}

std::vector<std::string> Model::inputNames() const {
    std::vector<std::string> v;
    for (const auto& t : inputs_) v.push_back(t.layer().name());
    return v;
}

std::vector<std::string> Model::outputNames() const {
    std::vector<std::string> v;
    for (const auto& t : outputs_) v.push_back(t.layer().name());
    return v;
}

int Model::nodeIndexInModel(const Node* node) const {
    int idx = 0;
    for (const auto& n : node->layer().inboundNodes()) {
        if (n.get() == node) return idx;
        if (containsNode(n.get())) ++idx;
    }
    return -1;
}

// ---- shapes ---------------------------------------------------------------------------------------

std::vector<std::vector<Shape>> Model::inferNodeShapes(const std::vector<Shape>& inputShapes) const {
    if (inputShapes.size() != inputs_.size())
        throw ShapeError("Model '" + name() + "' expects " + std::to_string(inputs_.size()) + " input(s), got " +
                         std::to_string(inputShapes.size()));
    std::map<const Node*, size_t> pos;
    for (size_t i = 0; i < nodes_.size(); ++i) pos[nodes_[i].get()] = i;
    std::vector<std::vector<Shape>> shapes(nodes_.size());
    for (size_t i = 0; i < inputs_.size(); ++i) {
        const Shape& expected = inputs_[i].shape();
        const Shape& got = inputShapes[i];
        bool ok = expected.rank() == got.rank();
        for (int d = 0; ok && d < got.rank(); ++d) ok = dimsCompatible(expected[d], got[d]);
        if (!ok)
            throw ShapeError("Model '" + name() + "' input " + std::to_string(i) + " ('" + inputs_[i].layer().name() +
                             "'): expected shape " + expected.toString() + ", got " + got.toString());
        auto& s = shapes[pos.at(inputs_[i].node())];
        s.resize(inputs_[i].node()->numOutputs());
        // Keep the more specific of the two shapes.
        Shape merged = expected;
        for (int d = 0; d < got.rank(); ++d)
            if (merged[d] == kNone) merged[d] = got[d];
        s[inputs_[i].index()] = merged;
    }
    for (size_t i = 0; i < nodes_.size(); ++i) {
        const auto& n = nodes_[i];
        if (!shapes[i].empty()) continue;  // fed as input
        std::vector<Shape> ins;
        for (const auto& x : n->inputs()) ins.push_back(shapes[pos.at(x.node())].at(x.index()));
        shapes[i] = n->layer().outputShapesFor(ins);
    }
    return shapes;
}

std::vector<Shape> Model::computeOutputShape(const std::vector<Shape>& inputShapes) const {
    auto shapes = inferNodeShapes(inputShapes);
    std::map<const Node*, size_t> pos;
    for (size_t i = 0; i < nodes_.size(); ++i) pos[nodes_[i].get()] = i;
    std::vector<Shape> out;
    for (const auto& o : outputs_) out.push_back(shapes[pos.at(o.node())].at(o.index()));
    return out;
}

std::vector<DType> Model::computeOutputDType(const std::vector<DType>&) const {
    std::vector<DType> v;
    for (const auto& o : outputs_) v.push_back(o.dtype());
    return v;
}

// ---- execution ------------------------------------------------------------------------------------

Model::ExecState& Model::stateFor(CallContext& ctx) { return ctx.cache<ExecState>(); }

void Model::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    if (!graphReady()) throw ValueError("Model '" + name() + "' has no graph yet (it is not built)");
    if (inputs.size() != inputs_.size())
        throw ValueError("Model '" + name() + "' expects " + std::to_string(inputs_.size()) + " input(s), got " +
                         std::to_string(inputs.size()));
    ExecState& st = stateFor(ctx);
    const size_t n = nodes_.size();
    if (st.outputs.size() != n) {
        st.outputs.assign(n, {});
        st.caches.clear();
        st.caches.resize(n);
        st.masks.assign(n, std::nullopt);
        st.inputPtrs.assign(n, {});
        st.maskPtrs.assign(n, {});
    }
    std::map<const Node*, size_t> pos;
    for (size_t i = 0; i < n; ++i) pos[nodes_[i].get()] = i;
    // Which node output does each model input feed?
    st.fed.assign(n, nullptr);
    std::vector<const Tensor*> fedMask(n, nullptr);
    for (size_t i = 0; i < inputs_.size(); ++i) {
        const Tensor& t = *inputs[i];
        const Shape& expected = inputs_[i].shape();
        bool ok = expected.rank() == t.rank();
        for (int d = 1; ok && d < t.rank(); ++d) ok = dimsCompatible(expected[d], t.dim(d));
        if (!ok)
            throw ShapeError("Model '" + name() + "' input " + std::to_string(i) + " ('" + inputs_[i].layer().name() +
                             "'): expected shape " + expected.toString() + ", got " + t.shapeString());
        size_t p = pos.at(inputs_[i].node());
        st.fed[p] = &t;
        fedMask[p] = ctx.mask(i);
    }
    auto tensorOf = [&](const KerasTensor& x) -> const Tensor* {
        size_t p = pos.at(x.node());
        if (st.fed[p]) return st.fed[p];
        return &st.outputs[p][x.index()];
    };
    auto maskOf = [&](const KerasTensor& x) -> const Tensor* {
        size_t p = pos.at(x.node());
        if (st.fed[p]) return fedMask[p];
        if (x.index() != 0 || !st.masks[p]) return nullptr;
        return &*st.masks[p];
    };
    for (size_t i = 0; i < n; ++i) {
        const auto& node = nodes_[i];
        if (st.fed[i]) continue;
        auto& ptrs = st.inputPtrs[i];
        auto& mptrs = st.maskPtrs[i];
        ptrs.clear();
        mptrs.clear();
        bool anyMask = false;
        for (const auto& x : node->inputs()) {
            ptrs.push_back(tensorOf(x));
            mptrs.push_back(maskOf(x));
            anyMask = anyMask || mptrs.back();
        }
        CallContext c;
        c.training = ctx.training;
        c.rng = ctx.rng;
        c.losses = ctx.losses;
        c.recordForBackward = ctx.recordForBackward;
        c.masks = mptrs;
        c.cacheSlot = &st.caches[i];
        node->layer().call(ptrs, st.outputs[i], c);
        auto m = node->layer().computeMask(ptrs, anyMask ? mptrs : ConstTensorPtrs{});
        if (m) st.masks[i] = std::move(m);
        else st.masks[i].reset();
    }
    outputs.resize(outputs_.size());
    for (size_t j = 0; j < outputs_.size(); ++j) outputs[j] = *tensorOf(outputs_[j]);
}

bool Model::supportsBackward() const {
    for (const auto& n : nodes_)
        if (!n->isInput() && !n->layer().supportsBackward()) return false;
    return true;
}

void Model::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                     Tensors& inputGrads, CallContext& ctx) {
    ExecState& st = stateFor(ctx);
    const size_t n = nodes_.size();
    std::map<const Node*, size_t> pos;
    for (size_t i = 0; i < n; ++i) pos[nodes_[i].get()] = i;
    st.outputGrads.resize(n);
    st.gradSet.resize(n);
    st.inputGrads.resize(n);
    for (size_t i = 0; i < n; ++i) {
        st.outputGrads[i].resize(nodes_[i]->numOutputs());
        st.gradSet[i].assign(nodes_[i]->numOutputs(), 0);
    }
    auto accumulate = [&](const KerasTensor& x, const Tensor& g) {
        size_t p = pos.at(x.node());
        Tensor& dst = st.outputGrads[p][x.index()];
        if (!st.gradSet[p][x.index()]) {
            dst.resize(g.shape());
            std::copy(g.data(), g.data() + g.size(), dst.data());
            st.gradSet[p][x.index()] = 1;
        } else {
            dst.vector() += g.vector();
        }
    };
    // Which node outputs anyone differentiates: those with a trainable weight at or upstream of
    // them, and the model inputs whose gradient the caller asked for. Gradients nobody reads are
    // not computed (the first Dense of an MLP skips its input-gradient GEMM: a third of its
    // backward work) and not accumulated.
    st.gradWanted.assign(n, 0);
    for (size_t i = 0; i < inputs_.size(); ++i)
        if (ctx.inputGradNeeded(i)) st.gradWanted[pos.at(inputs_[i].node())] = 1;
    for (size_t i = 0; i < n; ++i) {
        const auto& node = nodes_[i];
        if (node->isInput()) continue;
        bool wanted = !node->layer().trainableWeights().empty();
        for (const auto& in : node->inputs()) wanted = wanted || st.gradWanted[pos.at(in.node())];
        st.gradWanted[i] = wanted;
    }
    for (size_t j = 0; j < outputs_.size(); ++j)
        if (j < outputGrads.size() && outputGrads[j]) accumulate(outputs_[j], *outputGrads[j]);
    for (size_t ii = n; ii-- > 0;) {
        const auto& node = nodes_[ii];
        if (st.fed[ii] || !st.gradWanted[ii]) continue;
        bool any = false;
        ConstTensorPtrs gptrs;
        for (int k = 0; k < node->numOutputs(); ++k) {
            gptrs.push_back(st.gradSet[ii][k] ? &st.outputGrads[ii][k] : nullptr);
            any = any || st.gradSet[ii][k];
        }
        if (!any) continue;
        const auto& ins = node->inputs();
        CallContext c;
        c.training = ctx.training;
        c.rng = ctx.rng;
        c.recordForBackward = true;
        c.masks = st.maskPtrs[ii];
        c.cacheSlot = &st.caches[ii];
        for (size_t k = 0; k < ins.size() && k < 64; ++k)
            if (ins[k].dtype() != DType::Float32 || !st.gradWanted[pos.at(ins[k].node())])
                c.inputGradsUnneeded |= uint64_t{1} << k;
        node->layer().backward(st.inputPtrs[ii], st.outputs[ii], gptrs, st.inputGrads[ii], c);
        for (size_t k = 0; k < ins.size() && k < st.inputGrads[ii].size(); ++k)
            if (c.inputGradNeeded(k)) accumulate(ins[k], st.inputGrads[ii][k]);
    }
    inputGrads.resize(inputs_.size());
    for (size_t i = 0; i < inputs_.size(); ++i) {
        if (!ctx.inputGradNeeded(i)) continue;
        size_t p = pos.at(inputs_[i].node());
        if (st.gradSet[p][inputs_[i].index()]) inputGrads[i] = st.outputGrads[p][inputs_[i].index()];
        else inputGrads[i].resize(inputs[i]->shape(), 0.0f);
    }
}

std::vector<Tensor> Model::predict(const std::vector<Tensor>& inputs, int64_t batchSize) {
    if (inputs.size() != inputs_.size())
        throw ValueError("Model '" + name() + "' expects " + std::to_string(inputs_.size()) + " input array(s), got " +
                         std::to_string(inputs.size()));
    if (batchSize <= 0) throw ValueError("batch size must be positive");
    int64_t n = inputs.empty() ? 0 : inputs[0].dim(0);
    for (size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i].rank() == 0 || inputs[i].dim(0) != n)
            throw ValueError("Model '" + name() + "': input arrays must have the same number of samples (input 0 has " +
                             std::to_string(n) + ", input " + std::to_string(i) + " has shape " +
                             inputs[i].shapeString() + ")");
    std::vector<Tensor> results(outputs_.size());
    std::unique_ptr<LayerCache> slot;
    Tensors outs;
    std::vector<Tensor> batch(inputs.size());
    for (int64_t b = 0; b < n; b += batchSize) {
        int64_t e = std::min(n, b + batchSize);
        ConstTensorPtrs ptrs;
        for (size_t i = 0; i < inputs.size(); ++i) {
            batch[i] = (b == 0 && e == n) ? inputs[i] : inputs[i].slice0(b, e);
            ptrs.push_back(&batch[i]);
        }
        CallContext ctx;
        ctx.cacheSlot = &slot;
        forward(ptrs, outs, ctx);
        for (size_t j = 0; j < outs.size(); ++j) {
            if (b == 0) {
                auto shape = outs[j].shape();
                shape[0] = n;
                results[j] = Tensor(shape);
            }
            int64_t row = outs[j].dim(0) ? outs[j].size() / outs[j].dim(0) : 0;
            std::copy(outs[j].data(), outs[j].data() + outs[j].size(), results[j].data() + b * row);
        }
    }
    if (n == 0)
        for (size_t j = 0; j < outputs_.size(); ++j) {
            auto dims = outputs_[j].shape().dims();
            for (auto& d : dims) if (d == kNone) d = 0;
            results[j] = Tensor(dims);
        }
    return results;
}

Tensor Model::predict(const Tensor& input, int64_t batchSize) {
    return predict(std::vector<Tensor>{input}, batchSize).at(0);
}

}  // namespace strata
