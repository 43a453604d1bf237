#include "engine/layers/pooling/base_pooling.h"

#include "engine/core/parallel.h"

#include <algorithm>

#include "engine/core/errors.h"

namespace strata {

// ---- shared helpers -----------------------------------------------------------------------------

int64_t pooledLength(int64_t n, int64_t k, int64_t s, bool same) {
    if (n == kNone) return kNone;
    if (same) return n == 0 ? 0 : (n - 1) / s + 1;
    if (n < k) return -1;  // caller reports
    return (n - k) / s + 1;
}

int64_t poolPadBefore(int64_t n, int64_t k, int64_t s, bool same) {
    if (!same || n <= 0) return 0;
    int64_t out = (n - 1) / s + 1;
    int64_t total = std::max<int64_t>((out - 1) * s + k - n, 0);
    return total / 2;
}

bool readDataFormat(Json& cfg) {
    auto it = cfg.find("data_format");
    if (it == cfg.end() || it->is_null()) {
        cfg["data_format"] = "channels_last";
        return false;
    }
    std::string f = cfgString(cfg, "data_format");
    if (f != "channels_last" && f != "channels_first")
        throw ConfigError("data_format must be 'channels_last' or 'channels_first', got '" + f + "'");
    return f == "channels_first";
}

namespace {

struct PoolCache : LayerCache {
    std::vector<int64_t> argmax;  // max pooling: flat input index of each output element
    Tensor scratch;               // output recomputed when backward comes without a recorded forward
};

std::string spatialNames(int dims, bool channelsFirst) {
    if (dims == 1) return channelsFirst ? "(batch, features, steps)" : "(batch, steps, features)";
    return channelsFirst ? "(batch, channels, height, width)" : "(batch, height, width, channels)";
}

// ---- kernels ------------------------------------------------------------------------------------
// Window of output (oh, ow): rows [h0, h1), cols [w0, w1), clipped to the input.

struct Window {
    int64_t h0, h1, w0, w1;
};

inline Window window(const BasePooling::Geometry& g, int64_t oh, int64_t ow) {
    int64_t hs = oh * g.sh - g.padTop, ws = ow * g.sw - g.padLeft;
    return {std::max<int64_t>(hs, 0), std::min(hs + g.kh, g.H), std::max<int64_t>(ws, 0), std::min(ws + g.kw, g.W)};
}

template <bool Record>
void maxForwardLast(const BasePooling::Geometry& g, const float* x, float* y, int64_t* idx) {
    const int64_t C = g.C;
    for (int64_t b = 0; b < g.B; ++b)
        for (int64_t oh = 0; oh < g.OH; ++oh)
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const Window w = window(g, oh, ow);
                const int64_t o = ((b * g.OH + oh) * g.OW + ow) * C;
                float* out = y + o;
                int64_t* arg = Record ? idx + o : nullptr;
                bool first = true;
                for (int64_t h = w.h0; h < w.h1; ++h)
                    for (int64_t c0 = w.w0; c0 < w.w1; ++c0) {
                        const int64_t base = ((b * g.H + h) * g.W + c0) * C;
                        const float* in = x + base;
                        if (first) {
                            for (int64_t c = 0; c < C; ++c) {
                                out[c] = in[c];
                                if constexpr (Record) arg[c] = base + c;
                            }
                            first = false;
                        } else {
                            for (int64_t c = 0; c < C; ++c)
                                if (in[c] > out[c]) {
                                    out[c] = in[c];
                                    if constexpr (Record) arg[c] = base + c;
                                }
                        }
                    }
            }
}

template <bool Record>
void maxForwardFirst(const BasePooling::Geometry& g, const float* x, float* y, int64_t* idx) {
    const int64_t HW = g.H * g.W, OHW = g.OH * g.OW;
    for (int64_t p = 0; p < g.B * g.C; ++p) {
        const float* in = x + p * HW;
        float* out = y + p * OHW;
        int64_t* arg = Record ? idx + p * OHW : nullptr;
        for (int64_t oh = 0; oh < g.OH; ++oh) {
            const int64_t hs = oh * g.sh - g.padTop;
            const int64_t h0 = std::max<int64_t>(hs, 0), h1 = std::min(hs + g.kh, g.H);
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const int64_t ws = ow * g.sw - g.padLeft;
                const int64_t w0 = std::max<int64_t>(ws, 0), w1 = std::min(ws + g.kw, g.W);
                int64_t best = h0 * g.W + w0;
                float m = in[best];
                for (int64_t h = h0; h < h1; ++h) {
                    const float* row = in + h * g.W;
                    for (int64_t q = w0; q < w1; ++q)
                        if (row[q] > m) {
                            m = row[q];
                            best = h * g.W + q;
                        }
                }
                out[oh * g.OW + ow] = m;
                if constexpr (Record) arg[oh * g.OW + ow] = p * HW + best;
            }
        }
    }
}

