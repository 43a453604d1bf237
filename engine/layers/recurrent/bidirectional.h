#pragma once
#include "engine/layers/recurrent/rnn.h"

namespace strata {

/// keras.layers.Bidirectional: runs a forward copy and a backward copy (go_backwards flipped) of a
/// recurrent layer on the same input and merges their outputs (concat, sum, mul, ave, or None = both).
/// Both copies are created from the nested config, named "forward_<name>" / "backward_<name>" and
/// tracked in that order, so weights are the forward layer's then the backward layer's, as in Keras.
/// With return_sequences the backward output is flipped back in time before merging, and both copies
/// output zeros at masked steps (Keras forces zero_output_for_mask = return_sequences).
/// Outputs: merged output (two with merge_mode None), then the forward states, then the backward states.
/// Optional initial states: the first half for the forward layer, the second half for the backward one.
class Bidirectional : public Layer {
public:
    explicit Bidirectional(const Json& config);
    static LayerSpec spec();

    Json getConfig() const override;
    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    int minInputs() const override { return 1; }
    int maxInputs() const override { return 1 + fwd_->numStates() + bwd_->numStates(); }
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }
    std::optional<Tensor> computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const override;

    RecurrentBase* forwardLayer() const { return fwd_.get(); }
    RecurrentBase* backwardLayer() const { return bwd_.get(); }
    /// "concat", "sum", "mul", "ave" or "" (None).
    const std::string& mergeMode() const { return mergeMode_; }
    bool returnSequences() const { return fwd_->returnSequences(); }
    bool returnState() const { return fwd_->returnState(); }
    /// See RecurrentBase::setKeras2HardSigmoid.
    void setKeras2HardSigmoid(bool on);

protected:
    void buildImpl(const std::vector<Shape>& in) override;

private:
    void splitInputs(const ConstTensorPtrs& inputs, ConstTensorPtrs& f, ConstTensorPtrs& b) const;
    std::shared_ptr<RecurrentBase> fwd_, bwd_;
    std::string mergeMode_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
#include "engine/layers/recurrent/wrapper.h"
namespace strata::layers {
/// Bidirectional(layer, {"merge_mode": "sum"}); the wrapper builds its own copies from layer's config.
inline LayerRef<strata::Bidirectional> Bidirectional(const std::shared_ptr<Layer>& layer,
                                                            Json kwargs = Json::object()) {
    return makeLayer<strata::Bidirectional>("Bidirectional",
                                            withArg(std::move(kwargs), "layer", serializeNestedLayer(*layer)));
}
/// With an explicit backward layer (must have the opposite go_backwards).
inline LayerRef<strata::Bidirectional> Bidirectional(const std::shared_ptr<Layer>& layer,
                                                            const std::shared_ptr<Layer>& backwardLayer,
                                                            Json kwargs = Json::object()) {
    kwargs = withArg(std::move(kwargs), "backward_layer", serializeNestedLayer(*backwardLayer));
    return Bidirectional(layer, std::move(kwargs));
}
}  // namespace strata::layers
