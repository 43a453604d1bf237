#pragma once
#include "engine/layers/convolutional/base_separable_conv.h"

namespace strata {

/// keras.layers.SeparableConv1D: depthwise 1-D convolution then pointwise convolution.
/// Weights: depthwise_kernel (kernel_size, in, depth_multiplier), pointwise_kernel
/// (1, in*depth_multiplier, filters), bias (filters,).
class SeparableConv1D : public BaseSeparableConv {
public:
    explicit SeparableConv1D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline std::shared_ptr<strata::SeparableConv1D> SeparableConv1D(int64_t filters, int64_t kernelSize,
                                                                Json kwargs = Json::object()) {
    return makeLayer<strata::SeparableConv1D>(
        "SeparableConv1D", withArg(withArg(std::move(kwargs), "filters", filters), "kernel_size", kernelSize));
}
}  // namespace strata::layers
