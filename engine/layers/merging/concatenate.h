#pragma once
#include "engine/graph/node.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Concatenate: joins the inputs along `axis` (default -1). All other dims must match
/// (None matches anything). The output's other dims are those of input 0, as in Keras.
/// Masks: each input's mask (or all-ones) is concatenated along `axis` and reduced with any() over
/// the last axis, as Keras's Concatenate.compute_mask.
class Concatenate : public Layer {
public:
    explicit Concatenate(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }
    std::optional<Tensor> computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const override;

    int64_t axis() const { return axis_; }

private:
    /// The concatenation axis for inputs of this rank (throws ShapeError if out of range).
    int resolveAxis(int rank) const;
    int64_t axis_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Concatenate> Concatenate(Json kwargs = Json::object()) {
    return makeLayer<strata::Concatenate>("Concatenate", std::move(kwargs));
}
inline LayerRef<strata::Concatenate> Concatenate(int64_t axis, Json kwargs = Json::object()) {
    return makeLayer<strata::Concatenate>("Concatenate", withArg(std::move(kwargs), "axis", axis));
}
/// keras.layers.concatenate(inputs, axis=-1, **kwargs).
inline KerasTensor concatenate(const std::vector<KerasTensor>& inputs, int64_t axis = -1, Json kwargs = Json::object()) {
    return (*Concatenate(axis, std::move(kwargs)))(inputs).at(0);
}
}  // namespace strata::layers
