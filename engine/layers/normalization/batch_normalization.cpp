#include "engine/layers/normalization/batch_normalization.h"

#include <cmath>

#include "engine/core/errors.h"

namespace strata {

namespace {

struct BatchNormCache : LayerCache {
    std::vector<float> mean;     // statistics the forward used (batch or moving)
    std::vector<float> invStd;   // 1 / sqrt(variance + epsilon)
    std::vector<float> scale;    // scratch: gamma * invStd
    std::vector<float> shift;    // scratch: beta - mean * scale
    std::vector<double> sums[3]; // scratch for reductions
    std::vector<float> weights;  // mask (one per position of input_shape[:-1]) when masked
    std::vector<double> count;   // per channel: sum of weights + 1e-7 (masked) or N
    std::vector<float> coefA, coefB, coefD;  // backward scratch: dx = A g + w (B (x - mean) + D)
    bool batchStats = false;
    bool masked = false;
    bool recorded = false;
};

// Keys of Keras 2's BatchNormalization that Keras 3 does not have; accepted and dropped.
const char* const kLegacyKeys[] = {"renorm", "renorm_clipping", "renorm_momentum", "fused", "virtual_batch_size",
                                   "adjustment"};

// Calls f(c, e) for every element e of x viewed as (outer, C, inner), channel c.
template <class F>
inline void forEachElement(int64_t outer, int64_t C, int64_t inner, F&& f) {
    if (inner == 1) {
        for (int64_t o = 0; o < outer; ++o) {
            const int64_t base = o * C;
            for (int64_t c = 0; c < C; ++c) f(c, base + c);
        }
        return;
    }
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t c = 0; c < C; ++c) {
            const int64_t base = (o * C + c) * inner;
            for (int64_t i = 0; i < inner; ++i) f(c, base + i);
        }
}

}  // namespace

LayerSpec BatchNormalization::spec() {
    LayerSpec s;
    s.className = "BatchNormalization";
    s.category = LayerCategory::Normalization;
    s.doc = "Normalizes with batch statistics in training and moving averages in inference.";
    s.params = {
        param::intList("axis", -1, "The feature axis that is normalized (-1: last; 1 for channels_first)."),
        param::real("momentum", 0.99, "Momentum of the moving mean and variance.", 0.0, 1.0),
        param::real("epsilon", 1e-3, "Small float added to the variance to avoid dividing by zero.", 0.0),
        param::boolean("center", true, "Add the offset beta."),
        param::boolean("scale", true, "Multiply by gamma."),
        param::initializer("beta_initializer", "zeros", "Initializer of beta."),
        param::initializer("gamma_initializer", "ones", "Initializer of gamma."),
        param::advanced(param::initializer("moving_mean_initializer", "zeros", "Initializer of the moving mean.")),
        param::advanced(
            param::initializer("moving_variance_initializer", "ones", "Initializer of the moving variance.")),
        param::regularizer("beta_regularizer", "Penalty on beta."),
        param::regularizer("gamma_regularizer", "Penalty on gamma."),
        param::constraint("beta_constraint", "Constraint on beta (kept, not applied)."),
        param::constraint("gamma_constraint", "Constraint on gamma (kept, not applied)."),
        param::advanced(param::boolean("synchronized", false,
                                       "Synchronize batch statistics across devices (no effect on one device).")),
    };
    s.factory = [](const Json& c) { return std::make_shared<BatchNormalization>(c); };
    s.brief = [](const Json& c) {
        const Json& a = c.contains("axis") ? c["axis"] : Json(-1);
        std::string t = a.is_array() && a.size() == 1 ? a[0].dump() : a.dump();
        return t == "-1" ? std::string() : "axis " + t;
    };
    return s;
}

BatchNormalization::BatchNormalization(const Json& config) : Layer("BatchNormalization", config) {
    Json& cfg = mutableConfig();
    for (const char* k : kLegacyKeys) cfg.erase(k);
    const Json& a = cfg.contains("axis") ? cfg["axis"] : Json(-1);
    if (a.is_number_integer()) {
        axis_ = a.get<int64_t>();
    } else if (a.is_array() && a.size() == 1 && a[0].is_number_integer()) {
        axis_ = a[0].get<int64_t>();  // Keras 2 files: "axis": [3]
    } else if (a.is_array()) {
        throw NotSupportedError("BatchNormalization argument 'axis': only one axis is supported, got " + a.dump());
    } else {
        throw ConfigError("BatchNormalization argument 'axis': expected an integer, got " + a.dump());
    }
    cfg["axis"] = axis_;
    momentum_ = static_cast<float>(cfgFloat(cfg, "momentum"));
    epsilon_ = static_cast<float>(cfgFloat(cfg, "epsilon"));
    center_ = cfgBool(cfg, "center");
    scale_ = cfgBool(cfg, "scale");
}

