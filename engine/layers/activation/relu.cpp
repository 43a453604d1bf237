#include "engine/layers/activation/relu.h"

#include <algorithm>

#include "engine/core/errors.h"

namespace strata {

LayerSpec ReLU::spec() {
    LayerSpec s;
    s.className = "ReLU";
    s.category = LayerCategory::Activation;
    s.doc = "Rectified linear unit with optional cap, leak and threshold.";
    s.params = {
        param::real("max_value", std::nullopt, "Largest output value; None means unbounded.", 0.0),
        param::real("negative_slope", 0.0, "Slope below the threshold.", 0.0),
        param::real("threshold", 0.0, "Inputs at or below it are damped (scaled by negative_slope).", 0.0),
    };
    s.factory = [](const Json& c) { return std::make_shared<ReLU>(c); };
    s.brief = [](const Json& c) {
        return c.contains("max_value") && c["max_value"].is_number() ? "max " + c["max_value"].dump() : std::string();
    };
    return s;
}

ReLU::ReLU(const Json& config)
    : Layer("ReLU", config),
      negativeSlope_(static_cast<float>(cfgFloat(this->config(), "negative_slope"))),
      threshold_(static_cast<float>(cfgFloat(this->config(), "threshold"))) {
    if (!cfgIsNull(this->config(), "max_value")) maxValue_ = static_cast<float>(cfgFloat(this->config(), "max_value"));
}

// Follows keras.activations.relu step by step (keras/src/activations/activations.py, ReLU.static_call)
// so values agree at the boundaries too.
float ReLU::value(float x) const {
    float negativePart = 0.0f;
    if (negativeSlope_ != 0.0f) {
        if (!maxValue_ && threshold_ == 0.0f) return x >= 0.0f ? x : negativeSlope_ * x;  // leaky_relu
        negativePart = threshold_ != 0.0f ? std::max(threshold_ - x, 0.0f) : std::max(-x, 0.0f);
    }
    bool clipMax = maxValue_.has_value();
    float p;
    if (threshold_ != 0.0f) {
        p = x > threshold_ ? x : 0.0f;
    } else if (maxValue_ && *maxValue_ == 6.0f) {
        p = std::clamp(x, 0.0f, 6.0f);
        clipMax = false;
    } else {
        p = std::max(x, 0.0f);
    }
    if (clipMax) p = std::clamp(p, 0.0f, *maxValue_);
    if (negativeSlope_ != 0.0f) p -= negativeSlope_ * negativePart;
    return p;
}

float ReLU::derivative(float x) const {
    if (negativeSlope_ != 0.0f && !maxValue_ && threshold_ == 0.0f) return x > 0.0f ? 1.0f : negativeSlope_;
    float d = 0.0f;
    const bool pass = threshold_ != 0.0f ? x > threshold_ : x > 0.0f;
    if (pass && (!maxValue_ || x < *maxValue_)) d = 1.0f;
    if (negativeSlope_ != 0.0f && x < threshold_) d += negativeSlope_;
    return d;
}

std::vector<Shape> ReLU::computeOutputShape(const std::vector<Shape>& in) const { return {in[0]}; }

void ReLU::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    y.setDType(DType::Float32);
    const float* in = x.data();
    float* out = y.data();
    const int64_t n = x.size();
    if (negativeSlope_ == 0.0f && threshold_ == 0.0f && !maxValue_) {
        for (int64_t i = 0; i < n; ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
    } else {
        for (int64_t i = 0; i < n; ++i) out[i] = value(in[i]);
    }
}

void ReLU::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
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
    for (int64_t i = 0; i < x.size(); ++i) gx[i] = g[i] * derivative(x[i]);
}

}  // namespace strata
