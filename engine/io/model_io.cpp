#include "engine/io/model_io.h"

#include <cstring>
#include <fstream>

#include "engine/core/errors.h"
#include "engine/graph/model_config.h"
#include "engine/io/keras_archive.h"
#include "engine/io/keras_h5.h"
#include "engine/io/weights_io.h"

namespace strata {

ModelFileFormat detectModelFileFormat(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("cannot open '" + path + "' for reading");
    char head[8] = {};
    in.read(head, sizeof head);
    auto n = in.gcount();
    if (n >= 8 && std::memcmp(head, "\x89HDF\r\n\x1a\n", 8) == 0) return ModelFileFormat::Hdf5;
    if (n >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) return ModelFileFormat::KerasZip;
    for (std::streamsize i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(head[i]);
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '{') return ModelFileFormat::Json;
        break;
    }
    return ModelFileFormat::Unknown;
}

std::string formatName(ModelFileFormat f) {
    switch (f) {
        case ModelFileFormat::Json: return "model-config JSON";
        case ModelFileFormat::Hdf5: return "HDF5 (.h5)";
        case ModelFileFormat::KerasZip: return "Keras archive (.keras)";
        case ModelFileFormat::Unknown: break;
    }
    return "unknown";
}

ModelPtr loadModel(const std::string& path, const LoadOptions& options) {
    ModelFileFormat format = detectModelFileFormat(path);
    switch (format) {
        case ModelFileFormat::Json:
            return loadModelConfigFile(path);
        case ModelFileFormat::Hdf5:
            return loadKerasH5(path, options);
        case ModelFileFormat::KerasZip:
            return loadKerasArchive(path, options);
        case ModelFileFormat::Unknown:
            break;
    }
    throw IoError("'" + path + "' is not a model file Strata recognises (expected model-config JSON, .h5 or .keras)");
}

static bool endsWith(const std::string& s, const std::string& suffix) {
    if (s.size() < suffix.size()) return false;
    for (size_t i = 0; i < suffix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
    return true;
}

void saveModel(const Model& model, const std::string& path) {
    if (endsWith(path, ".json")) return saveModelConfigFile(model, path);
    if (endsWith(path, ".keras")) return saveKerasArchive(model, path);
    if (endsWith(path, ".weights.h5")) return saveWeightsFile(model, path);
    if (endsWith(path, ".h5") || endsWith(path, ".hdf5")) return saveKerasH5(model, path);
    throw ValueError("cannot tell the format to save '" + path +
                     "' in from its extension (use .keras, .h5, .weights.h5 or .json)");
}

}  // namespace strata
