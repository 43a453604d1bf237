#include "engine/layers/reshaping/up_sampling2d.h"

#include <algorithm>
#include <cmath>

#include "engine/layers/reshaping/reshaping_common.h"

namespace strata {

using namespace reshaping_detail;

namespace {

/// TensorFlow's CachedInterpolation for one axis with half-pixel centers.
struct AxisInterp {
    std::vector<int64_t> lower, upper;
    std::vector<float> lerp;
    void compute(int64_t inSize, int64_t outSize) {
        lower.resize(outSize);
        upper.resize(outSize);
        lerp.resize(outSize);
        const float scale = static_cast<float>(inSize) / static_cast<float>(outSize);
        for (int64_t o = 0; o < outSize; ++o) {
            const float in = (static_cast<float>(o) + 0.5f) * scale - 0.5f;
            const float f = std::floor(in);
            lower[o] = std::max<int64_t>(static_cast<int64_t>(f), 0);
            upper[o] = std::min<int64_t>(static_cast<int64_t>(std::ceil(in)), inSize - 1);
            lerp[o] = in - f;
        }
    }
};

struct UpSampling2DCache : LayerCache {
    AxisInterp h, w;
};

}  // namespace

LayerSpec UpSampling2D::spec() {
    LayerSpec s;
    s.className = "UpSampling2D";
    s.category = LayerCategory::Reshaping;
    s.doc = "Upsamples rows and columns by `size` (nearest: repeat; bilinear: half-pixel interpolation).";
    s.params = {
        param::intTuple("size", Json::array({2, 2}), 2, "Upsampling factors for rows and columns."),
        dataFormatParam(),
        param::choice("interpolation", "nearest", {"nearest", "bilinear"},
                      "Interpolation: nearest (repeat rows/columns) or bilinear (like ops.image.resize)."),
    };
    s.factory = [](const Json& c) { return std::make_shared<UpSampling2D>(c); };
    s.brief = [](const Json& c) {
        std::string t;
        if (c.contains("size") && c["size"].is_array() && c["size"].size() == 2)
            t = c["size"][0].dump() + "×" + c["size"][1].dump();
        if (c.value("interpolation", Json("nearest")) == "bilinear") t += " · bilinear";
        return t;
    };
    return s;
}

UpSampling2D::UpSampling2D(const Json& config) : Layer("UpSampling2D", config) {
    auto sz = cfgInts(this->config(), "size");
    if (sz.size() == 1) sz.push_back(sz[0]);
    if (sz.size() != 2 || sz[0] < 1 || sz[1] < 1)
        throw ConfigError("UpSampling2D argument 'size' must be a positive int or a pair of positive ints, got " +
                          this->config()["size"].dump());
    sizeH_ = sz[0];
    sizeW_ = sz[1];
    mutableConfig()["size"] = Json::array({sizeH_, sizeW_});
    channelsFirst_ = standardizeDataFormat(mutableConfig());
    std::string interp = cfgString(this->config(), "interpolation");
    if (interp != "nearest" && interp != "bilinear")
        throw NotSupportedError("UpSampling2D interpolation '" + interp + "' is not supported (nearest, bilinear)");
    bilinear_ = interp == "bilinear";
}

std::vector<Shape> UpSampling2D::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() != 4)
        throw ShapeError(std::string("expected input of rank 4 ") +
                         (channelsFirst_ ? "(batch, channels, rows, cols)" : "(batch, rows, cols, channels)") +
                         ", got " + s.toString());
    Shape out = s;
    const int h = channelsFirst_ ? 2 : 1;
    if (out[h] != kNone) out[h] *= sizeH_;
    if (out[h + 1] != kNone) out[h + 1] *= sizeW_;
    return {out};
}

std::vector<DType> UpSampling2D::computeOutputDType(const std::vector<DType>& in) const {
    return {in.empty() ? DType::Float32 : in[0]};
}

