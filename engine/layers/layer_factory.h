#pragma once
/// Helpers for the Keras-like C++ API: `layers::Dense(64, {{"activation", "relu"}})`.
/// Keyword arguments are Keras's config keys, checked against the LayerSpec (unknown keys and wrong
/// types are ConfigErrors naming the class and the key).
#include <memory>
#include <string>

#include "engine/core/json.h"
#include "engine/graph/node.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_registry.h"

namespace strata {

/// The outputs of a call. Converts to a single KerasTensor when the layer has exactly one output,
/// so `auto x = layers::Concatenate()({a, b});` reads as in Keras.
class Outputs : public std::vector<KerasTensor> {
public:
    using std::vector<KerasTensor>::vector;
    Outputs(std::vector<KerasTensor> v) : std::vector<KerasTensor>(std::move(v)) {}  // NOLINT
    operator KerasTensor() const {  // NOLINT
        if (size() != 1)
            throw std::logic_error("this call has " + std::to_string(size()) + " outputs; index them");
        return front();
    }
};

/// A shared layer handle that can be called like a Keras layer: `layers::Dense(64)(x)`.
/// Converts to std::shared_ptr of the layer (or any base), so it can be stored and shared.
template <class T>
class LayerRef {
public:
    LayerRef() = default;
    LayerRef(std::shared_ptr<T> p) : p_(std::move(p)) {}  // NOLINT: implicit by design
    template <class U, class = std::enable_if_t<std::is_base_of_v<U, T>>>
    operator std::shared_ptr<U>() const { return p_; }  // NOLINT
    T* operator->() const { return p_.get(); }
    T& operator*() const { return *p_; }
    T* get() const { return p_.get(); }
    const std::shared_ptr<T>& ptr() const { return p_; }
    explicit operator bool() const { return p_ != nullptr; }

    KerasTensor operator()(const KerasTensor& x) const { return (*p_)(x); }
    Outputs operator()(const std::vector<KerasTensor>& xs) const { return Outputs((*p_)(xs)); }
    Tensor operator()(const Tensor& x, bool training = false) const { return (*p_)(x, training); }

private:
    std::shared_ptr<T> p_;
};

/// Creates a registered layer from keyword arguments (strict: unknown keys are errors).
template <class T = Layer>
LayerRef<T> makeLayer(const std::string& className, Json kwargs = Json::object()) {
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
