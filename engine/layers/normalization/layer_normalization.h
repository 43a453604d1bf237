#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.LayerNormalization (keras/src/layers/normalization/layer_normalization.py).
///
/// Normalizes each sample over `axis` (an int or a list of axes): mean and biased variance over
/// those axes, y = (x - mean) / sqrt(var + epsilon) * gamma + beta. gamma (ones, if scale or
/// rms_scaling) and beta (zeros, if center and not rms_scaling) have the shape of the input over
/// `axis`, in the order `axis` lists them. rms_scaling (deprecated in Keras) computes
/// y = x / sqrt(var + epsilon) * gamma. Same in training and inference; masks pass through.
/// Like Keras, a built layer reports `axis` as a list (an unbuilt one with a single axis, as an int).
class LayerNormalization : public Layer {
public:
    explicit LayerNormalization(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    /// The axes as given (possibly negative), in the given order.
    const std::vector<int64_t>& axes() const { return axes_; }
    float epsilon() const { return epsilon_; }
    Variable* gamma() const { return gamma_; }
    Variable* beta() const { return beta_; }

protected:
    void buildImpl(const std::vector<Shape>& in) override;

private:
    /// Sorted, non-negative axes for this rank; throws ShapeError (prefix-free) if out of range or repeated.
    std::vector<int> sortedAxes(int rank) const;
    std::string who() const;

    std::vector<int64_t> axes_;
    float epsilon_;
    bool center_;
    bool scale_;
    bool rms_;
    Variable* gamma_ = nullptr;
    Variable* beta_ = nullptr;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// `layers::LayerNormalization()`, `layers::LayerNormalization({{"axis", {1, 2}}, {"epsilon", 1e-6}})`.
inline LayerRef<strata::LayerNormalization> LayerNormalization(Json kwargs = Json::object()) {
    return makeLayer<strata::LayerNormalization>("LayerNormalization", std::move(kwargs));
}
/// `layers::LayerNormalization(1)` normalizes over axis 1 only.
inline LayerRef<strata::LayerNormalization> LayerNormalization(int64_t axis, Json kwargs = Json::object()) {
    return makeLayer<strata::LayerNormalization>("LayerNormalization", withArg(std::move(kwargs), "axis", axis));
}
}  // namespace strata::layers
