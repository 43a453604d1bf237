#include "engine/layers/reshaping/up_sampling1d.h"

#include <algorithm>

#include "engine/layers/reshaping/reshaping_common.h"

namespace strata {

using namespace reshaping_detail;

LayerSpec UpSampling1D::spec() {
    LayerSpec s;
    s.className = "UpSampling1D";
    s.category = LayerCategory::Reshaping;
    s.doc = "Repeats each temporal step `size` times: (batch, steps, features) -> (batch, steps*size, features).";
    s.params = {param::integer("size", 2, "Upsampling factor.", 1)};
    s.factory = [](const Json& c) { return std::make_shared<UpSampling1D>(c); };
    s.brief = [](const Json& c) { return "×" + std::to_string(c.value("size", 0)); };
    return s;
}

UpSampling1D::UpSampling1D(const Json& config) : Layer("UpSampling1D", config), size_(cfgInt(this->config(), "size")) {
    if (size_ < 1) throw ConfigError("UpSampling1D argument 'size' must be a positive integer, got " + std::to_string(size_));
}

std::vector<Shape> UpSampling1D::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() != 3) throw ShapeError("expected input of rank 3 (batch, steps, features), got " + s.toString());
    return {Shape{s[0], s[1] == kNone ? kNone : s[1] * size_, s[2]}};
}

std::vector<DType> UpSampling1D::computeOutputDType(const std::vector<DType>& in) const {
    return {in.empty() ? DType::Float32 : in[0]};
}

void UpSampling1D::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext&) {
    const Tensor& x = *inputs[0];
    if (x.rank() != 3) throw layerError(*this, "expected input of rank 3 (batch, steps, features), got " + x.shapeString());
    const int64_t batch = x.dim(0), steps = x.dim(1), f = x.dim(2);
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize({batch, steps * size_, f});
    y.setDType(x.dtype());
    float* dst = y.data();
    for (int64_t bt = 0; bt < batch * steps; ++bt)
        for (int64_t r = 0; r < size_; ++r, dst += f) std::copy_n(x.data() + bt * f, f, dst);
}

void UpSampling1D::backward(const ConstTensorPtrs& inputs, const Tensors&, const ConstTensorPtrs& outputGrads,
                            Tensors& inputGrads, CallContext&) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape(), 0.0f);
    if (!outputGrads[0]) return;
    const Tensor& g = *outputGrads[0];
    const int64_t batch = x.dim(0), steps = x.dim(1), f = x.dim(2);
    if (g.size() != x.size() * size_)
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match input " + x.shapeString());
    const float* src = g.data();
    for (int64_t bt = 0; bt < batch * steps; ++bt) {
        float* d = gx.data() + bt * f;
        for (int64_t r = 0; r < size_; ++r, src += f)
            for (int64_t j = 0; j < f; ++j) d[j] += src[j];
    }
}

}  // namespace strata
