#include "engine/layers/activation/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/errors.h"

namespace strata {

LayerSpec Softmax::spec() {
    LayerSpec s;
    s.className = "Softmax";
    s.category = LayerCategory::Activation;
    s.doc = "Softmax activation along an axis (or jointly over several axes).";
    s.params = {
        param::json("axis", -1, "Axis (int) or list of axes along which the softmax is normalized."),
    };
    s.factory = [](const Json& c) { return std::make_shared<Softmax>(c); };
    s.brief = [](const Json& c) { return "axis " + c.value("axis", Json(-1)).dump(); };
    return s;
}

Softmax::Softmax(const Json& config) : Layer("Softmax", config) {
    const Json& a = this->config()["axis"];
    auto bad = [&]() { return ConfigError("Softmax argument 'axis': expected an integer or a list of integers, got " + a.dump()); };
    if (a.is_null()) {
        allAxes_ = true;
        multi_ = false;  // ops.softmax(axis=None): one softmax over the flattened tensor
    } else if (a.is_number_integer()) {
        axes_.push_back(a.get<int64_t>());
    } else if (a.is_array()) {
        if (a.empty()) throw bad();
        for (const auto& e : a) {
            if (!e.is_number_integer()) throw bad();
            axes_.push_back(e.get<int64_t>());
        }
        multi_ = axes_.size() > 1;
    } else {
        throw bad();
    }
}

std::vector<int> Softmax::resolveAxes(int rank) const {
    std::vector<int> out;
    if (allAxes_) {
        for (int i = 0; i < rank; ++i) out.push_back(i);
        return out;
    }
    for (int64_t a : axes_) {
        int64_t r = a < 0 ? a + rank : a;
        if (r < 0 || r >= rank)
            throw ShapeError("input 0: softmax axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
        if (std::find(out.begin(), out.end(), int(r)) == out.end()) out.push_back(int(r));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<Shape> Softmax::computeOutputShape(const std::vector<Shape>& in) const {
    if (in[0].rank() < 1) throw ShapeError("input 0: expected a tensor with a batch dimension, got shape " + in[0].toString());
    resolveAxes(in[0].rank());
    return {in[0]};
}

void Softmax::prepare(const std::vector<int64_t>& shape) {
    if (shape == preparedShape_ && (contiguous_ || !group_.empty() || product(shape) == 0)) return;
    std::vector<int> ax;
    try {
        ax = resolveAxes(static_cast<int>(shape.size()));
    } catch (const ShapeError& e) {
        throw ShapeError("Layer '" + name() + "' (Softmax): " + e.what());
    }
    preparedShape_ = shape;
    contiguous_ = ax.back() - ax.front() + 1 == static_cast<int>(ax.size());
    if (contiguous_) {
        outer_ = len_ = inner_ = 1;
        for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
            if (i < ax.front()) outer_ *= shape[i];
            else if (i <= ax.back()) len_ *= shape[i];
            else inner_ *= shape[i];
        }
        group_.clear();
        return;
    }
    // Group index of every element: its position among the kept (non-reduced) axes.
    const int r = static_cast<int>(shape.size());
    std::vector<int64_t> gstride(r, 0), idx(r, 0);
    int64_t s = 1;
    for (int i = r - 1; i >= 0; --i) {
        if (std::find(ax.begin(), ax.end(), i) != ax.end()) continue;
        gstride[i] = s;
        s *= shape[i];
    }
    groups_ = s;
    const int64_t n = product(shape);
    group_.resize(static_cast<size_t>(n));
    int64_t g = 0;
    for (int64_t e = 0; e < n; ++e) {
        group_[e] = g;
        for (int k = r - 1; k >= 0; --k) {
            g += gstride[k];
            if (++idx[k] < shape[k]) break;
            g -= gstride[k] * shape[k];
            idx[k] = 0;
        }
    }
}

void Softmax::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    if (x.rank() < 1)
        throw ShapeError("Layer '" + name() + "' (Softmax): input 0 must have a batch dimension, got shape " + x.shapeString());
    prepare(x.shape());
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    y.setDType(DType::Float32);
    if (x.size() == 0) return;
    const float lowest = -std::numeric_limits<float>::infinity();
    if (contiguous_) {
        scratchA_.resize(static_cast<size_t>(inner_));
        scratchB_.resize(static_cast<size_t>(inner_));
        float* mx = scratchA_.data();
        float* sum = scratchB_.data();
        for (int64_t o = 0; o < outer_; ++o) {
            const float* in = x.data() + o * len_ * inner_;
            float* out = y.data() + o * len_ * inner_;
            std::fill(mx, mx + inner_, lowest);
            std::fill(sum, sum + inner_, 0.0f);
            for (int64_t k = 0; k < len_; ++k)
                for (int64_t i = 0; i < inner_; ++i) mx[i] = std::max(mx[i], in[k * inner_ + i]);
            for (int64_t k = 0; k < len_; ++k)
                for (int64_t i = 0; i < inner_; ++i) {
                    float e = std::exp(in[k * inner_ + i] - mx[i]);
                    out[k * inner_ + i] = e;
                    sum[i] += e;
                }
            if (multi_) {
                for (int64_t i = 0; i < inner_; ++i) mx[i] += std::log(sum[i]);  // logsumexp
                for (int64_t k = 0; k < len_; ++k)
                    for (int64_t i = 0; i < inner_; ++i) out[k * inner_ + i] = std::exp(in[k * inner_ + i] - mx[i]);
            } else {
                for (int64_t i = 0; i < inner_; ++i) sum[i] = 1.0f / sum[i];
                for (int64_t k = 0; k < len_; ++k)
                    for (int64_t i = 0; i < inner_; ++i) out[k * inner_ + i] *= sum[i];
            }
        }
        return;
    }
    scratchA_.assign(static_cast<size_t>(groups_), lowest);
    scratchB_.assign(static_cast<size_t>(groups_), 0.0f);
    const int64_t n = x.size();
    for (int64_t e = 0; e < n; ++e) scratchA_[group_[e]] = std::max(scratchA_[group_[e]], x[e]);
    for (int64_t e = 0; e < n; ++e) scratchB_[group_[e]] += std::exp(x[e] - scratchA_[group_[e]]);
    for (int64_t gi = 0; gi < groups_; ++gi) scratchA_[gi] += std::log(scratchB_[gi]);
    for (int64_t e = 0; e < n; ++e) y[e] = std::exp(x[e] - scratchA_[group_[e]]);
}

void Softmax::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                       Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    const Tensor& y = outputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape());
    if (!outputGrads[0]) {
        gx.setZero();
        return;
    }
    if (x.size() == 0) return;
    prepare(x.shape());
    const Tensor& g = *outputGrads[0];
    // d softmax: g_in = y * (g - sum_group(g * y)).
    if (contiguous_) {
        scratchA_.resize(static_cast<size_t>(inner_));
        float* dot = scratchA_.data();
        for (int64_t o = 0; o < outer_; ++o) {
            const int64_t base = o * len_ * inner_;
            std::fill(dot, dot + inner_, 0.0f);
            for (int64_t k = 0; k < len_; ++k)
                for (int64_t i = 0; i < inner_; ++i) dot[i] += g[base + k * inner_ + i] * y[base + k * inner_ + i];
            for (int64_t k = 0; k < len_; ++k)
                for (int64_t i = 0; i < inner_; ++i) {
                    const int64_t e = base + k * inner_ + i;
                    gx[e] = y[e] * (g[e] - dot[i]);
                }
        }
        return;
    }
    scratchA_.assign(static_cast<size_t>(groups_), 0.0f);
    for (int64_t e = 0; e < x.size(); ++e) scratchA_[group_[e]] += g[e] * y[e];
    for (int64_t e = 0; e < x.size(); ++e) gx[e] = y[e] * (g[e] - scratchA_[group_[e]]);
}

}  // namespace strata
