#pragma once
#include "engine/layers/activations.h"
#include "engine/layers/convolutional/conv_utils.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// Keras's BaseConvTranspose (keras/src/layers/convolutional/base_conv_transpose.py): the
/// transposed convolution ("deconvolution"), i.e. the gradient of a convolution with respect to
/// its input: every input pixel scatters kernel * value into the output. Output sizes follow
/// Keras's compute_conv_transpose_output_shape (with optional output_padding).
/// Weights: kernel (*kernel_size, filters, in) glorot_uniform, bias (filters,) zeros.
class BaseConvTranspose : public Layer {
public:
    BaseConvTranspose(std::string className, int rank, const Json& config);

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    int rank() const { return settings_.rank; }
    int64_t filters() const { return filters_; }
    const conv::Settings& settings() const { return settings_; }
    /// Empty if output_padding is None.
    const std::vector<int64_t>& outputPadding() const { return outputPadding_; }
    Variable* kernel() const { return kernel_; }
    Variable* bias() const { return bias_; }

    static std::vector<ParamSpec> specParams(int rank);

protected:
    void buildImpl(const std::vector<Shape>& in) override;

private:
    /// Checks a concrete input; returns the geometry of the *forward* convolution whose input is
    /// this layer's output (channels-last) and whose output is this layer's input.
    conv::Geometry geometryFor(const Tensor& x) const;

    conv::Settings settings_;
    std::vector<int64_t> outputPadding_;
    int64_t filters_;
    bool useBias_;
    ActivationFn activation_;
    Variable* kernel_ = nullptr;
    Variable* bias_ = nullptr;
};

}  // namespace strata
