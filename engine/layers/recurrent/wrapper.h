#pragma once
/// Helpers of the wrapper layers (Keras keras/src/layers/core/wrapper.py): nested layer configs.
#include <string>
#include <utility>

#include "engine/core/json.h"
#include "engine/layers/layer.h"

namespace strata {

/// Keras 3's serialize_keras_object form of a layer:
/// {"module": "keras.layers", "class_name": ..., "config": getConfig(), "registered_name": null}.
Json serializeNestedLayer(const Layer& layer);

/// Class name and config of a nested layer given as {"class_name", "config"} (Keras 2) or with
/// "module"/"registered_name"/"build_config" too (Keras 3). Throws ConfigError naming `who`.
std::pair<std::string, Json> nestedLayerConfig(const Json& spec, const std::string& who);

/// Creates the nested layer (non-strict: files carry keys of other Keras versions).
std::shared_ptr<Layer> createNestedLayer(const std::string& className, const Json& config, const std::string& who);

}  // namespace strata
