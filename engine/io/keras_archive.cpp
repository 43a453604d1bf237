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
#include "engine/training/trainer.h"

namespace strata {

namespace {
constexpr uint64_t kMaxJsonBytes = uint64_t(256) << 20;
constexpr uint64_t kMaxWeightsBytes = uint64_t(16) << 30;

// Keras's saving_lib keeps a compiled model's optimizer in model.weights.h5 as optimizer/vars/0..n
// (optimizer.variables in order: iterations, learning_rate, then the slots), so that training
// resumed from the file continues where it stopped. We write the slot order of the Keras version we
// declare (3.10: each variable's slots together) and read either order.
void saveOptimizerState(const Model& model, h5::Group& root) {
    if (!model.compiled()) return;
    // trainer() is non-const only because the training API mutates; reading the state does not.
    Optimizer& opt = const_cast<Model&>(model).trainer().optimizer();
    if (!opt.built()) return;
    h5::Group vars = root.createGroup("optimizer/vars");
    auto variables = opt.variables(Optimizer::SlotOrder::ByVariable);
    for (size_t i = 0; i < variables.size(); ++i) vars.writeTensor(std::to_string(i), *variables[i].value);
}

// The inverse: compiles the model from the archive's compile_config (as keras.models.load_model
// does) and, when the file holds optimizer variables, builds the optimizer and restores them.
void restoreCompileState(Model& model, const Json& config, const h5::Group& root, const std::string& path) {
    if (!config.contains("compile_config") || !config["compile_config"].is_object()) return;
    try {
        model.compile(compileOptionsFromConfig(config["compile_config"]));
    } catch (const Error&) {
        // Keras only warns here too: the model is usable for inference without its compile settings.
        return;
    }
    if (!root.hasGroup("optimizer/vars")) return;
    h5::Group g = root.group("optimizer/vars");
    std::vector<Tensor> values;
    for (size_t i = 0; g.hasDataset(std::to_string(i)); ++i) values.push_back(g.readTensor(std::to_string(i)));
    if (values.empty()) return;
    Trainer& t = model.trainer();
    t.optimizer().build(t.tape().trainableWeights());
    try {
        t.optimizer().setWeights(values, Optimizer::SlotOrder::ByVariable);
    } catch (const Error& byVariable) {
        try {
            t.optimizer().setWeights(values, Optimizer::SlotOrder::ByKind);  // Keras 3.11+
        } catch (const Error&) {
            throw IoError("'" + path + "': optimizer/vars in model.weights.h5 do not fit the model's optimizer: " +
                          byVariable.what());
        }
    }
}
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
    auto bytes = std::make_shared<const std::string>(zr.read(weightsName, kMaxWeightsBytes));
    h5::File wf = h5::File::openImage(bytes, path + ":" + weightsName);
    WeightsLoadOptions wo;
    wo.kerasVersion = version;
    wo.allowNonFinite = options.allowNonFiniteWeights;
    h5::Group root = wf.root();
    if (isLegacyWeightsGroup(root)) loadLegacyWeights(*model, root, wo);
    else loadKeras3Weights(*model, root, wo);
    if (kerasMajorVersion(version) == 2) applyKeras2Semantics(*model);
    if (options.configPath.empty()) restoreCompileState(*model, config, root, path);
    return model;
}

void saveKerasArchive(const Model& model, const std::string& path) {
    std::string tmpWeights = path + ".weights-" + std::to_string(::getpid()) + ".h5";
    std::string weights;
    try {
        writeHdf5Atomic(tmpWeights, [&](h5::File& f) {
            h5::Group root = f.root();
            saveKeras3Weights(model, root);
            saveOptimizerState(model, root);
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
