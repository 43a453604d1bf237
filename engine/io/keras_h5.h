#pragma once
/// Keras legacy HDF5 model files (`model.save("model.h5")` in Keras 2 / tf.keras, and Keras 3's
/// legacy writer): root attributes model_config (JSON), keras_version, backend, and the group
/// model_weights (see weights_io.h). Also weights-only .h5 files (legacy layer_names at the root,
/// or the Keras 3 .weights.h5 layout) together with a model-config JSON.
#include <string>

#include "engine/graph/model.h"
#include "engine/io/model_io.h"

namespace strata {

/// Reads a full-model .h5, or a weights-only .h5 when `options.configPath` names the architecture
/// (a full model's own config is replaced by `configPath` when it is given). Keras 1 files are refused.
ModelPtr loadKerasH5(const std::string& path, const LoadOptions& options = {});
/// Writes a full-model legacy .h5 (model_config, keras_version, backend, model_weights). Atomic.
void saveKerasH5(const Model& model, const std::string& path);

}  // namespace strata
