#include "engine/io/keras_h5.h"

#include "engine/core/errors.h"
#include "engine/graph/model_config.h"
#include "engine/io/compile_settings.h"
#include "engine/io/hdf5.h"
#include "engine/io/keras_versions.h"
#include "engine/io/load_common.h"
#include "engine/io/weights_io.h"
#include "engine/training/optimizers.h"
#include "engine/training/trainer.h"

namespace strata {

namespace {

// Keras's legacy h5 writer keeps a compiled model's optimizer as optimizer_weights: a weight_names
// attribute (the variables' paths, "adam/iteration", "adam/learning_rate", slots...) and one
// dataset per name. We write Keras 3.10's order, as the .keras writer does.
void saveOptimizerWeights(const Model& model, h5::Group& root) {
    if (!model.compiled()) return;
    // trainer() is non-const only because the training API mutates; reading the state does not.
    Optimizer& opt = const_cast<Model&>(model).trainer().optimizer();
    if (!opt.built()) return;
    auto variables = opt.variables(Optimizer::SlotOrder::ByVariable);
    h5::Group g = root.createGroup("optimizer_weights");
    std::vector<std::string> names;
    for (const auto& v : variables) {
        g.writeTensor(v.path, *v.value);
        names.push_back(v.path);
    }
    g.writeKerasStringList("weight_names", names);
}

// keras.models.load_model on an .h5: compile from training_config, then restore optimizer_weights.
// State that does not fit (Keras 2's optimizers keep no learning_rate variable, other layouts) is
// left out, as Keras does with a warning: the model loads with a fresh optimizer.
void restoreCompileState(Model& model, const h5::Group& root, const std::string& path) {
    if (!root.hasAttr("training_config")) return;
    try {
        model.compile(compileOptionsFromConfig(compileConfigFromTrainingConfig(
            io_detail::parseJsonText(root.readStringAttr("training_config"), path + " attribute training_config"))));
    } catch (const Error&) {
        return;  // usable for inference without its compile settings (Keras only warns too)
    }
    if (!root.hasGroup("optimizer_weights")) return;
    const h5::Group g = root.group("optimizer_weights");
    if (!g.hasAttr("weight_names") && !g.hasAttr("weight_names0")) return;
    std::vector<Tensor> values;
    for (const auto& name : g.readKerasStringList("weight_names")) {
        if (!g.hasDataset(name)) return;
        values.push_back(g.readTensor(name));
    }
    if (values.empty()) return;
    Trainer& t = model.trainer();
    t.optimizer().build(t.tape().trainableWeights());
    for (auto order : {Optimizer::SlotOrder::ByVariable, Optimizer::SlotOrder::ByKind}) {
        try {
            t.optimizer().setWeights(values, order);
            return;
        } catch (const Error&) {
        }
    }
}

}  // namespace

ModelPtr loadKerasH5(const std::string& path, const LoadOptions& options) {
    h5::File f = h5::File::openRead(path);
    h5::Group root = f.root();
    std::string version;
    if (root.hasAttr("keras_version")) version = root.readStringAttr("keras_version");
    bool fullModel = root.hasAttr("model_config");
    h5::Group weights = root;
    if (fullModel) {
        if (!root.hasGroup("model_weights"))
            throw IoError("'" + path + "' has a model_config but no 'model_weights' group (saved without weights?)");
        weights = root.group("model_weights");
        if (version.empty() && weights.hasAttr("keras_version")) version = weights.readStringAttr("keras_version");
    } else if (!isLegacyWeightsGroup(root) && !isKeras3WeightsGroup(root)) {
        throw IoError("'" + path + "' is an HDF5 file but not a Keras model or weights file (no model_config "
                      "attribute, no layer_names attribute, no 'layers' group)");
    }
    if (kerasMajorVersion(version) == 1)
        throw NotSupportedError("'" + path + "' was saved by Keras " + version +
                                "; Strata reads files of Keras 2 and 3. Load it in Keras 2 and save it again.");

    ModelPtr model;
    Json config;
    if (!options.configPath.empty()) {
        config = io_detail::parseJsonText(readTextFile(options.configPath), options.configPath);
        model = io_detail::buildModelFromConfig(config, options.configPath);
    } else if (fullModel) {
        config = io_detail::parseJsonText(root.readStringAttr("model_config"), path);
        model = io_detail::buildModelFromConfig(config, path);
    } else {
        throw IoError("'" + path + "' holds only weights; give the architecture with --config MODEL.json");
    }
    if (version.empty()) {
        if (config.is_object() && config.contains("keras_version") && config["keras_version"].is_string())
            version = config["keras_version"].get<std::string>();
        else
            version = io_detail::guessKerasVersion(config);
    }
    if (kerasMajorVersion(version) == 1)
        throw NotSupportedError("'" + path + "' comes from Keras " + version + "; Strata reads Keras 2 and 3 files");

    WeightsLoadOptions wo;
    wo.kerasVersion = version;
    wo.allowNonFinite = options.allowNonFiniteWeights;
    if (isLegacyWeightsGroup(weights))
        loadLegacyWeights(*model, weights, wo);
    else
        loadKeras3Weights(*model, weights, wo);
    if (kerasMajorVersion(version) == 2) applyKeras2Semantics(*model);
    if (fullModel && options.configPath.empty()) restoreCompileState(*model, root, path);
    return model;
}

void saveKerasH5(const Model& model, const std::string& path) {
    Json full = modelToJson(model);
    Json config = {{"class_name", full["class_name"]}, {"config", full["config"]}};
    writeHdf5Atomic(path, [&](h5::File& f) {
        h5::Group root = f.root();
        root.writeStringAttr("model_config", config.dump());
        root.writeStringAttr("keras_version", kStrataKerasVersion);
        root.writeStringAttr("backend", "tensorflow");
        if (Json cc = compileConfigOf(model); !cc.is_null())
            root.writeStringAttr("training_config", trainingConfigFromCompileConfig(cc).dump());
        h5::Group wg = root.createGroup("model_weights");
        saveLegacyWeights(model, wg);
        saveOptimizerWeights(model, root);
    });
}

}  // namespace strata
