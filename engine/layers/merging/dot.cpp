#include "engine/layers/merging/dot.h"

#include <algorithm>
#include <cmath>

#include "engine/core/errors.h"
#include "engine/layers/merging/base_merge.h"

namespace strata {

using merging_detail::layerError;

namespace {

constexpr float kInvEpsilon = 1.0f / 1e-7f;  // 1 / keras.backend.epsilon()

/// Per-input geometry: the sample viewed as (pre, K, post) around the dot axis.
struct Side {
    int64_t batch = 0, pre = 1, k = 1, post = 1;
    Side(const std::vector<int64_t>& shape, int axis) {
        batch = shape[0];
        k = shape[axis];
        for (int d = 1; d < axis; ++d) pre *= shape[d];
        for (size_t d = axis + 1; d < shape.size(); ++d) post *= shape[d];
    }
    int64_t rest() const { return pre * post; }
    int64_t sample() const { return pre * k * post; }
};

struct DotCache : LayerCache {
    Tensor xn, yn;          // normalized inputs (normalize=True)
    Tensor xinv, yinv;      // their inverse norms, one per (batch, pre, post)
    RowMatrix xb, yb;       // one sample gathered: (P x K) and (K x Q)
    RowMatrix gxb, gyb;     // gradients of one sample in gathered form
    Tensor gxn, gyn;        // gradients wrt the normalized inputs
};

/// out = x * min(rsqrt(sum over the axis of x^2), 1/eps); inv holds the factor per vector.
void normalizeAlong(const Tensor& x, const Side& s, Tensor& out, Tensor& inv) {
    out.resize(x.shape());
    inv.resize({s.batch * s.pre * s.post});
    const int64_t outer = s.batch * s.pre;
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < s.post; ++j) {
            const float* px = x.data() + o * s.k * s.post + j;
            float ss = 0.0f;
            for (int64_t k = 0; k < s.k; ++k) ss += px[k * s.post] * px[k * s.post];
            const float f = std::min(1.0f / std::sqrt(ss), kInvEpsilon);
            inv[o * s.post + j] = f;
            float* po = out.data() + o * s.k * s.post + j;
            for (int64_t k = 0; k < s.k; ++k) po[k * s.post] = px[k * s.post] * f;
        }
}

/// Gradient through normalizeAlong: g wrt x from gn wrt the normalized x.
void normalizeBackward(const Tensor& x, const Tensor& inv, const Side& s, const Tensor& gn, Tensor& gx) {
    const int64_t outer = s.batch * s.pre;
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < s.post; ++j) {
            const int64_t base = o * s.k * s.post + j;
            const float f = inv[o * s.post + j];
            const bool clamped = !(f < kInvEpsilon);
            float dotgx = 0.0f;
            if (!clamped)
                for (int64_t k = 0; k < s.k; ++k) dotgx += gn[base + k * s.post] * x[base + k * s.post];
            const float f3 = f * f * f;
            for (int64_t k = 0; k < s.k; ++k) {
                const int64_t e = base + k * s.post;
                gx[e] = clamped ? f * gn[e] : f * gn[e] - f3 * x[e] * dotgx;
            }
        }
}

/// Sample b of x as a (P x K) matrix, rows ordered (pre, post).
void gatherX(const float* x, const Side& s, int64_t b, RowMatrix& xb) {
    xb.resize(s.rest(), s.k);
    const float* base = x + b * s.sample();
    for (int64_t i = 0; i < s.pre; ++i) {
        Eigen::Map<const RowMatrix> blk(base + i * s.k * s.post, s.k, s.post);
        xb.middleRows(i * s.post, s.post) = blk.transpose();
    }
}
void scatterX(const RowMatrix& gxb, const Side& s, int64_t b, float* gx) {
    float* base = gx + b * s.sample();
    for (int64_t i = 0; i < s.pre; ++i) {
        Eigen::Map<RowMatrix> blk(base + i * s.k * s.post, s.k, s.post);
        blk = gxb.middleRows(i * s.post, s.post).transpose();
    }
}
/// Sample b of y as a (K x Q) matrix, columns ordered (pre, post).
void gatherY(const float* y, const Side& s, int64_t b, RowMatrix& yb) {
    yb.resize(s.k, s.rest());
    const float* base = y + b * s.sample();
    for (int64_t i = 0; i < s.pre; ++i) {
        Eigen::Map<const RowMatrix> blk(base + i * s.k * s.post, s.k, s.post);
        yb.middleCols(i * s.post, s.post) = blk;
    }
}
void scatterY(const RowMatrix& gyb, const Side& s, int64_t b, float* gy) {
    float* base = gy + b * s.sample();
    for (int64_t i = 0; i < s.pre; ++i) {
        Eigen::Map<RowMatrix> blk(base + i * s.k * s.post, s.k, s.post);
        blk = gyb.middleCols(i * s.post, s.post);
    }
}

