#include "engine/layers/merging/concatenate.h"

#include <algorithm>

#include "engine/core/errors.h"
#include "engine/layers/merging/base_merge.h"

namespace strata {

using merging_detail::layerError;

LayerSpec Concatenate::spec() {
    LayerSpec s;
    s.className = "Concatenate";
    s.category = LayerCategory::Merge;
    s.doc = "Concatenates the inputs along an axis; all other dims must match.";
    s.arity = Arity{2, -1};
    s.params = {param::integer("axis", -1, "Axis along which to concatenate (negative counts from the end).")};
    s.factory = [](const Json& c) { return std::make_shared<Concatenate>(c); };
    s.brief = [](const Json& c) { return "axis " + std::to_string(c.value("axis", -1)); };
    return s;
}

Concatenate::Concatenate(const Json& config) : Layer("Concatenate", config), axis_(cfgInt(this->config(), "axis")) {}

int Concatenate::resolveAxis(int rank) const {
    int64_t a = axis_ < 0 ? axis_ + rank : axis_;
    if (a < 0 || a >= rank)
        throw ShapeError("axis " + std::to_string(axis_) + " is out of range for inputs of rank " + std::to_string(rank));
    return static_cast<int>(a);
}

std::vector<Shape> Concatenate::computeOutputShape(const std::vector<Shape>& in) const {
    const int rank = in[0].rank();
    for (size_t i = 1; i < in.size(); ++i)
        if (in[i].rank() != rank)
            throw ShapeError("input " + std::to_string(i) + " has shape " + in[i].toString() + " of rank " +
                             std::to_string(in[i].rank()) + ", but input 0 has shape " + in[0].toString() +
                             " of rank " + std::to_string(rank) + ": all inputs must have the same rank");
    const int a = resolveAxis(rank);
    // Every non-concatenation dim must agree among the inputs that know it.
    for (int d = 0; d < rank; ++d) {
        if (d == a) continue;
        int ref = -1;
        for (size_t i = 0; i < in.size(); ++i) {
            if (in[i][d] == kNone) continue;
            if (ref < 0) {
                ref = static_cast<int>(i);
            } else if (in[i][d] != in[ref][d]) {
                throw ShapeError("input " + std::to_string(i) + " has shape " + in[i].toString() + " but input " +
                                 std::to_string(ref) + " has shape " + in[ref].toString() +
                                 ": all dims except the concatenation axis (" + std::to_string(axis_) +
                                 ") must match (they differ at axis " + std::to_string(d) + ")");
            }
        }
    }
    Shape out = in[0];
    for (size_t i = 1; i < in.size(); ++i) {
        if (out[a] == kNone || in[i][a] == kNone) {
            out[a] = kNone;
            break;
        }
        out[a] += in[i][a];
    }
    return {out};
}

void Concatenate::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext&) {
    const size_t n = inputs.size();
    const Tensor& x0 = *inputs[0];
    const int rank = x0.rank();
    int a;
    try {
        if (n < 2) throw ShapeError("expects at least 2 inputs, got " + std::to_string(n));
        a = resolveAxis(rank);
        for (size_t i = 1; i < n; ++i) {
            const Tensor& xi = *inputs[i];
            bool ok = xi.rank() == rank;
            for (int d = 0; ok && d < rank; ++d) ok = d == a || xi.dim(d) == x0.dim(d);
            if (!ok)
                throw ShapeError("input " + std::to_string(i) + " has shape " + xi.shapeString() +
                                 " but input 0 has shape " + x0.shapeString() +
                                 ": all dims except the concatenation axis (" + std::to_string(axis_) +
                                 ") must match");
        }
    } catch (const ShapeError& e) {
        throw layerError(*this, e.what());
    }
    std::vector<int64_t> shape = x0.shape();
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < a; ++d) outer *= shape[d];
    for (int d = a + 1; d < rank; ++d) inner *= shape[d];
    shape[a] = 0;
    for (const Tensor* t : inputs) shape[a] += t->dim(a);
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(shape);
    y.setDType(DType::Float32);
    const int64_t rowOut = shape[a] * inner;
    int64_t col = 0;
    for (const Tensor* t : inputs) {
        const int64_t row = t->dim(a) * inner;
        for (int64_t o = 0; o < outer; ++o) std::copy_n(t->data() + o * row, row, y.data() + o * rowOut + col);
        col += row;
    }
}