void avgForwardLast(const BasePooling::Geometry& g, const float* x, float* y) {
    const int64_t C = g.C;
    for (int64_t b = 0; b < g.B; ++b)
        for (int64_t oh = 0; oh < g.OH; ++oh)
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const Window w = window(g, oh, ow);
                float* out = y + ((b * g.OH + oh) * g.OW + ow) * C;
                std::fill(out, out + C, 0.0f);
                for (int64_t h = w.h0; h < w.h1; ++h)
                    for (int64_t q = w.w0; q < w.w1; ++q) {
                        const float* in = x + ((b * g.H + h) * g.W + q) * C;
                        for (int64_t c = 0; c < C; ++c) out[c] += in[c];
                    }
                const float inv = 1.0f / float((w.h1 - w.h0) * (w.w1 - w.w0));
                for (int64_t c = 0; c < C; ++c) out[c] *= inv;
            }
}

void avgForwardFirst(const BasePooling::Geometry& g, const float* x, float* y) {
    const int64_t HW = g.H * g.W, OHW = g.OH * g.OW;
    for (int64_t p = 0; p < g.B * g.C; ++p) {
        const float* in = x + p * HW;
        float* out = y + p * OHW;
        for (int64_t oh = 0; oh < g.OH; ++oh) {
            const int64_t hs = oh * g.sh - g.padTop;
            const int64_t h0 = std::max<int64_t>(hs, 0), h1 = std::min(hs + g.kh, g.H);
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const int64_t ws = ow * g.sw - g.padLeft;
                const int64_t w0 = std::max<int64_t>(ws, 0), w1 = std::min(ws + g.kw, g.W);
                float sum = 0.0f;
                for (int64_t h = h0; h < h1; ++h) {
                    const float* row = in + h * g.W;
                    for (int64_t q = w0; q < w1; ++q) sum += row[q];
                }
                out[oh * g.OW + ow] = sum * (1.0f / float((h1 - h0) * (w1 - w0)));
            }
        }
    }
}

void avgBackwardLast(const BasePooling::Geometry& g, const float* gy, float* gx) {
    const int64_t C = g.C;
    for (int64_t b = 0; b < g.B; ++b)
        for (int64_t oh = 0; oh < g.OH; ++oh)
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const Window w = window(g, oh, ow);
                const float* go = gy + ((b * g.OH + oh) * g.OW + ow) * C;
                const float inv = 1.0f / float((w.h1 - w.h0) * (w.w1 - w.w0));
                for (int64_t h = w.h0; h < w.h1; ++h)
                    for (int64_t q = w.w0; q < w.w1; ++q) {
                        float* gi = gx + ((b * g.H + h) * g.W + q) * C;
                        for (int64_t c = 0; c < C; ++c) gi[c] += go[c] * inv;
                    }
            }
}

void avgBackwardFirst(const BasePooling::Geometry& g, const float* gy, float* gx) {
    const int64_t HW = g.H * g.W, OHW = g.OH * g.OW;
    for (int64_t p = 0; p < g.B * g.C; ++p) {
        float* gi = gx + p * HW;
        const float* go = gy + p * OHW;
        for (int64_t oh = 0; oh < g.OH; ++oh) {
            const int64_t hs = oh * g.sh - g.padTop;
            const int64_t h0 = std::max<int64_t>(hs, 0), h1 = std::min(hs + g.kh, g.H);
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const int64_t ws = ow * g.sw - g.padLeft;
                const int64_t w0 = std::max<int64_t>(ws, 0), w1 = std::min(ws + g.kw, g.W);
                const float v = go[oh * g.OW + ow] * (1.0f / float((h1 - h0) * (w1 - w0)));
                for (int64_t h = h0; h < h1; ++h) {
                    float* row = gi + h * g.W;
                    for (int64_t q = w0; q < w1; ++q) row[q] += v;
                }
            }
        }
    }
}

}  // namespace

// ---- spec ---------------------------------------------------------------------------------------

