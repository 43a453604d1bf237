#pragma once
#include "engine/graph/node.h"
#include "engine/layers/merging/base_merge.h"

namespace strata {

/// keras.layers.Subtract: inputs[0] - inputs[1]; exactly 2 inputs. Shapes, masks and broadcasting: see base_merge.h.
class Subtract : public Merge {
public:
    explicit Subtract(const Json& config) : Merge("Subtract", config, MergeOp::Subtract) {}
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Subtract> Subtract(Json kwargs = Json::object()) {
    return makeLayer<strata::Subtract>("Subtract", std::move(kwargs));
}
/// keras.layers.subtract(inputs, **kwargs): creates a Subtract layer and calls it on `inputs`.
inline KerasTensor subtract(const std::vector<KerasTensor>& inputs, Json kwargs = Json::object()) {
    return (*Subtract(std::move(kwargs)))(inputs).at(0);
}
}  // namespace strata::layers
