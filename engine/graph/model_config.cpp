#include "engine/graph/model_config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "engine/core/errors.h"
#include "engine/graph/input_layer.h"
#include "engine/graph/sequential.h"
#include "engine/layers/layer_registry.h"

namespace strata {

namespace {

constexpr int kMaxNesting = 64;  // deeper configs are refused (hostile files)

Json shapeToJson(const Shape& s) {
    Json j = Json::array();
    for (auto d : s.dims()) j.push_back(d == kNone ? Json(nullptr) : Json(d));
    return j;
}

Json tensorRef(const Model& model, const KerasTensor& t) {
    return Json{t.layer().name(), model.nodeIndexInModel(t.node()), t.index()};
}

Json kerasTensorJson(const Model& model, const KerasTensor& t) {
    return Json{{"class_name", "__keras_tensor__"},
                {"config",
                 {{"shape", shapeToJson(t.shape())},
                  {"dtype", dtypeName(t.dtype())},
                  {"keras_history", tensorRef(model, t)}}}};
}

std::string moduleOf(const Layer& layer) {
    if (layer.className() == "Functional") return "keras.src.models.functional";
    if (layer.className() == "Sequential") return "keras";
    if (LayerRegistry::instance().contains(layer.className())) {
        const auto* spec = LayerRegistry::instance().find(layer.className());
        if (spec->category == LayerCategory::Custom) return "";
    }
    return "keras.layers";
}

}  // namespace

Json serializeLayer(const Layer& layer) {
    Json j;
    std::string module = moduleOf(layer);
    j["module"] = module.empty() ? Json(nullptr) : Json(module);
    j["class_name"] = layer.className();
    j["config"] = layer.getConfig();
    if (layer.className() == "Functional" || layer.className() == "Sequential")
        j["registered_name"] = layer.className();
    else
        j["registered_name"] = module.empty() ? Json("Custom>" + layer.className()) : Json(nullptr);
    if (layer.built() && !layer.buildShapes().empty() && layer.className() != "InputLayer") {
        if (layer.buildShapes().size() == 1)
            j["build_config"] = {{"input_shape", shapeToJson(layer.buildShapes()[0])}};
        else {
            Json shapes = Json::array();
            for (const auto& s : layer.buildShapes()) shapes.push_back(shapeToJson(s));
            j["build_config"] = {{"input_shape", shapes}};
        }
    }
    return j;
}

Json Model::getConfig() const {
    Json j;
    j["name"] = name();
    j["trainable"] = trainable();
    Json layersJ = Json::array();
    for (const auto& l : layers()) {
        Json e = serializeLayer(*l);
        e["name"] = l->name();
        Json inbound = Json::array();
        for (const auto& node : l->inboundNodes()) {
            if (!containsNode(node.get()) || node->isInput()) continue;
            Json args = Json::array();
            if (node->inputs().size() == 1) {
                args.push_back(kerasTensorJson(*this, node->inputs()[0]));
            } else {
                Json list = Json::array();
                for (const auto& x : node->inputs()) list.push_back(kerasTensorJson(*this, x));
                args.push_back(list);
            }
            inbound.push_back({{"args", args}, {"kwargs", Json::object()}});
        }
        e["inbound_nodes"] = inbound;
        layersJ.push_back(e);
    }
    j["layers"] = layersJ;
    auto refs = [&](const std::vector<KerasTensor>& ts) {
        Json r = Json::array();
        for (const auto& t : ts) r.push_back(tensorRef(*this, t));
        return r;
    };
    j["input_layers"] = refs(inputs());
    j["output_layers"] = refs(outputs());
    return j;
}

Json modelToJson(const Model& model) {
    Json j = serializeLayer(model);
    j["module"] = model.className() == "Sequential" ? "keras" : "keras.src.models.functional";
    j.erase("build_config");
    if (model.built() && !model.buildShapes().empty())
        j["build_config"] = {{"input_shape", model.buildShapes().size() == 1 ? shapeToJson(model.buildShapes()[0]) : [&] {
                                  Json a = Json::array();
                                  for (const auto& s : model.buildShapes()) a.push_back(shapeToJson(s));
                                  return a;
                              }()}};
    return j;
}

std::string modelToJsonString(const Model& model, int indent) { return modelToJson(model).dump(indent); }

// ---- reading ------------------------------------------------------------------------------------

namespace {

ModelPtr functionalFromConfig(const Json& cfg, int depth);
ModelPtr sequentialFromConfig(const Json& cfg, int depth);

LayerPtr layerFromJsonAt(const Json& entry, int depth) {
    if (depth > kMaxNesting) throw ConfigError("model config is nested more than " + std::to_string(kMaxNesting) + " levels deep");
    if (!entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string())
        throw ConfigError("layer entry must be an object with a string 'class_name', got " + entry.dump().substr(0, 200));
    std::string cls = entry["class_name"].get<std::string>();
    Json cfg = entry.contains("config") ? entry["config"] : Json::object();
    if (!cfg.is_object() && !(cls == "Sequential" && cfg.is_array()))
        throw ConfigError("layer '" + cls + "': 'config' must be an object");
    if (cls == "Functional" || cls == "Model") return functionalFromConfig(cfg, depth + 1);
    if (cls == "Sequential") return sequentialFromConfig(cfg, depth + 1);
    std::string lname = cfg.is_object() && cfg.contains("name") && cfg["name"].is_string() ? cfg["name"].get<std::string>() : "?";
    const auto& reg = LayerRegistry::instance();
    std::string key = cls;
    if (!reg.contains(key) && entry.contains("registered_name") && entry["registered_name"].is_string()) {
        std::string rn = entry["registered_name"].get<std::string>();
        auto p = rn.find('>');
        if (p != std::string::npos && reg.contains(rn.substr(p + 1))) key = rn.substr(p + 1);
    }
    if (!reg.contains(key)) {
        if (cls == "Lambda")
            throw NotSupportedError("layer '" + lname + "' is a Lambda layer (Python code), which Strata does not run");
        throw NotSupportedError("layer '" + lname + "' has class '" + cls + "', which Strata does not implement");
    }
    try {
        auto layer = reg.create(key, cfg, /*strict=*/false);
        if (entry.contains("build_config") && entry["build_config"].is_object() &&
            entry["build_config"].contains("input_shape") && !layer->built()) {
            const Json& is = entry["build_config"]["input_shape"];
            auto toShape = [](const Json& a) {
                std::vector<int64_t> d;
                for (const auto& e : a) d.push_back(e.is_null() ? kNone : e.get<int64_t>());
                return Shape(d);
            };
            if (is.is_array() && !is.empty() && is[0].is_array()) {
                std::vector<Shape> shapes;
                for (const auto& s : is) shapes.push_back(toShape(s));
                layer->build(shapes);
            } else if (is.is_array()) {
                layer->build({toShape(is)});
            }
        }
        return layer;
    } catch (const Error& e) {
        throw ConfigError("layer '" + lname + "' (" + cls + "): " + e.what());
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError("layer '" + lname + "' (" + cls + "): malformed config: " + e.what());
    }
}

// A reference to a tensor: Keras 2 [name, node, tensor, kwargs] or Keras 3 __keras_tensor__.
struct TensorRef {
    std::string layer;
    int node = 0;
    int tensor = 0;
};

bool parseRef(const Json& j, TensorRef& r) {
    if (j.is_array() && j.size() >= 3 && j[0].is_string() && j[1].is_number_integer() && j[2].is_number_integer()) {
        r = {j[0].get<std::string>(), j[1].get<int>(), j[2].get<int>()};
        return true;
    }
    if (j.is_object() && j.value("class_name", "") == "__keras_tensor__" && j.contains("config") &&
        j["config"].contains("keras_history"))
        return parseRef(j["config"]["keras_history"], r);
    return false;
}

void collectRefs(const Json& j, std::vector<TensorRef>& out, int depth = 0) {
    if (depth > kMaxNesting) throw ConfigError("inbound node nested too deeply");
    TensorRef r;
    if (parseRef(j, r)) {
        out.push_back(r);
        return;
    }
    if (j.is_array())
        for (const auto& e : j) collectRefs(e, out, depth + 1);
}

std::vector<TensorRef> nodeRefs(const Json& nodeData) {
    std::vector<TensorRef> refs;
    if (nodeData.is_object() && nodeData.contains("args")) {
        collectRefs(nodeData["args"], refs);
    } else if (nodeData.is_array()) {
        collectRefs(nodeData, refs);
    } else {
        throw ConfigError("inbound node must be a list or an object with 'args', got " + nodeData.dump().substr(0, 200));
    }
    return refs;
}

std::vector<TensorRef> ioRefs(const Json& j, const char* what) {
    std::vector<TensorRef> refs;
    TensorRef r;
    if (parseRef(j, r)) return {r};
    if (j.is_object()) {  // dict inputs/outputs: sorted key order, like Keras's tree.flatten
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (!parseRef(it.value(), r)) throw ConfigError(std::string("bad entry in ") + what);
            refs.push_back(r);
        }
        return refs;
    }
    if (!j.is_array()) throw ConfigError(std::string("'") + what + "' must be a list");
    for (const auto& e : j) {
        if (!parseRef(e, r)) throw ConfigError(std::string("bad entry in '") + what + "': " + e.dump().substr(0, 200));
        refs.push_back(r);
    }
    return refs;
}

ModelPtr functionalFromConfig(const Json& cfg, int depth) {
    if (!cfg.is_object() || !cfg.contains("layers") || !cfg["layers"].is_array())
        throw ConfigError("functional model config needs a 'layers' list");
    std::string mname = cfg.value("name", std::string());
    std::vector<LayerPtr> created;
    std::vector<Json> nodeData;
    std::map<std::string, size_t> byName;
    for (const auto& entry : cfg["layers"]) {
        auto layer = layerFromJsonAt(entry, depth);
        if (entry.contains("name") && entry["name"].is_string() && entry["name"].get<std::string>() != layer->name())
            layer->setName(entry["name"].get<std::string>());
        if (byName.count(layer->name()))
            throw ConfigError("model '" + mname + "': the layer name '" + layer->name() + "' appears twice");
        byName[layer->name()] = created.size();
        created.push_back(layer);
        Json nodes = entry.contains("inbound_nodes") ? entry["inbound_nodes"] : Json::array();
        if (!nodes.is_array()) throw ConfigError("layer '" + layer->name() + "': 'inbound_nodes' must be a list");
        nodeData.push_back(nodes);
    }
    // Outputs of each created node, per layer, in node order.
    std::vector<std::vector<std::vector<KerasTensor>>> nodeOutputs(created.size());
    std::vector<size_t> next(created.size(), 0);
    for (size_t i = 0; i < created.size(); ++i) {
        if (auto in = std::dynamic_pointer_cast<InputLayer>(created[i])) {
            nodeOutputs[i].push_back({in->tensor()});
            next[i] = nodeData[i].size();
        }
    }
    // Keras processes nodes in layer order, deferring a node whose inputs do not exist yet (shared
    // layers can be listed before the layers feeding their later calls).
    bool progress = true;
    while (progress) {
        progress = false;
        for (size_t i = 0; i < created.size(); ++i) {
            while (next[i] < nodeData[i].size()) {
                auto refs = nodeRefs(nodeData[i][next[i]]);
                std::vector<KerasTensor> ins;
                bool ready = true;
                for (const auto& r : refs) {
                    auto it = byName.find(r.layer);
                    if (it == byName.end())
                        throw ConfigError("model '" + mname + "': layer '" + created[i]->name() +
                                          "' is connected to unknown layer '" + r.layer + "'");
                    const auto& outs = nodeOutputs[it->second];
                    if (r.node < 0 || r.node >= static_cast<int>(outs.size())) {
                        ready = false;
                        break;
                    }
                    if (r.tensor < 0 || r.tensor >= static_cast<int>(outs[r.node].size()))
                        throw ConfigError("model '" + mname + "': layer '" + created[i]->name() + "' uses output " +
                                          std::to_string(r.tensor) + " of '" + r.layer + "', which has " +
                                          std::to_string(outs[r.node].size()));
                    ins.push_back(outs[r.node][r.tensor]);
                }
                if (!ready) break;
                if (refs.empty())
                    throw ConfigError("model '" + mname + "': layer '" + created[i]->name() + "' has a call with no inputs");
                nodeOutputs[i].push_back((*created[i])(ins));
                ++next[i];
                progress = true;
            }
        }
    }
    for (size_t i = 0; i < created.size(); ++i)
        if (next[i] < nodeData[i].size())
            throw ConfigError("model '" + mname + "': the inputs of layer '" + created[i]->name() +
                              "' can never be computed (missing or cyclic connections)");
    auto resolve = [&](const TensorRef& r) {
        auto it = byName.find(r.layer);
        if (it == byName.end()) throw ConfigError("model '" + mname + "' refers to unknown layer '" + r.layer + "'");
        const auto& outs = nodeOutputs[it->second];
        if (r.node < 0 || r.node >= static_cast<int>(outs.size()) || r.tensor < 0 ||
            r.tensor >= static_cast<int>(outs[r.node].size()))
            throw ConfigError("model '" + mname + "' refers to a missing output of layer '" + r.layer + "'");
        return outs[r.node][r.tensor];
    };
    std::vector<KerasTensor> inputs, outputs;
    for (const auto& r : ioRefs(cfg.value("input_layers", Json::array()), "input_layers")) inputs.push_back(resolve(r));
    for (const auto& r : ioRefs(cfg.value("output_layers", Json::array()), "output_layers")) outputs.push_back(resolve(r));
    auto model = std::make_shared<Model>(inputs, outputs, mname);
    if (cfg.contains("trainable") && cfg["trainable"].is_boolean() && !cfg["trainable"].get<bool>()) model->setTrainable(false);
    return model;
}

ModelPtr sequentialFromConfig(const Json& cfgIn, int depth) {
    Json layersJ;
    std::string mname;
    if (cfgIn.is_array()) {  // Keras 2.0/2.1: the config is the layer list
        layersJ = cfgIn;
    } else {
        if (!cfgIn.contains("layers") || !cfgIn["layers"].is_array())
            throw ConfigError("Sequential config needs a 'layers' list");
        layersJ = cfgIn["layers"];
        mname = cfgIn.value("name", std::string());
    }
    auto seq = std::make_shared<Sequential>(std::vector<LayerPtr>{}, mname);
    bool first = true;
    for (const auto& entry : layersJ) {
        auto layer = layerFromJsonAt(entry, depth);
        if (first && !std::dynamic_pointer_cast<InputLayer>(layer)) {
            // Keras 2: the first layer carries the input shape.
            const Json& c = entry.contains("config") ? entry["config"] : Json::object();
            Json bs;
            if (c.contains("batch_input_shape")) bs = c["batch_input_shape"];
            else if (c.contains("batch_shape")) bs = c["batch_shape"];
            if (bs.is_array()) {
                Json icfg = {{"batch_shape", bs}, {"name", layer->name() + "_input"}};
                if (c.contains("dtype") && c["dtype"].is_string()) icfg["dtype"] = c["dtype"];
                seq->add(LayerRegistry::instance().create("InputLayer", icfg, false));
            }
        }
        first = false;
        seq->add(layer);
    }
    if (!seq->inputLayer() && cfgIn.is_object() && cfgIn.contains("build_input_shape") &&
        cfgIn["build_input_shape"].is_array()) {
        std::vector<int64_t> d;
        for (const auto& e : cfgIn["build_input_shape"]) d.push_back(e.is_null() ? kNone : e.get<int64_t>());
        seq->buildWithShape(Shape(d));
    }
    if (cfgIn.is_object() && cfgIn.contains("trainable") && cfgIn["trainable"].is_boolean() &&
        !cfgIn["trainable"].get<bool>())
        seq->setTrainable(false);
    return seq;
}

}  // namespace

