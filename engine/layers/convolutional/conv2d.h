#pragma once
#include <initializer_list>

#include "engine/layers/convolutional/base_conv.h"

namespace strata {

/// keras.layers.Conv2D: 2-D convolution over (batch, rows, cols, channels) (or channels-first).
/// Padding "valid" or "same" (TF style: the extra pad goes to the bottom/right).
/// Weights: kernel (kh, kw, in/groups, filters) glorot_uniform, bias (filters,) zeros.
class Conv2D : public BaseConv {
public:
    explicit Conv2D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// Conv2D(filters, {kh, kw}, {"strides", ...}).
inline LayerRef<strata::Conv2D> Conv2D(int64_t filters, std::initializer_list<int64_t> kernelSize,
                                              Json kwargs = Json::object()) {
    return makeLayer<strata::Conv2D>("Conv2D", withArg(withArg(std::move(kwargs), "filters", filters), "kernel_size",
                                                       Json(std::vector<int64_t>(kernelSize))));
}
/// Conv2D(filters, k): a k x k kernel.
inline LayerRef<strata::Conv2D> Conv2D(int64_t filters, int64_t kernelSize, Json kwargs = Json::object()) {
    return makeLayer<strata::Conv2D>(
        "Conv2D", withArg(withArg(std::move(kwargs), "filters", filters), "kernel_size", kernelSize));
}
}  // namespace strata::layers
