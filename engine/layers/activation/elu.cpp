#include "engine/layers/activation/elu.h"

#include <cmath>

#include "engine/core/errors.h"

namespace strata {

LayerSpec ELU::spec() {
    LayerSpec s;
    s.className = "ELU";
    s.category = LayerCategory::Activation;
    s.doc = "Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise.";
    s.params = {
        param::real("alpha", 1.0, "Scale of the negative section."),
    };
    s.factory = [](const Json& c) { return std::make_shared<ELU>(c); };
    s.brief = [](const Json& c) { return "alpha " + c.value("alpha", Json(1.0)).dump(); };
    return s;
}

ELU::ELU(const Json& config) : Layer("ELU", config), alpha_(static_cast<float>(cfgFloat(this->config(), "alpha"))) {}

std::vector<Shape> ELU::computeOutputShape(const std::vector<Shape>& in) const { return {in[0]}; }

void ELU::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    y.setDType(DType::Float32);
    for (int64_t i = 0; i < x.size(); ++i) y[i] = x[i] > 0.0f ? x[i] : alpha_ * std::expm1(x[i]);
}

void ELU::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
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
    for (int64_t i = 0; i < x.size(); ++i) gx[i] = x[i] > 0.0f ? g[i] : g[i] * alpha_ * std::exp(x[i]);
}

}  // namespace strata
