#pragma once
/// Small helpers shared by the reshaping layers (internal to engine/layers/reshaping/).
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "engine/core/errors.h"
#include "engine/core/json.h"
#include "engine/core/shape.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata::reshaping_detail {

/// "Layer 'name' (Class): msg" for errors raised in forward/backward, where the base does not prefix.
inline ShapeError layerError(const Layer& l, const std::string& msg) {
    return ShapeError("Layer '" + l.name() + "' (" + l.className() + "): " + msg);
}

/// The data_format parameter (Keras's standardize_data_format: None -> "channels_last").
inline ParamSpec dataFormatParam() {
    ParamSpec p = param::choice("data_format", "channels_last", {"channels_last", "channels_first"},
                                "Ordering of the dimensions: channels_last (batch, ..., channels) or "
                                "channels_first (batch, channels, ...).");
    p.nullable = true;
    return p;
}

/// Reads data_format from a layer config, writes the standardized value back (None ->
/// "channels_last") and returns true for channels_first.
inline bool standardizeDataFormat(Json& cfg) {
    auto it = cfg.find("data_format");
    if (it == cfg.end() || it->is_null()) {
        cfg["data_format"] = "channels_last";
        return false;
    }
    if (!it->is_string()) throw ConfigError("config key 'data_format' must be a string, got " + it->dump());
    std::string s = it->get<std::string>();
    if (s == "channels_last") return false;
    if (s == "channels_first") return true;
    throw ConfigError("config key 'data_format' must be 'channels_last' or 'channels_first', got '" + s + "'");
}

/// Keras's standardize_tuple(value, 2, allow_zero=True): an int n -> (n, n), or a pair of ints >= 0.
inline std::array<int64_t, 2> standardizePair(const Json& v, const std::string& what) {
    auto bad = [&]() {
        return ConfigError(what + " must be an integer >= 0 or a pair of integers >= 0, got " + v.dump());
    };
    std::array<int64_t, 2> out{};
    if (v.is_number_integer()) {
        out = {v.get<int64_t>(), v.get<int64_t>()};
    } else if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer()) {
        out = {v[0].get<int64_t>(), v[1].get<int64_t>()};
    } else {
        throw bad();
    }
    if (out[0] < 0 || out[1] < 0) throw bad();
    return out;
}

/// The 2-D padding/cropping forms of Keras: int n -> ((n, n), (n, n)); (h, w) -> ((h, h), (w, w));
/// ((top, bottom), (left, right)) as is (each entry may also be a single int).
inline std::array<std::array<int64_t, 2>, 2> standardizePairs2D(const Json& v, const std::string& key) {
    if (v.is_number_integer()) {
        auto p = standardizePair(v, "'" + key + "'");
        return {p, p};
    }
    if (!v.is_array() || v.size() != 2)
        throw ConfigError("'" + key + "' must be an int, a tuple of 2 ints or a tuple of 2 tuples of 2 ints " +
                          "((top, bottom), (left, right)), got " + v.dump());
    return {standardizePair(v[0], "1st entry of '" + key + "'"), standardizePair(v[1], "2nd entry of '" + key + "'")};
}

inline Json pairsToJson(const std::array<std::array<int64_t, 2>, 2>& p) {
    return Json::array({Json::array({p[0][0], p[0][1]}), Json::array({p[1][0], p[1][1]})});
}

/// A 4-D image tensor's sizes and strides, for either data format.
struct Image4D {
    int64_t batch = 0, height = 0, width = 0, channels = 0;
    int64_t sB = 0, sH = 0, sW = 0, sC = 0;
    Image4D(const std::vector<int64_t>& shape, bool channelsFirst) {
        batch = shape[0];
        if (channelsFirst) {
            channels = shape[1], height = shape[2], width = shape[3];
            sW = 1, sH = width, sC = height * width, sB = channels * height * width;
        } else {
            height = shape[1], width = shape[2], channels = shape[3];
            sC = 1, sW = channels, sH = width * channels, sB = height * width * channels;
        }
    }
};

/// Copies the (rows x cols) window at (srcH, srcW) of every image and channel of `src` to (dstH, dstW)
/// of `dst` (same batch, channels and layout).
inline void copyWindow2D(const float* src, const Image4D& ls, int64_t srcH, int64_t srcW, float* dst,
                         const Image4D& ld, int64_t dstH, int64_t dstW, int64_t rows, int64_t cols,
                         bool channelsFirst) {
    if (rows <= 0 || cols <= 0) return;
    for (int64_t b = 0; b < ls.batch; ++b) {
        if (channelsFirst) {
            for (int64_t c = 0; c < ls.channels; ++c)
                for (int64_t h = 0; h < rows; ++h) {
                    const float* s = src + b * ls.sB + c * ls.sC + (srcH + h) * ls.sH + srcW;
                    float* d = dst + b * ld.sB + c * ld.sC + (dstH + h) * ld.sH + dstW;
                    std::copy_n(s, cols, d);
                }
        } else {
            for (int64_t h = 0; h < rows; ++h) {
                const float* s = src + b * ls.sB + (srcH + h) * ls.sH + srcW * ls.sW;
                float* d = dst + b * ld.sB + (dstH + h) * ld.sH + dstW * ld.sW;
                std::copy_n(s, cols * ls.channels, d);
            }
        }
    }
}

/// dst = transpose(src, perm): output axis k is input axis perm[k]. Row-major, all dims known.
inline void transposeInto(const float* src, const std::vector<int64_t>& srcShape, const std::vector<int>& perm,
                          float* dst) {
    const int r = static_cast<int>(srcShape.size());
    if (r == 0) {
        dst[0] = src[0];
        return;
    }
    std::vector<int64_t> srcStride(r, 1);
    for (int i = r - 2; i >= 0; --i) srcStride[i] = srcStride[i + 1] * srcShape[i + 1];
    std::vector<int64_t> outShape(r), stride(r);
    for (int k = 0; k < r; ++k) {
        outShape[k] = srcShape[perm[k]];
        stride[k] = srcStride[perm[k]];
    }
    int64_t total = 1;
    for (auto d : outShape) total *= d;
    if (total == 0) return;
    const int64_t inner = outShape[r - 1], innerStride = stride[r - 1];
    std::vector<int64_t> idx(r, 0);
    int64_t base = 0;  // source offset of idx (without the innermost axis)
    for (int64_t o = 0; o < total; o += inner) {
        const float* s = src + base;
        float* d = dst + o;
        for (int64_t j = 0; j < inner; ++j) d[j] = s[j * innerStride];
        // advance the outer multi-index
        for (int k = r - 2; k >= 0; --k) {
            base += stride[k];
            if (++idx[k] < outShape[k]) break;
            base -= stride[k] * outShape[k];
            idx[k] = 0;
        }
    }
}

}  // namespace strata::reshaping_detail
