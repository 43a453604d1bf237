#include "engine/layers/recurrent/wrapper.h"

#include "engine/core/errors.h"
#include "engine/layers/layer_registry.h"

namespace strata {

Json serializeNestedLayer(const Layer& layer) {
    Json j = Json::object();
    j["module"] = "keras.layers";
    j["class_name"] = layer.className();
    j["config"] = layer.getConfig();
    j["registered_name"] = nullptr;
    return j;
}

std::pair<std::string, Json> nestedLayerConfig(const Json& spec, const std::string& who) {
    if (!spec.is_object() || !spec.contains("class_name") || !spec["class_name"].is_string())
        throw ConfigError(who + ": expected a layer config {\"class_name\": ..., \"config\": {...}}, got " + spec.dump());
    Json cfg = spec.contains("config") ? spec["config"] : Json::object();
    if (cfg.is_null()) cfg = Json::object();
    if (!cfg.is_object())
        throw ConfigError(who + ": the nested layer's \"config\" must be an object, got " + cfg.dump());
    return {spec["class_name"].get<std::string>(), cfg};
}

std::shared_ptr<Layer> createNestedLayer(const std::string& className, const Json& config, const std::string& who) {
    try {
        return LayerRegistry::instance().create(className, config, /*strict=*/false);
    } catch (const ConfigError& e) {
        throw ConfigError(who + ": " + e.what());
    }
}

}  // namespace strata