std::string BatchNormalization::who() const { return "Layer '" + name() + "' (BatchNormalization): "; }

int BatchNormalization::resolvedAxis(int rank) const {
    int64_t a = axis_ < 0 ? axis_ + rank : axis_;
    return (a < 0 || a >= rank) ? -1 : static_cast<int>(a);
}

std::vector<Shape> BatchNormalization::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    int ax = resolvedAxis(s.rank());
    if (ax < 0)
        throw ShapeError("input 0: axis " + std::to_string(axis_) + " is out of range for input " + s.toString());
    if (built()) {
        const int rank = buildShapes().empty() ? s.rank() : buildShapes()[0].rank();
        const int64_t C = movingMean_->value.dim(0);
        if (s.rank() != rank || (s[ax] != kNone && s[ax] != C))
            throw ShapeError("input 0: expected a rank-" + std::to_string(rank) + " input with " + std::to_string(C) +
                             " features on axis " + std::to_string(axis_) + ", got " + s.toString());
    } else if (s[ax] == kNone) {
        throw ShapeError("input 0: the normalized axis " + std::to_string(axis_) + " must have a known size, got " +
                         s.toString());
    }
    return {s};
}

void BatchNormalization::buildImpl(const std::vector<Shape>& in) {
    const Shape& s = in[0];
    int ax = resolvedAxis(s.rank());
    if (ax < 0 || s[ax] == kNone)
        throw ShapeError("input 0: the normalized axis " + std::to_string(axis_) + " must exist and have a known size, got " +
                         s.toString());
    const int64_t C = s[ax];
    if (scale_) gamma_ = &addWeight("gamma", {C}, config()["gamma_initializer"], true, config()["gamma_regularizer"]);
    if (center_) beta_ = &addWeight("beta", {C}, config()["beta_initializer"], true, config()["beta_regularizer"]);
    movingMean_ = &addWeight("moving_mean", {C}, config()["moving_mean_initializer"], false);
    movingVariance_ = &addWeight("moving_variance", {C}, config()["moving_variance_initializer"], false);
}

