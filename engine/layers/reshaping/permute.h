#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Permute: permutes the non-batch axes by `dims` (1-based, batch excluded), e.g.
/// (2, 1) swaps the two axes of (batch, a, b). The input rank must be len(dims) + 1.
class Permute : public Layer {
public:
    explicit Permute(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    const std::vector<int>& dims() const { return dims_; }

private:
    void checkRank(int rank, const std::string& shape) const;
    std::vector<int> dims_;     // 1-based, as configured
    std::vector<int> perm_;     // full permutation incl. batch: (0, dims...)
    std::vector<int> inverse_;  // inverse of perm_
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::Permute> Permute(std::vector<int64_t> dims, Json kwargs = Json::object()) {
    return makeLayer<strata::Permute>("Permute", withArg(std::move(kwargs), "dims", dims));
}
}  // namespace strata::layers
