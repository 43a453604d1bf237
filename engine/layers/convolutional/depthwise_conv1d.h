#pragma once
#include "engine/layers/convolutional/base_depthwise_conv.h"

namespace strata {

/// keras.layers.DepthwiseConv1D: per-channel 1-D convolution with depth_multiplier outputs per
/// input channel. Weights: kernel (kernel_size, in, depth_multiplier), bias (in*depth_multiplier,).
class DepthwiseConv1D : public BaseDepthwiseConv {
public:
    explicit DepthwiseConv1D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline std::shared_ptr<strata::DepthwiseConv1D> DepthwiseConv1D(int64_t kernelSize, Json kwargs = Json::object()) {
    return makeLayer<strata::DepthwiseConv1D>("DepthwiseConv1D", withArg(std::move(kwargs), "kernel_size", kernelSize));
}
}  // namespace strata::layers