LayerSpec BasePooling::makeSpec(const std::string& className, int dims, PoolMode mode, const std::string& doc) {
    LayerSpec s;
    s.className = className;
    s.category = LayerCategory::Pooling;
    s.doc = doc;
    const std::string what = mode == PoolMode::Max ? "max" : "average";
    Json defPool = dims == 1 ? Json::array({2}) : Json::array({2, 2});
    s.params = {
        param::intTuple("pool_size", defPool, dims,
                        "Size of the " + what + " pooling window" + (dims == 1 ? "." : " (height, width).")),
        param::nullable(param::intTuple("strides", nullptr, dims,
                                        "Step of the window; None means the pool size.")),
        param::choice("padding", "valid", {"valid", "same"},
                      "\"valid\": no padding; \"same\": pad evenly so that out = ceil(in / strides)."),
        param::nullable(param::choice("data_format", "channels_last", {"channels_last", "channels_first"},
                                      "Ordering of the dimensions: channels last or channels first.")),
    };
    s.factory = nullptr;  // set by the concrete class
    s.brief = [](const Json& c) {
        auto list = [](const Json& j) {
            std::string t;
            if (!j.is_array()) return t;
            for (size_t i = 0; i < j.size(); ++i) {
                if (i) t.push_back('x');
                t.append(j[i].dump());
            }
            return t;
        };
        std::string out = list(c.value("pool_size", Json()));
        if (c.contains("strides") && !c["strides"].is_null() && c["strides"] != c.value("pool_size", Json())) {
            out.append(" / ");
            out.append(list(c["strides"]));
        }
        if (c.value("padding", Json("valid")) == Json("same")) out.append(" · same");
        return out;
    };
    return s;
}

// ---- layer --------------------------------------------------------------------------------------

BasePooling::BasePooling(std::string className, const Json& config, int dims, PoolMode mode)
    : Layer(std::move(className), config), dims_(dims), mode_(mode) {
    Json& cfg = mutableConfig();
    poolSize_ = cfgInts(cfg, "pool_size");
    if (static_cast<int>(poolSize_.size()) != dims)
        throw ConfigError(this->className() + " argument 'pool_size': expected " + std::to_string(dims) +
                          " integer(s), got " + cfg["pool_size"].dump());
    for (int64_t k : poolSize_)
        if (k < 1) throw ConfigError(this->className() + " argument 'pool_size': values must be >= 1, got " +
                                     cfg["pool_size"].dump());
    if (cfgIsNull(cfg, "strides")) {
        strides_ = poolSize_;
        cfg["strides"] = strides_;
    } else {
        strides_ = cfgInts(cfg, "strides");
        if (static_cast<int>(strides_.size()) != dims)
            throw ConfigError(this->className() + " argument 'strides': expected " + std::to_string(dims) +
                              " integer(s), got " + cfg["strides"].dump());
        for (int64_t s : strides_)
            if (s < 1) throw ConfigError(this->className() + " argument 'strides': values must be >= 1, got " +
                                         cfg["strides"].dump());
    }
    std::string pad = cfgString(cfg, "padding");
    if (pad != "valid" && pad != "same")
        throw ConfigError(this->className() + " argument 'padding': expected 'valid' or 'same', got '" + pad + "'");
    same_ = pad == "same";
    try {
        channelsFirst_ = readDataFormat(cfg);
    } catch (const ConfigError& e) {
        throw ConfigError(this->className() + " argument 'data_format': " + e.what());
    }
}

std::vector<Shape> BasePooling::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() != dims_ + 2)
        throw ShapeError("input 0: expected a rank-" + std::to_string(dims_ + 2) + " input " +
                         spatialNames(dims_, channelsFirst_) + ", got " + s.toString());
    Shape out = s;
    const int first = channelsFirst_ ? 2 : 1;
    for (int d = 0; d < dims_; ++d) {
        int64_t n = s[first + d];
        int64_t o = pooledLength(n, poolSize_[d], strides_[d], same_);
        if (n != kNone && o < 0)
            throw ShapeError("input 0 of shape " + s.toString() + " is too small for pool_size " +
                             std::to_string(poolSize_[d]) + " with padding \"valid\" (computed output size would be " +
                             "zero or negative)");
        out[first + d] = o;
    }
    return {out};
}

BasePooling::Geometry BasePooling::geometry(const std::vector<int64_t>& shape) const {
    Geometry g;
    g.channelsFirst = channelsFirst_;
    g.B = shape[0];
    g.C = channelsFirst_ ? shape[1] : shape.back();
    const int first = channelsFirst_ ? 2 : 1;
    if (dims_ == 1) {
        g.W = shape[first];
        g.kw = poolSize_[0];
        g.sw = strides_[0];
    } else {
        g.H = shape[first];
        g.W = shape[first + 1];
        g.kh = poolSize_[0];
        g.kw = poolSize_[1];
        g.sh = strides_[0];
        g.sw = strides_[1];
    }
    g.OH = pooledLength(g.H, g.kh, g.sh, same_);
    g.OW = pooledLength(g.W, g.kw, g.sw, same_);
    g.padTop = poolPadBefore(g.H, g.kh, g.sh, same_);
    g.padLeft = poolPadBefore(g.W, g.kw, g.sw, same_);
    return g;
}

std::vector<int64_t> BasePooling::outputShape(const Geometry& g) const {
    std::vector<int64_t> out;
    out.push_back(g.B);
    if (g.channelsFirst) out.push_back(g.C);
    if (dims_ == 2) out.push_back(g.OH);
    out.push_back(g.OW);
    if (!g.channelsFirst) out.push_back(g.C);
    return out;
}

