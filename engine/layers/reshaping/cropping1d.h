#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Cropping1D: removes `cropping` steps at the start and end of axis 1 of
/// (batch, steps, features). cropping: int n -> (n, n), or (start, end).
class Cropping1D : public Layer {
public:
    explicit Cropping1D(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    int64_t start() const { return start_; }
    int64_t end() const { return end_; }

private:
    void checkLength(int64_t steps, const std::string& shape) const;
    int64_t start_, end_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// Cropping1D(1) or Cropping1D({start, end}).
inline LayerRef<strata::Cropping1D> Cropping1D(Json cropping = Json::array({1, 1}), Json kwargs = Json::object()) {
    return makeLayer<strata::Cropping1D>("Cropping1D", withArg(std::move(kwargs), "cropping", std::move(cropping)));
}
}  // namespace strata::layers
