#pragma once
#include <initializer_list>

#include "engine/layers/convolutional/base_separable_conv.h"

namespace strata {

/// keras.layers.SeparableConv2D: depthwise 2-D convolution then pointwise 1x1 convolution.
/// Weights: depthwise_kernel (kh, kw, in, depth_multiplier), pointwise_kernel
/// (1, 1, in*depth_multiplier, filters), bias (filters,).
class SeparableConv2D : public BaseSeparableConv {
public:
    explicit SeparableConv2D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::SeparableConv2D> SeparableConv2D(int64_t filters, std::initializer_list<int64_t> kernelSize,
                                                                Json kwargs = Json::object()) {
    return makeLayer<strata::SeparableConv2D>(
        "SeparableConv2D", withArg(withArg(std::move(kwargs), "filters", filters), "kernel_size",
                                   Json(std::vector<int64_t>(kernelSize))));
}
inline LayerRef<strata::SeparableConv2D> SeparableConv2D(int64_t filters, int64_t kernelSize,
                                                                Json kwargs = Json::object()) {
    return makeLayer<strata::SeparableConv2D>(
        "SeparableConv2D", withArg(withArg(std::move(kwargs), "filters", filters), "kernel_size", kernelSize));
}
}  // namespace strata::layers
