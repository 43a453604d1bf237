#pragma once
#include "engine/layers/pooling/base_pooling.h"

namespace strata {

/// keras.layers.MaxPooling1D: max pooling over the steps of temporal data (batch, steps, features).
/// pool_size default 2, strides None (= pool_size), padding "valid", data_format "channels_last".
class MaxPooling1D : public BasePooling {
public:
    explicit MaxPooling1D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// `layers::MaxPooling1D(2)`, `layers::MaxPooling1D(3, {{"strides", 1}, {"padding", "same"}})`.
inline LayerRef<strata::MaxPooling1D> MaxPooling1D(int64_t poolSize = 2, Json kwargs = Json::object()) {
    return makeLayer<strata::MaxPooling1D>("MaxPooling1D", withArg(std::move(kwargs), "pool_size", Json::array({poolSize})));
}
}  // namespace strata::layers
