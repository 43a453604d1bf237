#include "engine/layers/merging/base_merge.h"

#include <algorithm>

#include "engine/core/errors.h"

namespace strata {

using merging_detail::layerError;

namespace {

/// How each input maps onto the output: offsets[i][o] is the element of input i that output element
/// o reads (empty: input i has the output's shape, offset = o).
struct MergeCache : LayerCache {
    std::vector<std::vector<int64_t>> offsets;
    std::vector<int32_t> source;   // Maximum/Minimum: index of the input that supplied each element
    std::vector<Tensor> masks;     // masks seen by forward (Multiply/Maximum/Minimum), for backward
    std::vector<char> hasMask;
    bool masksRecorded = false;   // masks/hasMask belong to the last forward
    bool sourceRecorded = false;  // source belongs to the last forward
};

std::string shapesText(const ConstTensorPtrs& inputs) {
    std::string s;
    for (size_t i = 0; i < inputs.size(); ++i) s += (i ? ", " : "") + inputs[i]->shapeString();
    return s;
}

bool usesMasks(MergeOp op) { return op == MergeOp::Multiply || op == MergeOp::Maximum || op == MergeOp::Minimum; }

/// Fills cache.offsets for inputs whose shape differs from `out`.
void planBroadcast(const ConstTensorPtrs& inputs, const std::vector<int64_t>& out, MergeCache& cache) {
    const int R = static_cast<int>(out.size());
    const size_t n = inputs.size();
    cache.offsets.resize(n);
    int64_t total = 1;
    for (auto d : out) total *= d;
    for (size_t i = 0; i < n; ++i) {
        const auto& s = inputs[i]->shape();
        auto& off = cache.offsets[i];
        if (s == out) {
            off.clear();
            continue;
        }
        // Expanded dims: batch, (R - r) ones, then the input's non-batch dims.
        const int r = static_cast<int>(s.size());
        std::vector<int64_t> e(R, 1);
        e[0] = s[0];
        for (int k = 1; k < r; ++k) e[R - r + k] = s[k];
        std::vector<int64_t> stride(R, 0);
        int64_t st = 1;
        for (int k = R - 1; k >= 0; --k) {
            stride[k] = e[k] == 1 ? 0 : st;
            st *= e[k];
        }
        off.resize(total);
        std::vector<int64_t> idx(R, 0);
        int64_t cur = 0;
        for (int64_t o = 0; o < total; ++o) {
            off[o] = cur;
            for (int k = R - 1; k >= 0; --k) {
                cur += stride[k];
                if (++idx[k] < out[k]) break;
                cur -= stride[k] * out[k];
                idx[k] = 0;
            }
        }
    }
}

}  // namespace

std::vector<int64_t> broadcastMergeDims(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                                        const std::string& what) {
    if (a.size() < b.size()) return broadcastMergeDims(b, a, what);
    if (b.empty()) return a;
    std::vector<int64_t> out(a.begin(), a.end() - static_cast<long>(b.size()));
    const size_t off = a.size() - b.size();
    for (size_t k = 0; k < b.size(); ++k) {
        int64_t i = a[off + k], j = b[k];
        if (i == kNone || j == kNone) out.push_back(kNone);
        else if (i == 1) out.push_back(j);
        else if (j == 1) out.push_back(i);
        else if (i != j) throw ShapeError(what);
        else out.push_back(i);
    }
    return out;
}

Merge::Merge(std::string className, const Json& config, MergeOp op) : Layer(std::move(className), config), op_(op) {}

LayerSpec Merge::makeSpec(const std::string& className, const std::string& doc, Arity arity,
                          std::function<std::shared_ptr<Layer>(const Json&)> factory) {
    LayerSpec s;
    s.className = className;
    s.category = LayerCategory::Merge;
    s.doc = doc;
    s.arity = arity;
    s.factory = std::move(factory);
    return s;
}

std::vector<Shape> Merge::computeOutputShape(const std::vector<Shape>& in) const {
    for (size_t i = 0; i < in.size(); ++i)
        if (in[i].rank() < 1)
            throw ShapeError("input " + std::to_string(i) + " has shape " + in[i].toString() +
                             "; merge layers need inputs with a batch dim");
    int64_t batch = kNone;
    size_t batchFrom = 0;
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i][0] == kNone) continue;
        if (batch == kNone) {
            batch = in[i][0];
            batchFrom = i;
        } else if (in[i][0] != batch) {
            throw ShapeError("cannot merge tensors with different batch sizes: input " + std::to_string(batchFrom) +
                             " has shape " + in[batchFrom].toString() + ", input " + std::to_string(i) + " has shape " +
                             in[i].toString());
        }
    }
    std::vector<int64_t> out = in[0].withoutBatch().dims();
    for (size_t i = 1; i < in.size(); ++i) {
        std::string sofar = i == 1 ? "input 0 " + in[0].toString()
                                   : "inputs 0.." + std::to_string(i - 1) + " (merged " +
                                         Shape::withBatch(out, batch).toString() + ")";
        out = broadcastMergeDims(out, in[i].withoutBatch().dims(),
                                 "input " + std::to_string(i) + " has shape " + in[i].toString() +
                                     ", which is incompatible with " + sofar +
                                     ": non-batch dims must be equal, 1 or None (aligned from the last axis)");
    }
    return {Shape::withBatch(out, batch)};
}

