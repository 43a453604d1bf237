#include "engine/graph/input_layer.h"

#include "engine/core/errors.h"
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

LayerSpec InputLayer::spec() {
    LayerSpec s;
    s.className = "InputLayer";
    s.category = LayerCategory::InputsOutputs;
    s.doc = "Entry point of a model: a tensor of the given shape (batch dimension excluded).";
    s.arity = {0, 0};
    s.params = {
        param::intList("shape", nullptr, "Shape without the batch dimension; null entries are variable."),
        param::integer("batch_size", std::nullopt, "Fixed batch size, or null.", 1),
        param::advanced(param::boolean("sparse", false, "Sparse input (not supported).")),
        param::advanced(param::boolean("ragged", false, "Ragged input (not supported).")),
    };
    s.params[0].nullable = true;
    s.factory = [](const Json& c) { return std::make_shared<InputLayer>(c); };
    s.brief = [](const Json& c) {
        if (c.contains("batch_shape") && c["batch_shape"].is_array()) {
            std::vector<int64_t> d;
            for (const auto& e : c["batch_shape"]) d.push_back(e.is_null() ? kNone : e.get<int64_t>());
            return Shape(d).toString();
        }
        return std::string();
    };
    return s;
}

static std::vector<int64_t> dimsFrom(const Json& j, const char* what) {
    std::vector<int64_t> d;
    if (!j.is_array()) throw ConfigError(std::string("InputLayer '") + what + "' must be a list, got " + j.dump());
    for (const auto& e : j) {
        if (e.is_null()) d.push_back(kNone);
        else if (e.is_number_integer() && e.get<int64_t>() >= 0) d.push_back(e.get<int64_t>());
        else throw ConfigError(std::string("InputLayer '") + what + "' must hold non-negative integers or null, got " + j.dump());
    }
    return d;
}

InputLayer::InputLayer(const Json& config) : Layer("InputLayer", config) {
    const Json& c = this->config();
    // Keras 3 writes batch_shape, Keras 2 batch_input_shape; the C++ API passes shape.
    if (c.contains("batch_shape") && !c["batch_shape"].is_null()) {
        batchShape_ = Shape(dimsFrom(c["batch_shape"], "batch_shape"));
    } else if (c.contains("batch_input_shape") && !c["batch_input_shape"].is_null()) {
        batchShape_ = Shape(dimsFrom(c["batch_input_shape"], "batch_input_shape"));
    } else if (c.contains("shape") && !c["shape"].is_null()) {
        int64_t b = cfgIsNull(c, "batch_size") ? kNone : cfgInt(c, "batch_size");
        batchShape_ = Shape::withBatch(dimsFrom(c["shape"], "shape"), b);
    } else {
        throw ConfigError("InputLayer '" + name() + "' needs a shape");
    }
    if (batchShape_.rank() < 1) throw ConfigError("InputLayer '" + name() + "' needs a batch dimension");
    if (c.value("sparse", false)) throw NotSupportedError("InputLayer '" + name() + "': sparse inputs are not supported");
    if (c.value("ragged", false)) throw NotSupportedError("InputLayer '" + name() + "': ragged inputs are not supported");
    // Layer::getConfig, not ours: ours answers with dtype_, which is what is being set here.
    auto dt = Layer::getConfig()["dtype"];
    if (dt.is_string()) dtype_ = parseDType(dt.get<std::string>());
    else if (dt.is_object() && dt.contains("config") && dt["config"].contains("name"))
        dtype_ = parseDType(dt["config"]["name"].get<std::string>());
    markBuilt({});
    // Keep one canonical key set, as Keras 3's InputLayer.get_config does.
    auto& mc = mutableConfig();
    mc.erase("shape");
    mc.erase("batch_size");
    mc.erase("batch_input_shape");
    Json bs = Json::array();
    for (auto d : batchShape_.dims()) bs.push_back(d == kNone ? Json(nullptr) : Json(d));
    mc["batch_shape"] = bs;
}

Json InputLayer::getConfig() const {
    Json j = Layer::getConfig();
    j["dtype"] = dtypeName(dtype_);
    return j;
}

void InputLayer::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext&) {
    throw ValueError("InputLayer '" + name() + "' is fed by the model, not called");
}

KerasTensor InputLayer::tensor() {
    auto nodes = inboundNodes();
    if (!nodes.empty()) return nodes[0]->output(0);
    auto node = std::make_shared<Node>(shared_from_this(), std::vector<KerasTensor>{}, std::vector<Shape>{batchShape_},
                                       std::vector<DType>{dtype_});
    registerNode(node);
    return node->output(0);
}

KerasTensor Input(std::vector<int64_t> shape, const std::string& name, const std::string& dtype, int64_t batchSize) {
    Json cfg = Json::object();
    Json s = Json::array();
    for (auto d : shape) s.push_back(d == kNone ? Json(nullptr) : Json(d));
    cfg["shape"] = s;
    if (!name.empty()) cfg["name"] = name;
    if (batchSize != kNone) cfg["batch_size"] = batchSize;
    cfg["dtype"] = dtypeName(parseDType(dtype));
    auto layer = std::static_pointer_cast<InputLayer>(LayerRegistry::instance().create("InputLayer", cfg, true));
    return layer->tensor();
}

void registerInputLayer(LayerRegistry& r) { r.add(InputLayer::spec()); }

}  // namespace strata
