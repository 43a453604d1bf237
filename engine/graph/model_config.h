#pragma once
/// Keras model configs (model.to_json / config.json of .keras archives): write Keras 3 style, read
/// Keras 2 style (`[[name, node_index, tensor_index, {}]]`) and Keras 3 style (`__keras_tensor__`).
#include <string>

#include "engine/core/json.h"
#include "engine/graph/model.h"

namespace strata {

/// {"module", "class_name", "config", "registered_name", "build_config"} of one layer (Keras 3's
/// serialize_keras_object).
Json serializeLayer(const Layer& layer);
/// The whole model as Keras 3's model.to_json() object (`class_name` Functional or Sequential).
Json modelToJson(const Model& model);
std::string modelToJsonString(const Model& model, int indent = 2);

/// Builds a layer (or nested model) from a serialized entry {"class_name", "config", ...}.
/// Unknown classes throw NotSupportedError naming the class and the layer.
LayerPtr layerFromJson(const Json& entry);
/// Builds a model from model.to_json() output or from a bare {"class_name", "config"} entry.
ModelPtr modelFromJson(const Json& json);
/// Parses text; `source` names the file in errors.
ModelPtr modelFromJsonString(const std::string& text, const std::string& source = "<string>");
/// Reads a model-config JSON file (clear IoError/ConfigError naming the file).
ModelPtr loadModelConfigFile(const std::string& path);
/// Writes the config atomically (temp file + rename).
void saveModelConfigFile(const Model& model, const std::string& path);

/// Writes `data` to `path` atomically: a temporary file beside it, then rename.
void writeFileAtomic(const std::string& path, const std::string& data);
std::string readTextFile(const std::string& path);

}  // namespace strata
