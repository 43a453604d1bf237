#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Flatten: (batch, d1, ..., dn) -> (batch, d1 * ... * dn); (batch,) -> (batch, 1).
/// With data_format="channels_first" the channels axis is first moved last (as Keras does), so the
/// flattened order is the channels-last one.
class Flatten : public Layer {
public:
    explicit Flatten(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    bool channelsFirst() const { return channelsFirst_; }

private:
    bool channelsFirst_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Flatten> Flatten(Json kwargs = Json::object()) {
    return makeLayer<strata::Flatten>("Flatten", std::move(kwargs));
}
}  // namespace strata::layers
