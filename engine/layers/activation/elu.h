#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.ELU: x > 0 ? x : alpha * (exp(x) - 1).
class ELU : public Layer {
public:
    explicit ELU(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    float alpha() const { return alpha_; }

private:
    float alpha_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.ELU(alpha=1.0).
inline LayerRef<strata::ELU> ELU(double alpha = 1.0, Json kwargs = Json::object()) {
    return makeLayer<strata::ELU>("ELU", withArg(std::move(kwargs), "alpha", alpha));
}
inline LayerRef<strata::ELU> ELU(Json kwargs) { return makeLayer<strata::ELU>("ELU", std::move(kwargs)); }
}  // namespace strata::layers