void Concatenate::backward(const ConstTensorPtrs& inputs, const Tensors&, const ConstTensorPtrs& outputGrads,
                           Tensors& inputGrads, CallContext&) {
    const size_t n = inputs.size();
    inputGrads.resize(n);
    for (size_t i = 0; i < n; ++i) inputGrads[i].resize(inputs[i]->shape());
    if (!outputGrads[0]) {
        for (auto& t : inputGrads) t.setZero();
        return;
    }
    const Tensor& g = *outputGrads[0];
    const int rank = inputs[0]->rank();
    const int a = resolveAxis(rank);
    int64_t outer = 1, inner = 1, total = 0;
    for (int d = 0; d < a; ++d) outer *= inputs[0]->dim(d);
    for (int d = a + 1; d < rank; ++d) inner *= inputs[0]->dim(d);
    for (const Tensor* t : inputs) total += t->dim(a);
    if (g.size() != outer * total * inner)
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match the inputs");
    const int64_t rowOut = total * inner;
    int64_t col = 0;
    for (size_t i = 0; i < n; ++i) {
        const int64_t row = inputs[i]->dim(a) * inner;
        for (int64_t o = 0; o < outer; ++o) std::copy_n(g.data() + o * rowOut + col, row, inputGrads[i].data() + o * row);
        col += row;
    }
}

std::optional<Tensor> Concatenate::computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const {
    bool any = false;
    for (const Tensor* m : masks) any = any || m != nullptr;
    if (!any || inputs.empty()) return std::nullopt;
    const int rank = inputs[0]->rank();
    if (rank < 2) return std::nullopt;
    const int a = resolveAxis(rank);
    // Row masks: each input's mask reduced with any() over its last axis (shape: input without last).
    std::vector<Tensor> rows(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
        const Tensor& x = *inputs[i];
        std::vector<int64_t> rs(x.shape().begin(), x.shape().end() - 1);
        const int64_t last = x.dim(-1);
        rows[i].resize(rs);
        const Tensor* m = i < masks.size() ? masks[i] : nullptr;
        if (!m) {
            rows[i].fill(last > 0 ? 1.0f : 0.0f);
        } else if (m->size() == rows[i].size()) {
            for (int64_t k = 0; k < m->size(); ++k) rows[i][k] = ((*m)[k] != 0.0f && last > 0) ? 1.0f : 0.0f;
        } else if (m->size() == x.size()) {
            for (int64_t k = 0; k < rows[i].size(); ++k) {
                float v = 0.0f;
                for (int64_t j = 0; j < last; ++j)
                    if ((*m)[k * last + j] != 0.0f) v = 1.0f;
                rows[i][k] = v;
            }
        } else {
            throw layerError(*this, "the mask of input " + std::to_string(i) + " has shape " + m->shapeString() +
                                        ", which fits neither the input " + x.shapeString() +
                                        " nor the input without its last axis");
        }
    }
    if (a == rank - 1) {  // any() over the concatenated last axis = OR of the row masks
        Tensor out = rows[0];
        for (size_t i = 1; i < rows.size(); ++i) {
            if (rows[i].size() != out.size())
                throw layerError(*this, "inputs do not match outside the concatenation axis");
            for (int64_t k = 0; k < out.size(); ++k) out[k] = (out[k] != 0.0f || rows[i][k] != 0.0f) ? 1.0f : 0.0f;
        }
        return out;
    }
    // Otherwise concatenate the row masks along `a` (which is not their last axis).
    std::vector<int64_t> shape = rows[0].shape();
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < a; ++d) outer *= shape[d];
    for (int d = a + 1; d < rank - 1; ++d) inner *= shape[d];
    shape[a] = 0;
    for (const auto& r : rows) shape[a] += r.dim(a);
    Tensor out(shape);
    const int64_t rowOut = shape[a] * inner;
    int64_t col = 0;
    for (const auto& r : rows) {
        const int64_t row = r.dim(a) * inner;
        for (int64_t o = 0; o < outer; ++o) std::copy_n(r.data() + o * row, row, out.data() + o * rowOut + col);
        col += row;
    }
    return out;
}

}  // namespace strata
