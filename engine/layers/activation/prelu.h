#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.PReLU: x for x >= 0, alpha * x otherwise, with a learned "alpha" of shape
/// input_shape[1:] (axes listed in shared_axes set to 1, alpha broadcast along them).
class PReLU : public Layer {
public:
    explicit PReLU(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }

    Variable* alpha() const { return alpha_; }
    const std::vector<int64_t>& sharedAxes() const { return sharedAxes_; }

protected:
    void buildImpl(const std::vector<Shape>& in) override;

private:
    bool isShared(int axis) const;
    /// Checks x against alpha's shape and fills alphaIndex_ (alpha offset of each element of a sample).
    void prepareIndex(const Tensor& x);

    std::vector<int64_t> sharedAxes_;
    Variable* alpha_ = nullptr;
    std::vector<int64_t> indexShape_;  // sample shape alphaIndex_ was computed for
    std::vector<int64_t> alphaIndex_;  // empty when alpha is not broadcast (offset == element index)
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.PReLU(alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None).
inline LayerRef<strata::PReLU> PReLU(Json kwargs = Json::object()) {
    return makeLayer<strata::PReLU>("PReLU", std::move(kwargs));
}
}  // namespace strata::layers
