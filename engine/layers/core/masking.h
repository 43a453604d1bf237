#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Masking: a position (all axes but the last) is masked when every feature equals
/// mask_value. Output = input * mask (masked positions become 0); computeMask returns that mask,
/// shaped like the input without its last axis (1 = keep, 0 = masked).
class Masking : public Layer {
public:
    explicit Masking(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }
    std::optional<Tensor> computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const override;

    float maskValue() const { return maskValue_; }

private:
    /// any(x != mask_value) over the last axis of row r.
    bool keepRow(const float* row, int64_t width) const;
    void checkInput(const Tensor& x) const;

    float maskValue_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.Masking(mask_value=0.0).
inline LayerRef<strata::Masking> Masking(double maskValue = 0.0, Json kwargs = Json::object()) {
    return makeLayer<strata::Masking>("Masking", withArg(std::move(kwargs), "mask_value", maskValue));
}
inline LayerRef<strata::Masking> Masking(Json kwargs) {
    return makeLayer<strata::Masking>("Masking", std::move(kwargs));
}
}  // namespace strata::layers
