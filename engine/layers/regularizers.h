#pragma once
/// Keras weight regularizers (l1, l2, l1_l2) as penalties added to the training loss.
#include "engine/core/json.h"
#include "engine/core/tensor.h"

namespace strata {

struct RegularizerSpec {
    float l1 = 0.0f;
    float l2 = 0.0f;
    bool active() const { return l1 != 0.0f || l2 != 0.0f; }
};

/// null -> inactive; "l1"/"l2"/"l1_l2" -> Keras defaults (0.01); {"class_name": "L2", "config": {"l2": ..}}.
RegularizerSpec parseRegularizer(const Json& j);
/// l1 * sum|w| + l2 * sum w^2.
float regularizationPenalty(const RegularizerSpec& r, const Tensor& w);
/// grad += d(penalty)/dw.
void addRegularizationGradient(const RegularizerSpec& r, const Tensor& w, Tensor& grad);

}  // namespace strata
