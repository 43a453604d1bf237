#include "engine/layers/reshaping/repeat_vector.h"

#include <algorithm>

#include "engine/layers/reshaping/reshaping_common.h"

namespace strata {

using namespace reshaping_detail;

LayerSpec RepeatVector::spec() {
    LayerSpec s;
    s.className = "RepeatVector";
    s.category = LayerCategory::Reshaping;
    s.doc = "Repeats a (batch, features) input n times: (batch, n, features).";
    s.params = {param::required(param::integer("n", 1, "Repetition factor.", 1))};
    s.factory = [](const Json& c) { return std::make_shared<RepeatVector>(c); };
    s.brief = [](const Json& c) { return "×" + std::to_string(c.value("n", 0)); };
    return s;
}

RepeatVector::RepeatVector(const Json& config) : Layer("RepeatVector", config), n_(cfgInt(this->config(), "n")) {
    if (n_ < 1) throw ConfigError("RepeatVector argument 'n' must be >= 1, got " + std::to_string(n_));
}

std::vector<Shape> RepeatVector::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() != 2) throw ShapeError("expected input of rank 2 (batch, features), got " + s.toString());
    return {Shape{s[0], n_, s[1]}};
}

std::vector<DType> RepeatVector::computeOutputDType(const std::vector<DType>& in) const {
    return {in.empty() ? DType::Float32 : in[0]};
}

void RepeatVector::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext&) {
    const Tensor& x = *inputs[0];
    if (x.rank() != 2) throw layerError(*this, "expected input of rank 2 (batch, features), got " + x.shapeString());
    const int64_t batch = x.dim(0), f = x.dim(1);
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize({batch, n_, f});
    y.setDType(x.dtype());
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t r = 0; r < n_; ++r) std::copy_n(x.data() + b * f, f, y.data() + (b * n_ + r) * f);
}

void RepeatVector::backward(const ConstTensorPtrs& inputs, const Tensors&, const ConstTensorPtrs& outputGrads,
                            Tensors& inputGrads, CallContext&) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape(), 0.0f);
    if (!outputGrads[0]) return;
    const Tensor& g = *outputGrads[0];
    const int64_t batch = x.dim(0), f = x.dim(1);
    if (g.size() != batch * n_ * f)
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match input " + x.shapeString());
    for (int64_t b = 0; b < batch; ++b) {
        float* dst = gx.data() + b * f;
        for (int64_t r = 0; r < n_; ++r) {
            const float* src = g.data() + (b * n_ + r) * f;
            for (int64_t j = 0; j < f; ++j) dst[j] += src[j];
        }
    }
}

}  // namespace strata
