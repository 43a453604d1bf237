#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.ThresholdedReLU (Keras 2): x > theta ? x : 0.
class ThresholdedReLU : public Layer {
public:
    explicit ThresholdedReLU(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    float theta() const { return theta_; }

private:
    float theta_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.ThresholdedReLU(theta=1.0).
inline LayerRef<strata::ThresholdedReLU> ThresholdedReLU(double theta = 1.0, Json kwargs = Json::object()) {
    return makeLayer<strata::ThresholdedReLU>("ThresholdedReLU", withArg(std::move(kwargs), "theta", theta));
}
inline LayerRef<strata::ThresholdedReLU> ThresholdedReLU(Json kwargs) {
    return makeLayer<strata::ThresholdedReLU>("ThresholdedReLU", std::move(kwargs));
}
}  // namespace strata::layers
