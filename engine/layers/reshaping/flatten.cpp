#include "engine/layers/reshaping/flatten.h"

#include <algorithm>

#include "engine/layers/reshaping/reshaping_common.h"

namespace strata {

using namespace reshaping_detail;

LayerSpec Flatten::spec() {
    LayerSpec s;
    s.className = "Flatten";
    s.category = LayerCategory::Reshaping;
    s.doc = "Flattens every sample to one dimension; does not affect the batch size.";
    s.params = {dataFormatParam()};
    s.factory = [](const Json& c) { return std::make_shared<Flatten>(c); };
    return s;
}

Flatten::Flatten(const Json& config) : Layer("Flatten", config) {
    channelsFirst_ = standardizeDataFormat(mutableConfig());
}

std::vector<Shape> Flatten::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() < 1) throw ShapeError("expected input of rank >= 1 (with the batch dim), got " + s.toString());
    int64_t flat = s.rank() == 1 ? 1 : s.elements(1);
    return {Shape{s[0], flat}};
}

std::vector<DType> Flatten::computeOutputDType(const std::vector<DType>& in) const {
    return {in.empty() ? DType::Float32 : in[0]};
}

void Flatten::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext&) {
    const Tensor& x = *inputs[0];
    if (x.rank() < 1) throw layerError(*this, "expected input of rank >= 1, got " + x.shapeString());
    const int64_t batch = x.dim(0);
    const int64_t per = batch ? x.size() / batch : product({x.shape().begin() + 1, x.shape().end()});
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize({batch, x.rank() == 1 ? 1 : per});
    y.setDType(x.dtype());
    if (channelsFirst_ && x.rank() > 2) {
        // (b, c, s...) -> (b, s..., c): per sample, (C x S) -> (S x C).
        const int64_t c = x.dim(1), sp = c ? per / c : 0;
        for (int64_t b = 0; b < batch; ++b) {
            ConstMatrixMap xb(x.data() + b * per, c, sp);
            MatrixMap yb(y.data() + b * per, sp, c);
            yb = xb.transpose();
        }
    } else {
        std::copy_n(x.data(), x.size(), y.data());
    }
}

void Flatten::backward(const ConstTensorPtrs& inputs, const Tensors&, const ConstTensorPtrs& outputGrads,
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
    if (g.size() != x.size()) throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match input " + x.shapeString());
    const int64_t batch = x.dim(0);
    if (channelsFirst_ && x.rank() > 2 && batch > 0) {
        const int64_t per = x.size() / batch, c = x.dim(1), sp = c ? per / c : 0;
        for (int64_t b = 0; b < batch; ++b) {
            ConstMatrixMap gb(g.data() + b * per, sp, c);
            MatrixMap xb(gx.data() + b * per, c, sp);
            xb = gb.transpose();
        }
    } else {
        std::copy_n(g.data(), g.size(), gx.data());
    }
}

}  // namespace strata
