#pragma once
#include "engine/graph/node.h"
#include "engine/layers/merging/base_merge.h"

namespace strata {

/// keras.layers.Multiply: element-wise product (masked-out elements count as 1). Shapes, masks and broadcasting: see base_merge.h.
class Multiply : public Merge {
public:
    explicit Multiply(const Json& config) : Merge("Multiply", config, MergeOp::Multiply) {}
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Multiply> Multiply(Json kwargs = Json::object()) {
    return makeLayer<strata::Multiply>("Multiply", std::move(kwargs));
}
/// keras.layers.multiply(inputs, **kwargs): creates a Multiply layer and calls it on `inputs`.
inline KerasTensor multiply(const std::vector<KerasTensor>& inputs, Json kwargs = Json::object()) {
    return (*Multiply(std::move(kwargs)))(inputs).at(0);
}
}  // namespace strata::layers
