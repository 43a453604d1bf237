#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.UpSampling1D: repeats each step `size` times along axis 1:
/// (batch, steps, features) -> (batch, steps * size, features).
class UpSampling1D : public Layer {
public:
    explicit UpSampling1D(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    int64_t size() const { return size_; }

private:
    int64_t size_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::UpSampling1D> UpSampling1D(int64_t size = 2, Json kwargs = Json::object()) {
    return makeLayer<strata::UpSampling1D>("UpSampling1D", withArg(std::move(kwargs), "size", size));
}
}  // namespace strata::layers
