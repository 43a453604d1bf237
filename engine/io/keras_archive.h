#pragma once
/// Keras 3 `.keras` archives (keras/src/saving/saving_lib.py): a zip holding config.json (the model
/// as serialize_keras_object writes it), metadata.json ({"keras_version", "date_saved"}) and
/// model.weights.h5 (the Keras 3 weights layout, see weights_io.h).
#include <string>

#include "engine/graph/model.h"
#include "engine/io/model_io.h"

namespace strata {

/// Reads a .keras archive (`options.configPath`, if given, replaces its config.json).
ModelPtr loadKerasArchive(const std::string& path, const LoadOptions& options = {});
/// Writes a .keras archive (stored entries, like Keras). Atomic.
void saveKerasArchive(const Model& model, const std::string& path);

}  // namespace strata
