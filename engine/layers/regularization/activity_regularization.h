#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.ActivityRegularization: identity that adds
///   (l1 * sum|x| + l2 * sum x^2) / batch_size
/// to the training loss (Keras's activity_regularizer, normalized by the batch size as Keras's
/// Layer.__call__ does). The loss goes to ctx.losses when set; backward then adds its gradient.
class ActivityRegularization : public Layer {
public:
    explicit ActivityRegularization(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    float l1() const { return l1_; }
    float l2() const { return l2_; }
    /// The penalty this layer adds for input x (already divided by the batch size).
    float penalty(const Tensor& x) const;

private:
    float l1_, l2_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.ActivityRegularization(l1=0.0, l2=0.0).
inline LayerRef<strata::ActivityRegularization> ActivityRegularization(double l1, double l2 = 0.0,
                                                                                Json kwargs = Json::object()) {
    kwargs = withArg(std::move(kwargs), "l1", l1);
    return makeLayer<strata::ActivityRegularization>("ActivityRegularization", withArg(std::move(kwargs), "l2", l2));
}
inline LayerRef<strata::ActivityRegularization> ActivityRegularization(Json kwargs = Json::object()) {
    return makeLayer<strata::ActivityRegularization>("ActivityRegularization", std::move(kwargs));
}
}  // namespace strata::layers
