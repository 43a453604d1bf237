#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.RepeatVector: (batch, features) -> (batch, n, features).
class RepeatVector : public Layer {
public:
    explicit RepeatVector(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    int64_t n() const { return n_; }

private:
    int64_t n_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::RepeatVector> RepeatVector(int64_t n, Json kwargs = Json::object()) {
    return makeLayer<strata::RepeatVector>("RepeatVector", withArg(std::move(kwargs), "n", n));
}
}  // namespace strata::layers
