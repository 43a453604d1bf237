#pragma once
#include "engine/graph/node.h"
#include "engine/layers/merging/base_merge.h"

namespace strata {

/// keras.layers.Maximum: element-wise maximum (masked-out elements are ignored). Shapes, masks and broadcasting: see base_merge.h.
class Maximum : public Merge {
public:
    explicit Maximum(const Json& config) : Merge("Maximum", config, MergeOp::Maximum) {}
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Maximum> Maximum(Json kwargs = Json::object()) {
    return makeLayer<strata::Maximum>("Maximum", std::move(kwargs));
}
/// keras.layers.maximum(inputs, **kwargs): creates a Maximum layer and calls it on `inputs`.
inline KerasTensor maximum(const std::vector<KerasTensor>& inputs, Json kwargs = Json::object()) {
    return (*Maximum(std::move(kwargs)))(inputs).at(0);
}
}  // namespace strata::layers
