#include "engine/layers/reshaping/reshape.h"

#include <algorithm>

#include "engine/layers/reshaping/reshaping_common.h"

namespace strata {

using namespace reshaping_detail;

LayerSpec Reshape::spec() {
    LayerSpec s;
    s.className = "Reshape";
    s.category = LayerCategory::Reshaping;
    s.doc = "Reshapes every sample to target_shape (batch dim excluded; one entry may be -1).";
    s.params = {
        param::required(param::intList("target_shape", Json::array(),
                                       "Shape of each output sample, without the batch dim; one entry may be -1.")),
    };
    s.factory = [](const Json& c) { return std::make_shared<Reshape>(c); };
    s.brief = [](const Json& c) {
        std::string t;
        if (c.contains("target_shape") && c["target_shape"].is_array())
            for (const auto& d : c["target_shape"]) t += (t.empty() ? "" : "×") + (d.is_number() ? d.dump() : "?");
        return t;
    };
    return s;
}

Reshape::Reshape(const Json& config) : Layer("Reshape", config) {
    target_ = cfgInts(this->config(), "target_shape");  // null entries read as -1
    int unknown = 0;
    for (auto d : target_) {
        if (d == -1) ++unknown;
        else if (d < 1)
            throw ConfigError("Reshape argument 'target_shape': entries must be positive or -1, got " +
                              this->config()["target_shape"].dump());
    }
    if (unknown > 1)
        throw ConfigError("Reshape argument 'target_shape' must not contain more than one -1, got " +
                          this->config()["target_shape"].dump());
}

static std::string targetString(const std::vector<int64_t>& t) {
    std::string s = "(";
    for (size_t i = 0; i < t.size(); ++i) s += (i ? ", " : "") + std::to_string(t[i]);
    return s + (t.size() == 1 ? ",)" : ")");
}

std::vector<int64_t> Reshape::resolve(int64_t perSample, const std::string& inputShape) const {
    std::vector<int64_t> out = target_;
    if (perSample == kNone) return out;  // -1 stays unknown (kNone == -1)
    int64_t known = 1;
    int unknownAt = -1;
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i] == -1) unknownAt = static_cast<int>(i);
        else known *= out[i];
    }
    if (unknownAt < 0) {
        if (known != perSample)
            throw ShapeError("cannot reshape input of shape " + inputShape + " (" + std::to_string(perSample) +
                             " elements per sample) to target_shape " + targetString(target_) + " (" +
                             std::to_string(known) + " elements)");
    } else {
        if (known == 0 || perSample % known != 0)
            throw ShapeError("cannot reshape input of shape " + inputShape + " (" + std::to_string(perSample) +
                             " elements per sample) to target_shape " + targetString(target_) +
                             ": the element count is not a multiple of " + std::to_string(known));
        out[unknownAt] = perSample / known;
    }
    return out;
}

std::vector<Shape> Reshape::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() < 1) throw ShapeError("expected input of rank >= 1 (with the batch dim), got " + s.toString());
    auto t = resolve(s.elements(1), s.toString());
    return {Shape::withBatch(t, s[0])};
}

std::vector<DType> Reshape::computeOutputDType(const std::vector<DType>& in) const {
    return {in.empty() ? DType::Float32 : in[0]};
}

void Reshape::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext&) {
    const Tensor& x = *inputs[0];
    if (x.rank() < 1) throw layerError(*this, "expected input of rank >= 1, got " + x.shapeString());
    int64_t per = 1;
    for (int i = 1; i < x.rank(); ++i) per *= x.dim(i);
    std::vector<int64_t> t;
    try {
        t = resolve(per, x.shapeString());
    } catch (const ShapeError& e) {
        throw layerError(*this, e.what());
    }
    t.insert(t.begin(), x.dim(0));
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(t);
    y.setDType(x.dtype());
    std::copy_n(x.data(), x.size(), y.data());
}

void Reshape::backward(const ConstTensorPtrs& inputs, const Tensors&, const ConstTensorPtrs& outputGrads,
                       Tensors& inputGrads, CallContext&) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    inputGrads[0].resize(x.shape());
    if (!outputGrads[0]) {
        inputGrads[0].setZero();
        return;
    }
    const Tensor& g = *outputGrads[0];
    if (g.size() != x.size())
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match input " + x.shapeString());
    std::copy_n(g.data(), g.size(), inputGrads[0].data());
}

}  // namespace strata
