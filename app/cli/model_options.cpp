#include "app/cli/model_options.h"

#include <filesystem>

#include "engine/core/errors.h"
#include "engine/io/compile_settings.h"
#include "engine/io/model_io.h"
#include "engine/io/python_export.h"
#include "engine/training/losses.h"
#include "engine/training/optimizers.h"

namespace strata::cli {

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    if (s.size() < suffix.size()) return false;
    for (size_t i = 0; i < suffix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
    return true;
}

}  // namespace

void ModelArgs::addTo(CLI::App* cmd) {
    cmd->add_option("model", path, "Model file: model-config JSON, .h5, .keras or a weights-only file with --config")
        ->required();
    cmd->add_option("--config", config, "Architecture JSON for a weights-only file (.weights.h5, weights .h5)");
}

ModelPtr ModelArgs::load() const {
    LoadOptions lo;
    lo.configPath = config;
    return loadModel(path, lo);
}

void CompileArgs::addTo(CLI::App* cmd) {
    cmd->add_option("--optimizer", optimizer,
                    "Optimizer: sgd, rmsprop, adam, adamw, adagrad, adadelta, adamax, nadam (default: stored, else adam)");
    lrOption = cmd->add_option("--lr", lr, "Learning rate (default: the optimizer's)")->check(CLI::PositiveNumber);
    cmd->add_option("--loss", loss, "Loss by Keras name, e.g. sparse_categorical_crossentropy (default: stored)");
    metricsOption = cmd->add_option("--metrics", metrics, "Metrics by Keras name, comma-separated: accuracy,mae")
                        ->delimiter(',');
}

CompileOptions CompileArgs::resolve(const Json& stored, const std::string& modelPath) const {
    CompileOptions o;
    o.optimizer = OptimizerArg(std::string("adam"));
    if (stored.is_object()) o = compileOptionsFromConfig(stored);

    const bool lrGiven = lrOption && lrOption->count() > 0;
    if (!optimizer.empty() || lrGiven) {
        // Start from the stored optimizer's config when only the rate changes, so its other
        // settings (momentum, epsilon, ...) carry over.
        Json id = o.optimizer.object ? o.optimizer.object->serialize() : o.optimizer.id;
        Json opt;
        if (!optimizer.empty()) opt = {{"class_name", optimizer}, {"config", Json::object()}};
        else if (id.is_string()) opt = {{"class_name", id}, {"config", Json::object()}};
        else opt = id;
        if (!opt.contains("config") || !opt["config"].is_object()) opt["config"] = Json::object();
        if (lrGiven) opt["config"]["learning_rate"] = lr;
        o.optimizer = OptimizerArg(opt);
    }
    if (!loss.empty()) o.loss = LossArg(std::string(loss));
    if (metricsOption && metricsOption->count() > 0) {
        MetricList l;
        for (const auto& m : metrics)
            if (!m.empty()) l.emplace_back(m);
        o.metrics = MetricArg(l);
    }
    if (o.loss.kind == LossArg::Kind::None)
        throw ValueError("no loss to train or evaluate with: '" + modelPath +
                         "' stores no compile settings; give --loss (e.g. --loss sparse_categorical_crossentropy)");
    // Unknown names fail here, before the data is read.
    if (o.optimizer.object == nullptr) makeOptimizer(o.optimizer.id);
    if (o.loss.kind == LossArg::Kind::Single && !o.loss.single.object) makeLoss(o.loss.single.id);
    return o;
}

Json storedCompileConfig(const std::string& path) { return readStoredCompileConfig(path); }

Json compiledConfig(Model& model) { return compileConfigOf(model); }

void checkSaveTarget(const std::string& path) {
    if (!endsWith(path, ".json") && !endsWith(path, ".keras") && !endsWith(path, ".h5") && !endsWith(path, ".hdf5") &&
        !endsWith(path, ".py"))
        throw ValueError("cannot tell the format to save '" + path +
                         "' in from its extension (use .keras, .h5, .weights.h5, .json or .py)");
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
        throw IoError("cannot save '" + path + "': the directory '" + dir.string() + "' does not exist");
}

std::vector<std::string> saveAny(const Model& model, const std::string& path, const Json& compileConfig,
                                 const std::string& source) {
    checkSaveTarget(path);
    if (endsWith(path, ".py")) {
        PythonExportOptions po;
        po.compileConfig = compileConfig;
        po.source = source;
        std::string weights = savePythonExport(model, path, po);
        return {path, weights};
    }
    saveModel(model, path);
    return {path};
}

}  // namespace strata::cli
