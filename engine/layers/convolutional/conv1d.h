#pragma once
#include "engine/layers/convolutional/base_conv.h"

namespace strata {

/// keras.layers.Conv1D: 1-D convolution over (batch, steps, channels) (or channels-first).
/// Padding "valid", "same" or "causal" (left padding of dilation*(kernel-1), as Keras pads then
/// convolves "valid"). Weights: kernel (kernel_size, in/groups, filters), bias (filters,).
class Conv1D : public BaseConv {
public:
    explicit Conv1D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// Conv1D(filters, kernel_size, {"strides", ...}).
inline LayerRef<strata::Conv1D> Conv1D(int64_t filters, int64_t kernelSize, Json kwargs = Json::object()) {
    return makeLayer<strata::Conv1D>(
        "Conv1D", withArg(withArg(std::move(kwargs), "filters", filters), "kernel_size", kernelSize));
}
}  // namespace strata::layers
