#include "engine/io/model_io.h"

#include <cstring>
#include <fstream>

#include "engine/core/errors.h"
#include "engine/graph/model_config.h"

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
    switch (detectModelFileFormat(path)) {
        case ModelFileFormat::Json:
            return loadModelConfigFile(path);
        case ModelFileFormat::Hdf5:
        case ModelFileFormat::KerasZip:
            throw NotSupportedError("'" + path + "' is a " + formatName(detectModelFileFormat(path)) +
                                    " file; reading it is not implemented yet");
        case ModelFileFormat::Unknown:
            break;
    }
    throw IoError("'" + path + "' is not a model file Strata recognises (expected model-config JSON, .h5 or .keras)");
}

}  // namespace strata
