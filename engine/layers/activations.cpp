#include "engine/layers/activations.h"

#include <algorithm>
#include <cmath>

#include "engine/core/errors.h"

namespace strata {

namespace {
struct NameKind {
    const char* name;
    ActivationFn::Kind kind;
};
const NameKind kNames[] = {
    {"linear", ActivationFn::Kind::Linear},       {"relu", ActivationFn::Kind::Relu},
    {"relu6", ActivationFn::Kind::Relu6},         {"sigmoid", ActivationFn::Kind::Sigmoid},
    {"tanh", ActivationFn::Kind::Tanh},           {"softmax", ActivationFn::Kind::Softmax},
    {"log_softmax", ActivationFn::Kind::LogSoftmax}, {"softplus", ActivationFn::Kind::Softplus},
    {"softsign", ActivationFn::Kind::Softsign},   {"elu", ActivationFn::Kind::Elu},
    {"selu", ActivationFn::Kind::Selu},           {"gelu", ActivationFn::Kind::Gelu},
    {"swish", ActivationFn::Kind::Swish},         {"silu", ActivationFn::Kind::Swish},
    {"hard_sigmoid", ActivationFn::Kind::HardSigmoid}, {"hard_swish", ActivationFn::Kind::HardSwish},
    {"hard_silu", ActivationFn::Kind::HardSwish}, {"exponential", ActivationFn::Kind::Exponential},
    {"leaky_relu", ActivationFn::Kind::LeakyRelu}, {"mish", ActivationFn::Kind::Mish},
};
constexpr float kSeluAlpha = 1.67326324f;
constexpr float kSeluScale = 1.05070098f;
constexpr float kLeakySlope = 0.2f;  // keras.activations.leaky_relu default negative_slope

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
inline float softplus(float x) { return x > 20.f ? x : std::log1p(std::exp(x)); }
// Keras 3 hard_sigmoid: relu6(x + 3) / 6.
inline float hardSigmoid(float x) { return std::clamp(x / 6.0f + 0.5f, 0.0f, 1.0f); }
}  // namespace

ActivationFn ActivationFn::fromName(const std::string& name) {
    if (name.empty() || name == "None") return ActivationFn(Kind::Linear);
    for (const auto& nk : kNames)
        if (name == nk.name) return ActivationFn(nk.kind);
    std::string all;
    for (const auto& n : activationNames()) all += (all.empty() ? "" : ", ") + n;
    throw ValueError("unknown activation '" + name + "' (known: " + all + ")");
}

ActivationFn ActivationFn::fromJson(const Json& j) {
    if (j.is_null()) return ActivationFn(Kind::Linear);
    if (j.is_string()) return fromName(j.get<std::string>());
    if (j.is_object()) {
        // Keras 3 may store {"module": "keras.activations", "class_name": "function", "config": "relu"}.
        if (j.contains("config") && j["config"].is_string()) return fromName(j["config"].get<std::string>());
        if (j.contains("class_name") && j["class_name"].is_string()) return fromName(j["class_name"].get<std::string>());
    }
    throw ValueError("activation must be a name or a Keras activation config, got " + j.dump());
}

std::string ActivationFn::name() const {
    for (const auto& nk : kNames)
        if (nk.kind == kind_) return nk.name;
    return "linear";
}

std::vector<std::string> activationNames() {
    std::vector<std::string> v;
    for (const auto& nk : kNames) v.push_back(nk.name);
    return v;
}

bool ActivationFn::backwardNeedsOnlyOutput() const {
    switch (kind_) {
        case Kind::Linear: case Kind::Relu: case Kind::Relu6: case Kind::Sigmoid: case Kind::Tanh:
        case Kind::Softmax: case Kind::LogSoftmax: case Kind::Exponential:
            return true;
        default:
            return false;
    }
}

void ActivationFn::apply(float* x, int64_t n, int64_t axisLen) const {
    switch (kind_) {
        case Kind::Linear: return;
        case Kind::Relu: for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0 ? x[i] : 0.0f; return;
        case Kind::Relu6: for (int64_t i = 0; i < n; ++i) x[i] = std::clamp(x[i], 0.0f, 6.0f); return;
        case Kind::Sigmoid: for (int64_t i = 0; i < n; ++i) x[i] = sigmoid(x[i]); return;
        case Kind::Tanh: for (int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]); return;
        case Kind::Softplus: for (int64_t i = 0; i < n; ++i) x[i] = softplus(x[i]); return;
        case Kind::Softsign: for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::fabs(x[i])); return;
        case Kind::Elu: for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0 ? x[i] : std::expm1(x[i]); return;
        case Kind::Selu:
            for (int64_t i = 0; i < n; ++i) x[i] = kSeluScale * (x[i] > 0 ? x[i] : kSeluAlpha * std::expm1(x[i]));
            return;
        case Kind::Gelu:  // exact (erf) form: Keras 3's default approximate=False
            for (int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678f));
            return;
        case Kind::Swish: for (int64_t i = 0; i < n; ++i) x[i] = x[i] * sigmoid(x[i]); return;
        case Kind::HardSigmoid: for (int64_t i = 0; i < n; ++i) x[i] = hardSigmoid(x[i]); return;
        case Kind::HardSwish: for (int64_t i = 0; i < n; ++i) x[i] = x[i] * hardSigmoid(x[i]); return;
        case Kind::Exponential: for (int64_t i = 0; i < n; ++i) x[i] = std::exp(x[i]); return;
        case Kind::LeakyRelu: for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0 ? x[i] : kLeakySlope * x[i]; return;
        case Kind::Mish: for (int64_t i = 0; i < n; ++i) x[i] = x[i] * std::tanh(softplus(x[i])); return;
        case Kind::Softmax:
        case Kind::LogSoftmax: {
            if (axisLen <= 0) return;
            for (int64_t r = 0; r < n; r += axisLen) {
                float* row = x + r;
                float m = *std::max_element(row, row + axisLen);
                float s = 0;
                for (int64_t j = 0; j < axisLen; ++j) s += std::exp(row[j] - m);
                if (kind_ == Kind::Softmax) {
                    float inv = 1.0f / s;
                    for (int64_t j = 0; j < axisLen; ++j) row[j] = std::exp(row[j] - m) * inv;
                } else {
                    float ls = std::log(s) + m;
                    for (int64_t j = 0; j < axisLen; ++j) row[j] -= ls;
                }
            }
            return;
        }
    }
}

