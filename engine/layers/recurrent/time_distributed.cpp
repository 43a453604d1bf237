#include "engine/layers/recurrent/time_distributed.h"

#include <cstring>

#include "engine/core/errors.h"
#include "engine/layers/recurrent/wrapper.h"

namespace strata {

namespace {

struct TimeDistributedCache : LayerCache {
    std::unique_ptr<LayerCache> innerSlot;
    Tensor folded;       // (batch*time, ...) input
    Tensors innerOut;    // inner outputs (batch*time, ...)
    Tensors foldedGrads; // output gradients folded
    Tensors innerInGrads;
    int64_t B = 0, T = 0;
};

void innerContext(CallContext& inner, CallContext& outer, std::unique_ptr<LayerCache>* slot) {
    inner.training = outer.training;
    inner.rng = &outer.random();
    inner.cacheSlot = slot;
    inner.losses = outer.losses;
    inner.recordForBackward = outer.recordForBackward;
}

// Copies `src` into `dst` with a new shape of the same size (keeps dst's allocation).
void copyReshaped(const Tensor& src, Tensor& dst, const std::vector<int64_t>& shape) {
    dst.resize(shape);
    dst.setDType(src.dtype());
    std::memcpy(dst.data(), src.data(), sizeof(float) * src.size());
}

}  // namespace

LayerSpec TimeDistributed::spec() {
    LayerSpec s;
    s.className = "TimeDistributed";
    s.category = LayerCategory::Recurrent;
    s.doc = "Applies a layer to every temporal slice of the input (axis 1).";
    s.params = {
        param::json("layer", Json{{"class_name", "Dense"}, {"config", {{"units", 32}}}},
                    "The layer applied to every time step (a nested layer config)."),
    };
    s.factory = [](const Json& c) { return std::make_shared<TimeDistributed>(c); };
    s.brief = [](const Json& c) {
        return c.contains("layer") && c["layer"].is_object() ? c["layer"].value("class_name", std::string()) : std::string();
    };
    return s;
}

TimeDistributed::TimeDistributed(const Json& config) : Layer("TimeDistributed", config) {
    const std::string who = "TimeDistributed '" + name() + "' argument 'layer'";
    const Json& c = this->config();
    auto [cls, cfg] = nestedLayerConfig(c.contains("layer") ? c["layer"] : Json(), who);
    inner_ = createNestedLayer(cls, cfg, who);
    if (inner_->minInputs() > 1)
        throw ConfigError(who + ": the wrapped layer must take one input, " + cls + " takes " +
                          std::to_string(inner_->minInputs()));
    trackLayer(inner_);
    if (!trainable()) setTrainable(false);
}

Json TimeDistributed::getConfig() const {
    Json j = Layer::getConfig();
    j["layer"] = serializeNestedLayer(*inner_);
    return j;
}

std::vector<Shape> TimeDistributed::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() < 3)
        throw ShapeError("input 0: expected at least 3 dimensions (batch, timesteps, ...), got " + s.toString());
    std::vector<int64_t> child{s[0]};
    for (int i = 2; i < s.rank(); ++i) child.push_back(s[i]);
    auto co = inner_->outputShapesFor({Shape(child)});
    std::vector<Shape> out;
    for (const Shape& c : co) {
        std::vector<int64_t> d{c.rank() > 0 ? c[0] : s[0], s[1]};
        for (int i = 1; i < c.rank(); ++i) d.push_back(c[i]);
        out.emplace_back(d);
    }
    return out;
}

std::vector<DType> TimeDistributed::computeOutputDType(const std::vector<DType>& inputDTypes) const {
    return inner_->computeOutputDType(inputDTypes);
}

void TimeDistributed::buildImpl(const std::vector<Shape>& in) {
    std::vector<int64_t> child{in[0][0]};
    for (int i = 2; i < in[0].rank(); ++i) child.push_back(in[0][i]);
    inner_->build({Shape(child)});
}

void TimeDistributed::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    if (x.rank() < 3)
        throw ShapeError("Layer '" + name() + "' (TimeDistributed): input 0: expected at least 3 dimensions " +
                         "(batch, timesteps, ...), got " + x.shapeString());
    auto& k = ctx.cache<TimeDistributedCache>();
    k.B = x.dim(0);
    k.T = x.dim(1);
    std::vector<int64_t> fshape{k.B * k.T};
    for (int i = 2; i < x.rank(); ++i) fshape.push_back(x.dim(i));
    copyReshaped(x, k.folded, fshape);
    CallContext ictx;
    innerContext(ictx, ctx, &k.innerSlot);
    inner_->call({&k.folded}, k.innerOut, ictx);
    outputs.resize(k.innerOut.size());
    for (size_t o = 0; o < k.innerOut.size(); ++o) {
        const Tensor& y = k.innerOut[o];
        if (y.rank() < 1 || y.dim(0) != k.B * k.T)
            throw ShapeError("Layer '" + name() + "' (TimeDistributed): the wrapped layer returned " + y.shapeString() +
                             " for " + std::to_string(k.B * k.T) + " folded steps");
        std::vector<int64_t> shape{k.B, k.T};
        for (int i = 1; i < y.rank(); ++i) shape.push_back(y.dim(i));
        copyReshaped(y, outputs[o], shape);
    }
}

void TimeDistributed::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                               Tensors& inputGrads, CallContext& ctx) {
    auto& k = ctx.cache<TimeDistributedCache>();
    const Tensor& x = *inputs[0];
    if (k.innerOut.empty() || x.rank() < 3 || x.dim(0) != k.B || x.dim(1) != k.T)
        throw ValueError("Layer '" + name() + "' (TimeDistributed): backward needs the forward pass of the same call");
    k.foldedGrads.resize(k.innerOut.size());
    ConstTensorPtrs g;
    for (size_t o = 0; o < k.innerOut.size(); ++o) {
        const Tensor* go = o < outputGrads.size() ? outputGrads[o] : nullptr;
        if (!go) {
            g.push_back(nullptr);
            continue;
        }
        copyReshaped(*go, k.foldedGrads[o], k.innerOut[o].shape());
        g.push_back(&k.foldedGrads[o]);
    }
    CallContext ictx;
    innerContext(ictx, ctx, &k.innerSlot);
    inner_->backward({&k.folded}, k.innerOut, g, k.innerInGrads, ictx);
    inputGrads.resize(1);
    copyReshaped(k.innerInGrads.at(0), inputGrads[0], x.shape());
    inputGrads[0].setDType(DType::Float32);
}

}  // namespace strata