LayerPtr layerFromJson(const Json& entry) { return layerFromJsonAt(entry, 0); }

ModelPtr modelFromJson(const Json& json) {
    try {
        Json entry = json;
        if (!entry.is_object()) throw ConfigError("a model config must be a JSON object");
        // {"class_name": ..., "config": ...} with optional keras_version/backend around it.
        if (!entry.contains("class_name") && entry.contains("config") && entry["config"].is_object() &&
            entry["config"].contains("class_name"))
            entry = entry["config"];
        if (!entry.contains("class_name")) {
            if (entry.contains("layers")) entry = Json{{"class_name", "Functional"}, {"config", entry}};
            else throw ConfigError("not a Keras model config: no 'class_name'");
        }
        std::string cls = entry["class_name"].is_string() ? entry["class_name"].get<std::string>() : "";
        if (cls != "Functional" && cls != "Model" && cls != "Sequential")
            throw NotSupportedError("model class '" + cls +
                                    "' is not a Functional or Sequential model (subclassed models have no config graph)");
        auto layer = layerFromJsonAt(entry, 0);
        return std::static_pointer_cast<Model>(layer);
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError(std::string("malformed model config: ") + e.what());
    }
}

ModelPtr modelFromJsonString(const std::string& text, const std::string& source) {
    Json j;
    try {
        j = Json::parse(text, nullptr, true, false);
    } catch (const nlohmann::json::parse_error& e) {
        throw ConfigError(source + ": not valid JSON (byte " + std::to_string(e.byte) + "): " + e.what());
    }
    try {
        return modelFromJson(j);
    } catch (const Error& e) {
        throw ConfigError(source + ": " + e.what());
    }
}

std::string readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("cannot open '" + path + "' for reading");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

ModelPtr loadModelConfigFile(const std::string& path) { return modelFromJsonString(readTextFile(path), path); }

void writeFileAtomic(const std::string& path, const std::string& data) {
    std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw IoError("cannot write '" + tmp + "'");
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        out.flush();
        if (!out) {
            std::remove(tmp.c_str());
            throw IoError("writing '" + tmp + "' failed");
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw IoError("cannot replace '" + path + "'");
    }
}

void saveModelConfigFile(const Model& model, const std::string& path) {
    writeFileAtomic(path, modelToJsonString(model, 2) + "\n");
}

ModelPtr cloneModel(const Model& model) {
    // Same structure and layer configs, new layer instances (fresh weights), as keras.models.clone_model.
    return modelFromJson(modelToJson(model));
}

}  // namespace strata
