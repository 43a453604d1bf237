#include "engine/layers/reshaping/cropping1d.h"

#include <algorithm>

#include "engine/layers/reshaping/reshaping_common.h"

namespace strata {

using namespace reshaping_detail;

LayerSpec Cropping1D::spec() {
    LayerSpec s;
    s.className = "Cropping1D";
    s.category = LayerCategory::Reshaping;
    s.doc = "Crops axis 1 of (batch, steps, features) at the start and the end.";
    s.params = {param::intTuple("cropping", Json::array({1, 1}), 2,
                                "Steps removed at the start and end of axis 1: int n -> (n, n), or (start, end).")};
    s.factory = [](const Json& c) { return std::make_shared<Cropping1D>(c); };
    s.brief = [](const Json& c) { return c.value("cropping", Json()).dump(); };
    return s;
}

Cropping1D::Cropping1D(const Json& config) : Layer("Cropping1D", config) {
    auto p = standardizePair(this->config()["cropping"], "Cropping1D argument 'cropping'");
    start_ = p[0];
    end_ = p[1];
    mutableConfig()["cropping"] = Json::array({start_, end_});
}

void Cropping1D::checkLength(int64_t steps, const std::string& shape) const {
    if (steps != kNone && steps - start_ - end_ <= 0)
        throw ShapeError("cropping (" + std::to_string(start_) + ", " + std::to_string(end_) +
                         ") leaves nothing of axis 1 of input " + shape + " (it must be smaller than the axis)");
}

std::vector<Shape> Cropping1D::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() != 3) throw ShapeError("expected input of rank 3 (batch, steps, features), got " + s.toString());
    checkLength(s[1], s.toString());
    Shape out = s;
    if (out[1] != kNone) out[1] -= start_ + end_;
    return {out};
}

std::vector<DType> Cropping1D::computeOutputDType(const std::vector<DType>& in) const {
    return {in.empty() ? DType::Float32 : in[0]};
}

void Cropping1D::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext&) {
    const Tensor& x = *inputs[0];
    if (x.rank() != 3) throw layerError(*this, "expected input of rank 3 (batch, steps, features), got " + x.shapeString());
    try {
        checkLength(x.dim(1), x.shapeString());
    } catch (const ShapeError& e) {
        throw layerError(*this, e.what());
    }
    const int64_t batch = x.dim(0), steps = x.dim(1), f = x.dim(2), outSteps = steps - start_ - end_;
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize({batch, outSteps, f});
    y.setDType(x.dtype());
    for (int64_t b = 0; b < batch; ++b)
        std::copy_n(x.data() + (b * steps + start_) * f, outSteps * f, y.data() + b * outSteps * f);
}

void Cropping1D::backward(const ConstTensorPtrs& inputs, const Tensors&, const ConstTensorPtrs& outputGrads,
                          Tensors& inputGrads, CallContext&) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape(), 0.0f);
    if (!outputGrads[0]) return;
    const Tensor& g = *outputGrads[0];
    const int64_t batch = x.dim(0), steps = x.dim(1), f = x.dim(2), outSteps = steps - start_ - end_;
    if (g.size() != batch * outSteps * f)
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match input " + x.shapeString());
    for (int64_t b = 0; b < batch; ++b)
        std::copy_n(g.data() + b * outSteps * f, outSteps * f, gx.data() + (b * steps + start_) * f);
}

}  // namespace strata
