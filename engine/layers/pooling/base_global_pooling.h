#pragma once
/// Shared implementation of the global pooling layers
/// (keras/src/layers/pooling/base_global_pooling.py): GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D.
///
/// Reduces all spatial dims: (B, ..., C) -> (B, C), or (B, 1, ..., 1, C) with keepdims
/// (channels_first: (B, C, ...) -> (B, C) / (B, C, 1, ..., 1)). No weights; no mask is passed on.
/// GlobalAveragePooling1D averages over the unmasked steps when a mask comes in (Keras); the other
/// three ignore masks as Keras does.
#include <string>
#include <vector>

#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"
#include "engine/layers/pooling/base_pooling.h"

namespace strata {

class BaseGlobalPooling : public Layer {
public:
    BaseGlobalPooling(std::string className, const Json& config, int dims, PoolMode mode);

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    int spatialDims() const { return dims_; }
    PoolMode mode() const { return mode_; }
    bool keepdims() const { return keepdims_; }
    bool channelsFirst() const { return channelsFirst_; }

    static LayerSpec makeSpec(const std::string& className, int dims, PoolMode mode, const std::string& doc);

protected:
    /// True for GlobalAveragePooling1D: forward reads ctx.mask(0) of shape (batch, steps).
    bool usesMask_ = false;

private:
    std::vector<int64_t> outputShape(const std::vector<int64_t>& in) const;
    void checkInput(const Tensor& x) const;

    int dims_;
    PoolMode mode_;
    bool keepdims_ = false;
    bool channelsFirst_ = false;
};

}  // namespace strata