void BasePooling::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    if (x.rank() != dims_ + 2)
        throw ShapeError("Layer '" + name() + "' (" + className() + "): input 0: expected a rank-" +
                         std::to_string(dims_ + 2) + " input " + spatialNames(dims_, channelsFirst_) + ", got " +
                         x.shapeString());
    const Geometry g = geometry(x.shape());
    if (g.OH < 0 || g.OW < 0)
        throw ShapeError("Layer '" + name() + "' (" + className() + "): input 0 of shape " + x.shapeString() +
                         " is too small for the pooling window with padding \"valid\"");
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(outputShape(g));
    if (y.size() == 0) return;
    // Images are independent: split the batch over the pool, one image per kernel call, and keep
    // argmax indices relative to their image so that backward may split the batch differently.
    const int64_t inImage = g.C * g.H * g.W, outImage = g.C * g.OH * g.OW;
    Geometry one = g;
    one.B = 1;
    const int parts = partsFor(g.B, double(x.size()) * double(g.kh * g.kw));
    const float* xs = x.data();
    float* ys = y.data();
    if (mode_ == PoolMode::Max) {
        int64_t* idx = nullptr;
        if (ctx.backwardNeeded()) {
            auto& cache = ctx.cache<PoolCache>();
            cache.argmax.resize(static_cast<size_t>(y.size()));
            idx = cache.argmax.data();
        }
        parallelFor(g.B, parts, [&](int, int64_t b0, int64_t b1) {
            for (int64_t b = b0; b < b1; ++b) {
                const float* xi = xs + b * inImage;
                float* yi = ys + b * outImage;
                if (idx) {
                    if (g.channelsFirst) maxForwardFirst<true>(one, xi, yi, idx + b * outImage);
                    else maxForwardLast<true>(one, xi, yi, idx + b * outImage);
                } else {
                    if (g.channelsFirst) maxForwardFirst<false>(one, xi, yi, nullptr);
                    else maxForwardLast<false>(one, xi, yi, nullptr);
                }
            }
        });
    } else {
        parallelFor(g.B, parts, [&](int, int64_t b0, int64_t b1) {
            for (int64_t b = b0; b < b1; ++b) {
                if (g.channelsFirst) avgForwardFirst(one, xs + b * inImage, ys + b * outImage);
                else avgForwardLast(one, xs + b * inImage, ys + b * outImage);
            }
        });
    }
}

void BasePooling::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                           Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape(), 0.0f);
    if (!outputGrads[0] || x.size() == 0) return;
    const Tensor& gy = *outputGrads[0];
    const Geometry g = geometry(x.shape());
    const int64_t outSize = product(outputShape(g));
    if (gy.size() != outSize)
        throw ShapeError("Layer '" + name() + "' (" + className() + "): output gradient of shape " + gy.shapeString() +
                         " does not match the output " + shapeToString(outputShape(g)));
    const int64_t inImage = g.C * g.H * g.W, outImage = g.C * g.OH * g.OW;
    Geometry one = g;
    one.B = 1;
    const int parts = partsFor(g.B, double(x.size()) * double(g.kh * g.kw));
    const float* go = gy.data();
    float* gi = gx.data();
    if (mode_ == PoolMode::Max) {
        auto& cache = ctx.cache<PoolCache>();
        const bool recorded = static_cast<int64_t>(cache.argmax.size()) == outSize;
        if (!recorded) {
            // forward ran without recording: find the maxima again
            cache.argmax.resize(static_cast<size_t>(outSize));
            cache.scratch.resize(outputShape(g));
        }
        int64_t* idx = cache.argmax.data();
        float* scratch = cache.scratch.data();
        parallelFor(g.B, parts, [&](int, int64_t b0, int64_t b1) {
            for (int64_t b = b0; b < b1; ++b) {
                int64_t* ib = idx + b * outImage;
                if (!recorded) {
                    if (g.channelsFirst) maxForwardFirst<true>(one, x.data() + b * inImage, scratch + b * outImage, ib);
                    else maxForwardLast<true>(one, x.data() + b * inImage, scratch + b * outImage, ib);
                }
                float* gib = gi + b * inImage;
                const float* gob = go + b * outImage;
                for (int64_t i = 0; i < outImage; ++i) gib[ib[i]] += gob[i];
            }
        });
    } else {
        parallelFor(g.B, parts, [&](int, int64_t b0, int64_t b1) {
            for (int64_t b = b0; b < b1; ++b) {
                if (g.channelsFirst) avgBackwardFirst(one, go + b * outImage, gi + b * inImage);
                else avgBackwardLast(one, go + b * outImage, gi + b * inImage);
            }
        });
    }
}

}  // namespace strata
