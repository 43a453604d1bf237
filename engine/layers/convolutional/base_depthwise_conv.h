#pragma once
#include "engine/layers/activations.h"
#include "engine/layers/convolutional/conv_utils.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// Keras's BaseDepthwiseConv (keras/src/layers/convolutional/base_depthwise_conv.py): each input
/// channel is convolved with its own depth_multiplier filters; output channel c*dm + m.
/// Weights (Keras 3 names): kernel (*kernel_size, in, depth_multiplier) glorot_uniform (Keras 2 called
/// it depthwise_kernel), bias (in*depth_multiplier,) zeros.
class BaseDepthwiseConv : public Layer {
public:
    BaseDepthwiseConv(std::string className, int rank, const Json& config);

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    int rank() const { return settings_.rank; }
    int64_t depthMultiplier() const { return depthMultiplier_; }
    const conv::Settings& settings() const { return settings_; }
    Variable* kernel() const { return kernel_; }
    Variable* bias() const { return bias_; }

    static std::vector<ParamSpec> specParams(int rank);

protected:
    void buildImpl(const std::vector<Shape>& in) override;

private:
    conv::Geometry geometryFor(const Tensor& x) const;

    conv::Settings settings_;
    int64_t depthMultiplier_;
    bool useBias_;
    ActivationFn activation_;
    Variable* kernel_ = nullptr;
    Variable* bias_ = nullptr;
};

}  // namespace strata
