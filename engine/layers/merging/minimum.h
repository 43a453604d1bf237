#pragma once
#include "engine/graph/node.h"
#include "engine/layers/merging/base_merge.h"

namespace strata {

/// keras.layers.Minimum: element-wise minimum (masked-out elements are ignored). Shapes, masks and broadcasting: see base_merge.h.
class Minimum : public Merge {
public:
    explicit Minimum(const Json& config) : Merge("Minimum", config, MergeOp::Minimum) {}
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Minimum> Minimum(Json kwargs = Json::object()) {
    return makeLayer<strata::Minimum>("Minimum", std::move(kwargs));
}
/// keras.layers.minimum(inputs, **kwargs): creates a Minimum layer and calls it on `inputs`.
inline KerasTensor minimum(const std::vector<KerasTensor>& inputs, Json kwargs = Json::object()) {
    return (*Minimum(std::move(kwargs)))(inputs).at(0);
}
}  // namespace strata::layers
