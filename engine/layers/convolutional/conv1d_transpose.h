#pragma once
#include "engine/layers/convolutional/base_conv_transpose.h"

namespace strata {

/// keras.layers.Conv1DTranspose: transposed 1-D convolution over (batch, steps, channels).
/// Weights: kernel (kernel_size, filters, in), bias (filters,).
class Conv1DTranspose : public BaseConvTranspose {
public:
    explicit Conv1DTranspose(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline std::shared_ptr<strata::Conv1DTranspose> Conv1DTranspose(int64_t filters, int64_t kernelSize,
                                                                Json kwargs = Json::object()) {
    return makeLayer<strata::Conv1DTranspose>(
        "Conv1DTranspose", withArg(withArg(std::move(kwargs), "filters", filters), "kernel_size", kernelSize));
}
}  // namespace strata::layers
