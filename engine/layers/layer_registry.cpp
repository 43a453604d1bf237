#include "engine/layers/layer_registry.h"

#include <dlfcn.h>

#include <cmath>
#include <mutex>
#include <set>

#include "engine/core/errors.h"
#include "engine/layers/activations.h"
#include "engine/layers/initializers.h"
#include "engine/layers/layer.h"
#include "engine/layers/regularizers.h"

namespace strata {

LayerRegistry& LayerRegistry::instance() {
    static LayerRegistry* registry = [] {
        auto* r = new LayerRegistry();
        registerBuiltinLayers(*r);
        return r;
    }();
    return *registry;
}

void LayerRegistry::add(LayerSpec spec) {
    if (spec.className.empty()) throw ConfigError("a layer class needs a name to be registered");
    if (byName_.count(spec.className))
        throw ConfigError("layer class '" + spec.className + "' is already registered");
    if (!spec.factory) throw ConfigError("layer class '" + spec.className + "' has no factory");
    std::set<std::string> seen;
    for (const auto& p : spec.params)
        if (!seen.insert(p.name).second)
            throw ConfigError("layer class '" + spec.className + "' declares parameter '" + p.name + "' twice");
    specs_.push_back(std::make_unique<LayerSpec>(std::move(spec)));
    byName_[specs_.back()->className] = specs_.back().get();
}

void LayerRegistry::addAlias(const std::string& alias, const std::string& className) {
    const LayerSpec& s = get(className);
    if (byName_.count(alias)) throw ConfigError("layer class '" + alias + "' is already registered");
    byName_[alias] = &s;
}

bool LayerRegistry::contains(const std::string& className) const { return byName_.count(className) > 0; }

const LayerSpec* LayerRegistry::find(const std::string& className) const {
    auto it = byName_.find(className);
    return it == byName_.end() ? nullptr : it->second;
}

const LayerSpec& LayerRegistry::get(const std::string& className) const {
    const LayerSpec* s = find(className);
    if (!s) throw NotSupportedError("unknown layer class '" + className + "': Strata does not implement it");
    return *s;
}

std::vector<const LayerSpec*> LayerRegistry::all() const {
    std::vector<const LayerSpec*> v;
    for (const auto& s : specs_) v.push_back(s.get());
    return v;
}

namespace {

// Keys every layer accepts (Keras's base Layer kwargs and shape hints of first layers).
const std::set<std::string> kBaseKeys = {"name", "trainable", "dtype", "batch_input_shape", "batch_shape",
                                         "input_shape", "input_dim", "batch_size", "input_length"};

Json checkValue(const std::string& cls, const ParamSpec& p, const Json& v) {
    auto fail = [&](const std::string& what) -> ConfigError {
        return ConfigError(cls + " argument '" + p.name + "': " + what + ", got " + v.dump());
    };
    if (v.is_null()) {
        if (p.type == ParamType::Activation) return "linear";
        if (p.nullable || p.type == ParamType::Regularizer || p.type == ParamType::Constraint ||
            p.type == ParamType::Json)
            return nullptr;
        throw fail("must not be None");
    }
    switch (p.type) {
        case ParamType::Int: {
            int64_t x;
            if (v.is_number_integer()) x = v.get<int64_t>();
            else if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) x = static_cast<int64_t>(v.get<double>());
            else throw fail("expected an integer");
            if (p.min && x < *p.min) throw fail("must be >= " + std::to_string(static_cast<int64_t>(*p.min)));
            if (p.max && x > *p.max) throw fail("must be <= " + std::to_string(static_cast<int64_t>(*p.max)));
            return x;
        }
        case ParamType::Float: {
            if (!v.is_number()) throw fail("expected a number");
            double x = v.get<double>();
            if (!std::isfinite(x)) throw fail("must be finite");
            if (p.min && x < *p.min) throw fail("must be >= " + std::to_string(*p.min));
            if (p.max && x > *p.max) throw fail("must be <= " + std::to_string(*p.max));
            return x;
        }
        case ParamType::Bool:
            if (!v.is_boolean()) throw fail("expected true or false");
            return v;
        case ParamType::String:
            if (!v.is_string()) throw fail("expected a string");
            return v;
        case ParamType::Choice: {
            if (!v.is_string()) throw fail("expected a string");
            std::string s = v.get<std::string>();
            for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            for (const auto& c : p.choices)
                if (c == s) return s;
            std::string all;
            for (const auto& c : p.choices) all += (all.empty() ? "" : ", ") + c;
            throw fail("expected one of " + all);
        }
        case ParamType::IntTuple: {
            std::vector<int64_t> out;
            if (v.is_number_integer()) {
                out.assign(std::max(1, p.tupleSize), v.get<int64_t>());
            } else if (v.is_array()) {
                for (const auto& e : v) {
                    if (!e.is_number_integer()) throw fail("expected integers");
                    out.push_back(e.get<int64_t>());
                }
                if (p.tupleSize > 0 && static_cast<int>(out.size()) != p.tupleSize)
                    throw fail("expected " + std::to_string(p.tupleSize) + " integers");
            } else {
                throw fail("expected an integer or a tuple of integers");
            }
            return out;
        }
        case ParamType::IntList: {
            if (v.is_number_integer()) return Json::array({v});
            if (!v.is_array()) throw fail("expected a list of integers");
            for (const auto& e : v)
                if (!e.is_number_integer() && !e.is_null()) throw fail("expected a list of integers");
            return v;
        }
        case ParamType::Activation:
            try {
                ActivationFn::fromJson(v);
            } catch (const ValueError& e) {
                throw ConfigError(cls + " argument '" + p.name + "': " + e.what());
            }
            return v.is_string() ? v : Json(ActivationFn::fromJson(v).name());
        case ParamType::Initializer:
            try {
                Tensor probe({2, 2});
                Rng rng(0);
                initializeTensor(probe, v, rng);
            } catch (const Error& e) {
                throw ConfigError(cls + " argument '" + p.name + "': " + e.what());
            }
            return v;
        case ParamType::Regularizer:
            try {
                parseRegularizer(v);
            } catch (const Error& e) {
                throw ConfigError(cls + " argument '" + p.name + "': " + e.what());
            }
            return v;
        case ParamType::Constraint:
        case ParamType::Json:
            return v;
    }
    return v;
}

}  // namespace

