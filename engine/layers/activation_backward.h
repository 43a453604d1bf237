#pragma once
/// The backward step through a layer's fused activation (Dense, the conv layers), shared so that
/// each layer's backward starts from dL/d(pre-activation) the same way.
#include "engine/core/tensor.h"
#include "engine/layers/activations.h"

namespace strata {

/// dL/d(pre-activation) from dL/d(output) `grad` of a layer whose output `y` went through `act`.
/// Linear: `grad` itself. Otherwise the result is written to `scratch` (reused between calls);
/// `preActivation` is read only when the activation's derivative needs its input.
inline const Tensor* gradientThroughActivation(const ActivationFn& act, const Tensor& y, const Tensor* grad,
                                               const Tensor& preActivation, Tensor& scratch) {
    if (act.isLinear()) return grad;
    scratch = *grad;
    const float* pre = act.backwardNeedsOnlyOutput() ? y.data() : preActivation.data();
    act.backward(pre, y.data(), scratch.data(), y.size(), y.dim(-1));
    return &scratch;
}

}  // namespace strata
