#pragma once
/// Opening and saving whole models in any supported format. Opening recognises the format by
/// content (not by extension): model-config JSON, Keras legacy HDF5 (.h5, full model or weights-only
/// with --config), Keras 3 archives (.keras). Saving chooses by extension.
#include <string>

#include "engine/graph/model.h"

namespace strata {

enum class ModelFileFormat { Unknown, Json, Hdf5, KerasZip };

/// Looks at the first bytes of the file. Throws IoError if it cannot be read.
ModelFileFormat detectModelFileFormat(const std::string& path);
std::string formatName(ModelFileFormat f);

struct LoadOptions {
    /// Architecture for weights-only files (`--config MODEL.json`).
    std::string configPath;
    /// Accept NaN/inf weight values (by default a file holding them is refused as broken).
    bool allowNonFiniteWeights = false;
};

/// Opens a model file of any supported format. Errors name the file and what is wrong.
ModelPtr loadModel(const std::string& path, const LoadOptions& options = {});

/// Saves by extension, atomically (temporary file + rename):
///   .json        model config only (model.to_json)
///   .keras       Keras 3 archive (config.json, metadata.json, model.weights.h5)
///   .weights.h5  weights only, Keras 3 layout (model.save_weights)
///   .h5 / .hdf5  legacy full model (model_config + model_weights), readable by Keras 3's legacy loader
/// Anything else throws ValueError.
void saveModel(const Model& model, const std::string& path);

}  // namespace strata