void Merge::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const size_t n = inputs.size();
    std::vector<Shape> shapes;
    shapes.reserve(n);
    for (const Tensor* t : inputs) shapes.emplace_back(t->shape());
    const Shape outShape = outputShapesFor(shapes)[0];  // checks arity and shapes, names the layer
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(outShape.dims());
    y.setDType(DType::Float32);
    const int64_t total = y.size();

    bool anyMask = false;
    if (usesMasks(op_))
        for (size_t i = 0; i < n; ++i) anyMask = anyMask || ctx.mask(i) != nullptr;

    bool same = true;
    for (const Tensor* t : inputs) same = same && t->shape() == outShape.dims();
    if (ctx.backwardNeeded()) {
        auto& c = ctx.cache<MergeCache>();
        c.masksRecorded = false;
        c.sourceRecorded = false;
    }

    if (same && !anyMask && op_ != MergeOp::Maximum && op_ != MergeOp::Minimum) {
        auto Y = y.vector().array();
        Y = inputs[0]->vector().array();
        switch (op_) {
            case MergeOp::Add:
            case MergeOp::Average:
                for (size_t i = 1; i < n; ++i) Y += inputs[i]->vector().array();
                if (op_ == MergeOp::Average) Y /= static_cast<float>(n);
                break;
            case MergeOp::Subtract: Y -= inputs[1]->vector().array(); break;
            case MergeOp::Multiply:
                for (size_t i = 1; i < n; ++i) Y *= inputs[i]->vector().array();
                break;
            default: break;
        }
        return;
    }

    auto& cache = ctx.cache<MergeCache>();
    if (same) {
        cache.offsets.assign(n, {});
    } else {
        planBroadcast(inputs, outShape.dims(), cache);
    }
    std::vector<const float*> X(n), M(n, nullptr);
    std::vector<int64_t> last(n, 1);
    for (size_t i = 0; i < n; ++i) {
        X[i] = inputs[i]->data();
        if (!anyMask || !ctx.mask(i)) continue;
        const Tensor& x = *inputs[i];
        const Tensor& m = *ctx.mask(i);
        if (x.rank() < 2 || m.size() * x.dim(-1) != x.size())
            throw layerError(*this, "the mask of input " + std::to_string(i) + " has shape " + m.shapeString() +
                                        ", expected the input's shape " + x.shapeString() + " without its last axis");
        M[i] = m.data();
        last[i] = x.dim(-1);
    }
    if (anyMask && ctx.backwardNeeded()) {
        cache.masks.resize(n);
        cache.hasMask.assign(n, 0);
        for (size_t i = 0; i < n; ++i)
            if (M[i]) {
                cache.masks[i] = *ctx.mask(i);
                cache.hasMask[i] = 1;
            }
        cache.masksRecorded = true;
    }
    const auto& offs = cache.offsets;
    auto at = [&](size_t i, int64_t o) { return offs[i].empty() ? o : offs[i][o]; };
    auto on = [&](size_t i, int64_t o) { return !M[i] || M[i][at(i, o) / last[i]] != 0.0f; };
    float* Y = y.data();

    switch (op_) {
        case MergeOp::Add:
        case MergeOp::Average:
            for (int64_t o = 0; o < total; ++o) {
                float s = X[0][at(0, o)];
                for (size_t i = 1; i < n; ++i) s += X[i][at(i, o)];
                Y[o] = op_ == MergeOp::Average ? s / static_cast<float>(n) : s;
            }
            break;
        case MergeOp::Subtract:
            for (int64_t o = 0; o < total; ++o) Y[o] = X[0][at(0, o)] - X[1][at(1, o)];
            break;
        case MergeOp::Multiply: {
            bool allMasks = anyMask;
            for (size_t i = 0; i < n; ++i) allMasks = allMasks && M[i];
            for (int64_t o = 0; o < total; ++o) {
                float p = 1.0f;
                bool any = false;
                for (size_t i = 0; i < n; ++i) {
                    const bool keep = on(i, o);
                    any = any || keep;
                    const float v = keep ? X[i][at(i, o)] : 1.0f;
                    p = i == 0 ? v : p * v;
                }
                Y[o] = (allMasks && !any) ? 0.0f : p;
            }
            break;
        }
        case MergeOp::Maximum:
        case MergeOp::Minimum: {
            const bool isMax = op_ == MergeOp::Maximum;
            const bool record = ctx.backwardNeeded();
            if (record) {
                cache.source.resize(total);
                cache.sourceRecorded = true;
            }
            for (int64_t o = 0; o < total; ++o) {
                float out = X[0][at(0, o)];
                int32_t src = 0;
                bool hasOutMask = M[0] != nullptr;
                bool outMask = on(0, o);
                for (size_t i = 1; i < n; ++i) {
                    float xv = X[i][at(i, o)];
                    int32_t xs = static_cast<int32_t>(i);
                    const bool mi = on(i, o);
                    if (M[i] && !mi) {  // masked-out x: use the running output
                        xv = out;
                        xs = src;
                    }
                    if (hasOutMask && !outMask) {  // masked-out output: use x
                        out = xv;
                        src = xs;
                    }
                    if (M[i] && hasOutMask) outMask = outMask || mi;
                    else hasOutMask = false;
                    const bool keepOut = isMax ? out >= xv : out <= xv;
                    if (!keepOut) {
                        out = xv;
                        src = xs;
                    }
                }
                Y[o] = out;
                if (record) cache.source[o] = src;
            }
            break;
        }
    }
}

