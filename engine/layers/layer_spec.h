#pragma once
/// Layer metadata as data: one LayerSpec per Keras layer class. The registry, the serializer, the
/// editor's palette and its property inspector all read these; nothing else lists layer parameters.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/json.h"

namespace strata {

class Layer;

/// What kind of value a parameter takes; the inspector picks its widget from this.
enum class ParamType {
    Int,          ///< integer, optional min/max
    Float,        ///< real number, optional min/max
    Bool,
    String,       ///< free text
    Choice,       ///< one of `choices` (padding, data_format, interpolation, ...)
    IntTuple,     ///< int or tuple of `tupleSize` ints (kernel_size, strides, pool_size); stored as list
    IntList,      ///< list of ints of any length (Permute dims, Reshape target_shape with -1)
    Activation,   ///< activation name ("relu") or a Keras activation config
    Initializer,  ///< initializer name or Keras config dict
    Regularizer,  ///< null, "l2", or Keras config dict
    Constraint,   ///< null or Keras config dict (kept for round trips; not applied)
    Json,         ///< any JSON (nested layer configs of wrappers)
};

std::string paramTypeName(ParamType t);

/// One constructor argument of a layer, named exactly as its Keras config key.
struct ParamSpec {
    std::string name;
    ParamType type = ParamType::Int;
    Json defaultValue;               ///< used when absent; ignored if `required`
    bool required = false;
    bool nullable = false;           ///< `None` is allowed (e.g. ReLU max_value, Dense activation)
    std::vector<std::string> choices;  ///< for Choice
    std::optional<double> min, max;  ///< for Int/Float (inclusive)
    int tupleSize = 0;               ///< for IntTuple: 1 (Conv1D), 2 (Conv2D)...
    std::string doc;                 ///< one line, shown as tooltip
    bool advanced = false;           ///< the inspector folds these away by default
};

/// Groups of the palette, in display order.
enum class LayerCategory {
    InputsOutputs, Core, Convolution, Pooling, Recurrent, Merge, Normalization, Regularization,
    Activation, Reshaping, ModelsBlocks, Custom
};
std::string categoryName(LayerCategory c);

/// How many inputs a call takes. Merge layers take 2..unbounded (max < 0).
struct Arity {
    int min = 1;
    int max = 1;
};

struct LayerSpec {
    std::string className;           ///< Keras class name, e.g. "Dense"
    LayerCategory category = LayerCategory::Core;
    std::string doc;                 ///< one-line description
    Arity arity;
    std::vector<ParamSpec> params;
    /// Builds a layer from a normalized config (defaults filled, types checked).
    std::function<std::shared_ptr<Layer>(const Json& config)> factory;
    /// Short settings text for nodes and diagrams ("64 · relu"); optional.
    std::function<std::string(const Json& config)> brief;

    const ParamSpec* param(const std::string& name) const;
};

/// Builders for ParamSpec, so registrations read as one line per argument.
namespace param {
ParamSpec integer(std::string name, std::optional<int64_t> def, std::string doc,
                  std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt);
ParamSpec real(std::string name, std::optional<double> def, std::string doc,
               std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt);
ParamSpec boolean(std::string name, bool def, std::string doc);
ParamSpec string(std::string name, std::optional<std::string> def, std::string doc);
ParamSpec choice(std::string name, std::string def, std::vector<std::string> choices, std::string doc);
ParamSpec intTuple(std::string name, Json def, int size, std::string doc);
ParamSpec intList(std::string name, Json def, std::string doc);
ParamSpec activation(std::string name, Json def, std::string doc);
ParamSpec initializer(std::string name, std::string def, std::string doc);
ParamSpec regularizer(std::string name, std::string doc);
ParamSpec constraint(std::string name, std::string doc);
ParamSpec json(std::string name, Json def, std::string doc);
/// Marks a spec as required (no default).
ParamSpec required(ParamSpec p);
/// Marks a spec as accepting None.
ParamSpec nullable(ParamSpec p);
ParamSpec advanced(ParamSpec p);
}  // namespace param

}  // namespace strata
