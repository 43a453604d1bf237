#include "engine/layers/normalization/layer_normalization.h"

#include <algorithm>
#include <cmath>

#include "engine/core/errors.h"

namespace strata {

namespace {

struct LayerNormCache : LayerCache {
    std::vector<float> mean;  // per row
    std::vector<float> invStd;
    // Non-trailing axes: x is gathered into (rows, cols) through `perm`.
    std::vector<int64_t> permShape;
    std::vector<int64_t> perm;  // perm[k] = flat input index of gathered element k
    std::vector<float> xt, gt, yt;
    bool recorded = false;
};

// Gathered layout: the kept axes in order, then the normalized axes in sorted order.
void buildPermutation(const std::vector<int64_t>& shape, const std::vector<int>& normAxes, std::vector<int64_t>& perm) {
    const int rank = static_cast<int>(shape.size());
    std::vector<int> order;
    for (int d = 0; d < rank; ++d)
        if (!std::binary_search(normAxes.begin(), normAxes.end(), d)) order.push_back(d);
    for (int d : normAxes) order.push_back(d);
    std::vector<int64_t> stride(rank, 1);
    for (int d = rank - 2; d >= 0; --d) stride[d] = stride[d + 1] * shape[d + 1];
    const int64_t n = product(shape);
    perm.resize(static_cast<size_t>(n));
    std::vector<int64_t> idx(rank, 0);
    int64_t src = 0;
    for (int64_t k = 0; k < n; ++k) {
        perm[k] = src;
        // odometer over `order`, last entry fastest
        for (int p = rank - 1; p >= 0; --p) {
            const int d = order[p];
            if (++idx[d] < shape[d]) {
                src += stride[d];
                break;
            }
            src -= stride[d] * (shape[d] - 1);
            idx[d] = 0;
        }
    }
}

}  // namespace

LayerSpec LayerNormalization::spec() {
    LayerSpec s;
    s.className = "LayerNormalization";
    s.category = LayerCategory::Normalization;
    s.doc = "Normalizes each sample over the given axes (mean 0, variance 1), then scales and shifts.";
    s.params = {
        param::intList("axis", -1, "Axis or axes to normalize over (-1: last)."),
        param::real("epsilon", 1e-3, "Small float added to the variance to avoid dividing by zero.", 0.0),
        param::boolean("center", true, "Add the offset beta."),
        param::boolean("scale", true, "Multiply by gamma."),
        param::advanced(param::boolean("rms_scaling", false,
                                       "Deprecated in Keras: scale by gamma / sqrt(variance + epsilon), no centering.")),
        param::initializer("beta_initializer", "zeros", "Initializer of beta."),
        param::initializer("gamma_initializer", "ones", "Initializer of gamma."),
        param::regularizer("beta_regularizer", "Penalty on beta."),
        param::regularizer("gamma_regularizer", "Penalty on gamma."),
        param::constraint("beta_constraint", "Constraint on beta (kept, not applied)."),
        param::constraint("gamma_constraint", "Constraint on gamma (kept, not applied)."),
    };
    s.factory = [](const Json& c) { return std::make_shared<LayerNormalization>(c); };
    s.brief = [](const Json& c) {
        const Json& a = c.contains("axis") ? c["axis"] : Json(-1);
        std::string t = a.is_array() && a.size() == 1 ? a[0].dump() : a.dump();
        return t == "-1" ? std::string() : "axis " + t;
    };
    return s;
}

LayerNormalization::LayerNormalization(const Json& config) : Layer("LayerNormalization", config) {
    const Json& cfg = this->config();
    const Json& a = cfg.contains("axis") ? cfg["axis"] : Json(-1);
    if (a.is_number_integer()) {
        axes_ = {a.get<int64_t>()};
    } else if (a.is_array() && !a.empty()) {
        for (const auto& e : a) {
            if (!e.is_number_integer())
                throw ConfigError("LayerNormalization argument 'axis': expected integers, got " + a.dump());
            axes_.push_back(e.get<int64_t>());
        }
    } else {
        throw ConfigError("LayerNormalization argument 'axis': expected an integer or a list of integers, got " +
                          a.dump());
    }
    // The registry turns an int axis into [axis]; keep the int form until build (as Keras does) so
    // that configs round-trip. Keras's build then reports the list form.
    if (a.is_array() && axes_.size() == 1) mutableConfig()["axis"] = axes_[0];
    epsilon_ = static_cast<float>(cfgFloat(cfg, "epsilon"));
    center_ = cfgBool(cfg, "center");
    scale_ = cfgBool(cfg, "scale");
    rms_ = cfgBool(cfg, "rms_scaling");
}

std::string LayerNormalization::who() const { return "Layer '" + name() + "' (LayerNormalization): "; }

std::vector<int> LayerNormalization::sortedAxes(int rank) const {
    std::vector<int> out;
    for (int64_t a : axes_) {
        int64_t r = a < 0 ? a + rank : a;
        if (r < 0 || r >= rank)
            throw ShapeError("input 0: axis " + std::to_string(a) + " is out of bounds for a rank-" +
                             std::to_string(rank) + " input");
        out.push_back(static_cast<int>(r));
    }
    std::sort(out.begin(), out.end());
    if (std::adjacent_find(out.begin(), out.end()) != out.end())
        throw ShapeError("input 0: axis lists the same dimension twice");
    return out;
}

std::vector<Shape> LayerNormalization::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    std::vector<int> ax;
    try {
        ax = sortedAxes(s.rank());
    } catch (const ShapeError& e) {
        throw ShapeError(std::string(e.what()) + ", got " + s.toString());
    }
    if (built()) {
        const int rank = buildShapes().empty() ? s.rank() : buildShapes()[0].rank();
        bool ok = s.rank() == rank;
        const Shape& b = buildShapes().empty() ? s : buildShapes()[0];
        for (int d : ax)
            if (ok && s[d] != kNone && s[d] != b[d]) ok = false;
        if (!ok) throw ShapeError("input 0: expected a shape compatible with " + b.toString() + ", got " + s.toString());
    } else {
        for (int d : ax)
            if (s[d] == kNone)
                throw ShapeError("input 0: the normalized dimensions must have a known size, got " + s.toString());
    }
    return {s};
}

