#pragma once
/// Shared implementation of the element-wise merge layers (keras/src/layers/merging/base_merge.py):
/// Add, Subtract, Multiply, Average, Maximum, Minimum.
///
/// Keras semantics:
///   - Shapes: the non-batch dims are broadcast right-aligned (inputs of lower rank get size-1 axes
///     inserted after the batch axis, as Keras's expand_dims(x, 1)); each pair of dims must be equal,
///     or one of them 1 or None (None wins). Known batch sizes must agree.
///   - Values are combined left to right: ((x0 op x1) op x2) ..., Average = sum / n.
///   - Masks (shape of the input without its last axis, nonzero = keep):
///       * output mask = OR of the input masks if every input has one, else none (compute_mask);
///       * Multiply treats masked-out elements as 1 and zeroes elements where the output mask is
///         off (only when every input has a mask);
///       * Maximum/Minimum ignore masked-out elements (_apply_merge_op_and_or_mask);
///       * Add, Subtract and Average do not look at masks.
///   - Gradients of Maximum/Minimum go to the input that supplied the value (ties: the earlier
///     input, as TensorFlow's maximum/minimum gradients).
#include <functional>
#include <string>
#include <vector>

#include "engine/core/errors.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

enum class MergeOp { Add, Subtract, Multiply, Average, Maximum, Minimum };

class Merge : public Layer {
public:
    Merge(std::string className, const Json& config, MergeOp op);

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }
    /// OR of the input masks when every input has one (Keras's Merge.compute_mask).
    std::optional<Tensor> computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const override;

    MergeOp op() const { return op_; }

    /// The LayerSpec of an element-wise merge class (no own arguments).
    static LayerSpec makeSpec(const std::string& className, const std::string& doc, Arity arity,
                              std::function<std::shared_ptr<Layer>(const Json&)> factory);

private:
    MergeOp op_;
};

/// Keras's _compute_elemwise_op_output_shape on non-batch dims (kNone for None); throws ShapeError
/// with `what` describing the operands if two dims disagree.
std::vector<int64_t> broadcastMergeDims(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                                        const std::string& what);

namespace merging_detail {
/// "Layer 'name' (Class): msg" for errors raised in forward/backward.
inline ShapeError layerError(const Layer& l, const std::string& msg) {
    return ShapeError("Layer '" + l.name() + "' (" + l.className() + "): " + msg);
}
}  // namespace merging_detail

}  // namespace strata