void BatchNormalization::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    const int ax = resolvedAxis(x.rank());
    const int64_t C = movingMean_->value.dim(0);
    const int buildRank = buildShapes().empty() ? x.rank() : buildShapes()[0].rank();
    if (ax < 0 || x.rank() != buildRank || x.dim(ax) != C)
        throw ShapeError(who() + "input 0: expected a rank-" + std::to_string(buildRank) + " input with " +
                         std::to_string(C) + " features on axis " + std::to_string(axis_) + ", got " + x.shapeString());
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < ax; ++d) outer *= x.dim(d);
    for (int d = ax + 1; d < x.rank(); ++d) inner *= x.dim(d);

    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    auto& cache = ctx.cache<BatchNormCache>();
    cache.recorded = true;
    cache.mean.resize(C);
    cache.invStd.resize(C);
    cache.scale.resize(C);
    cache.shift.resize(C);
    cache.batchStats = ctx.training && trainable();
    cache.masked = false;
    const float* xs = x.data();

    if (cache.batchStats) {
        const Tensor* mask = ctx.mask(0);
        const int64_t last = x.rank() > 0 ? x.dim(-1) : 1;
        if (mask) {
            if (x.rank() < 2 || mask->rank() != x.rank() - 1 || mask->size() * last != x.size())
                throw ShapeError(who() + "the mask should have one dimension less than the input (" +
                                 x.shapeString() + "), got " + mask->shapeString());
            cache.masked = true;
            cache.weights.resize(static_cast<size_t>(mask->size()));
            for (int64_t i = 0; i < mask->size(); ++i) cache.weights[i] = (*mask)[i] != 0.0f ? 1.0f : 0.0f;
        }
        for (auto& v : cache.sums) v.assign(static_cast<size_t>(C), 0.0);
        cache.count.resize(C);
        double* sum = cache.sums[0].data();
        double* sq = cache.sums[1].data();
        double* wsum = cache.sums[2].data();
        if (!cache.masked) {
            forEachElement(outer, C, inner, [&](int64_t c, int64_t e) { sum[c] += xs[e]; });
            const double n = double(outer * inner);
            for (int64_t c = 0; c < C; ++c) {
                cache.count[c] = n;
                sum[c] /= n;  // mean
            }
            forEachElement(outer, C, inner, [&](int64_t c, int64_t e) {
                const double d = xs[e] - sum[c];
                sq[c] += d * d;
            });
            for (int64_t c = 0; c < C; ++c) sq[c] /= n;  // biased variance
        } else {
            // Keras's masked moments: mean = sum(w x) / (sum(w) + 1e-7),
            // variance = sum(w (w x - mean)^2) / (sum(w) + 1e-7).
            const float* w = cache.weights.data();
            forEachElement(outer, C, inner, [&](int64_t c, int64_t e) {
                const float we = w[e / last];
                sum[c] += double(we) * xs[e];
                wsum[c] += we;
            });
            for (int64_t c = 0; c < C; ++c) {
                cache.count[c] = wsum[c] + 1e-7;
                sum[c] /= cache.count[c];
            }
            forEachElement(outer, C, inner, [&](int64_t c, int64_t e) {
                const float we = w[e / last];
                const double d = double(we) * xs[e] - sum[c];
                sq[c] += we * d * d;
            });
            for (int64_t c = 0; c < C; ++c) sq[c] /= cache.count[c];
        }
        // Moving averages, in float like Keras: moving * momentum + batch * (1 - momentum).
        const float m = momentum_;
        const float om = static_cast<float>(1.0 - double(momentum_));
        float* mm = movingMean_->value.data();
        float* mv = movingVariance_->value.data();
        for (int64_t c = 0; c < C; ++c) {
            const float mean = static_cast<float>(sum[c]);
            const float var = static_cast<float>(sq[c]);
            mm[c] = mm[c] * m + mean * om;
            mv[c] = mv[c] * m + var * om;
            cache.mean[c] = mean;
            cache.invStd[c] = 1.0f / std::sqrt(var + epsilon_);
        }
    } else {
        const float* mm = movingMean_->value.data();
        const float* mv = movingVariance_->value.data();
        for (int64_t c = 0; c < C; ++c) {
            cache.mean[c] = mm[c];
            cache.invStd[c] = 1.0f / std::sqrt(mv[c] + epsilon_);
        }
    }

    // tf.nn.batch_normalization: inv = rsqrt(var + eps) * gamma; y = x * inv + (beta - mean * inv)
    for (int64_t c = 0; c < C; ++c) {
        const float inv = cache.invStd[c] * (scale_ ? gamma_->value[c] : 1.0f);
        cache.scale[c] = inv;
        cache.shift[c] = (center_ ? beta_->value[c] : 0.0f) - cache.mean[c] * inv;
    }
    float* ys = y.data();
    const float* sc = cache.scale.data();
    const float* sh = cache.shift.data();
    if (inner == 1) {
        for (int64_t o = 0; o < outer; ++o) {
            const float* xr = xs + o * C;
            float* yr = ys + o * C;
            for (int64_t c = 0; c < C; ++c) yr[c] = xr[c] * sc[c] + sh[c];
        }
    } else {
        for (int64_t o = 0; o < outer; ++o)
            for (int64_t c = 0; c < C; ++c) {
                const int64_t base = (o * C + c) * inner;
                const float a = sc[c], b = sh[c];
                for (int64_t i = 0; i < inner; ++i) ys[base + i] = xs[base + i] * a + b;
            }
    }
}

