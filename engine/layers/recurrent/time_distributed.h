#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.TimeDistributed: applies the inner layer to every time step of (batch, time, ...) by
/// folding time into the batch, so (batch, time, ...) -> inner on (batch*time, ...) -> (batch, time, ...).
/// The inner layer is created from the nested config (keeping its name) and tracked, so its weights are
/// the wrapper's. The input mask passes through; the inner layer gets no mask.
class TimeDistributed : public Layer {
public:
    explicit TimeDistributed(const Json& config);
    static LayerSpec spec();

    Json getConfig() const override;
    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& inputDTypes) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return inner_->supportsBackward(); }
    bool supportsMasking() const override { return true; }

    Layer* layer() const { return inner_.get(); }

protected:
    void buildImpl(const std::vector<Shape>& in) override;

private:
    std::shared_ptr<Layer> inner_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
#include "engine/layers/recurrent/wrapper.h"
namespace strata::layers {
/// TimeDistributed(Dense(8)): the wrapper builds its own inner layer from layer's config (same name).
inline LayerRef<strata::TimeDistributed> TimeDistributed(const std::shared_ptr<Layer>& layer,
                                                                Json kwargs = Json::object()) {
    return makeLayer<strata::TimeDistributed>("TimeDistributed",
                                              withArg(std::move(kwargs), "layer", serializeNestedLayer(*layer)));
}
}  // namespace strata::layers
