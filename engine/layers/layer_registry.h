#pragma once
/// The one registry of layer classes: Keras class name -> LayerSpec (schema + factory).
/// Built-in layers are registered by `registerBuiltinLayers` (builtin_layers.cpp, THE list);
/// user layers by `LayerRegistry::instance().add(...)` or from a plugin library.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/layers/layer_spec.h"

namespace strata {

class LayerRegistry {
public:
    /// The process-wide registry, with the built-in layers already registered.
    static LayerRegistry& instance();

    /// Registers a class; throws ConfigError if the class name is taken.
    void add(LayerSpec spec);
    /// Registers another name for an existing class (Keras 2 spellings).
    void addAlias(const std::string& alias, const std::string& className);
    bool contains(const std::string& className) const;
    const LayerSpec* find(const std::string& className) const;
    /// Throws NotSupportedError naming the class if it is unknown.
    const LayerSpec& get(const std::string& className) const;
    /// All specs in registration order (palette order within a category).
    std::vector<const LayerSpec*> all() const;

    /// Fills defaults and checks types/ranges/choices of `config` against the spec of `className`.
    /// `strict`: unknown keys are errors (C++ API); otherwise kept as they are (files from other
    /// Keras versions carry keys we do not use). Errors name the layer class and the key.
    Json normalize(const std::string& className, const Json& config, bool strict) const;
    /// normalize + factory. The layer's name comes from config["name"] or is auto-generated.
    std::shared_ptr<Layer> create(const std::string& className, const Json& config, bool strict = true) const;

    /// Loads a shared library exporting `extern "C" void strata_register_layers(strata::LayerRegistry&)`.
    /// Returns the class names it added. Throws IoError with dlerror()'s text on failure.
    std::vector<std::string> loadPlugin(const std::string& path);

private:
    LayerRegistry() = default;
    std::vector<std::unique_ptr<LayerSpec>> specs_;
    std::map<std::string, const LayerSpec*> byName_;
};

/// Registers every built-in layer (called once by LayerRegistry::instance()).
void registerBuiltinLayers(LayerRegistry& registry);

}  // namespace strata
