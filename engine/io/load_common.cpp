#include "engine/io/load_common.h"

#include "engine/core/errors.h"
#include "engine/graph/model_config.h"

namespace strata::io_detail {

Json parseJsonText(const std::string& text, const std::string& source) {
    try {
        return Json::parse(text, nullptr, true, false);
    } catch (const nlohmann::json::parse_error& e) {
        throw ConfigError("'" + source + "': the model config is not valid JSON (byte " + std::to_string(e.byte) +
                          "): " + e.what());
    }
}

static void scanLambdas(const Json& j, std::vector<std::string>& out, int depth) {
    if (depth > 200) return;
    if (j.is_object()) {
        auto cls = j.find("class_name");
        if (cls != j.end() && cls->is_string() && *cls == "Lambda") {
            std::string name = "?";
            auto cfg = j.find("config");
            if (cfg != j.end() && cfg->is_object() && cfg->contains("name") && (*cfg)["name"].is_string())
                name = (*cfg)["name"].get<std::string>();
            else if (j.contains("name") && j["name"].is_string())
                name = j["name"].get<std::string>();
            out.push_back(name);
        }
        for (auto it = j.begin(); it != j.end(); ++it) scanLambdas(it.value(), out, depth + 1);
    } else if (j.is_array()) {
        for (const auto& e : j) scanLambdas(e, out, depth + 1);
    }
}

std::vector<std::string> findLambdaLayers(const Json& config) {
    std::vector<std::string> out;
    scanLambdas(config, out, 0);
    return out;
}

ModelPtr buildModelFromConfig(const Json& config, const std::string& source) {
    auto lambdas = findLambdaLayers(config);
    if (!lambdas.empty()) {
        std::string names;
        for (const auto& n : lambdas) names += (names.empty() ? "'" : ", '") + n + "'";
        throw NotSupportedError("'" + source + "': the model has " + std::to_string(lambdas.size()) +
                                " Lambda layer(s) (" + names +
                                "); Lambda layers hold Python code, which Strata never runs. Replace them with "
                                "built-in layers and save the model again.");
    }
    try {
        return modelFromJson(config);
    } catch (const NotSupportedError& e) {
        throw NotSupportedError("'" + source + "': " + e.what());
    } catch (const ConfigError& e) {
        throw ConfigError("'" + source + "': " + e.what());
    } catch (const ShapeError& e) {
        throw ShapeError("'" + source + "': " + e.what());
    } catch (const GraphError& e) {
        throw GraphError("'" + source + "': " + e.what());
    } catch (const ValueError& e) {
        throw ValueError("'" + source + "': " + e.what());
    }
}

ModelPtr buildModelFromConfigFile(const std::string& path) {
    return buildModelFromConfig(parseJsonText(readTextFile(path), path), path);
}

static bool hasKeras3Markers(const Json& j, int depth) {
    if (depth > 200) return false;
    if (j.is_object()) {
        if (j.contains("module") || j.value("class_name", Json()) == "__keras_tensor__") return true;
        for (auto it = j.begin(); it != j.end(); ++it)
            if (hasKeras3Markers(it.value(), depth + 1)) return true;
    } else if (j.is_array()) {
        for (const auto& e : j)
            if (hasKeras3Markers(e, depth + 1)) return true;
    }
    return false;
}

std::string guessKerasVersion(const Json& config) { return hasKeras3Markers(config, 0) ? "3" : "2"; }

}  // namespace strata::io_detail
