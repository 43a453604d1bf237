#pragma once
/// Compile settings saved with a model, as Keras saves them: a .keras archive's config.json has
/// "compile_config" (model.get_compile_config()); a legacy .h5 file has the root attribute
/// "training_config" (the same without "optimizer", plus "optimizer_config": {class_name, config}).
/// Keras's load_model compiles the model from them; Strata's command line uses them when no
/// --loss/--optimizer/--metrics are given.
#include <string>

#include "engine/core/json.h"
#include "engine/graph/model.h"

namespace strata {

/// get_compile_config() of a compiled model with the optimizer's full config; null if not compiled.
Json compileConfigOf(const Model& model);

/// compile_config -> the .h5 training_config form, and back (Keras 2 and 3 training_configs; Keras
/// 2's MeanMetricWrapper metrics become their names and loss reduction "auto" is dropped, so that
/// compileOptionsFromConfig accepts them).
Json trainingConfigFromCompileConfig(const Json& compileConfig);
Json compileConfigFromTrainingConfig(const Json& trainingConfig);

/// The compile settings stored in a model file (by content: .keras or .h5), as a compile_config;
/// null when the file stores none (model-config JSON, weights-only files, uncompiled models).
Json readStoredCompileConfig(const std::string& path);

}  // namespace strata