std::string axesText(const Json& axes) { return axes.dump(); }

}  // namespace

LayerSpec Dot::spec() {
    LayerSpec s;
    s.className = "Dot";
    s.category = LayerCategory::Merge;
    s.doc = "Batch-wise dot product of two inputs along the given axes (cosine proximity with normalize).";
    s.arity = Arity{2, 2};
    s.params = {
        param::required(param::json("axes", -1,
                                    "Axis (int) or pair of axes [axis_of_x, axis_of_y] to take the dot product over "
                                    "(not 0, the batch axis).")),
        param::boolean("normalize", false, "L2-normalize both inputs along the dot axes first (cosine similarity)."),
    };
    s.factory = [](const Json& c) { return std::make_shared<Dot>(c); };
    s.brief = [](const Json& c) {
        return "axes " + c.value("axes", Json(-1)).dump() + (c.value("normalize", false) ? " · cosine" : "");
    };
    return s;
}

Dot::Dot(const Json& config) : Layer("Dot", config), normalize_(cfgBool(this->config(), "normalize")) {
    const Json& a = this->config()["axes"];
    if (a.is_number_integer()) {
        axes_ = {a.get<int64_t>()};
    } else if (a.is_array() && a.size() == 2 && a[0].is_number_integer() && a[1].is_number_integer()) {
        axes_ = {a[0].get<int64_t>(), a[1].get<int64_t>()};
    } else {
        throw ConfigError("Dot argument 'axes' must be an integer or a list of two integers, got " + a.dump());
    }
}

std::pair<int, int> Dot::resolveAxes(int rank1, int rank2) const {
    if (rank1 < 2 || rank2 < 2)
        throw ShapeError("inputs must have rank >= 2 (batch + at least one axis), got ranks " + std::to_string(rank1) +
                         " and " + std::to_string(rank2));
    int64_t a0 = axes_[0], a1 = axes_.size() == 2 ? axes_[1] : axes_[0];
    if (a0 < 0) a0 += rank1;
    if (a1 < 0) a1 += rank2;
    if (a0 < 0 || a0 >= rank1 || a1 < 0 || a1 >= rank2)
        throw ShapeError("axes " + axesText(config()["axes"]) + " are out of range for inputs of ranks " +
                         std::to_string(rank1) + " and " + std::to_string(rank2));
    if (a0 == 0 || a1 == 0)
        throw ShapeError("cannot take the dot product over the batch axis 0 (axes " + axesText(config()["axes"]) + ")");
    return {static_cast<int>(a0), static_cast<int>(a1)};
}

std::vector<Shape> Dot::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape &s1 = in[0], &s2 = in[1];
    auto [a0, a1] = resolveAxes(s1.rank(), s2.rank());
    if (s1[a0] != kNone && s2[a1] != kNone && s1[a0] != s2[a1])
        throw ShapeError("input 0 has shape " + s1.toString() + " and input 1 has shape " + s2.toString() +
                         ": their sizes along the dot axes differ (" + std::to_string(s1[a0]) + " at axis " +
                         std::to_string(a0) + " vs " + std::to_string(s2[a1]) + " at axis " + std::to_string(a1) + ")");
    if (s1[0] != kNone && s2[0] != kNone && s1[0] != s2[0])
        throw ShapeError("input 0 has shape " + s1.toString() + " and input 1 has shape " + s2.toString() +
                         ": batch sizes differ");
    Shape out;
    for (int d = 0; d < s1.rank(); ++d)
        if (d != a0) out.dims().push_back(s1[d]);
    for (int d = 1; d < s2.rank(); ++d)
        if (d != a1) out.dims().push_back(s2[d]);
    if (out.rank() == 1) out.dims().push_back(1);
    return {out};
}

