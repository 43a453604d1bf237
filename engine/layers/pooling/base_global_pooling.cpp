#include "engine/layers/pooling/base_global_pooling.h"

#include <algorithm>

#include "engine/core/errors.h"

namespace strata {

namespace {

struct GlobalPoolCache : LayerCache {
    std::vector<int64_t> argmax;  // max: flat input index of each output element
    std::vector<float> weights;   // masked average: 0/1 per (batch, step)
    std::vector<float> counts;    // masked average: unmasked steps per batch row
    bool masked = false;
    bool recorded = false;
};

std::string rankText(int dims, bool channelsFirst) {
    if (dims == 1) return channelsFirst ? "(batch, features, steps)" : "(batch, steps, features)";
    return channelsFirst ? "(batch, channels, height, width)" : "(batch, height, width, channels)";
}

// x viewed as (B, S, C) for channels_last or (B, C, S) for channels_first.
struct Dims {
    int64_t B = 0, S = 1, C = 0;
};

}  // namespace

LayerSpec BaseGlobalPooling::makeSpec(const std::string& className, int dims, PoolMode mode, const std::string& doc) {
    LayerSpec s;
    s.className = className;
    s.category = LayerCategory::Pooling;
    s.doc = doc;
    s.params = {
        param::nullable(param::choice("data_format", "channels_last", {"channels_last", "channels_first"},
                                      "Ordering of the dimensions: channels last or channels first.")),
        param::boolean("keepdims", false, "Keep the pooled spatial dimensions with length 1."),
    };
    s.brief = [](const Json& c) { return c.value("keepdims", false) ? std::string("keepdims") : std::string(); };
    (void)dims;
    (void)mode;
    return s;
}

BaseGlobalPooling::BaseGlobalPooling(std::string className, const Json& config, int dims, PoolMode mode)
    : Layer(std::move(className), config), dims_(dims), mode_(mode) {
    Json& cfg = mutableConfig();
    keepdims_ = cfgBool(cfg, "keepdims");
    try {
        channelsFirst_ = readDataFormat(cfg);
    } catch (const ConfigError& e) {
        throw ConfigError(this->className() + " argument 'data_format': " + e.what());
    }
}

std::vector<Shape> BaseGlobalPooling::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() != dims_ + 2)
        throw ShapeError("input 0: expected a rank-" + std::to_string(dims_ + 2) + " input " +
                         rankText(dims_, channelsFirst_) + ", got " + s.toString());
    return {Shape(outputShape(s.dims()))};
}

std::vector<int64_t> BaseGlobalPooling::outputShape(const std::vector<int64_t>& in) const {
    const int64_t C = channelsFirst_ ? in[1] : in.back();
    std::vector<int64_t> out{in[0]};
    if (channelsFirst_) out.push_back(C);
    if (keepdims_)
        for (int d = 0; d < dims_; ++d) out.push_back(1);
    if (!channelsFirst_) out.push_back(C);
    return out;
}

void BaseGlobalPooling::checkInput(const Tensor& x) const {
    if (x.rank() != dims_ + 2)
        throw ShapeError("Layer '" + name() + "' (" + className() + "): input 0: expected a rank-" +
                         std::to_string(dims_ + 2) + " input " + rankText(dims_, channelsFirst_) + ", got " +
                         x.shapeString());
}

