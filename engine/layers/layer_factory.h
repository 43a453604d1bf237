#pragma once
/// Helpers for the Keras-like C++ API: `layers::Dense(64, {{"activation", "relu"}})`.
/// Keyword arguments are Keras's config keys, checked against the LayerSpec (unknown keys and wrong
/// types are ConfigErrors naming the class and the key).
#include <memory>
#include <string>

#include "engine/core/json.h"
#include "engine/layers/layer_registry.h"

namespace strata {

/// Creates a registered layer from keyword arguments (strict: unknown keys are errors).
template <class T = Layer>
std::shared_ptr<T> makeLayer(const std::string& className, Json kwargs = Json::object()) {
    auto layer = LayerRegistry::instance().create(className, kwargs, /*strict=*/true);
    auto typed = std::dynamic_pointer_cast<T>(layer);
    if (!typed) throw std::logic_error("layer class '" + className + "' has an unexpected C++ type");
    return typed;
}

/// kwargs with one more key set (the positional arguments of the Keras constructors).
inline Json withArg(Json kwargs, const std::string& key, Json value) {
    if (kwargs.is_null()) kwargs = Json::object();
    kwargs[key] = std::move(value);
    return kwargs;
}

}  // namespace strata
