#pragma once
#include "engine/graph/node.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.InputLayer: the source of a graph. Its single node has no inputs and one output of
/// shape `batch_shape` (`(batch_size,) + shape`).
class InputLayer : public Layer {
public:
    explicit InputLayer(const Json& config);
    static LayerSpec spec();

    const Shape& batchShape() const { return batchShape_; }
    DType dtype() const { return dtype_; }
    bool sparse() const { return false; }
    Json getConfig() const override;

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override { return {batchShape_}; }
    std::vector<DType> computeOutputDType(const std::vector<DType>&) const override { return {dtype_}; }
    int minInputs() const override { return 0; }
    int maxInputs() const override { return 0; }
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    void backward(const ConstTensorPtrs&, const Tensors&, const ConstTensorPtrs&, Tensors& inputGrads,
                  CallContext&) override { inputGrads.clear(); }

    /// The tensor this layer produces (creates the node on first use).
    KerasTensor tensor();

private:
    Shape batchShape_;
    DType dtype_ = DType::Float32;
};

/// keras.Input(shape, name, dtype, batch_size): `shape` excludes the batch dim; kNone for variable dims.
KerasTensor Input(std::vector<int64_t> shape, const std::string& name = "", const std::string& dtype = "float32",
                  int64_t batchSize = kNone);

}  // namespace strata
