#include "engine/layers/activation/leaky_relu.h"

#include "engine/core/errors.h"

namespace strata {

LayerSpec LeakyReLU::spec() {
    LayerSpec s;
    s.className = "LeakyReLU";
    s.category = LayerCategory::Activation;
    s.doc = "Leaky ReLU: x for x >= 0, negative_slope * x otherwise.";
    s.params = {
        param::real("negative_slope", 0.3, "Slope for negative inputs.", 0.0),
        param::advanced(param::real("alpha", std::nullopt, "Keras 2 name of negative_slope (overrides it when set).", 0.0)),
    };
    s.factory = [](const Json& c) { return std::make_shared<LeakyReLU>(c); };
    s.brief = [](const Json& c) { return "slope " + c.value("negative_slope", Json(0.3)).dump(); };
    return s;
}

namespace {
// Keras 3 pops "alpha" and uses it as negative_slope; do the same so getConfig has only the Keras 3 key.
Json mapAlpha(Json config) {
    if (config.is_object() && config.contains("alpha")) {
        if (!config["alpha"].is_null()) config["negative_slope"] = config["alpha"];
        config.erase("alpha");
    }
    return config;
}
}  // namespace

LeakyReLU::LeakyReLU(const Json& config)
    : Layer("LeakyReLU", mapAlpha(config)),
      negativeSlope_(static_cast<float>(cfgFloat(this->config(), "negative_slope"))) {}

std::vector<Shape> LeakyReLU::computeOutputShape(const std::vector<Shape>& in) const { return {in[0]}; }

void LeakyReLU::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    y.setDType(DType::Float32);
    const float a = negativeSlope_;
    for (int64_t i = 0; i < x.size(); ++i) y[i] = x[i] >= 0.0f ? x[i] : a * x[i];
}

void LeakyReLU::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
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
    const float a = negativeSlope_;
    for (int64_t i = 0; i < x.size(); ++i) gx[i] = x[i] > 0.0f ? g[i] : a * g[i];
}

}  // namespace strata
