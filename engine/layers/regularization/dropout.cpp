#include "engine/layers/regularization/dropout.h"

#include <random>

#include "engine/core/errors.h"

namespace strata {

namespace {

struct DropoutCache : LayerCache {
    bool applied = false;
    Tensor mask;  // 0 or 1/(1-rate), in the mask shape
};

/// out[i] = a[i] * mask[broadcast offset of i], for a mask whose dims are 1 or the data's dims.
void multiplyBroadcast(const float* a, const std::vector<int64_t>& shape, const Tensor& mask, float* out) {
    const int64_t n = product(shape);
    if (mask.shape() == shape) {
        const float* m = mask.data();
        for (int64_t i = 0; i < n; ++i) out[i] = a[i] * m[i];
        return;
    }
    const int r = static_cast<int>(shape.size());
    constexpr int kMaxRank = 16;
    if (r > kMaxRank) throw ShapeError("dropout with a broadcast mask supports rank <= 16, got " + shapeToString(shape));
    int64_t stride[kMaxRank], idx[kMaxRank];
    int64_t s = 1;
    for (int k = r - 1; k >= 0; --k) {
        stride[k] = mask.dim(k) == 1 ? 0 : s;
        s *= mask.dim(k);
        idx[k] = 0;
    }
    int64_t off = 0;
    for (int64_t i = 0; i < n; ++i) {
        out[i] = a[i] * mask[off];
        for (int k = r - 1; k >= 0; --k) {
            off += stride[k];
            if (++idx[k] < shape[k]) break;
            off -= stride[k] * shape[k];
            idx[k] = 0;
        }
    }
}

}  // namespace

LayerSpec Dropout::spec() {
    LayerSpec s;
    s.className = "Dropout";
    s.category = LayerCategory::Regularization;
    s.doc = "Randomly zeroes a fraction `rate` of the inputs in training and scales the rest by 1/(1-rate).";
    s.params = {
        param::required(param::real("rate", 0.5, "Fraction of the input units to drop.", 0.0, 1.0)),
        param::nullable(param::intList("noise_shape", nullptr,
                                       "Shape of the binary mask (None entries follow the input), e.g. (batch, 1, features).")),
        param::advanced(param::integer("seed", std::nullopt, "Random seed (kept for round trips).")),
    };
    s.factory = [](const Json& c) { return std::make_shared<Dropout>(c); };
    s.brief = [](const Json& c) { return "rate " + c.value("rate", Json(0.5)).dump(); };
    return s;
}

Dropout::Dropout(const Json& config) : Dropout("Dropout", config) {}

Dropout::Dropout(std::string className, const Json& config)
    : Layer(std::move(className), config), rate_(static_cast<float>(cfgFloat(this->config(), "rate"))) {
    if (rate_ < 0.0f || rate_ > 1.0f)
        throw ConfigError(this->className() + " argument 'rate': expected a value between 0 and 1, got " +
                          std::to_string(rate_));
    if (!cfgIsNull(this->config(), "noise_shape")) {
        hasNoiseShape_ = true;
        noiseShape_ = cfgInts(this->config(), "noise_shape");
        for (int64_t d : noiseShape_)
            if (d != kNone && d <= 0)
                throw ConfigError(this->className() + " argument 'noise_shape': dims must be positive or None, got " +
                                  this->config()["noise_shape"].dump());
    }
}

void Dropout::checkInputShape(const Shape& s) const {
    if (s.rank() < 1) throw ShapeError("input 0: expected a tensor with a batch dimension, got shape " + s.toString());
    if (hasNoiseShape_) {
        if (static_cast<int>(noiseShape_.size()) != s.rank())
            throw ShapeError("input 0: noise_shape " + Shape(noiseShape_).toString() + " has rank " +
                             std::to_string(noiseShape_.size()) + ", input shape " + s.toString() + " has rank " +
                             std::to_string(s.rank()));
        for (int i = 0; i < s.rank(); ++i)
            if (noiseShape_[i] != kNone && noiseShape_[i] != 1 && s[i] != kNone && noiseShape_[i] != s[i])
                throw ShapeError("input 0: noise_shape " + Shape(noiseShape_).toString() +
                                 " does not broadcast to input shape " + s.toString());
    }
}

std::vector<int64_t> Dropout::maskShape(const std::vector<int64_t>& inputShape) const {
    if (!hasNoiseShape_) return inputShape;
    std::vector<int64_t> m(inputShape.size());
    for (size_t i = 0; i < m.size(); ++i) m[i] = noiseShape_[i] == kNone ? inputShape[i] : noiseShape_[i];
    return m;
}

std::vector<Shape> Dropout::computeOutputShape(const std::vector<Shape>& in) const {
    checkInputShape(in[0]);
    return {in[0]};
}

void Dropout::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    try {
        checkInputShape(x.shapeObj());
    } catch (const ShapeError& e) {
        throw ShapeError("Layer '" + name() + "' (" + className() + "): " + e.what());
    }
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    y.setDType(DType::Float32);
    if (!ctx.training || rate_ <= 0.0f) {
        std::copy(x.data(), x.data() + x.size(), y.data());
        if (ctx.backwardNeeded()) ctx.cache<DropoutCache>().applied = false;
        return;
    }
    auto& cache = ctx.cache<DropoutCache>();
    cache.applied = true;
    cache.mask.resize(maskShape(x.shape()));
    if (rate_ >= 1.0f) {
        cache.mask.fill(0.0f);  // everything dropped (Keras gives zeros, not NaN)
    } else {
        fillBernoulliMask(cache.mask.data(), cache.mask.size(), rate_, 1.0f / (1.0f - rate_), ctx.random());
    }
    multiplyBroadcast(x.data(), x.shape(), cache.mask, y.data());
}

void Dropout::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
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
    auto& cache = ctx.cache<DropoutCache>();
    if (!cache.applied) {
        std::copy(g.data(), g.data() + g.size(), gx.data());
        return;
    }
    multiplyBroadcast(g.data(), x.shape(), cache.mask, gx.data());
}

}  // namespace strata
