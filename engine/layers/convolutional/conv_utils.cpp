#include "engine/layers/convolutional/conv_utils.h"

#include <algorithm>
#include <cstring>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

#include "engine/core/errors.h"
#include "engine/core/tensor.h"
#include "engine/layers/layer.h"

namespace strata::conv {

// ---- padding arithmetic -------------------------------------------------------------------------

Padding parsePadding(const std::string& s) {
    if (s == "valid") return Padding::Valid;
    if (s == "same") return Padding::Same;
    if (s == "causal") return Padding::Causal;
    throw ConfigError("unknown padding '" + s + "'");
}

std::string paddingName(Padding p) {
    switch (p) {
        case Padding::Valid: return "valid";
        case Padding::Same: return "same";
        case Padding::Causal: return "causal";
    }
    return "?";
}

static int64_t floorDiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t convOutputLength(int64_t in, int64_t k, int64_t stride, int64_t dilation, Padding p) {
    if (in == kNone) return kNone;
    if (p == Padding::Valid) return floorDiv(in - effectiveKernel(k, dilation), stride) + 1;
    return floorDiv(in - 1, stride) + 1;
}

int64_t convPadBefore(int64_t in, int64_t k, int64_t stride, int64_t dilation, Padding p) {
    const int64_t ke = effectiveKernel(k, dilation);
    switch (p) {
        case Padding::Valid: return 0;
        case Padding::Causal: return ke - 1;
        case Padding::Same: {
            const int64_t out = convOutputLength(in, k, stride, dilation, p);
            const int64_t total = std::max<int64_t>((out - 1) * stride + ke - in, 0);
            return total / 2;
        }
    }
    return 0;
}

int64_t transposeOutputLength(int64_t in, int64_t k, int64_t stride, int64_t dilation, Padding p,
                              int64_t outputPadding) {
    if (in == kNone) return kNone;
    const int64_t ke = effectiveKernel(k, dilation);
    if (p == Padding::Same) {
        if (outputPadding < 0) return in * stride;
        return (in - 1) * stride + ke % 2 + outputPadding;
    }
    const int64_t op = outputPadding < 0 ? std::max(ke, stride) - ke : outputPadding;
    return (in - 1) * stride + ke + op;
}

int64_t transposeCrop(int64_t k, int64_t stride, int64_t dilation, Padding p, int64_t outputPadding) {
    const int64_t ke = effectiveKernel(k, dilation);
    if (p != Padding::Same) return 0;  // "valid": left pad of k_eff - 1 in JAX terms, nothing cropped
    const int64_t padLen = outputPadding < 0 ? stride + ke - 2 : ke + ke % 2 - 2 + outputPadding;
    const int64_t left = std::min(padLen / 2 + padLen % 2, ke - 1);
    return ke - 1 - left;
}

// ---- settings -----------------------------------------------------------------------------------

static std::string tupleText(const std::vector<int64_t>& v) {
    std::string s = "(";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + (v.size() == 1 ? ",)" : ")");
}

Settings readSettings(const std::string& cls, const Json& cfg, int rank, bool allowCausal) {
    Settings s;
    s.rank = rank;
    auto tuple = [&](const std::string& key, bool allowMissing) {
        if (allowMissing && cfgIsNull(cfg, key)) return std::vector<int64_t>(rank, 1);
        std::vector<int64_t> v = cfgInts(cfg, key);
        if (v.size() == 1 && rank > 1) v.assign(rank, v[0]);
        if (static_cast<int>(v.size()) != rank)
            throw ConfigError(cls + " argument '" + key + "': expected " + std::to_string(rank) + " integers, got " +
                              cfg[key].dump());
        for (int64_t e : v)
            if (e <= 0)
                throw ConfigError(cls + " argument '" + key + "': values must be positive, got " + tupleText(v));
        return v;
    };
    s.kernel = tuple("kernel_size", false);
    s.strides = tuple("strides", true);
    s.dilation = tuple("dilation_rate", true);
    std::string pad = cfgIsNull(cfg, "padding") ? "valid" : cfgString(cfg, "padding");
    for (auto& c : pad) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (pad == "causal" && !(allowCausal && rank == 1))
        throw ConfigError(cls + " argument 'padding': 'causal' is only supported by Conv1D, got 'causal'");
    if (pad != "valid" && pad != "same" && pad != "causal")
        throw ConfigError(cls + " argument 'padding': expected one of valid, same" +
                          std::string(allowCausal ? ", causal" : "") + ", got '" + pad + "'");
    s.padding = parsePadding(pad);
    std::string df = cfgIsNull(cfg, "data_format") ? "channels_last" : cfgString(cfg, "data_format");
    if (df != "channels_last" && df != "channels_first")
        throw ConfigError(cls + " argument 'data_format': expected channels_last or channels_first, got '" + df + "'");
    s.channelsFirst = df == "channels_first";
    if (*std::max_element(s.strides.begin(), s.strides.end()) > 1 &&
        *std::max_element(s.dilation.begin(), s.dilation.end()) > 1)
        throw ConfigError(cls + ": strides > 1 not supported in conjunction with dilation_rate > 1, got strides=" +
                          tupleText(s.strides) + " and dilation_rate=" + tupleText(s.dilation));
    return s;
}

void dropLegacyGroups(const std::string& cls, Json& cfg) {
    auto it = cfg.find("groups");
    if (it == cfg.end()) return;
    if (!it->is_null() && !(it->is_number_integer() && it->get<int64_t>() == 1))
        throw ConfigError(cls + " argument 'groups': only groups=1 exists for this layer, got " + it->dump());
    cfg.erase(it);
}

std::string layoutText(const Settings& s) {
    std::string sp = s.rank == 1 ? "steps" : s.rank == 2 ? "rows, cols" : "spatial...";
    return s.channelsFirst ? "(batch, channels, " + sp + ")" : "(batch, " + sp + ", channels)";
}

void checkRank(const Shape& in, const Settings& s, int index) {
    if (in.rank() != s.rank + 2)
        throw ShapeError("input " + std::to_string(index) + ": expected a tensor of rank " +
                         std::to_string(s.rank + 2) + " " + layoutText(s) + ", got shape " + in.toString());
}

int64_t channelsOf(const std::vector<int64_t>& dims, const Settings& s) {
    return s.channelsFirst ? dims[1] : dims.back();
}

std::vector<int64_t> spatialOf(const std::vector<int64_t>& dims, const Settings& s) {
    const size_t first = s.channelsFirst ? 2 : 1;
    return std::vector<int64_t>(dims.begin() + first, dims.begin() + first + s.rank);
}

std::vector<int64_t> assembleShape(int64_t batch, const std::vector<int64_t>& spatial, int64_t channels,
                                   const Settings& s) {
    std::vector<int64_t> out;
    out.reserve(spatial.size() + 2);
    out.push_back(batch);
    if (s.channelsFirst) out.push_back(channels);
    out.insert(out.end(), spatial.begin(), spatial.end());
    if (!s.channelsFirst) out.push_back(channels);
    return out;
}

std::vector<int64_t> convOutputSpatial(const std::vector<int64_t>& inDims, const Settings& s, int index) {
    std::vector<int64_t> in = spatialOf(inDims, s), out(s.rank);
    for (int i = 0; i < s.rank; ++i) {
        out[i] = convOutputLength(in[i], s.kernel[i], s.strides[i], s.dilation[i], s.padding);
        if (in[i] != kNone && out[i] <= 0)
            throw ShapeError("input " + std::to_string(index) + ": computed output size would be " +
                             std::to_string(out[i]) + " along spatial axis " + std::to_string(i) + " (input shape " +
                             Shape(inDims).toString() + ", kernel_size " + tupleText(s.kernel) + ", strides " +
                             tupleText(s.strides) + ", dilation_rate " + tupleText(s.dilation) + ", padding '" +
                             paddingName(s.padding) + "')");
    }
    return out;
}

std::vector<int64_t> transposeOutputSpatial(const std::vector<int64_t>& inDims, const Settings& s,
                                            const std::vector<int64_t>& outputPadding) {
    std::vector<int64_t> in = spatialOf(inDims, s), out(s.rank);
    for (int i = 0; i < s.rank; ++i)
        out[i] = transposeOutputLength(in[i], s.kernel[i], s.strides[i], s.dilation[i], s.padding,
                                       outputPadding.empty() ? -1 : outputPadding[i]);
    return out;
}

// ---- spec helpers -------------------------------------------------------------------------------

ParamSpec filtersParam() {
    return param::required(param::integer("filters", 1, "Number of output channels (filters).", 1));
}
ParamSpec kernelSizeParam(int rank) {
    return param::required(param::intTuple("kernel_size", rank == 1 ? Json::array({3}) : Json::array({3, 3}), rank,
                                           "Size of the convolution window."));
}
ParamSpec stridesParam(int rank) {
    return param::intTuple("strides", 1, rank, "Stride of the convolution along each spatial axis.");
}
ParamSpec paddingParam(bool allowCausal) {
    std::vector<std::string> choices = {"valid", "same"};
    if (allowCausal) choices.push_back("causal");
    return param::choice("padding", "valid", choices,
                         allowCausal ? "\"valid\": no padding; \"same\": output length ceil(n/strides); "
                                       "\"causal\": left padding only (output[t] sees input[:t+1])."
                                     : "\"valid\": no padding; \"same\": pad so output size is ceil(n/strides) "
                                       "(extra pad after).");
}
ParamSpec dataFormatParam() {
    return param::choice("data_format", "channels_last", {"channels_last", "channels_first"},
                         "Position of the channel axis: last (batch, ..., channels) or first (batch, channels, ...).");
}
ParamSpec dilationParam(int rank) {
    return param::intTuple("dilation_rate", 1, rank, "Dilation rate of the kernel (atrous convolution).");
}

std::string brief(const Json& c, const std::string& countKey) {
    std::string s;
    if (countKey.size() && c.contains(countKey) && c[countKey].is_number_integer())
        s = (countKey == "depth_multiplier" ? "×" : "") + std::to_string(c[countKey].get<int64_t>());
    if (c.contains("kernel_size") && c["kernel_size"].is_array()) {
        std::string k;
        for (const auto& e : c["kernel_size"]) k += (k.empty() ? "" : "×") + e.dump();
        s += (s.empty() ? "" : " · ") + k;
    }
    if (c.contains("strides") && c["strides"].is_array()) {
        bool unit = true;
        for (const auto& e : c["strides"]) unit = unit && e == 1;
        if (!unit) {
            std::string k;
            for (const auto& e : c["strides"]) k += (k.empty() ? "/" : "×") + e.dump();
            s += " " + k;
        }
    }
    if (c.contains("activation") && c["activation"].is_string()) {
        std::string a = c["activation"].get<std::string>();
        if (!a.empty() && a != "linear") s += " · " + a;
    }
    return s;
}

// ---- geometry -----------------------------------------------------------------------------------

bool Geometry::pointwise() const {
    return kH == 1 && kW == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 && outH == inH &&
           outW == inW;
}

Geometry forwardGeometry(const Settings& s, int64_t batch, const std::vector<int64_t>& inSpatial, int64_t inC,
                         int64_t outC, int64_t groups) {
    Geometry g;
    g.batch = batch;
    g.inC = inC;
    g.outC = outC;
    g.groups = groups;
    const int a = s.rank == 1 ? -1 : 0;  // index of the "height" axis in the settings (none for 1-D)
    const int b = s.rank == 1 ? 0 : 1;
    if (a >= 0) {
        g.inH = inSpatial[a];
        g.kH = s.kernel[a];
        g.strideH = s.strides[a];
        g.dilH = s.dilation[a];
        g.outH = convOutputLength(g.inH, g.kH, g.strideH, g.dilH, s.padding);
        g.padTop = convPadBefore(g.inH, g.kH, g.strideH, g.dilH, s.padding);
    }
    g.inW = inSpatial[b];
    g.kW = s.kernel[b];
    g.strideW = s.strides[b];
    g.dilW = s.dilation[b];
    g.outW = convOutputLength(g.inW, g.kW, g.strideW, g.dilW, s.padding);
    g.padLeft = convPadBefore(g.inW, g.kW, g.strideW, g.dilW, s.padding);
    return g;
}

void Workspace::ensure(int parts) {
    if (static_cast<int>(col.size()) < parts) {
        col.resize(parts);
        dcol.resize(parts);
        acc.resize(parts);
    }
}

// ---- im2col kernels -----------------------------------------------------------------------------

namespace {

constexpr int64_t kColBudget = 1 << 18;  // floats of im2col scratch per thread and chunk (1 MB)

/// col (outPixels x patch) of one image and one group; rows ordered (kh, kw, c).
void im2col(const float* x, const Geometry& g, int64_t group, float* col) {
    const int64_t C = g.inC, Cg = g.groupInC();
    const float* xg = x + group * Cg;
    float* dst = col;
    for (int64_t oh = 0; oh < g.outH; ++oh) {
        const int64_t ih0 = oh * g.strideH - g.padTop;
        for (int64_t ow = 0; ow < g.outW; ++ow) {
            const int64_t iw0 = ow * g.strideW - g.padLeft;
            for (int64_t kh = 0; kh < g.kH; ++kh) {
                const int64_t ih = ih0 + kh * g.dilH;
                if (ih < 0 || ih >= g.inH) {
                    std::fill(dst, dst + g.kW * Cg, 0.0f);
                    dst += g.kW * Cg;
                    continue;
                }
                const float* xrow = xg + ih * g.inW * C;
                if (Cg == C && g.dilW == 1 && iw0 >= 0 && iw0 + g.kW <= g.inW) {
                    // The whole kernel row is one contiguous run of the input (ungrouped, inside).
                    std::memcpy(dst, xrow + iw0 * C, sizeof(float) * static_cast<size_t>(g.kW * C));
                    dst += g.kW * C;
                    continue;
                }
                for (int64_t kw = 0; kw < g.kW; ++kw, dst += Cg) {
                    const int64_t iw = iw0 + kw * g.dilW;
                    if (iw < 0 || iw >= g.inW) {
                        std::fill(dst, dst + Cg, 0.0f);
                    } else {
                        const float* src = xrow + iw * C;
                        for (int64_t c = 0; c < Cg; ++c) dst[c] = src[c];
                    }
                }
            }
        }
    }
}

/// dx += col2im(dcol) for one image and one group.
void col2im(const float* dcol, const Geometry& g, int64_t group, float* dx) {
    const int64_t C = g.inC, Cg = g.groupInC();
    float* dxg = dx + group * Cg;
    const float* src = dcol;
    for (int64_t oh = 0; oh < g.outH; ++oh) {
        const int64_t ih0 = oh * g.strideH - g.padTop;
        for (int64_t ow = 0; ow < g.outW; ++ow) {
            const int64_t iw0 = ow * g.strideW - g.padLeft;
            for (int64_t kh = 0; kh < g.kH; ++kh) {
                const int64_t ih = ih0 + kh * g.dilH;
                if (ih < 0 || ih >= g.inH) {
                    src += g.kW * Cg;
                    continue;
                }
                float* dxrow = dxg + ih * g.inW * C;
                if (Cg == C && g.dilW == 1 && iw0 >= 0 && iw0 + g.kW <= g.inW) {
                    float* __restrict d = dxrow + iw0 * C;
                    const int64_t len = g.kW * C;
                    for (int64_t i = 0; i < len; ++i) d[i] += src[i];
                    src += len;
                    continue;
                }
                for (int64_t kw = 0; kw < g.kW; ++kw, src += Cg) {
                    const int64_t iw = iw0 + kw * g.dilW;
                    if (iw < 0 || iw >= g.inW) continue;
                    float* d = dxrow + iw * C;
                    for (int64_t c = 0; c < Cg; ++c) d[c] += src[c];
                }
            }
        }
    }
}

int64_t chunkImages(const Geometry& g) {
    const int64_t perImage = g.outPixels() * std::max(g.patch(), g.outC);
    return std::max<int64_t>(1, kColBudget / std::max<int64_t>(1, perImage));
}

}  // namespace

void forward(const float* x, const float* w, float* y, const Geometry& g, Workspace& ws, Epilogue epilogue) {
    const int64_t P = g.outPixels(), K = g.patch(), F = g.outC, Fg = g.groupOutC(), Cg = g.groupInC();
    const int64_t inImage = g.inPixels() * g.inC;
    const bool direct = g.pointwise();
    const int64_t chunk = chunkImages(g);
    const int parts = partsFor(g.batch, 2.0 * g.batch * P * K * F);
    ws.ensure(parts);
    parallelFor(g.batch, parts, [&](int t, int64_t b0, int64_t b1) {
        std::vector<float>& col = ws.col[t];
        ConstMatrixMap W(w, K, F);
        for (int64_t n0 = b0; n0 < b1; n0 += chunk) {
            const int64_t n1 = std::min(b1, n0 + chunk), rows = (n1 - n0) * P;
            MatrixMap Y(y + n0 * P * F, rows, F);
            for (int64_t grp = 0; grp < g.groups; ++grp) {
                if (direct) {
                    ConstMatrixMap X(x + n0 * P * g.inC, rows, g.inC);
                    serialProduct(Y.middleCols(grp * Fg, Fg), X.middleCols(grp * Cg, Cg), W.middleCols(grp * Fg, Fg), false);
                } else {
                    col.resize(static_cast<size_t>(rows * K));
                    for (int64_t n = n0; n < n1; ++n) im2col(x + n * inImage, g, grp, col.data() + (n - n0) * P * K);
                    ConstMatrixMap Cm(col.data(), rows, K);
                    serialProduct(Y.middleCols(grp * Fg, Fg), Cm, W.middleCols(grp * Fg, Fg), false);
                }
            }
            if (epilogue) epilogue(y + n0 * P * F, n0 * P, rows);
        }
    });
}

int backwardParts(const Geometry& g, bool withDx, bool withDw) {
    return partsFor(g.batch, (withDx && withDw ? 4.0 : 2.0) * g.batch * g.outPixels() * g.patch() * g.outC);
}

void backward(const float* x, const float* gy, const float* w, float* dx, float* dw, const Geometry& g,
              Workspace& ws, GradientPrologue prologue) {
    if (!dx && !dw) return;
    const int64_t P = g.outPixels(), K = g.patch(), F = g.outC, Fg = g.groupOutC(), Cg = g.groupInC();
    const int64_t inImage = g.inPixels() * g.inC;
    const bool direct = g.pointwise();
    const int64_t chunk = chunkImages(g);
    const int parts = backwardParts(g, dx != nullptr, dw != nullptr);
    ws.ensure(parts);
    if (dw)
        for (int t = 1; t < parts; ++t) ws.acc[t].assign(static_cast<size_t>(K * F), 0.0f);
    parallelFor(g.batch, parts, [&](int t, int64_t b0, int64_t b1) {
        std::vector<float>& col = ws.col[t];
        std::vector<float>& dcol = ws.dcol[t];
        float* dwT = dw ? (t == 0 ? dw : ws.acc[t].data()) : nullptr;
        ConstMatrixMap W(w, K, F);
        if (dx && !direct) std::fill(dx + b0 * inImage, dx + b1 * inImage, 0.0f);
        for (int64_t n0 = b0; n0 < b1; n0 += chunk) {
            const int64_t n1 = std::min(b1, n0 + chunk), rows = (n1 - n0) * P;
            ConstMatrixMap G(prologue ? prologue(t, n0 * P, rows) : gy + n0 * P * F, rows, F);
            for (int64_t grp = 0; grp < g.groups; ++grp) {
                auto Gg = G.middleCols(grp * Fg, Fg);
                auto Wg = W.middleCols(grp * Fg, Fg);
                if (dwT) {
                    MatrixMap DW(dwT, K, F);
                    if (direct) {
                        ConstMatrixMap X(x + n0 * P * g.inC, rows, g.inC);
                        serialProduct(DW.middleCols(grp * Fg, Fg), X.middleCols(grp * Cg, Cg).transpose(), Gg, true);
                    } else {
                        col.resize(static_cast<size_t>(rows * K));
                        for (int64_t n = n0; n < n1; ++n)
                            im2col(x + n * inImage, g, grp, col.data() + (n - n0) * P * K);
                        ConstMatrixMap Cm(col.data(), rows, K);
                        serialProduct(DW.middleCols(grp * Fg, Fg), Cm.transpose(), Gg, true);
                    }
                }
                if (dx) {
                    if (direct) {
                        MatrixMap DX(dx + n0 * P * g.inC, rows, g.inC);
                        serialProduct(DX.middleCols(grp * Cg, Cg), Gg, Wg.transpose(), false);
                    } else {
                        dcol.resize(static_cast<size_t>(rows * K));
                        MatrixMap Dc(dcol.data(), rows, K);
                        serialProduct(Dc, Gg, Wg.transpose(), false);
                        for (int64_t n = n0; n < n1; ++n) col2im(dcol.data() + (n - n0) * P * K, g, grp, dx + n * inImage);
                    }
                }
            }
        }
    });
    if (dw)
        for (int t = 1; t < parts; ++t) {
            const float* a = ws.acc[t].data();
            for (int64_t i = 0; i < K * F; ++i) dw[i] += a[i];
        }
}

// ---- depthwise kernels --------------------------------------------------------------------------

void depthwiseForward(const float* x, const float* w, float* y, const Geometry& g, Epilogue epilogue) {
    const int64_t C = g.inC, CM = g.outC, M = CM / C, P = g.outPixels();
    const int64_t inImage = g.inPixels() * C;
    const int parts = partsFor(g.batch, 2.0 * g.batch * P * g.kH * g.kW * CM);
    parallelFor(g.batch, parts, [&](int, int64_t b0, int64_t b1) {
        for (int64_t n = b0; n < b1; ++n) {
            const float* xn = x + n * inImage;
            float* yn = y + n * P * CM;
            for (int64_t oh = 0; oh < g.outH; ++oh) {
                const int64_t ih0 = oh * g.strideH - g.padTop;
                for (int64_t ow = 0; ow < g.outW; ++ow) {
                    const int64_t iw0 = ow * g.strideW - g.padLeft;
                    float* __restrict yr = yn + (oh * g.outW + ow) * CM;
                    std::fill(yr, yr + CM, 0.0f);
                    for (int64_t kh = 0; kh < g.kH; ++kh) {
                        const int64_t ih = ih0 + kh * g.dilH;
                        if (ih < 0 || ih >= g.inH) continue;
                        for (int64_t kw = 0; kw < g.kW; ++kw) {
                            const int64_t iw = iw0 + kw * g.dilW;
                            if (iw < 0 || iw >= g.inW) continue;
                            const float* __restrict xr = xn + (ih * g.inW + iw) * C;
                            const float* __restrict wr = w + (kh * g.kW + kw) * CM;
                            if (M == 1) {
                                for (int64_t c = 0; c < C; ++c) yr[c] += xr[c] * wr[c];
                            } else {
                                for (int64_t c = 0; c < C; ++c) {
                                    const float xv = xr[c];
                                    for (int64_t m = 0; m < M; ++m) yr[c * M + m] += xv * wr[c * M + m];
                                }
                            }
                        }
                    }
                }
            }
            if (epilogue) epilogue(yn, n * P, P);
        }
    });
}

void depthwiseBackward(const float* x, const float* gy, const float* w, float* dx, float* dw, const Geometry& g,
                       Workspace& ws) {
    if (!dx && !dw) return;
    const int64_t C = g.inC, CM = g.outC, M = CM / C, P = g.outPixels();
    const int64_t inImage = g.inPixels() * C, wSize = g.kH * g.kW * CM;
    const int parts = partsFor(g.batch, 4.0 * g.batch * P * g.kH * g.kW * CM);
    ws.ensure(parts);
    if (dw)
        for (int t = 1; t < parts; ++t) ws.acc[t].assign(static_cast<size_t>(wSize), 0.0f);
    parallelFor(g.batch, parts, [&](int t, int64_t b0, int64_t b1) {
        float* dwT = dw ? (t == 0 ? dw : ws.acc[t].data()) : nullptr;
        if (dx) std::fill(dx + b0 * inImage, dx + b1 * inImage, 0.0f);
        for (int64_t n = b0; n < b1; ++n) {
            const float* xn = x ? x + n * inImage : nullptr;
            float* dxn = dx ? dx + n * inImage : nullptr;
            const float* gn = gy + n * P * CM;
            for (int64_t oh = 0; oh < g.outH; ++oh) {
                const int64_t ih0 = oh * g.strideH - g.padTop;
                for (int64_t ow = 0; ow < g.outW; ++ow) {
                    const int64_t iw0 = ow * g.strideW - g.padLeft;
                    const float* __restrict gr = gn + (oh * g.outW + ow) * CM;
                    for (int64_t kh = 0; kh < g.kH; ++kh) {
                        const int64_t ih = ih0 + kh * g.dilH;
                        if (ih < 0 || ih >= g.inH) continue;
                        for (int64_t kw = 0; kw < g.kW; ++kw) {
                            const int64_t iw = iw0 + kw * g.dilW;
                            if (iw < 0 || iw >= g.inW) continue;
                            const int64_t off = (ih * g.inW + iw) * C;
                            const float* __restrict wr = w + (kh * g.kW + kw) * CM;
                            if (dxn) {
                                float* __restrict d = dxn + off;
                                if (M == 1) {
                                    for (int64_t c = 0; c < C; ++c) d[c] += gr[c] * wr[c];
                                } else {
                                    for (int64_t c = 0; c < C; ++c) {
                                        float acc = 0.0f;
                                        for (int64_t m = 0; m < M; ++m) acc += gr[c * M + m] * wr[c * M + m];
                                        d[c] += acc;
                                    }
                                }
                            }
                            if (dwT) {
                                const float* __restrict xr = xn + off;
                                float* __restrict dwr = dwT + (kh * g.kW + kw) * CM;
                                if (M == 1) {
                                    for (int64_t c = 0; c < C; ++c) dwr[c] += gr[c] * xr[c];
                                } else {
                                    for (int64_t c = 0; c < C; ++c) {
                                        const float xv = xr[c];
                                        for (int64_t m = 0; m < M; ++m) dwr[c * M + m] += gr[c * M + m] * xv;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    });
    if (dw)
        for (int t = 1; t < parts; ++t) {
            const float* a = ws.acc[t].data();
            for (int64_t i = 0; i < wSize; ++i) dw[i] += a[i];
        }
}

// ---- bias and layouts ---------------------------------------------------------------------------

void addBias(float* y, const float* bias, int64_t rows, int64_t channels) {
    for (int64_t r = 0; r < rows; ++r) {
        float* __restrict row = y + r * channels;
        for (int64_t c = 0; c < channels; ++c) row[c] += bias[c];
    }
}

void accumulateBiasGrad(const float* g, float* grad, int64_t rows, int64_t channels) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* __restrict row = g + r * channels;
        for (int64_t c = 0; c < channels; ++c) grad[c] += row[c];
    }
}

void toChannelsLast(const float* src, float* dst, int64_t n, int64_t c, int64_t spatial) {
    for (int64_t i = 0; i < n; ++i) {
        MatrixMap(dst + i * c * spatial, spatial, c).noalias() =
            ConstMatrixMap(src + i * c * spatial, c, spatial).transpose();
    }
}

void toChannelsFirst(const float* src, float* dst, int64_t n, int64_t c, int64_t spatial) {
    for (int64_t i = 0; i < n; ++i) {
        MatrixMap(dst + i * c * spatial, c, spatial).noalias() =
            ConstMatrixMap(src + i * c * spatial, spatial, c).transpose();
    }
}

}  // namespace strata::conv
