#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Embedding: maps integer ids (Int32 or Float32 tensors holding whole numbers) to rows
/// of the "embeddings" weight (input_dim, output_dim). Output shape is input shape + (output_dim,).
/// With mask_zero, id 0 is padding and computeMask returns 1 where id != 0.
/// Gradients go to the embeddings only (ids are not differentiable; their gradient is zero).
class Embedding : public Layer {
public:
    explicit Embedding(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return maskZero_; }
    std::optional<Tensor> computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const override;

    int64_t inputDim() const { return inputDim_; }
    int64_t outputDim() const { return outputDim_; }
    bool maskZero() const { return maskZero_; }
    Variable* embeddings() const { return embeddings_; }

protected:
    void buildImpl(const std::vector<Shape>& in) override;

private:
    /// Checks that every id is a whole number in [0, input_dim); throws ValueError naming the bad id.
    void checkIds(const Tensor& ids) const;

    int64_t inputDim_;
    int64_t outputDim_;
    bool maskZero_;
    Variable* embeddings_ = nullptr;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.Embedding(input_dim, output_dim, ...).
inline LayerRef<strata::Embedding> Embedding(int64_t inputDim, int64_t outputDim, Json kwargs = Json::object()) {
    kwargs = withArg(std::move(kwargs), "input_dim", inputDim);
    return makeLayer<strata::Embedding>("Embedding", withArg(std::move(kwargs), "output_dim", outputDim));
}
}  // namespace strata::layers