void BaseGlobalPooling::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    checkInput(x);
    Dims d;
    d.B = x.dim(0);
    d.C = channelsFirst_ ? x.dim(1) : x.dim(-1);
    const int first = channelsFirst_ ? 2 : 1;
    for (int i = 0; i < dims_; ++i) d.S *= x.dim(first + i);
    if (d.S == 0 && d.B * d.C > 0)
        throw ShapeError("Layer '" + name() + "' (" + className() + "): cannot pool over empty spatial dimensions, got " +
                         x.shapeString());
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(outputShape(x.shape()));
    const float* in = x.data();
    float* out = y.data();
    const bool record = ctx.backwardNeeded();
    GlobalPoolCache* cache = record ? &ctx.cache<GlobalPoolCache>() : nullptr;
    if (cache) {
        cache->recorded = true;
        cache->masked = false;
    }

    if (mode_ == PoolMode::Max) {
        int64_t* arg = nullptr;
        if (cache) {
            cache->argmax.resize(static_cast<size_t>(d.B * d.C));
            arg = cache->argmax.data();
        }
        if (!channelsFirst_) {
            for (int64_t b = 0; b < d.B; ++b) {
                float* o = out + b * d.C;
                const int64_t base0 = b * d.S * d.C;
                std::copy(in + base0, in + base0 + d.C, o);
                if (arg)
                    for (int64_t c = 0; c < d.C; ++c) arg[b * d.C + c] = base0 + c;
                for (int64_t s = 1; s < d.S; ++s) {
                    const int64_t base = base0 + s * d.C;
                    const float* p = in + base;
                    if (arg) {
                        for (int64_t c = 0; c < d.C; ++c)
                            if (p[c] > o[c]) {
                                o[c] = p[c];
                                arg[b * d.C + c] = base + c;
                            }
                    } else {
                        for (int64_t c = 0; c < d.C; ++c) o[c] = std::max(o[c], p[c]);
                    }
                }
            }
        } else {
            for (int64_t r = 0; r < d.B * d.C; ++r) {
                const float* p = in + r * d.S;
                int64_t best = 0;
                for (int64_t s = 1; s < d.S; ++s)
                    if (p[s] > p[best]) best = s;
                out[r] = p[best];
                if (arg) arg[r] = r * d.S + best;
            }
        }
        return;
    }

    // average
    const Tensor* mask = usesMask_ ? ctx.mask(0) : nullptr;
    if (mask) {
        if (mask->size() != d.B * d.S || mask->rank() < 1 || mask->dim(0) != d.B)
            throw ShapeError("Layer '" + name() + "' (" + className() + "): expected a mask of shape (" +
                             std::to_string(d.B) + ", " + std::to_string(d.S) + ") for input " + x.shapeString() +
                             ", got " + mask->shapeString());
        const float* m = mask->data();
        if (cache) {
            cache->masked = true;
            cache->weights.resize(static_cast<size_t>(d.B * d.S));
            cache->counts.resize(static_cast<size_t>(d.B));
        }
        for (int64_t b = 0; b < d.B; ++b) {
            float count = 0.0f;
            for (int64_t s = 0; s < d.S; ++s) {
                float w = m[b * d.S + s] != 0.0f ? 1.0f : 0.0f;
                count += w;
                if (cache) cache->weights[b * d.S + s] = w;
            }
            if (cache) cache->counts[b] = count;
            // Keras: sum(where(mask, x, 0)) / sum(mask); a fully masked row gives 0/0 like Keras.
            if (!channelsFirst_) {
                float* o = out + b * d.C;
                std::fill(o, o + d.C, 0.0f);
                for (int64_t s = 0; s < d.S; ++s) {
                    if (m[b * d.S + s] == 0.0f) continue;
                    const float* p = in + (b * d.S + s) * d.C;
                    for (int64_t c = 0; c < d.C; ++c) o[c] += p[c];
                }
                for (int64_t c = 0; c < d.C; ++c) o[c] /= count;
            } else {
                for (int64_t c = 0; c < d.C; ++c) {
                    const float* p = in + (b * d.C + c) * d.S;
                    float sum = 0.0f;
                    for (int64_t s = 0; s < d.S; ++s)
                        if (m[b * d.S + s] != 0.0f) sum += p[s];
                    out[b * d.C + c] = sum / count;
                }
            }
        }
        return;
    }
    const float inv = 1.0f / float(d.S);
    if (!channelsFirst_) {
        for (int64_t b = 0; b < d.B; ++b) {
            ConstMatrixMap X(in + b * d.S * d.C, d.S, d.C);
            Eigen::Map<Eigen::RowVectorXf> o(out + b * d.C, d.C);
            o.noalias() = X.colwise().sum() * inv;
        }
    } else {
        ConstMatrixMap X(in, d.B * d.C, d.S);
        Eigen::Map<Eigen::VectorXf> o(out, d.B * d.C);
        o.noalias() = X.rowwise().sum() * inv;
    }
}

void BaseGlobalPooling::backward(const ConstTensorPtrs& inputs, const Tensors& outputs,
                                 const ConstTensorPtrs& outputGrads, Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    checkInput(x);
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape(), 0.0f);
    if (!outputGrads[0] || x.size() == 0) return;
    const Tensor& gy = *outputGrads[0];
    Dims d;
    d.B = x.dim(0);
    d.C = channelsFirst_ ? x.dim(1) : x.dim(-1);
    const int first = channelsFirst_ ? 2 : 1;
    for (int i = 0; i < dims_; ++i) d.S *= x.dim(first + i);
    if (gy.size() != d.B * d.C)
        throw ShapeError("Layer '" + name() + "' (" + className() + "): output gradient of shape " + gy.shapeString() +
                         " does not match the output " + shapeToString(outputShape(x.shape())));
    const float* go = gy.data();
    float* gi = gx.data();
    auto& cache = ctx.cache<GlobalPoolCache>();
    if (!cache.recorded || (mode_ == PoolMode::Max && static_cast<int64_t>(cache.argmax.size()) != d.B * d.C)) {
        // forward ran without recording what backward needs: run it again (slow path)
        CallContext again;
        again.recordForBackward = true;
        again.masks = ctx.masks;
        again.cacheSlot = ctx.cacheSlot;
        Tensors tmp;
        forward(inputs, tmp, again);
    }

    if (mode_ == PoolMode::Max) {
        const int64_t* arg = cache.argmax.data();
        for (int64_t i = 0; i < d.B * d.C; ++i) gi[arg[i]] += go[i];
        return;
    }

    if (cache.masked) {
        for (int64_t b = 0; b < d.B; ++b) {
            const float inv = 1.0f / cache.counts[b];
            const float* w = cache.weights.data() + b * d.S;
            for (int64_t s = 0; s < d.S; ++s) {
                if (w[s] == 0.0f) continue;
                if (!channelsFirst_) {
                    float* p = gi + (b * d.S + s) * d.C;
                    for (int64_t c = 0; c < d.C; ++c) p[c] = go[b * d.C + c] * inv;
                } else {
                    for (int64_t c = 0; c < d.C; ++c) gi[(b * d.C + c) * d.S + s] = go[b * d.C + c] * inv;
                }
            }
        }
        return;
    }
    const float inv = 1.0f / float(d.S);
    if (!channelsFirst_) {
        for (int64_t b = 0; b < d.B; ++b) {
            MatrixMap G(gi + b * d.S * d.C, d.S, d.C);
            Eigen::Map<const Eigen::RowVectorXf> g(go + b * d.C, d.C);
            G.rowwise() = g * inv;
        }
    } else {
        MatrixMap G(gi, d.B * d.C, d.S);
        Eigen::Map<const Eigen::VectorXf> g(go, d.B * d.C);
        G.colwise() = g * inv;
    }
}

}  // namespace strata
