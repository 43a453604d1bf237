#include "engine/layers/activation/prelu.h"

#include <algorithm>

#include "engine/core/errors.h"

namespace strata {

LayerSpec PReLU::spec() {
    LayerSpec s;
    s.className = "PReLU";
    s.category = LayerCategory::Activation;
    s.doc = "Parametric ReLU: x for x >= 0, alpha * x otherwise, with a learned alpha.";
    auto shared = param::nullable(param::intList("shared_axes", nullptr,
                                                 "Axes along which alpha is shared (e.g. [1, 2] for images)."));
    s.params = {
        param::initializer("alpha_initializer", "zeros", "Initializer of alpha."),
        param::regularizer("alpha_regularizer", "Penalty on alpha."),
        param::constraint("alpha_constraint", "Constraint on alpha (kept, not applied)."),
        shared,
    };
    s.factory = [](const Json& c) { return std::make_shared<PReLU>(c); };
    s.brief = [](const Json& c) {
        return c.contains("shared_axes") && c["shared_axes"].is_array() ? "shared " + c["shared_axes"].dump()
                                                                         : std::string();
    };
    return s;
}

PReLU::PReLU(const Json& config) : Layer("PReLU", config) {
    if (!cfgIsNull(this->config(), "shared_axes")) {
        for (int64_t a : cfgInts(this->config(), "shared_axes")) {
            if (a < 1)
                throw ConfigError("PReLU argument 'shared_axes': axes must be >= 1 (axis 0 is the batch), got " +
                                  this->config()["shared_axes"].dump());
            sharedAxes_.push_back(a);
        }
    }
}

bool PReLU::isShared(int axis) const {
    return std::find(sharedAxes_.begin(), sharedAxes_.end(), axis) != sharedAxes_.end();
}

std::vector<Shape> PReLU::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() < 2) throw ShapeError("input 0: expected rank >= 2 (batch, ...), got shape " + s.toString());
    for (int64_t a : sharedAxes_)
        if (a >= s.rank())
            throw ShapeError("input 0: shared axis " + std::to_string(a) + " does not exist in shape " + s.toString());
    for (int i = 1; i < s.rank(); ++i) {
        if (isShared(i)) continue;
        if (s[i] == kNone)
            throw ShapeError("input 0: dimension " + std::to_string(i) + " must be known (or listed in shared_axes), got " +
                             s.toString());
        if (built()) {
            const auto& a = alpha_->value.shape();
            if (a.size() + 1 != static_cast<size_t>(s.rank()) || a[i - 1] != s[i])
                throw ShapeError("input 0: expected shape compatible with alpha " + shapeToString(a) + ", got " +
                                 s.toString());
        }
    }
    if (built() && alpha_->value.rank() + 1 != s.rank())
        throw ShapeError("input 0: expected rank " + std::to_string(alpha_->value.rank() + 1) + ", got shape " + s.toString());
    return {s};
}

void PReLU::buildImpl(const std::vector<Shape>& in) {
    std::vector<int64_t> shape(in[0].dims().begin() + 1, in[0].dims().end());
    for (int64_t a : sharedAxes_) shape[a - 1] = 1;
    alpha_ = &addWeight("alpha", shape, config()["alpha_initializer"], true, config()["alpha_regularizer"]);
}

void PReLU::prepareIndex(const Tensor& x) {
    const auto& a = alpha_->value.shape();
    const int r = x.rank();
    bool ok = r == static_cast<int>(a.size()) + 1;
    for (int i = 1; ok && i < r; ++i) ok = a[i - 1] == x.dim(i) || (a[i - 1] == 1 && isShared(i));
    if (!ok)
        throw ShapeError("Layer '" + name() + "' (PReLU): input 0 has shape " + x.shapeString() +
                         ", which does not fit alpha of shape " + shapeToString(a));
    if (sharedAxes_.empty()) {
        alphaIndex_.clear();
        return;
    }
    std::vector<int64_t> sample(x.shape().begin() + 1, x.shape().end());
    if (sample == indexShape_ && !alphaIndex_.empty()) return;
    indexShape_ = sample;
    const int64_t n = product(sample);
    alphaIndex_.resize(static_cast<size_t>(n));
    // Row-major strides of alpha, 0 along broadcast axes; walk the sample with an odometer.
    const int d = static_cast<int>(sample.size());
    std::vector<int64_t> stride(d, 0), idx(d, 0);
    int64_t s = 1;
    for (int i = d - 1; i >= 0; --i) {
        stride[i] = a[i] == 1 ? 0 : s;
        s *= a[i];
    }
    int64_t off = 0;
    for (int64_t j = 0; j < n; ++j) {
        alphaIndex_[j] = off;
        for (int k = d - 1; k >= 0; --k) {
            off += stride[k];
            if (++idx[k] < sample[k]) break;
            off -= stride[k] * sample[k];
            idx[k] = 0;
        }
    }
}

void PReLU::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    prepareIndex(x);
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    y.setDType(DType::Float32);
    const float* al = alpha_->value.data();
    const int64_t batch = x.dim(0);
    const int64_t sampleSize = batch > 0 ? x.size() / batch : 0;
    for (int64_t b = 0; b < batch; ++b) {
        const float* in = x.data() + b * sampleSize;
        float* out = y.data() + b * sampleSize;
        if (alphaIndex_.empty()) {
            for (int64_t j = 0; j < sampleSize; ++j) out[j] = in[j] > 0.0f ? in[j] : al[j] * in[j];
        } else {
            for (int64_t j = 0; j < sampleSize; ++j) out[j] = in[j] > 0.0f ? in[j] : al[alphaIndex_[j]] * in[j];
        }
    }
}

void PReLU::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                     Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape());
    if (!outputGrads[0]) {
        gx.setZero();
        return;
    }
    prepareIndex(x);
    const Tensor& g = *outputGrads[0];
    const float* al = alpha_->value.data();
    float* ga = trainable() ? alpha_->grad.data() : nullptr;
    const int64_t batch = x.dim(0);
    const int64_t sampleSize = batch > 0 ? x.size() / batch : 0;
    for (int64_t b = 0; b < batch; ++b) {
        const int64_t base = b * sampleSize;
        for (int64_t j = 0; j < sampleSize; ++j) {
            const int64_t k = alphaIndex_.empty() ? j : alphaIndex_[j];
            const float v = x[base + j], gv = g[base + j];
            // y = relu(x) - alpha * relu(-x): dy/dx = 1 (x > 0), alpha (x < 0); dy/dalpha = min(x, 0).
            gx[base + j] = v > 0.0f ? gv : (v < 0.0f ? al[k] * gv : 0.0f);
            if (ga && v < 0.0f) ga[k] += gv * v;
        }
    }
}

}  // namespace strata
