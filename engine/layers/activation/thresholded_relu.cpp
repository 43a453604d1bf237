#include "engine/layers/activation/thresholded_relu.h"

#include "engine/core/errors.h"

namespace strata {

LayerSpec ThresholdedReLU::spec() {
    LayerSpec s;
    s.className = "ThresholdedReLU";
    s.category = LayerCategory::Activation;
    s.doc = "Thresholded ReLU (Keras 2): x for x > theta, 0 otherwise.";
    s.params = {
        param::real("theta", 1.0, "Threshold location of activation.", 0.0),
    };
    s.factory = [](const Json& c) { return std::make_shared<ThresholdedReLU>(c); };
    s.brief = [](const Json& c) { return "theta " + c.value("theta", Json(1.0)).dump(); };
    return s;
}

ThresholdedReLU::ThresholdedReLU(const Json& config)
    : Layer("ThresholdedReLU", config), theta_(static_cast<float>(cfgFloat(this->config(), "theta"))) {}

std::vector<Shape> ThresholdedReLU::computeOutputShape(const std::vector<Shape>& in) const { return {in[0]}; }

void ThresholdedReLU::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    y.setDType(DType::Float32);
    for (int64_t i = 0; i < x.size(); ++i) y[i] = x[i] > theta_ ? x[i] : 0.0f;
}

void ThresholdedReLU::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                               Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape());
    if (!outputGrads[0]) {
        gx.setZero();
        return;
    }
    const Tensor& g = *outputGrads[0];
    for (int64_t i = 0; i < x.size(); ++i) gx[i] = x[i] > theta_ ? g[i] : 0.0f;
}

}  // namespace strata
