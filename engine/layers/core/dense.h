#pragma once
#include "engine/layers/activations.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Dense: activation(inputs @ kernel + bias) over the last axis.
/// Weights: kernel (in, units) glorot_uniform, bias (units,) zeros.
class Dense : public Layer {
public:
    explicit Dense(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    int64_t units() const { return units_; }
    Variable* kernel() const { return kernel_; }
    Variable* bias() const { return bias_; }

protected:
    void buildImpl(const std::vector<Shape>& in) override;

private:
    int64_t units_;
    bool useBias_;
    ActivationFn activation_;
    Variable* kernel_ = nullptr;
    Variable* bias_ = nullptr;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Dense> Dense(int64_t units, Json kwargs = Json::object()) {
    return makeLayer<strata::Dense>("Dense", withArg(std::move(kwargs), "units", units));
}
}  // namespace strata::layers