void Merge::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                     Tensors& inputGrads, CallContext& ctx) {
    const size_t n = inputs.size();
    inputGrads.resize(n);
    for (size_t i = 0; i < n; ++i) inputGrads[i].resize(inputs[i]->shape(), 0.0f);
    if (!outputGrads[0]) return;
    const Tensor& g = *outputGrads[0];
    if (outputs.empty() || g.shape() != outputs[0].shape())
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match the output of inputs " +
                                    shapesText(inputs));
    const std::vector<int64_t>& outShape = g.shape();
    const int64_t total = g.size();
    bool same = true;
    for (const Tensor* t : inputs) same = same && t->shape() == outShape;

    auto& cache = ctx.cache<MergeCache>();
    const bool masked = usesMasks(op_) && cache.masksRecorded;

    if (same && !masked && op_ != MergeOp::Maximum && op_ != MergeOp::Minimum) {
        auto G = g.vector().array();
        switch (op_) {
            case MergeOp::Add:
                for (size_t i = 0; i < n; ++i) inputGrads[i].vector().array() = G;
                break;
            case MergeOp::Average:
                for (size_t i = 0; i < n; ++i) inputGrads[i].vector().array() = G / static_cast<float>(n);
                break;
            case MergeOp::Subtract:
                inputGrads[0].vector().array() = G;
                inputGrads[1].vector().array() = -G;
                break;
            case MergeOp::Multiply:
                for (size_t i = 0; i < n; ++i) {
                    auto Gi = inputGrads[i].vector().array();
                    Gi = G;
                    for (size_t j = 0; j < n; ++j)
                        if (j != i) Gi *= inputs[j]->vector().array();
                }
                break;
            default: break;
        }
        return;
    }

    if (same) cache.offsets.assign(n, {});
    else planBroadcast(inputs, outShape, cache);
    const auto& offs = cache.offsets;
    auto at = [&](size_t i, int64_t o) { return offs[i].empty() ? o : offs[i][o]; };
    std::vector<const float*> X(n), M(n, nullptr);
    std::vector<int64_t> last(n, 1);
    std::vector<float*> GX(n);
    for (size_t i = 0; i < n; ++i) {
        X[i] = inputs[i]->data();
        GX[i] = inputGrads[i].data();
        if (masked && cache.hasMask[i]) {
            M[i] = cache.masks[i].data();
            last[i] = inputs[i]->dim(-1);
        }
    }
    auto on = [&](size_t i, int64_t o) { return !M[i] || M[i][at(i, o) / last[i]] != 0.0f; };
    const float* G = g.data();

    switch (op_) {
        case MergeOp::Add:
        case MergeOp::Average: {
            const float c = op_ == MergeOp::Average ? 1.0f / static_cast<float>(n) : 1.0f;
            for (int64_t o = 0; o < total; ++o)
                for (size_t i = 0; i < n; ++i) GX[i][at(i, o)] += c * G[o];
            break;
        }
        case MergeOp::Subtract:
            for (int64_t o = 0; o < total; ++o) {
                GX[0][at(0, o)] += G[o];
                GX[1][at(1, o)] -= G[o];
            }
            break;
        case MergeOp::Multiply: {
            bool allMasks = masked;
            for (size_t i = 0; i < n; ++i) allMasks = allMasks && M[i];
            for (int64_t o = 0; o < total; ++o) {
                bool any = false;
                for (size_t i = 0; i < n; ++i) any = any || on(i, o);
                if (allMasks && !any) continue;  // output forced to 0
                for (size_t i = 0; i < n; ++i) {
                    if (!on(i, o)) continue;  // replaced by the constant 1
                    float p = G[o];
                    for (size_t j = 0; j < n; ++j)
                        if (j != i && on(j, o)) p *= X[j][at(j, o)];
                    GX[i][at(i, o)] += p;
                }
            }
            break;
        }
        case MergeOp::Maximum:
        case MergeOp::Minimum: {
            if (!cache.sourceRecorded || static_cast<int64_t>(cache.source.size()) != total) {
                // Forward did not record the sources: recompute them (no masks known here).
                const bool isMax = op_ == MergeOp::Maximum;
                cache.source.resize(total);
                for (int64_t o = 0; o < total; ++o) {
                    float out = X[0][at(0, o)];
                    int32_t src = 0;
                    for (size_t i = 1; i < n; ++i) {
                        const float xv = X[i][at(i, o)];
                        if (!(isMax ? out >= xv : out <= xv)) {
                            out = xv;
                            src = static_cast<int32_t>(i);
                        }
                    }
                    cache.source[o] = src;
                }
            }
            for (int64_t o = 0; o < total; ++o) {
                const size_t s = static_cast<size_t>(cache.source[o]);
                GX[s][at(s, o)] += G[o];
            }
            break;
        }
    }
}

std::optional<Tensor> Merge::computeMask(const ConstTensorPtrs&, const ConstTensorPtrs& masks) const {
    if (masks.empty()) return std::nullopt;
    for (const Tensor* m : masks)
        if (!m) return std::nullopt;
    Tensor out = *masks[0];
    for (size_t i = 1; i < masks.size(); ++i) {
        if (masks[i]->shape() != out.shape())
            throw layerError(*this, "cannot combine masks of shapes " + out.shapeString() + " and " +
                                        masks[i]->shapeString());
        for (int64_t k = 0; k < out.size(); ++k) out[k] = (out[k] != 0.0f || (*masks[i])[k] != 0.0f) ? 1.0f : 0.0f;
    }
    for (int64_t k = 0; k < out.size(); ++k) out[k] = out[k] != 0.0f ? 1.0f : 0.0f;
    out.setDType(DType::Float32);
    return out;
}

}  // namespace strata
