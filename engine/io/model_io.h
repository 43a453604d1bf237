#pragma once
/// Opening and saving whole models in any supported format, recognised by content (not by
/// extension): model-config JSON, Keras legacy HDF5 (.h5), Keras 3 archives (.keras).
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
};

/// Opens a model file of any supported format. Errors name the file and what is wrong.
ModelPtr loadModel(const std::string& path, const LoadOptions& options = {});

}  // namespace strata
