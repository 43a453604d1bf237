#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.BatchNormalization (keras/src/layers/normalization/batch_normalization.py).
///
/// Weights, in Keras order, each of shape (C,) with C = input_shape[axis]: gamma (ones, if scale),
/// beta (zeros, if center) - trainable - then moving_mean (zeros), moving_variance (ones) -
/// non-trainable.
/// Inference: y = (x - moving_mean) * gamma / sqrt(moving_variance + epsilon) + beta.
/// Training (and trainable): batch mean and biased variance over every axis but `axis`; the moving
/// statistics become moving * momentum + batch * (1 - momentum). A non-trainable layer always runs
/// in inference mode, as in Keras. A mask of shape input_shape[:-1] restricts the batch statistics
/// to the unmasked positions (Keras's masked moments); the mask is passed on.
/// Keras 2 configs: `axis` may be a one-element list; renorm, renorm_clipping, renorm_momentum,
/// fused, virtual_batch_size and adjustment are accepted (non-strict loading) and dropped.
class BatchNormalization : public Layer {
public:
    explicit BatchNormalization(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    int64_t axis() const { return axis_; }
    float momentum() const { return momentum_; }
    float epsilon() const { return epsilon_; }
    Variable* gamma() const { return gamma_; }
    Variable* beta() const { return beta_; }
    Variable* movingMean() const { return movingMean_; }
    Variable* movingVariance() const { return movingVariance_; }

protected:
    void buildImpl(const std::vector<Shape>& in) override;

private:
    int resolvedAxis(int rank) const;  ///< -1 if out of range
    std::string who() const;

    int64_t axis_;
    float momentum_;
    float epsilon_;
    bool center_;
    bool scale_;
    Variable* gamma_ = nullptr;
    Variable* beta_ = nullptr;
    Variable* movingMean_ = nullptr;
    Variable* movingVariance_ = nullptr;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// `layers::BatchNormalization()`, `layers::BatchNormalization({{"momentum", 0.9}})`.
inline LayerRef<strata::BatchNormalization> BatchNormalization(Json kwargs = Json::object()) {
    return makeLayer<strata::BatchNormalization>("BatchNormalization", std::move(kwargs));
}
/// `layers::BatchNormalization(1)` normalizes axis 1 (channels_first feature maps).
inline LayerRef<strata::BatchNormalization> BatchNormalization(int64_t axis, Json kwargs = Json::object()) {
    return makeLayer<strata::BatchNormalization>("BatchNormalization", withArg(std::move(kwargs), "axis", axis));
}
}  // namespace strata::layers
