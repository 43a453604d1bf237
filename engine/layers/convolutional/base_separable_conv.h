#pragma once
#include "engine/layers/activations.h"
#include "engine/layers/convolutional/conv_utils.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// Keras's BaseSeparableConv (keras/src/layers/convolutional/base_separable_conv.py): a depthwise
/// convolution (strides, padding, dilation) followed by a pointwise 1x1 convolution, then bias and
/// activation. Weights: depthwise_kernel (*kernel_size, in, depth_multiplier), pointwise_kernel
/// (1.., in*depth_multiplier, filters), bias (filters,).
class BaseSeparableConv : public Layer {
public:
    BaseSeparableConv(std::string className, int rank, const Json& config);

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    int rank() const { return settings_.rank; }
    int64_t filters() const { return filters_; }
    int64_t depthMultiplier() const { return depthMultiplier_; }
    const conv::Settings& settings() const { return settings_; }
    Variable* depthwiseKernel() const { return depthwise_; }
    Variable* pointwiseKernel() const { return pointwise_; }
    Variable* bias() const { return bias_; }

    static std::vector<ParamSpec> specParams(int rank);

protected:
    void buildImpl(const std::vector<Shape>& in) override;

private:
    conv::Geometry geometryFor(const Tensor& x) const;
    static conv::Geometry pointwiseGeometry(const conv::Geometry& depthwise, int64_t filters);

    conv::Settings settings_;
    int64_t filters_;
    int64_t depthMultiplier_;
    bool useBias_;
    ActivationFn activation_;
    Variable* depthwise_ = nullptr;
    Variable* pointwise_ = nullptr;
    Variable* bias_ = nullptr;
};

}  // namespace strata
