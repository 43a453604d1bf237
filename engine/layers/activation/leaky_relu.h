#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.LeakyReLU: x >= 0 ? x : negative_slope * x. Keras 3 default slope 0.3; Keras 2 files
/// call it "alpha" (mapped to negative_slope on load; getConfig writes the Keras 3 key).
class LeakyReLU : public Layer {
public:
    explicit LeakyReLU(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    float negativeSlope() const { return negativeSlope_; }

private:
    float negativeSlope_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.LeakyReLU(negative_slope=0.3).
inline LayerRef<strata::LeakyReLU> LeakyReLU(double negativeSlope = 0.3, Json kwargs = Json::object()) {
    return makeLayer<strata::LeakyReLU>("LeakyReLU", withArg(std::move(kwargs), "negative_slope", negativeSlope));
}
inline LayerRef<strata::LeakyReLU> LeakyReLU(Json kwargs) {
    return makeLayer<strata::LeakyReLU>("LeakyReLU", std::move(kwargs));
}
}  // namespace strata::layers
