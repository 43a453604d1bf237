#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.GaussianNoise: adds N(0, stddev^2) noise in training (from ctx.random()); identity
/// otherwise. The gradient is the identity either way.
class GaussianNoise : public Layer {
public:
    explicit GaussianNoise(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    float stddev() const { return stddev_; }

private:
    float stddev_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.GaussianNoise(stddev, seed=None).
inline LayerRef<strata::GaussianNoise> GaussianNoise(double stddev, Json kwargs = Json::object()) {
    return makeLayer<strata::GaussianNoise>("GaussianNoise", withArg(std::move(kwargs), "stddev", stddev));
}
}  // namespace strata::layers
