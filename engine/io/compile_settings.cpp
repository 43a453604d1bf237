#include "engine/io/compile_settings.h"

#include "engine/core/errors.h"
#include "engine/io/hdf5.h"
#include "engine/io/model_io.h"
#include "engine/io/zip_archive.h"
#include "engine/training/trainer.h"

namespace strata {

namespace {

constexpr uint64_t kMaxConfigBytes = uint64_t(256) << 20;  // as the .keras reader

Json parseStored(const std::string& text, const std::string& where) {
    try {
        return Json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError(where + " is not valid JSON: " + e.what());
    }
}

/// Keras 2 serialized some settings in forms Keras 3 (and makeLoss/makeMetric) do not take.
void modernize(Json& j) {
    if (j.is_array()) {
        for (auto& e : j) modernize(e);
        return;
    }
    if (!j.is_object()) return;
    if (j.contains("class_name") && j["class_name"] == "MeanMetricWrapper" && j.contains("config") &&
        j["config"].is_object() && j["config"].contains("name") && j["config"]["name"].is_string()) {
        j = j["config"]["name"];
        return;
    }
    if (j.contains("class_name") && j.contains("config") && j["config"].is_object()) {
        Json& c = j["config"];
        if (c.contains("reduction") && c["reduction"] == "auto") c.erase("reduction");
        return;
    }
    for (auto it = j.begin(); it != j.end(); ++it) modernize(it.value());  // dicts by output name
}

}  // namespace

Json compileConfigOf(const Model& model) {
    if (!model.compiled()) return nullptr;
    // trainer() is non-const only because training mutates it; reading its settings does not.
    Trainer& t = const_cast<Model&>(model).trainer();
    Json c = t.compileConfig();
    c["optimizer"] = t.optimizerPtr()->serialize();
    return c;
}

Json trainingConfigFromCompileConfig(const Json& cc) {
    if (!cc.is_object()) return nullptr;
    Json tc = cc;
    tc.erase("optimizer");
    const Json& opt = cc.value("optimizer", Json());
    if (opt.is_object() && opt.contains("class_name"))
        tc["optimizer_config"] = {{"class_name", opt["class_name"]}, {"config", opt.value("config", Json::object())}};
    else if (opt.is_string())
        tc["optimizer_config"] = {{"class_name", opt}, {"config", Json::object()}};
    return tc;
}

Json compileConfigFromTrainingConfig(const Json& tc) {
    if (!tc.is_object()) return nullptr;
    Json cc = tc;
    if (cc.contains("optimizer_config")) {
        cc["optimizer"] = cc["optimizer_config"];
        cc.erase("optimizer_config");
    }
    modernize(cc);
    return cc;
}

Json readStoredCompileConfig(const std::string& path) {
    switch (detectModelFileFormat(path)) {
        case ModelFileFormat::KerasZip: {
            zipio::Reader zr(path);
            if (!zr.contains("config.json")) return nullptr;
            Json config = parseStored(zr.read("config.json", kMaxConfigBytes), path + ":config.json");
            if (!config.is_object() || !config.contains("compile_config") || !config["compile_config"].is_object())
                return nullptr;
            Json cc = config["compile_config"];
            modernize(cc);
            return cc;
        }
        case ModelFileFormat::Hdf5: {
            h5::File f = h5::File::openRead(path);
            h5::Group root = f.root();
            if (!root.hasAttr("training_config")) return nullptr;
            return compileConfigFromTrainingConfig(
                parseStored(root.readStringAttr("training_config"), path + " attribute training_config"));
        }
        default:
            return nullptr;
    }
}

}  // namespace strata
