#pragma once
#include <initializer_list>

#include "engine/layers/convolutional/base_depthwise_conv.h"

namespace strata {

/// keras.layers.DepthwiseConv2D: per-channel 2-D convolution with depth_multiplier outputs per
/// input channel. Weights: kernel (kh, kw, in, depth_multiplier), bias (in*depth_multiplier,).
class DepthwiseConv2D : public BaseDepthwiseConv {
public:
    explicit DepthwiseConv2D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// DepthwiseConv2D({kh, kw}, {"depth_multiplier", ...}).
inline LayerRef<strata::DepthwiseConv2D> DepthwiseConv2D(std::initializer_list<int64_t> kernelSize,
                                                                Json kwargs = Json::object()) {
    return makeLayer<strata::DepthwiseConv2D>(
        "DepthwiseConv2D", withArg(std::move(kwargs), "kernel_size", Json(std::vector<int64_t>(kernelSize))));
}
inline LayerRef<strata::DepthwiseConv2D> DepthwiseConv2D(int64_t kernelSize, Json kwargs = Json::object()) {
    return makeLayer<strata::DepthwiseConv2D>("DepthwiseConv2D", withArg(std::move(kwargs), "kernel_size", kernelSize));
}
}  // namespace strata::layers