void Dot::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor &x = *inputs[0], &y = *inputs[1];
    const Shape outShape = outputShapesFor({x.shapeObj(), y.shapeObj()})[0];  // checks, names the layer
    auto [a0, a1] = resolveAxes(x.rank(), y.rank());
    Side sx(x.shape(), a0), sy(y.shape(), a1);
    auto& cache = ctx.cache<DotCache>();
    const Tensor* X = &x;
    const Tensor* Y = &y;
    if (normalize_) {
        normalizeAlong(x, sx, cache.xn, cache.xinv);
        normalizeAlong(y, sy, cache.yn, cache.yinv);
        X = &cache.xn;
        Y = &cache.yn;
    }
    outputs.resize(1);
    Tensor& out = outputs[0];
    out.resize(outShape.dims());
    out.setDType(DType::Float32);
    const int64_t P = sx.rest(), Q = sy.rest();
    for (int64_t b = 0; b < sx.batch; ++b) {
        gatherX(X->data(), sx, b, cache.xb);
        gatherY(Y->data(), sy, b, cache.yb);
        Eigen::Map<RowMatrix> ob(out.data() + b * P * Q, P, Q);
        ob.noalias() = cache.xb * cache.yb;
    }
}

void Dot::backward(const ConstTensorPtrs& inputs, const Tensors&, const ConstTensorPtrs& outputGrads,
                   Tensors& inputGrads, CallContext& ctx) {
    const Tensor &x = *inputs[0], &y = *inputs[1];
    inputGrads.resize(2);
    inputGrads[0].resize(x.shape(), 0.0f);
    inputGrads[1].resize(y.shape(), 0.0f);
    if (!outputGrads[0]) return;
    const Tensor& g = *outputGrads[0];
    auto [a0, a1] = resolveAxes(x.rank(), y.rank());
    Side sx(x.shape(), a0), sy(y.shape(), a1);
    const int64_t P = sx.rest(), Q = sy.rest();
    if (g.size() != sx.batch * P * Q)
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match inputs " +
                                    x.shapeString() + " and " + y.shapeString());
    auto& cache = ctx.cache<DotCache>();
    const Tensor* X = &x;
    const Tensor* Y = &y;
    Tensor* GX = &inputGrads[0];
    Tensor* GY = &inputGrads[1];
    if (normalize_) {
        normalizeAlong(x, sx, cache.xn, cache.xinv);
        normalizeAlong(y, sy, cache.yn, cache.yinv);
        X = &cache.xn;
        Y = &cache.yn;
        cache.gxn.resize(x.shape());
        cache.gyn.resize(y.shape());
        GX = &cache.gxn;
        GY = &cache.gyn;
    }
    for (int64_t b = 0; b < sx.batch; ++b) {
        gatherX(X->data(), sx, b, cache.xb);
        gatherY(Y->data(), sy, b, cache.yb);
        Eigen::Map<const RowMatrix> gb(g.data() + b * P * Q, P, Q);
        cache.gxb.noalias() = gb * cache.yb.transpose();
        cache.gyb.noalias() = cache.xb.transpose() * gb;
        scatterX(cache.gxb, sx, b, GX->data());
        scatterY(cache.gyb, sy, b, GY->data());
    }
    if (normalize_) {
        normalizeBackward(x, cache.xinv, sx, cache.gxn, inputGrads[0]);
        normalizeBackward(y, cache.yinv, sy, cache.gyn, inputGrads[1]);
    }
}

}  // namespace strata