void ActivationFn::backward(const float* x, const float* y, float* g, int64_t n, int64_t axisLen) const {
    switch (kind_) {
        case Kind::Linear: return;
        case Kind::Relu: for (int64_t i = 0; i < n; ++i) if (y[i] <= 0) g[i] = 0; return;
        case Kind::Relu6: for (int64_t i = 0; i < n; ++i) if (y[i] <= 0 || y[i] >= 6) g[i] = 0; return;
        case Kind::Sigmoid: for (int64_t i = 0; i < n; ++i) g[i] *= y[i] * (1 - y[i]); return;
        case Kind::Tanh: for (int64_t i = 0; i < n; ++i) g[i] *= 1 - y[i] * y[i]; return;
        case Kind::Exponential: for (int64_t i = 0; i < n; ++i) g[i] *= y[i]; return;
        case Kind::Softplus: for (int64_t i = 0; i < n; ++i) g[i] *= sigmoid(x[i]); return;
        case Kind::Softsign:
            for (int64_t i = 0; i < n; ++i) { float d = 1 + std::fabs(x[i]); g[i] /= d * d; }
            return;
        case Kind::Elu: for (int64_t i = 0; i < n; ++i) if (x[i] <= 0) g[i] *= std::exp(x[i]); return;
        case Kind::Selu:
            for (int64_t i = 0; i < n; ++i) g[i] *= kSeluScale * (x[i] > 0 ? 1.0f : kSeluAlpha * std::exp(x[i]));
            return;
        case Kind::Gelu:
            for (int64_t i = 0; i < n; ++i) {
                float cdf = 0.5f * (1.0f + std::erf(x[i] * 0.70710678f));
                float pdf = 0.39894228f * std::exp(-0.5f * x[i] * x[i]);
                g[i] *= cdf + x[i] * pdf;
            }
            return;
        case Kind::Swish:
            for (int64_t i = 0; i < n; ++i) { float s = sigmoid(x[i]); g[i] *= s * (1 + x[i] * (1 - s)); }
            return;
        case Kind::HardSigmoid:
            for (int64_t i = 0; i < n; ++i) g[i] *= (x[i] > -3 && x[i] < 3) ? 1.0f / 6.0f : 0.0f;
            return;
        case Kind::HardSwish:
            for (int64_t i = 0; i < n; ++i)
                g[i] *= x[i] < -3 ? 0.0f : (x[i] > 3 ? 1.0f : (2 * x[i] + 3) / 6.0f);
            return;
        case Kind::LeakyRelu: for (int64_t i = 0; i < n; ++i) if (x[i] <= 0) g[i] *= kLeakySlope; return;
        case Kind::Mish:
            for (int64_t i = 0; i < n; ++i) {
                float sp = softplus(x[i]), t = std::tanh(sp);
                g[i] *= t + x[i] * (1 - t * t) * sigmoid(x[i]);
            }
            return;
        case Kind::Softmax:
            for (int64_t r = 0; r < n; r += axisLen) {
                float dot = 0;
                for (int64_t j = 0; j < axisLen; ++j) dot += g[r + j] * y[r + j];
                for (int64_t j = 0; j < axisLen; ++j) g[r + j] = y[r + j] * (g[r + j] - dot);
            }
            return;
        case Kind::LogSoftmax:
            for (int64_t r = 0; r < n; r += axisLen) {
                float s = 0;
                for (int64_t j = 0; j < axisLen; ++j) s += g[r + j];
                for (int64_t j = 0; j < axisLen; ++j) g[r + j] -= std::exp(y[r + j]) * s;
            }
            return;
    }
}

}  // namespace strata
