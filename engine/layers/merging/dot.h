#pragma once
#include "engine/graph/node.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Dot: batch-wise dot product of two inputs along `axes` (Keras's batch_dot).
/// `axes` is an int (same axis in both inputs) or a pair [axis_of_x, axis_of_y]; negative axes count
/// from the end of each input; axis 0 (batch) is not allowed.
/// Output: x's shape without its axis, then y's shape without batch and its axis; a result of rank 1
/// becomes (batch, 1). normalize=True L2-normalizes both inputs along their axis first
/// (x * min(rsqrt(sum x^2), 1/1e-7), as keras.ops.normalize), giving the cosine similarity.
/// No mask is passed on.
class Dot : public Layer {
public:
    explicit Dot(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }
    std::optional<Tensor> computeMask(const ConstTensorPtrs&, const ConstTensorPtrs&) const override {
        return std::nullopt;
    }

    bool normalize() const { return normalize_; }
    /// The two axes for inputs of these ranks (negatives resolved); throws ShapeError if invalid.
    std::pair<int, int> resolveAxes(int rank1, int rank2) const;

private:
    std::vector<int64_t> axes_;  // one or two entries, as configured
    bool normalize_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// Dot(axes, normalize=false): axes is an int or a pair {axis_of_x, axis_of_y}.
inline LayerRef<strata::Dot> Dot(Json axes, bool normalize = false, Json kwargs = Json::object()) {
    kwargs = withArg(std::move(kwargs), "axes", std::move(axes));
    if (!kwargs.contains("normalize")) kwargs["normalize"] = normalize;
    return makeLayer<strata::Dot>("Dot", std::move(kwargs));
}
/// keras.layers.dot(inputs, axes=-1, **kwargs) (kwargs may hold "normalize").
inline KerasTensor dot(const std::vector<KerasTensor>& inputs, Json axes = -1, Json kwargs = Json::object()) {
    bool normalize = kwargs.is_object() && kwargs.contains("normalize") && kwargs["normalize"].is_boolean()
                         ? kwargs["normalize"].get<bool>()
                         : false;
    return (*Dot(std::move(axes), normalize, std::move(kwargs)))(inputs).at(0);
}
}  // namespace strata::layers
