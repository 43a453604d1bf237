#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Reshape: (batch, ...) -> (batch, *target_shape). One entry of target_shape may be -1
/// (inferred from the element count). A target that does not keep the element count is a ShapeError.
class Reshape : public Layer {
public:
    explicit Reshape(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    const std::vector<int64_t>& targetShape() const { return target_; }

private:
    /// The target with -1 resolved for `perSample` elements (kNone: unknown, -1 becomes kNone).
    std::vector<int64_t> resolve(int64_t perSample, const std::string& inputShape) const;
    std::vector<int64_t> target_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Reshape> Reshape(std::vector<int64_t> targetShape, Json kwargs = Json::object()) {
    return makeLayer<strata::Reshape>("Reshape", withArg(std::move(kwargs), "target_shape", targetShape));
}
}  // namespace strata::layers
