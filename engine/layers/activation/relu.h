#pragma once
#include <optional>

#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.ReLU with Keras's relu formula:
///   x >= max_value -> max_value;  threshold < x < max_value -> x;  otherwise negative_slope * (x - threshold).
class ReLU : public Layer {
public:
    explicit ReLU(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    /// The scalar function and its derivative (exposed for tests and fused use).
    float value(float x) const;
    float derivative(float x) const;

private:
    std::optional<float> maxValue_;
    float negativeSlope_;
    float threshold_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.ReLU(max_value=None, negative_slope=0.0, threshold=0.0) as keyword arguments.
inline LayerRef<strata::ReLU> ReLU(Json kwargs = Json::object()) {
    return makeLayer<strata::ReLU>("ReLU", std::move(kwargs));
}
}  // namespace strata::layers
