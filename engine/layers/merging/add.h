#pragma once
#include "engine/graph/node.h"
#include "engine/layers/merging/base_merge.h"

namespace strata {

/// keras.layers.Add: sum of the inputs. Shapes, masks and broadcasting: see base_merge.h.
class Add : public Merge {
public:
    explicit Add(const Json& config) : Merge("Add", config, MergeOp::Add) {}
    static LayerSpec spec();
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Add> Add(Json kwargs = Json::object()) {
    return makeLayer<strata::Add>("Add", std::move(kwargs));
}
/// keras.layers.add(inputs, **kwargs): creates a Add layer and calls it on `inputs`.
inline KerasTensor add(const std::vector<KerasTensor>& inputs, Json kwargs = Json::object()) {
    return (*Add(std::move(kwargs)))(inputs).at(0);
}
}  // namespace strata::layers
