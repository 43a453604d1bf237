#include "engine/layers/regularization/gaussian_noise.h"

#include <random>

#include "engine/core/errors.h"

namespace strata {

LayerSpec GaussianNoise::spec() {
    LayerSpec s;
    s.className = "GaussianNoise";
    s.category = LayerCategory::Regularization;
    s.doc = "Adds zero-centred Gaussian noise in training.";
    s.params = {
        // Keras 3 also caps stddev at 1; Keras 2 did not, and its files may exceed it, so only >= 0 here.
        param::required(param::real("stddev", 0.1, "Standard deviation of the noise.", 0.0)),
        param::advanced(param::integer("seed", std::nullopt, "Random seed (kept for round trips).")),
    };
    s.factory = [](const Json& c) { return std::make_shared<GaussianNoise>(c); };
    s.brief = [](const Json& c) { return "σ " + c.value("stddev", Json(0.1)).dump(); };
    return s;
}

GaussianNoise::GaussianNoise(const Json& config)
    : Layer("GaussianNoise", config), stddev_(static_cast<float>(cfgFloat(this->config(), "stddev"))) {}

std::vector<Shape> GaussianNoise::computeOutputShape(const std::vector<Shape>& in) const { return {in[0]}; }

void GaussianNoise::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    y.setDType(DType::Float32);
    if (!ctx.training || stddev_ <= 0.0f) {
        std::copy(x.data(), x.data() + x.size(), y.data());
        return;
    }
    std::normal_distribution<float> normal(0.0f, stddev_);
    auto& engine = ctx.random().engine();
    for (int64_t i = 0; i < x.size(); ++i) y[i] = x[i] + normal(engine);
}

void GaussianNoise::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                             Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape());
    if (!outputGrads[0]) {
        gx.setZero();
        return;
    }
    // Additive noise: d(x + n)/dx = 1, whatever noise was drawn.
    const Tensor& g = *outputGrads[0];
    std::copy(g.data(), g.data() + g.size(), gx.data());
}

}  // namespace strata
