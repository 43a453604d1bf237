#pragma once
#include "engine/layers/pooling/base_global_pooling.h"

namespace strata {

/// keras.layers.GlobalAveragePooling1D: average over all (unmasked) steps of temporal data: (batch, steps, features) -> (batch, features).
/// keepdims=True keeps the pooled dims with length 1. No weights.
/// With a mask (batch, steps) it averages over the unmasked steps only (a fully masked row
/// gives 0/0 = NaN, as in Keras); the mask is consumed, none is passed on.
class GlobalAveragePooling1D : public BaseGlobalPooling {
public:
    explicit GlobalAveragePooling1D(const Json& config);
    static LayerSpec spec();
    bool supportsMasking() const override { return true; }
    std::optional<Tensor> computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const override {
        return std::nullopt;
    }
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// `layers::GlobalAveragePooling1D()`, `layers::GlobalAveragePooling1D({{"keepdims", true}})`.
inline LayerRef<strata::GlobalAveragePooling1D> GlobalAveragePooling1D(Json kwargs = Json::object()) {
    return makeLayer<strata::GlobalAveragePooling1D>("GlobalAveragePooling1D", std::move(kwargs));
}
}  // namespace strata::layers