void LayerNormalization::buildImpl(const std::vector<Shape>& in) {
    const Shape& s = in[0];
    sortedAxes(s.rank());  // validates
    std::vector<int64_t> shape;
    for (int64_t a : axes_) {
        int64_t d = s[static_cast<int>(a < 0 ? a + s.rank() : a)];
        if (d == kNone) throw ShapeError("input 0: the normalized dimensions must have a known size, got " + s.toString());
        shape.push_back(d);
    }
    if (scale_ || rms_)
        gamma_ = &addWeight("gamma", shape, config()["gamma_initializer"], true, config()["gamma_regularizer"]);
    if (center_ && !rms_)
        beta_ = &addWeight("beta", shape, config()["beta_initializer"], true, config()["beta_regularizer"]);
    mutableConfig()["axis"] = axes_;  // Keras's build turns an int axis into [axis]
}

void LayerNormalization::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    std::vector<int> ax;
    try {
        ax = sortedAxes(x.rank());
    } catch (const ShapeError& e) {
        throw ShapeError(who() + e.what() + ", got " + x.shapeString());
    }
    const int buildRank = buildShapes().empty() ? x.rank() : buildShapes()[0].rank();
    int64_t cols = 1;
    for (int d : ax) cols *= x.dim(d);
    const int64_t params = gamma_ ? gamma_->value.size() : beta_ ? beta_->value.size() : cols;
    bool ok = x.rank() == buildRank && cols == params;
    if (ok && !buildShapes().empty())
        for (int d : ax) ok = ok && buildShapes()[0][d] == x.dim(d);
    if (!ok)
        throw ShapeError(who() + "input 0: expected a shape compatible with " +
                         (buildShapes().empty() ? std::string("the built shape") : buildShapes()[0].toString()) +
                         ", got " + x.shapeString());
    const int64_t rows = cols ? x.size() / cols : 0;
    bool trailing = true;
    for (size_t i = 0; i < ax.size(); ++i)
        if (ax[i] != x.rank() - static_cast<int>(ax.size()) + static_cast<int>(i)) trailing = false;

    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    auto& cache = ctx.cache<LayerNormCache>();
    cache.recorded = true;
    cache.mean.resize(static_cast<size_t>(rows));
    cache.invStd.resize(static_cast<size_t>(rows));

    const float* xs = x.data();
    float* ys = y.data();
    if (!trailing) {
        if (cache.permShape != x.shape()) {
            buildPermutation(x.shape(), ax, cache.perm);
            cache.permShape = x.shape();
        }
        cache.xt.resize(static_cast<size_t>(x.size()));
        cache.yt.resize(static_cast<size_t>(x.size()));
        for (int64_t k = 0; k < x.size(); ++k) cache.xt[k] = xs[cache.perm[k]];
        xs = cache.xt.data();
        ys = cache.yt.data();
    }
    const float* gam = gamma_ ? gamma_->value.data() : nullptr;
    const float* bet = beta_ ? beta_->value.data() : nullptr;
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = xs + r * cols;
        float* yr = ys + r * cols;
        double sum = 0.0;
        for (int64_t j = 0; j < cols; ++j) sum += xr[j];
        const double mean = sum / double(cols);
        double sq = 0.0;
        for (int64_t j = 0; j < cols; ++j) {
            const double d = xr[j] - mean;
            sq += d * d;
        }
        const float var = static_cast<float>(sq / double(cols));
        const float inv = 1.0f / std::sqrt(var + epsilon_);
        const float m = static_cast<float>(mean);
        cache.mean[r] = m;
        cache.invStd[r] = inv;
        if (rms_) {
            for (int64_t j = 0; j < cols; ++j) yr[j] = xr[j] * inv * (gam ? gam[j] : 1.0f);
        } else {
            // Keras: inv = rsqrt(var + eps) * gamma; y = x * inv + (beta - mean * inv)
            for (int64_t j = 0; j < cols; ++j) {
                const float iv = gam ? inv * gam[j] : inv;
                const float res = -m * iv + (bet ? bet[j] : 0.0f);
                yr[j] = xr[j] * iv + res;
            }
        }
    }
    if (!trailing) {
        float* out = y.data();
        for (int64_t k = 0; k < x.size(); ++k) out[cache.perm[k]] = cache.yt[k];
    }
}

