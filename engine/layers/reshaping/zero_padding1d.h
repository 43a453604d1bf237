#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.ZeroPadding1D: adds zeros at the start and end of axis 1 of (batch, steps, features).
/// padding: int n -> (n, n), or (left, right).
class ZeroPadding1D : public Layer {
public:
    explicit ZeroPadding1D(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    int64_t left() const { return left_; }
    int64_t right() const { return right_; }

private:
    int64_t left_, right_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// ZeroPadding1D(1) or ZeroPadding1D({left, right}).
inline LayerRef<strata::ZeroPadding1D> ZeroPadding1D(Json padding = 1, Json kwargs = Json::object()) {
    return makeLayer<strata::ZeroPadding1D>("ZeroPadding1D", withArg(std::move(kwargs), "padding", std::move(padding)));
}
}  // namespace strata::layers
