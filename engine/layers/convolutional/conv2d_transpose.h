#pragma once
#include <initializer_list>

#include "engine/layers/convolutional/base_conv_transpose.h"

namespace strata {

/// keras.layers.Conv2DTranspose: transposed 2-D convolution. Output size per axis: "valid":
/// (n-1)*s + k_eff + output_padding (default max(k_eff, s) - k_eff); "same": n*s (or
/// (n-1)*s + k_eff%2 + output_padding). Weights: kernel (kh, kw, filters, in), bias (filters,).
class Conv2DTranspose : public BaseConvTranspose {
public:
    explicit Conv2DTranspose(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Conv2DTranspose> Conv2DTranspose(int64_t filters, std::initializer_list<int64_t> kernelSize,
                                                                Json kwargs = Json::object()) {
    return makeLayer<strata::Conv2DTranspose>(
        "Conv2DTranspose", withArg(withArg(std::move(kwargs), "filters", filters), "kernel_size",
                                   Json(std::vector<int64_t>(kernelSize))));
}
inline LayerRef<strata::Conv2DTranspose> Conv2DTranspose(int64_t filters, int64_t kernelSize,
                                                                Json kwargs = Json::object()) {
    return makeLayer<strata::Conv2DTranspose>(
        "Conv2DTranspose", withArg(withArg(std::move(kwargs), "filters", filters), "kernel_size", kernelSize));
}
}  // namespace strata::layers
