#pragma once
#include "engine/layers/activations.h"
#include "engine/layers/convolutional/conv_utils.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// Keras's BaseConv (keras/src/layers/convolutional/base_conv.py): activation(conv(x, kernel) + bias)
/// for 1-D and 2-D convolutions with strides, "valid"/"same"/"causal" padding, dilation, groups and
/// both data formats. Weights: kernel (*kernel_size, in/groups, filters) glorot_uniform, bias
/// (filters,) zeros. Computed as im2col + one GEMM per batch chunk on channels-last buffers.
class BaseConv : public Layer {
public:
    BaseConv(std::string className, int rank, const Json& config);

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    int rank() const { return settings_.rank; }
    int64_t filters() const { return filters_; }
    int64_t groups() const { return groups_; }
    const conv::Settings& settings() const { return settings_; }
    Variable* kernel() const { return kernel_; }
    Variable* bias() const { return bias_; }

    /// The LayerSpec parameters of Conv1D/Conv2D (Keras's get_config keys, in constructor order).
    static std::vector<ParamSpec> specParams(int rank);

protected:
    void buildImpl(const std::vector<Shape>& in) override;

private:
    /// Checks a concrete input and returns its geometry (channels-last view).
    conv::Geometry geometryFor(const Tensor& x) const;
    /// backward() for channels-last data, with the activation and bias gradient fused per chunk.
    /// `dx` is null when nobody reads the input gradient.
    void backwardChannelsLast(const Tensor& x, const Tensor& y, const Tensor& gy, Tensor* dx, const conv::Geometry& g,
                              LayerCache& cache, bool train);

    conv::Settings settings_;
    int64_t filters_;
    int64_t groups_;
    bool useBias_;
    ActivationFn activation_;
    Variable* kernel_ = nullptr;
    Variable* bias_ = nullptr;
};

}  // namespace strata
