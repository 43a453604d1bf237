#include "engine/io/keras_archive.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "engine/core/errors.h"
#include "engine/graph/model_config.h"
#include "engine/io/compile_settings.h"
#include "engine/io/hdf5.h"
#include "engine/io/keras_versions.h"
#include "engine/io/load_common.h"
#include "engine/io/weights_io.h"
#include "engine/io/zip_archive.h"

namespace strata {

namespace {
constexpr uint64_t kMaxJsonBytes = uint64_t(256) << 20;
constexpr uint64_t kMaxWeightsBytes = uint64_t(16) << 30;
}  // namespace

ModelPtr loadKerasArchive(const std::string& path, const LoadOptions& options) {
    zipio::Reader zr(path);
    std::string version;
    if (zr.contains("metadata.json")) {
        Json meta;
        try {
            meta = Json::parse(zr.read("metadata.json", kMaxJsonBytes));
        } catch (const nlohmann::json::exception& e) {
            throw IoError("'" + path + "': metadata.json is not valid JSON: " + e.what());
        }
        if (meta.is_object() && meta.contains("keras_version") && meta["keras_version"].is_string())
            version = meta["keras_version"].get<std::string>();
    }
    Json config;
    ModelPtr model;
    if (!options.configPath.empty()) {
        config = io_detail::parseJsonText(readTextFile(options.configPath), options.configPath);
        model = io_detail::buildModelFromConfig(config, options.configPath);
    } else {
        if (!zr.contains("config.json"))
            throw IoError("'" + path + "' is a zip archive without config.json; not a Keras .keras file");
        config = io_detail::parseJsonText(zr.read("config.json", kMaxJsonBytes), path + ":config.json");
        model = io_detail::buildModelFromConfig(config, path);
    }
    if (version.empty()) version = io_detail::guessKerasVersion(config);

    const std::string weightsName = "model.weights.h5";
    if (!zr.contains(weightsName)) {
        if (zr.contains("model.weights.npz"))
            throw NotSupportedError("'" + path + "' keeps its weights in model.weights.npz; Strata reads model.weights.h5");
        if (zr.contains("model.weights.json"))
            throw NotSupportedError("'" + path + "' keeps its weights in sharded files (model.weights.json); "
                                    "Strata reads a single model.weights.h5");
        throw IoError("'" + path + "' has no model.weights.h5");
    }
    std::string bytes = zr.read(weightsName, kMaxWeightsBytes);
    h5::File wf = h5::File::openImage(bytes, path + ":" + weightsName);
    WeightsLoadOptions wo;
    wo.kerasVersion = version;
    wo.allowNonFinite = options.allowNonFiniteWeights;
    h5::Group root = wf.root();
    if (isLegacyWeightsGroup(root)) loadLegacyWeights(*model, root, wo);
    else loadKeras3Weights(*model, root, wo);
    if (kerasMajorVersion(version) == 2) applyKeras2Semantics(*model);
    return model;
}

void saveKerasArchive(const Model& model, const std::string& path) {
    std::string tmpWeights = path + ".weights-" + std::to_string(::getpid()) + ".h5";
    std::string weights;
    try {
        writeHdf5Atomic(tmpWeights, [&](h5::File& f) {
            h5::Group root = f.root();
            saveKeras3Weights(model, root);
        });
        weights = readTextFile(tmpWeights);
    } catch (...) {
        std::remove(tmpWeights.c_str());
        throw;
    }
    std::remove(tmpWeights.c_str());

    std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%d@%H:%M:%S", std::localtime(&now));
    Json meta = {{"keras_version", kStrataKerasVersion}, {"date_saved", date}};
    zipio::Writer zw(path);
    zw.add("metadata.json", meta.dump(), false);
    Json config = modelToJson(model);
    if (Json cc = compileConfigOf(model); !cc.is_null()) config["compile_config"] = cc;  // as Keras's saving_lib
    zw.add("config.json", config.dump(), false);
    zw.add("model.weights.h5", std::move(weights), false);
    zw.commit();
}

}  // namespace strata
