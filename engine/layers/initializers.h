#pragma once
/// Keras initializers (keras.initializers) with Keras's fan-in/fan-out rules.
#include <string>
#include <vector>

#include "engine/core/json.h"
#include "engine/core/random.h"
#include "engine/core/tensor.h"

namespace strata {

/// Fills `t` according to `init`: a name ("glorot_uniform", "zeros", ...) or a Keras config dict
/// ({"class_name": "GlorotUniform", "config": {...}}, Keras 2 or 3 style). Throws ValueError for
/// unknown initializers.
void initializeTensor(Tensor& t, const Json& init, Rng& rng);

/// Canonical snake_case name of an initializer given as name or dict ("GlorotUniform" -> "glorot_uniform").
std::string initializerName(const Json& init);
/// Names for the inspector's combo box.
std::vector<std::string> initializerNames();

/// Keras's compute_fans: (fan_in, fan_out) for a weight shape.
std::pair<double, double> computeFans(const std::vector<int64_t>& shape);

}  // namespace strata
