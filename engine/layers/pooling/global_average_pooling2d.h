#pragma once
#include "engine/layers/pooling/base_global_pooling.h"

namespace strata {

/// keras.layers.GlobalAveragePooling2D: average over height and width: (batch, height, width, channels) -> (batch, channels).
/// keepdims=True keeps the pooled dims with length 1. No weights.
/// Ignores masks and passes none on, like Keras.
class GlobalAveragePooling2D : public BaseGlobalPooling {
public:
    explicit GlobalAveragePooling2D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// `layers::GlobalAveragePooling2D()`, `layers::GlobalAveragePooling2D({{"keepdims", true}})`.
inline LayerRef<strata::GlobalAveragePooling2D> GlobalAveragePooling2D(Json kwargs = Json::object()) {
    return makeLayer<strata::GlobalAveragePooling2D>("GlobalAveragePooling2D", std::move(kwargs));
}
}  // namespace strata::layers
