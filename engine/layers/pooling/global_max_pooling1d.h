#pragma once
#include "engine/layers/pooling/base_global_pooling.h"

namespace strata {

/// keras.layers.GlobalMaxPooling1D: maximum over all steps of temporal data: (batch, steps, features) -> (batch, features).
/// keepdims=True keeps the pooled dims with length 1. No weights.
/// Ignores masks and passes none on, like Keras.
class GlobalMaxPooling1D : public BaseGlobalPooling {
public:
    explicit GlobalMaxPooling1D(const Json& config);
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// `layers::GlobalMaxPooling1D()`, `layers::GlobalMaxPooling1D({{"keepdims", true}})`.
inline LayerRef<strata::GlobalMaxPooling1D> GlobalMaxPooling1D(Json kwargs = Json::object()) {
    return makeLayer<strata::GlobalMaxPooling1D>("GlobalMaxPooling1D", std::move(kwargs));
}
}  // namespace strata::layers
