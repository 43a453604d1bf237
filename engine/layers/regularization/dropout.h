#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Dropout: in training, zeroes each unit with probability `rate` and scales the kept
/// ones by 1 / (1 - rate) (inverted dropout); identity otherwise. `noise_shape` (None entries take the
/// input's dim) gives the shape of the drawn mask, broadcast over dims of size 1.
/// The mask drawn in forward (from ctx.random()) is kept in the call's cache for backward.
class Dropout : public Layer {
public:
    explicit Dropout(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    float rate() const { return rate_; }

protected:
    /// For subclasses (SpatialDropout2D): same behaviour with their own class name and mask shape.
    Dropout(std::string className, const Json& config);
    /// The mask shape for a concrete input shape (each dim 1 or the input's dim). Throws ShapeError
    /// without the layer name (the caller adds it).
    virtual std::vector<int64_t> maskShape(const std::vector<int64_t>& inputShape) const;
    /// Shape checks shared by computeOutputShape and forward (ShapeError, message without layer name).
    virtual void checkInputShape(const Shape& s) const;

private:
    float rate_;
    bool hasNoiseShape_ = false;
    std::vector<int64_t> noiseShape_;  // kNone for None entries
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.Dropout(rate, noise_shape=None, seed=None).
inline LayerRef<strata::Dropout> Dropout(double rate, Json kwargs = Json::object()) {
    return makeLayer<strata::Dropout>("Dropout", withArg(std::move(kwargs), "rate", rate));
}
}  // namespace strata::layers
