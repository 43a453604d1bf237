#pragma once
#include "engine/layers/pooling/base_global_pooling.h"

namespace strata {

/// keras.layers.GlobalMaxPooling2D: maximum over height and width: (batch, height, width, channels) -> (batch, channels).
/// keepdims=True keeps the pooled dims with length 1. No weights.
/// Ignores masks and passes none on, like Keras.
class GlobalMaxPooling2D : public BaseGlobalPooling {
public:
    explicit GlobalMaxPooling2D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// `layers::GlobalMaxPooling2D()`, `layers::GlobalMaxPooling2D({{"keepdims", true}})`.
inline LayerRef<strata::GlobalMaxPooling2D> GlobalMaxPooling2D(Json kwargs = Json::object()) {
    return makeLayer<strata::GlobalMaxPooling2D>("GlobalMaxPooling2D", std::move(kwargs));
}
}  // namespace strata::layers
