#include "app/studio/training/training_project.h"

#include <QTemporaryDir>

#include "engine/core/errors.h"
#include "engine/data/npy.h"
#include "engine/graph/model_config.h"
#include "engine/io/weights_io.h"
#include "engine/io/zip_archive.h"

namespace strata::studio {

namespace {
constexpr uint64_t kMaxEntry = uint64_t(4) << 30;

/// The architecture in a .keras config.json, normalised through the engine (key order, defaults)
/// so it compares with a snapshot's config.
std::string normalisedConfig(const std::string& configJson) {
    try {
        return modelToJsonString(*modelFromJsonString(configJson, "config.json"), -1);
    } catch (const std::exception&) {
        return {};
    }
}
}  // namespace

void saveTrainingToProject(const QString& path, Json state, const ModelSnapshot* trained) {
    const std::string file = path.toStdString();
    std::vector<std::pair<std::string, std::string>> entries;
    {
        zipio::Reader in(file);
        for (const auto& e : in.entries())
            if (e.name != kTrainingEntry && e.name.rfind(kOptimizerPrefix, 0) != 0)
                entries.emplace_back(e.name, in.read(e.name, kMaxEntry));
    }
    // The trained weights replace the fresh ones the project writer stored, if they fit.
    std::string weights;
    if (trained && !trained->empty()) {
        for (const auto& [name, data] : entries)
            if (name == "config.json" && normalisedConfig(data) == normalisedConfig(trained->configJson)) {
                QTemporaryDir dir;
                const std::string tmp = dir.filePath("model.weights.h5").toStdString();
                saveWeightsFile(*trained->build(), tmp);
                weights = readTextFile(tmp);
            }
    }
    if (weights.empty()) state.erase("resume");
    zipio::Writer out(file);
    for (auto& [name, data] : entries) {
        if (name == "model.weights.h5" && !weights.empty()) data = weights;
        out.add(name, std::move(data), name != "model.weights.h5");
    }
    if (!weights.empty())
        for (size_t i = 0; i < trained->optimizerState.size(); ++i)
            out.add(kOptimizerPrefix + std::to_string(i) + ".npy", encodeNpy(trained->optimizerState[i]), false);
    out.add(kTrainingEntry, state.dump(1), true);
    out.commit();
}

std::vector<Tensor> loadOptimizerStateFromProject(const QString& path) {
    std::vector<Tensor> state;
    try {
        zipio::Reader in(path.toStdString());
        for (size_t i = 0;; ++i) {
            const std::string name = kOptimizerPrefix + std::to_string(i) + ".npy";
            if (!in.contains(name)) break;
            state.push_back(parseNpy(in.read(name, kMaxEntry), path.toStdString() + ": " + name));
        }
    } catch (const IoError&) {
        return {};  // not an archive
    }
    return state;
}

std::optional<Json> loadTrainingFromProject(const QString& path) {
    try {
        zipio::Reader in(path.toStdString());
        if (!in.contains(kTrainingEntry)) return std::nullopt;
        return Json::parse(in.read(kTrainingEntry, kMaxEntry));
    } catch (const Json::exception& e) {
        throw ConfigError(path.toStdString() + ": " + kTrainingEntry + " is not valid JSON: " + e.what());
    } catch (const IoError&) {
        return std::nullopt;  // not an archive (a .json or .h5 model file)
    }
}

}  // namespace strata::studio