void LayerNormalization::backward(const ConstTensorPtrs& inputs, const Tensors& outputs,
                                  const ConstTensorPtrs& outputGrads, Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
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
    std::vector<int> ax;
    try {
        ax = sortedAxes(x.rank());
    } catch (const ShapeError& e) {
        throw ShapeError(who() + e.what() + ", got " + x.shapeString());
    }
    const int64_t n = x.size();
    int64_t cols = 1;
    for (int d : ax) cols *= x.dim(d);
    const int64_t rows = cols ? n / cols : 0;
    auto& cache = ctx.cache<LayerNormCache>();
    if (!cache.recorded || static_cast<int64_t>(cache.mean.size()) != rows) {
        // forward ran without this cache: run it again for the statistics (slow path)
        CallContext again;
        again.cacheSlot = ctx.cacheSlot;
        again.recordForBackward = true;
        Tensors tmp;
        forward(inputs, tmp, again);
    }
    bool trailing = true;
    for (size_t i = 0; i < ax.size(); ++i)
        if (ax[i] != x.rank() - static_cast<int>(ax.size()) + static_cast<int>(i)) trailing = false;

    const float* xs = x.data();
    const float* gs = gy.data();
    float* dxs = gx.data();
    if (!trailing) {
        if (cache.permShape != x.shape()) {
            buildPermutation(x.shape(), ax, cache.perm);
            cache.permShape = x.shape();
        }
        cache.xt.resize(static_cast<size_t>(n));
        cache.gt.resize(static_cast<size_t>(n));
        cache.yt.resize(static_cast<size_t>(n));
        for (int64_t k = 0; k < n; ++k) {
            cache.xt[k] = xs[cache.perm[k]];
            cache.gt[k] = gs[cache.perm[k]];
        }
        xs = cache.xt.data();
        gs = cache.gt.data();
        dxs = cache.yt.data();
    }
    const float* gam = gamma_ ? gamma_->value.data() : nullptr;
    const bool wantWeights = trainable();
    float* dgam = wantWeights && gamma_ ? gamma_->grad.data() : nullptr;
    float* dbet = wantWeights && beta_ ? beta_->grad.data() : nullptr;
    const double invN = cols ? 1.0 / double(cols) : 0.0;
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = xs + r * cols;
        const float* gr = gs + r * cols;
        float* dr = dxs + r * cols;
        const double mean = cache.mean[r];
        const double inv = cache.invStd[r];
        if (rms_) {
            // y = gamma * x * inv, inv = (var + eps)^-1/2
            double s = 0.0;
            for (int64_t j = 0; j < cols; ++j) {
                const double h = double(gr[j]) * (gam ? gam[j] : 1.0f);
                s += h * xr[j];
                if (dgam) dgam[j] += static_cast<float>(double(gr[j]) * xr[j] * inv);
            }
            const double k = inv * inv * inv * s * invN;
            for (int64_t j = 0; j < cols; ++j) {
                const double h = double(gr[j]) * (gam ? gam[j] : 1.0f);
                dr[j] = static_cast<float>(inv * h - k * (xr[j] - mean));
            }
        } else {
            // y = gamma * xhat + beta, xhat = (x - mean) * inv
            double sh = 0.0, shx = 0.0;
            for (int64_t j = 0; j < cols; ++j) {
                const double xhat = (xr[j] - mean) * inv;
                const double h = double(gr[j]) * (gam ? gam[j] : 1.0f);
                sh += h;
                shx += h * xhat;
                if (dgam) dgam[j] += static_cast<float>(double(gr[j]) * xhat);
                if (dbet) dbet[j] += gr[j];
            }
            sh *= invN;
            shx *= invN;
            for (int64_t j = 0; j < cols; ++j) {
                const double xhat = (xr[j] - mean) * inv;
                const double h = double(gr[j]) * (gam ? gam[j] : 1.0f);
                dr[j] = static_cast<float>(inv * (h - sh - xhat * shx));
            }
        }
    }
    if (!trailing) {
        float* out = gx.data();
        for (int64_t k = 0; k < n; ++k) out[cache.perm[k]] = cache.yt[k];
    }
}

}  // namespace strata
