#pragma once
/// Pieces shared by the .h5 and .keras readers: config parsing that names the file, refusal of
/// Lambda layers (Python code) before anything is built, errors re-thrown with the file name.
#include <string>

#include "engine/core/json.h"
#include "engine/graph/model.h"

namespace strata::io_detail {

/// Parses JSON text; ConfigError naming `source` on bad JSON.
Json parseJsonText(const std::string& text, const std::string& source);
/// Names of every Lambda layer in a model config (nested models included).
std::vector<std::string> findLambdaLayers(const Json& config);
/// Builds the model from a config, refusing Lambda layers (all named) first. Every error names
/// `source`.
ModelPtr buildModelFromConfig(const Json& config, const std::string& source);
/// Reads and builds the model of a `--config MODEL.json` file.
ModelPtr buildModelFromConfigFile(const std::string& path);
/// A Keras version guessed from a config when the file has none: "3" if it has Keras 3 markers
/// (`module` keys, `__keras_tensor__`), else "2".
std::string guessKerasVersion(const Json& config);

}  // namespace strata::io_detail