void UpSampling2D::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    if (x.rank() != 4) throw layerError(*this, "expected input of rank 4, got " + x.shapeString());
    Image4D li(x.shape(), channelsFirst_);
    std::vector<int64_t> shape = x.shape();
    const int h = channelsFirst_ ? 2 : 1;
    shape[h] *= sizeH_;
    shape[h + 1] *= sizeW_;
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(shape);
    y.setDType(x.dtype());
    Image4D lo(shape, channelsFirst_);
    const float* X = x.data();
    float* Y = y.data();
    if (!bilinear_) {
        for (int64_t b = 0; b < lo.batch; ++b)
            for (int64_t oh = 0; oh < lo.height; ++oh)
                for (int64_t ow = 0; ow < lo.width; ++ow) {
                    const float* src = X + b * li.sB + (oh / sizeH_) * li.sH + (ow / sizeW_) * li.sW;
                    float* dst = Y + b * lo.sB + oh * lo.sH + ow * lo.sW;
                    for (int64_t c = 0; c < lo.channels; ++c) dst[c * lo.sC] = src[c * li.sC];
                }
        return;
    }
    auto& cache = ctx.cache<UpSampling2DCache>();
    cache.h.compute(li.height, lo.height);
    cache.w.compute(li.width, lo.width);
    const AxisInterp &ih = cache.h, &iw = cache.w;
    for (int64_t b = 0; b < lo.batch; ++b)
        for (int64_t oh = 0; oh < lo.height; ++oh) {
            const float* top = X + b * li.sB + ih.lower[oh] * li.sH;
            const float* bot = X + b * li.sB + ih.upper[oh] * li.sH;
            const float yl = ih.lerp[oh];
            for (int64_t ow = 0; ow < lo.width; ++ow) {
                const int64_t l = iw.lower[ow] * li.sW, r = iw.upper[ow] * li.sW;
                const float xl = iw.lerp[ow];
                float* dst = Y + b * lo.sB + oh * lo.sH + ow * lo.sW;
                for (int64_t c = 0; c < lo.channels; ++c) {
                    const int64_t co = c * li.sC;
                    const float tl = top[l + co], tr = top[r + co], bl = bot[l + co], br = bot[r + co];
                    const float t = tl + (tr - tl) * xl;
                    const float bo = bl + (br - bl) * xl;
                    dst[c * lo.sC] = t + (bo - t) * yl;
                }
            }
        }
}

void UpSampling2D::backward(const ConstTensorPtrs& inputs, const Tensors&, const ConstTensorPtrs& outputGrads,
                            Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape(), 0.0f);
    if (!outputGrads[0]) return;
    const Tensor& g = *outputGrads[0];
    Image4D li(x.shape(), channelsFirst_);
    if (g.rank() != 4 || g.size() != x.size() * sizeH_ * sizeW_)
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match input " + x.shapeString());
    Image4D lo(g.shape(), channelsFirst_);
    const float* G = g.data();
    float* GX = gx.data();
    if (!bilinear_) {
        for (int64_t b = 0; b < lo.batch; ++b)
            for (int64_t oh = 0; oh < lo.height; ++oh)
                for (int64_t ow = 0; ow < lo.width; ++ow) {
                    float* dst = GX + b * li.sB + (oh / sizeH_) * li.sH + (ow / sizeW_) * li.sW;
                    const float* src = G + b * lo.sB + oh * lo.sH + ow * lo.sW;
                    for (int64_t c = 0; c < lo.channels; ++c) dst[c * li.sC] += src[c * lo.sC];
                }
        return;
    }
    auto& cache = ctx.cache<UpSampling2DCache>();
    cache.h.compute(li.height, lo.height);
    cache.w.compute(li.width, lo.width);
    const AxisInterp &ih = cache.h, &iw = cache.w;
    for (int64_t b = 0; b < lo.batch; ++b)
        for (int64_t oh = 0; oh < lo.height; ++oh) {
            float* top = GX + b * li.sB + ih.lower[oh] * li.sH;
            float* bot = GX + b * li.sB + ih.upper[oh] * li.sH;
            const float yl = ih.lerp[oh];
            for (int64_t ow = 0; ow < lo.width; ++ow) {
                const int64_t l = iw.lower[ow] * li.sW, r = iw.upper[ow] * li.sW;
                const float xl = iw.lerp[ow];
                const float* src = G + b * lo.sB + oh * lo.sH + ow * lo.sW;
                for (int64_t c = 0; c < lo.channels; ++c) {
                    const int64_t co = c * li.sC;
                    const float gv = src[c * lo.sC];
                    const float dt = (1.0f - yl) * gv, db = yl * gv;
                    top[l + co] += dt * (1.0f - xl);
                    top[r + co] += dt * xl;
                    bot[l + co] += db * (1.0f - xl);
                    bot[r + co] += db * xl;
                }
            }
        }
}

}  // namespace strata
