#pragma once
#include "engine/layers/pooling/base_pooling.h"

namespace strata {

/// keras.layers.AveragePooling2D: average pooling over the height and width of images (batch, height, width, channels).
/// pool_size default 2 (a 2x2 window), strides None (= pool_size), padding "valid", data_format "channels_last".
class AveragePooling2D : public BasePooling {
public:
    explicit AveragePooling2D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// `layers::AveragePooling2D(2)` (a 2x2 window), `layers::AveragePooling2D({3, 2}, {{"strides", 1}})`.
inline LayerRef<strata::AveragePooling2D> AveragePooling2D(int64_t poolSize = 2, Json kwargs = Json::object()) {
    return makeLayer<strata::AveragePooling2D>("AveragePooling2D", withArg(std::move(kwargs), "pool_size", Json::array({poolSize, poolSize})));
}
inline LayerRef<strata::AveragePooling2D> AveragePooling2D(std::vector<int64_t> poolSize, Json kwargs = Json::object()) {
    return makeLayer<strata::AveragePooling2D>("AveragePooling2D", withArg(std::move(kwargs), "pool_size", Json(poolSize)));
}
}  // namespace strata::layers