Json LayerRegistry::normalize(const std::string& className, const Json& config, bool strict) const {
    const LayerSpec& spec = get(className);
    if (!config.is_null() && !config.is_object())
        throw ConfigError(className + " config must be a JSON object, got " + config.dump());
    Json in = config.is_null() ? Json::object() : config;
    Json out = Json::object();
    for (const auto& p : spec.params) {
        auto it = in.find(p.name);
        if (it == in.end()) {
            if (p.required) throw ConfigError(className + " is missing required argument '" + p.name + "'");
            out[p.name] = p.defaultValue;
            if (p.type == ParamType::IntTuple && p.defaultValue.is_number_integer())
                out[p.name] = checkValue(className, p, p.defaultValue);
        } else {
            out[p.name] = checkValue(className, p, *it);
        }
    }
    for (auto it = in.begin(); it != in.end(); ++it) {
        if (spec.param(it.key())) continue;
        if (kBaseKeys.count(it.key())) {
            out[it.key()] = it.value();
            continue;
        }
        if (strict) {
            std::string known;
            for (const auto& p : spec.params) known += (known.empty() ? "" : ", ") + p.name;
            throw ConfigError(className + " has no argument '" + it.key() + "' (arguments: " + known + ")");
        }
        out[it.key()] = it.value();
    }
    return out;
}

std::shared_ptr<Layer> LayerRegistry::create(const std::string& className, const Json& config, bool strict) const {
    const LayerSpec& spec = get(className);
    return spec.factory(normalize(className, config, strict));
}

std::vector<std::string> LayerRegistry::loadPlugin(const std::string& path) {
    static std::mutex m;
    std::lock_guard<std::mutex> lock(m);
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw IoError("cannot load layer plugin '" + path + "': " + dlerror());
    using RegisterFn = void (*)(LayerRegistry&);
    auto fn = reinterpret_cast<RegisterFn>(dlsym(handle, "strata_register_layers"));
    if (!fn) throw IoError("layer plugin '" + path + "' does not export strata_register_layers");
    size_t before = specs_.size();
    fn(*this);
    std::vector<std::string> added;
    for (size_t i = before; i < specs_.size(); ++i) added.push_back(specs_[i]->className);
    return added;  // the library stays loaded: its code backs the registered factories
}

}  // namespace strata
