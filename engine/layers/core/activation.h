#pragma once
#include "engine/layers/activations.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Activation: applies a named activation element-wise (softmax-like ones over the
/// last axis). No weights; passes masks through.
class Activation : public Layer {
public:
    explicit Activation(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    const ActivationFn& activation() const { return activation_; }

private:
    ActivationFn activation_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// Activation("relu") or Activation({{"class_name": ...}}), like keras.layers.Activation(activation).
inline LayerRef<strata::Activation> Activation(Json activation, Json kwargs = Json::object()) {
    return makeLayer<strata::Activation>("Activation", withArg(std::move(kwargs), "activation", std::move(activation)));
}
}  // namespace strata::layers
