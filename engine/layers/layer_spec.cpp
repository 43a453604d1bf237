#include "engine/layers/layer_spec.h"

namespace strata {

std::string paramTypeName(ParamType t) {
    switch (t) {
        case ParamType::Int: return "int";
        case ParamType::Float: return "float";
        case ParamType::Bool: return "bool";
        case ParamType::String: return "string";
        case ParamType::Choice: return "choice";
        case ParamType::IntTuple: return "int tuple";
        case ParamType::IntList: return "int list";
        case ParamType::Activation: return "activation";
        case ParamType::Initializer: return "initializer";
        case ParamType::Regularizer: return "regularizer";
        case ParamType::Constraint: return "constraint";
        case ParamType::Json: return "json";
    }
    return "?";
}

std::string categoryName(LayerCategory c) {
    switch (c) {
        case LayerCategory::InputsOutputs: return "Inputs & outputs";
        case LayerCategory::Core: return "Core";
        case LayerCategory::Convolution: return "Convolution";
        case LayerCategory::Pooling: return "Pooling";
        case LayerCategory::Recurrent: return "Recurrent";
        case LayerCategory::Merge: return "Merge";
        case LayerCategory::Normalization: return "Normalization";
        case LayerCategory::Regularization: return "Regularization";
        case LayerCategory::Activation: return "Activation";
        case LayerCategory::Reshaping: return "Reshaping";
        case LayerCategory::ModelsBlocks: return "Models & blocks";
        case LayerCategory::Custom: return "Custom";
    }
    return "?";
}

const ParamSpec* LayerSpec::param(const std::string& name) const {
    for (const auto& p : params)
        if (p.name == name) return &p;
    return nullptr;
}

namespace param {

static ParamSpec make(std::string name, ParamType type, Json def, std::string doc) {
    ParamSpec p;
    p.name = std::move(name);
    p.type = type;
    p.defaultValue = std::move(def);
    p.doc = std::move(doc);
    return p;
}

ParamSpec integer(std::string name, std::optional<int64_t> def, std::string doc, std::optional<double> min,
                  std::optional<double> max) {
    ParamSpec p = make(std::move(name), ParamType::Int, def ? Json(*def) : Json(nullptr), std::move(doc));
    p.min = min;
    p.max = max;
    if (!def) p.nullable = true;
    return p;
}
ParamSpec real(std::string name, std::optional<double> def, std::string doc, std::optional<double> min,
               std::optional<double> max) {
    ParamSpec p = make(std::move(name), ParamType::Float, def ? Json(*def) : Json(nullptr), std::move(doc));
    p.min = min;
    p.max = max;
    if (!def) p.nullable = true;
    return p;
}
ParamSpec boolean(std::string name, bool def, std::string doc) {
    return make(std::move(name), ParamType::Bool, def, std::move(doc));
}
ParamSpec string(std::string name, std::optional<std::string> def, std::string doc) {
    ParamSpec p = make(std::move(name), ParamType::String, def ? Json(*def) : Json(nullptr), std::move(doc));
    if (!def) p.nullable = true;
    return p;
}
ParamSpec choice(std::string name, std::string def, std::vector<std::string> choices, std::string doc) {
    ParamSpec p = make(std::move(name), ParamType::Choice, def, std::move(doc));
    p.choices = std::move(choices);
    return p;
}
ParamSpec intTuple(std::string name, Json def, int size, std::string doc) {
    ParamSpec p = make(std::move(name), ParamType::IntTuple, std::move(def), std::move(doc));
    p.tupleSize = size;
    return p;
}
ParamSpec intList(std::string name, Json def, std::string doc) {
    return make(std::move(name), ParamType::IntList, std::move(def), std::move(doc));
}
ParamSpec activation(std::string name, Json def, std::string doc) {
    return make(std::move(name), ParamType::Activation, std::move(def), std::move(doc));
}
ParamSpec initializer(std::string name, std::string def, std::string doc) {
    return make(std::move(name), ParamType::Initializer, def, std::move(doc));
}
ParamSpec regularizer(std::string name, std::string doc) {
    ParamSpec p = make(std::move(name), ParamType::Regularizer, nullptr, std::move(doc));
    p.nullable = true;
    p.advanced = true;
    return p;
}
ParamSpec constraint(std::string name, std::string doc) {
    ParamSpec p = make(std::move(name), ParamType::Constraint, nullptr, std::move(doc));
    p.nullable = true;
    p.advanced = true;
    return p;
}
ParamSpec json(std::string name, Json def, std::string doc) {
    return make(std::move(name), ParamType::Json, std::move(def), std::move(doc));
}
ParamSpec required(ParamSpec p) {
    p.required = true;
    p.nullable = false;
    return p;
}
ParamSpec nullable(ParamSpec p) {
    p.nullable = true;
    return p;
}
ParamSpec advanced(ParamSpec p) {
    p.advanced = true;
    return p;
}

}  // namespace param
}  // namespace strata
