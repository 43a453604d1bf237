#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Softmax: exp(x - max) / sum(exp(x - max)) along `axis` (an int, a list of ints for a
/// joint softmax over several axes, computed as exp(x - logsumexp(x)) like Keras, or None for all axes).
class Softmax : public Layer {
public:
    explicit Softmax(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    /// The axes as configured (before resolving negatives); empty means all axes.
    const std::vector<int64_t>& axes() const { return axes_; }

private:
    /// Sorted, non-negative axes for a tensor of rank r; throws ShapeError (message without layer name).
    std::vector<int> resolveAxes(int rank) const;
    /// Sets outer_/len_/inner_ if the axes are one contiguous block; else fills group_ per element.
    void prepare(const std::vector<int64_t>& shape);

    std::vector<int64_t> axes_;
    bool allAxes_ = false;
    bool multi_ = false;  // several axes: exp(x - logsumexp) like Keras

    // Layout of the current call (recomputed when the shape changes).
    std::vector<int64_t> preparedShape_;
    bool contiguous_ = true;
    int64_t outer_ = 0, len_ = 0, inner_ = 0;
    std::vector<int64_t> group_;  // group of each element (non-contiguous axes only)
    int64_t groups_ = 0;
    std::vector<float> scratchA_, scratchB_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.Softmax(axis=-1).
inline LayerRef<strata::Softmax> Softmax(int64_t axis = -1, Json kwargs = Json::object()) {
    return makeLayer<strata::Softmax>("Softmax", withArg(std::move(kwargs), "axis", axis));
}
inline LayerRef<strata::Softmax> Softmax(Json kwargs) {
    return makeLayer<strata::Softmax>("Softmax", std::move(kwargs));
}
}  // namespace strata::layers