void BatchNormalization::backward(const ConstTensorPtrs& inputs, const Tensors& outputs,
                                  const ConstTensorPtrs& outputGrads, Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    const int ax = resolvedAxis(x.rank());
    const int64_t C = movingMean_->value.dim(0);
    if (ax < 0 || x.dim(ax) != C)
        throw ShapeError(who() + "input 0: expected " + std::to_string(C) + " features on axis " +
                         std::to_string(axis_) + ", got " + x.shapeString());
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape());
    if (!outputGrads[0]) {
        gx.setZero();
        return;
    }
    const Tensor& gy = *outputGrads[0];
    if (gy.size() != x.size())
        throw ShapeError(who() + "output gradient of shape " + gy.shapeString() + " does not match input " +
                         x.shapeString());
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < ax; ++d) outer *= x.dim(d);
    for (int d = ax + 1; d < x.rank(); ++d) inner *= x.dim(d);

    auto& cache = ctx.cache<BatchNormCache>();
    if (!cache.recorded || static_cast<int64_t>(cache.mean.size()) != C) {
        // No recorded forward: the statistics are the moving ones (inference).
        cache.batchStats = false;
        cache.masked = false;
        cache.mean.resize(C);
        cache.invStd.resize(C);
        for (int64_t c = 0; c < C; ++c) {
            cache.mean[c] = movingMean_->value[c];
            cache.invStd[c] = 1.0f / std::sqrt(movingVariance_->value[c] + epsilon_);
        }
    }
    const float* xs = x.data();
    const float* g = gy.data();
    float* dx = gx.data();
    const float* mean = cache.mean.data();
    const float* r = cache.invStd.data();
    const bool wantWeights = trainable() && (scale_ || center_);
    const int64_t last = x.rank() > 0 ? x.dim(-1) : 1;
    const float* w = cache.batchStats && cache.masked ? cache.weights.data() : nullptr;

    for (auto& v : cache.sums) v.assign(static_cast<size_t>(C), 0.0);
    double* G = cache.sums[0].data();   // sum of g
    double* GX = cache.sums[1].data();  // sum of g * (x - mean)
    double* D = cache.sums[2].data();   // sum of w * (x - mean)
    if (cache.batchStats || wantWeights) {
        if (w) {
            forEachElement(outer, C, inner, [&](int64_t c, int64_t e) {
                const double d = double(xs[e]) - mean[c];
                G[c] += g[e];
                GX[c] += double(g[e]) * d;
                D[c] += w[e / last] * d;
            });
        } else {
            forEachElement(outer, C, inner, [&](int64_t c, int64_t e) {
                const double d = double(xs[e]) - mean[c];
                G[c] += g[e];
                GX[c] += double(g[e]) * d;
                D[c] += d;
            });
        }
    }
    if (wantWeights) {
        if (scale_)
            for (int64_t c = 0; c < C; ++c) gamma_->grad[c] += static_cast<float>(GX[c] * r[c]);
        if (center_)
            for (int64_t c = 0; c < C; ++c) beta_->grad[c] += static_cast<float>(G[c]);
    }

    // dx = A g + w * (B (x - mean) + D), per channel coefficients:
    //   inference (moving statistics): A = gamma r, B = D = 0.
    //   batch statistics, y = gamma (x - mu) r + beta with mu and var functions of x:
    //     dL/dvar = -1/2 gamma r^3 GX,  dL/dmu = -gamma r G + dL/dvar * (-2 D / N')
    //     A = gamma r,  B = 2 dL/dvar / N',  D = dL/dmu / N'
    cache.coefA.resize(C);
    cache.coefB.resize(C);
    cache.coefD.resize(C);
    for (int64_t c = 0; c < C; ++c) {
        const double gam = scale_ ? gamma_->value[c] : 1.0;
        const double rc = r[c];
        cache.coefA[c] = static_cast<float>(gam * rc);
        if (cache.batchStats) {
            const double dv = -0.5 * gam * rc * rc * rc * GX[c];
            const double dm = -gam * rc * G[c] + dv * (-2.0 * D[c] / cache.count[c]);
            cache.coefB[c] = static_cast<float>(2.0 * dv / cache.count[c]);
            cache.coefD[c] = static_cast<float>(dm / cache.count[c]);
        } else {
            cache.coefB[c] = 0.0f;
            cache.coefD[c] = 0.0f;
        }
    }
    const float* __restrict A = cache.coefA.data();
    const float* __restrict Bc = cache.coefB.data();
    const float* __restrict Dc = cache.coefD.data();
    if (!cache.batchStats) {
        forEachElement(outer, C, inner, [&](int64_t c, int64_t e) { dx[e] = A[c] * g[e]; });
    } else if (w) {
        forEachElement(outer, C, inner, [&](int64_t c, int64_t e) {
            dx[e] = A[c] * g[e] + w[e / last] * (Bc[c] * (xs[e] - mean[c]) + Dc[c]);
        });
    } else {
        forEachElement(outer, C, inner, [&](int64_t c, int64_t e) {
            dx[e] = A[c] * g[e] + Bc[c] * (xs[e] - mean[c]) + Dc[c];
        });
    }
}

}  // namespace strata
