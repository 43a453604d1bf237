#include "engine/layers/reshaping/zero_padding1d.h"

#include <algorithm>

#include "engine/layers/reshaping/reshaping_common.h"

namespace strata {

using namespace reshaping_detail;

LayerSpec ZeroPadding1D::spec() {
    LayerSpec s;
    s.className = "ZeroPadding1D";
    s.category = LayerCategory::Reshaping;
    s.doc = "Pads axis 1 of (batch, steps, features) with zeros at the start and the end.";
    s.params = {param::intTuple("padding", Json::array({1, 1}), 2,
                                "Zeros added at the start and end of axis 1: int n -> (n, n), or (left, right).")};
    s.factory = [](const Json& c) { return std::make_shared<ZeroPadding1D>(c); };
    s.brief = [](const Json& c) { return c.value("padding", Json()).dump(); };
    return s;
}

ZeroPadding1D::ZeroPadding1D(const Json& config) : Layer("ZeroPadding1D", config) {
    auto p = standardizePair(this->config()["padding"], "ZeroPadding1D argument 'padding'");
    left_ = p[0];
    right_ = p[1];
    mutableConfig()["padding"] = Json::array({left_, right_});
}

std::vector<Shape> ZeroPadding1D::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() != 3) throw ShapeError("expected input of rank 3 (batch, steps, features), got " + s.toString());
    Shape out = s;
    if (out[1] != kNone) out[1] += left_ + right_;
    return {out};
}

std::vector<DType> ZeroPadding1D::computeOutputDType(const std::vector<DType>& in) const {
    return {in.empty() ? DType::Float32 : in[0]};
}

void ZeroPadding1D::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext&) {
    const Tensor& x = *inputs[0];
    if (x.rank() != 3) throw layerError(*this, "expected input of rank 3 (batch, steps, features), got " + x.shapeString());
    const int64_t batch = x.dim(0), steps = x.dim(1), f = x.dim(2), outSteps = steps + left_ + right_;
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize({batch, outSteps, f}, 0.0f);
    y.setDType(x.dtype());
    for (int64_t b = 0; b < batch; ++b)
        std::copy_n(x.data() + b * steps * f, steps * f, y.data() + (b * outSteps + left_) * f);
}

void ZeroPadding1D::backward(const ConstTensorPtrs& inputs, const Tensors&, const ConstTensorPtrs& outputGrads,
                             Tensors& inputGrads, CallContext&) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape());
    if (!outputGrads[0]) {
        gx.setZero();
        return;
    }
    const Tensor& g = *outputGrads[0];
    const int64_t batch = x.dim(0), steps = x.dim(1), f = x.dim(2), outSteps = steps + left_ + right_;
    if (g.size() != batch * outSteps * f)
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match input " + x.shapeString());
    for (int64_t b = 0; b < batch; ++b)
        std::copy_n(g.data() + (b * outSteps + left_) * f, steps * f, gx.data() + b * steps * f);
}

}  // namespace strata
