#pragma once
#include "engine/graph/node.h"
#include "engine/layers/merging/base_merge.h"

namespace strata {

/// keras.layers.Average: element-wise mean. Shapes, masks and broadcasting: see base_merge.h.
class Average : public Merge {
public:
    explicit Average(const Json& config) : Merge("Average", config, MergeOp::Average) {}
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Average> Average(Json kwargs = Json::object()) {
    return makeLayer<strata::Average>("Average", std::move(kwargs));
}
/// keras.layers.average(inputs, **kwargs): creates a Average layer and calls it on `inputs`.
inline KerasTensor average(const std::vector<KerasTensor>& inputs, Json kwargs = Json::object()) {
    return (*Average(std::move(kwargs)))(inputs).at(0);
}
}  // namespace strata::layers
