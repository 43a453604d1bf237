#pragma once
#include "engine/layers/pooling/base_pooling.h"

namespace strata {

/// keras.layers.AveragePooling1D: average pooling over the steps of temporal data (batch, steps, features).
/// pool_size default 2, strides None (= pool_size), padding "valid", data_format "channels_last".
class AveragePooling1D : public BasePooling {
public:
    explicit AveragePooling1D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// `layers::AveragePooling1D(2)`, `layers::AveragePooling1D(3, {{"strides", 1}, {"padding", "same"}})`.
inline LayerRef<strata::AveragePooling1D> AveragePooling1D(int64_t poolSize = 2, Json kwargs = Json::object()) {
    return makeLayer<strata::AveragePooling1D>("AveragePooling1D", withArg(std::move(kwargs), "pool_size", Json::array({poolSize})));
}
}  // namespace strata::layers
