#include "engine/layers/layer.h"

#include <map>
#include <mutex>
#include <regex>
#include <set>

#include "engine/core/errors.h"
#include "engine/graph/node.h"
#include "engine/layers/initializers.h"
#include "engine/layers/layer_registry.h"

namespace strata {

// ---- names --------------------------------------------------------------------------------------

std::string toSnakeCase(const std::string& className) {
    static const std::regex nonWord(R"(\W+)"), upperWord("(.)([A-Z][a-z]+)"), lowerUpper("([a-z])([A-Z])");
    std::string s = std::regex_replace(className, nonWord, "");
    s = std::regex_replace(s, upperWord, "$1_$2");
    s = std::regex_replace(s, lowerUpper, "$1_$2");
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

namespace {
std::mutex gNameMutex;
std::map<std::string, int>& nameCounters() {
    static std::map<std::string, int> m;
    return m;
}
}  // namespace

std::string uniqueName(const std::string& prefix) {
    std::lock_guard<std::mutex> lock(gNameMutex);
    int n = nameCounters()[prefix]++;
    return n == 0 ? prefix : prefix + "_" + std::to_string(n);
}

void clearSession() {
    std::lock_guard<std::mutex> lock(gNameMutex);
    nameCounters().clear();
}

// ---- config helpers -----------------------------------------------------------------------------

static const Json& cfgGet(const Json& cfg, const std::string& key) {
    auto it = cfg.find(key);
    if (it == cfg.end()) throw ConfigError("missing config key '" + key + "'");
    return *it;
}

int64_t cfgInt(const Json& cfg, const std::string& key) {
    const Json& v = cfgGet(cfg, key);
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())))
        return static_cast<int64_t>(v.get<double>());
    throw ConfigError("config key '" + key + "' must be an integer, got " + v.dump());
}
double cfgFloat(const Json& cfg, const std::string& key) {
    const Json& v = cfgGet(cfg, key);
    if (v.is_number()) return v.get<double>();
    throw ConfigError("config key '" + key + "' must be a number, got " + v.dump());
}
bool cfgBool(const Json& cfg, const std::string& key) {
    const Json& v = cfgGet(cfg, key);
    if (v.is_boolean()) return v.get<bool>();
    throw ConfigError("config key '" + key + "' must be true or false, got " + v.dump());
}
std::string cfgString(const Json& cfg, const std::string& key) {
    const Json& v = cfgGet(cfg, key);
    if (v.is_string()) return v.get<std::string>();
    throw ConfigError("config key '" + key + "' must be a string, got " + v.dump());
}
std::vector<int64_t> cfgInts(const Json& cfg, const std::string& key) {
    const Json& v = cfgGet(cfg, key);
    std::vector<int64_t> out;
    if (v.is_number_integer()) return {v.get<int64_t>()};
    if (!v.is_array()) throw ConfigError("config key '" + key + "' must be a list of integers, got " + v.dump());
    for (const auto& e : v) {
        if (e.is_null()) { out.push_back(kNone); continue; }
        if (!e.is_number_integer()) throw ConfigError("config key '" + key + "' must be a list of integers, got " + v.dump());
        out.push_back(e.get<int64_t>());
    }
    return out;
}
bool cfgIsNull(const Json& cfg, const std::string& key) {
    auto it = cfg.find(key);
    return it == cfg.end() || it->is_null();
}

// ---- Variable -----------------------------------------------------------------------------------

std::string Variable::path() const { return owner ? owner->name() + "/" + name : name; }

// ---- Layer --------------------------------------------------------------------------------------

Layer::Layer(std::string className, Json config) : className_(std::move(className)) {
    if (!config.is_object()) config = Json::object();
    if (config.contains("name") && config["name"].is_string() && !config["name"].get<std::string>().empty())
        name_ = config["name"].get<std::string>();
    else
        name_ = uniqueName(toSnakeCase(className_));
    if (config.contains("trainable") && config["trainable"].is_boolean()) trainable_ = config["trainable"].get<bool>();
    if (config.contains("dtype")) dtypeConfig_ = config["dtype"];
    config.erase("name");
    config.erase("trainable");
    config.erase("dtype");
    config_ = std::move(config);
}

Layer::~Layer() = default;

void Layer::setName(const std::string& name) {
    if (name.empty()) throw ValueError("layer names must not be empty");
    name_ = name;
}

void Layer::setTrainable(bool t) {
    trainable_ = t;
    for (Layer* l : subLayers()) l->setTrainable(t);
}

Json Layer::getConfig() const {
    Json j = Json::object();
    j["name"] = name_;
    j["trainable"] = trainable_;
    j["dtype"] = dtypeConfig_.is_null() ? Json("float32") : dtypeConfig_;
    for (auto it = config_.begin(); it != config_.end(); ++it) j[it.key()] = it.value();
    return j;
}

std::vector<DType> Layer::computeOutputDType(const std::vector<DType>& inputDTypes) const {
    return {DType::Float32};
}

int Layer::minInputs() const {
    const LayerSpec* spec = LayerRegistry::instance().find(className_);
    return spec ? spec->arity.min : 1;
}
int Layer::maxInputs() const {
    const LayerSpec* spec = LayerRegistry::instance().find(className_);
    return spec ? spec->arity.max : 1;
}

static std::string shapesToString(const std::vector<Shape>& shapes) {
    std::string s;
    for (size_t i = 0; i < shapes.size(); ++i) s += (i ? ", " : "") + shapes[i].toString();
    return s;
}

std::vector<Shape> Layer::outputShapesFor(const std::vector<Shape>& inputShapes) const {
    const std::string who = "Layer '" + name_ + "' (" + className_ + ")";
    int n = static_cast<int>(inputShapes.size());
    if (n < minInputs() || (maxInputs() >= 0 && n > maxInputs())) {
        std::string expected = maxInputs() < 0 ? "at least " + std::to_string(minInputs())
                               : minInputs() == maxInputs() ? std::to_string(minInputs())
                               : std::to_string(minInputs()) + " to " + std::to_string(maxInputs());
        throw ShapeError(who + " expects " + expected + " input(s), got " + std::to_string(n) +
                         (n ? " with shapes " + shapesToString(inputShapes) : ""));
    }
    try {
        auto out = computeOutputShape(inputShapes);
        return out;
    } catch (const ShapeError& e) {
        throw ShapeError(who + ": " + e.what());
    } catch (const ConfigError& e) {
        throw ConfigError(who + ": " + e.what());
    } catch (const ValueError& e) {
        throw ValueError(who + ": " + e.what());
    }
}

void Layer::build(const std::vector<Shape>& inputShapes) {
    if (built_) return;
    try {
        buildImpl(inputShapes);
    } catch (const ShapeError& e) {
        throw ShapeError("Layer '" + name_ + "' (" + className_ + "): " + e.what());
    } catch (const ValueError& e) {
        throw ValueError("Layer '" + name_ + "' (" + className_ + "): " + e.what());
    }
    markBuilt(inputShapes);
}

void Layer::markBuilt(const std::vector<Shape>& inputShapes) {
    built_ = true;
    buildShapes_ = inputShapes;
}

Variable& Layer::addWeight(const std::string& name, const std::vector<int64_t>& shape, const Json& initializer,
                           bool trainable, const Json& regularizer) {
    auto v = std::make_shared<Variable>();
    v->name = name;
    v->value = Tensor(shape);
    v->trainable = trainable;
    v->regularizer = regularizer;
    v->owner = this;
    initializeTensor(v->value, initializer, globalRng());
    ownWeights_.push_back(v);
    return *v;
}

void Layer::trackLayer(std::shared_ptr<Layer> layer) { tracked_.push_back(std::move(layer)); }

std::vector<Layer*> Layer::subLayers() const {
    std::vector<Layer*> v;
    for (const auto& l : tracked_) v.push_back(l.get());
    return v;
}

std::vector<Variable*> Layer::weights() const {
    std::vector<Variable*> out;
    std::set<Variable*> seen;
    auto push = [&](Variable* v) {
        if (seen.insert(v).second) out.push_back(v);
    };
    for (const auto& w : ownWeights_)
        if (w->trainable) push(w.get());
    for (const auto& w : ownWeights_)
        if (!w->trainable) push(w.get());
    for (Layer* l : subLayers())
        for (Variable* v : l->weights()) push(v);
    return out;
}

std::vector<Variable*> Layer::trainableWeights() const {
    std::vector<Variable*> out;
    if (!trainable_) return out;
    std::set<Variable*> seen;
    for (const auto& w : ownWeights_)
        if (w->trainable && seen.insert(w.get()).second) out.push_back(w.get());
    for (Layer* l : subLayers())
        for (Variable* v : l->trainableWeights())
            if (seen.insert(v).second) out.push_back(v);
    return out;
}

std::vector<Variable*> Layer::nonTrainableWeights() const {
    if (!trainable_) return weights();
    std::vector<Variable*> out;
    std::set<Variable*> seen;
    for (const auto& w : ownWeights_)
        if (!w->trainable && seen.insert(w.get()).second) out.push_back(w.get());
    for (Layer* l : subLayers())
        for (Variable* v : l->nonTrainableWeights())
            if (seen.insert(v).second) out.push_back(v);
    return out;
}

std::vector<Tensor> Layer::getWeights() const {
    std::vector<Tensor> out;
    for (Variable* v : weights()) out.push_back(v->value);
    return out;
}

void Layer::setWeights(const std::vector<Tensor>& values) {
    auto ws = weights();
    if (ws.size() != values.size())
        throw ValueError("Layer '" + name_ + "' has " + std::to_string(ws.size()) + " weight(s), got " +
                         std::to_string(values.size()) + " value(s)");
    for (size_t i = 0; i < ws.size(); ++i)
        if (ws[i]->value.shape() != values[i].shape())
            throw ValueError("Layer '" + name_ + "' weight " + std::to_string(i) + " (" + ws[i]->path() +
                             "): expected shape " + ws[i]->value.shapeString() + ", got " + values[i].shapeString());
    for (size_t i = 0; i < ws.size(); ++i) ws[i]->value = values[i];
}

int64_t Layer::countParams() const {
    int64_t n = 0;
    for (Variable* v : weights()) n += v->value.size();
    return n;
}

// ---- calls --------------------------------------------------------------------------------------

std::vector<KerasTensor> Layer::operator()(const std::vector<KerasTensor>& inputs) {
    std::shared_ptr<Layer> self;
    try {
        self = shared_from_this();
    } catch (const std::bad_weak_ptr&) {
        throw ValueError("Layer '" + name_ + "' must be owned by a std::shared_ptr to be called on symbolic tensors");
    }
    std::vector<Shape> shapes;
    std::vector<DType> dtypes;
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i].valid())
            throw ValueError("Layer '" + name_ + "' input " + std::to_string(i) + " is an empty tensor");
        shapes.push_back(inputs[i].shape());
        dtypes.push_back(inputs[i].dtype());
    }
    auto outShapes = outputShapesFor(shapes);
    build(shapes);
    auto outDTypes = computeOutputDType(dtypes);
    if (outDTypes.size() < outShapes.size()) outDTypes.resize(outShapes.size(), outDTypes.empty() ? DType::Float32 : outDTypes.back());
    outDTypes.resize(outShapes.size());
    auto node = std::make_shared<Node>(self, inputs, outShapes, outDTypes);
    registerNode(node);
    return node->outputs();
}

KerasTensor Layer::operator()(const KerasTensor& input) {
    auto out = (*this)(std::vector<KerasTensor>{input});
    return out.at(0);
}

std::vector<Tensor> Layer::operator()(const std::vector<Tensor>& inputs, bool training) {
    ConstTensorPtrs ptrs;
    for (const auto& t : inputs) ptrs.push_back(&t);
    Tensors outputs;
    CallContext ctx;
    ctx.training = training;
    call(ptrs, outputs, ctx);
    return outputs;
}

Tensor Layer::operator()(const Tensor& input, bool training) {
    return (*this)(std::vector<Tensor>{input}, training).at(0);
}

void Layer::call(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    if (!built_) {
        std::vector<Shape> shapes;
        for (const Tensor* t : inputs) {
            Shape s(t->shape());
            if (s.rank() > 0) s[0] = kNone;
            shapes.push_back(s);
        }
        outputShapesFor(shapes);  // validates arity and shapes with a clear message
        build(shapes);
    }
    forward(inputs, outputs, ctx);
}

void Layer::backward(const ConstTensorPtrs&, const Tensors&, const ConstTensorPtrs&, Tensors&, CallContext&) {
    throw NotSupportedError("Layer '" + name_ + "' (" + className_ + ") has no backward pass yet");
}

std::optional<Tensor> Layer::computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const {
    if (supportsMasking() && !masks.empty() && masks[0]) return *masks[0];
    return std::nullopt;
}

void Layer::registerNode(const std::shared_ptr<Node>& node) {
    std::erase_if(nodes_, [](const std::weak_ptr<Node>& w) { return w.expired(); });
    nodes_.push_back(node);
}

std::vector<std::shared_ptr<Node>> Layer::inboundNodes() const {
    std::vector<std::shared_ptr<Node>> out;
    for (const auto& w : nodes_)
        if (auto n = w.lock()) out.push_back(n);
    return out;
}

KerasTensor Layer::input() const {
    auto nodes = inboundNodes();
    if (nodes.empty()) throw ValueError("Layer '" + name_ + "' has never been called and has no input");
    if (nodes.size() > 1)
        throw ValueError("Layer '" + name_ + "' has " + std::to_string(nodes.size()) +
                         " calls; use inboundNodes()[i]->inputs() to pick one");
    if (nodes[0]->isInput()) return nodes[0]->output(0);
    if (nodes[0]->inputs().size() != 1)
        throw ValueError("Layer '" + name_ + "' has several inputs; use inboundNodes()[0]->inputs()");
    return nodes[0]->inputs()[0];
}

KerasTensor Layer::output() const {
    auto nodes = inboundNodes();
    if (nodes.empty()) throw ValueError("Layer '" + name_ + "' has never been called and has no output");
    if (nodes.size() > 1)
        throw ValueError("Layer '" + name_ + "' has " + std::to_string(nodes.size()) +
                         " calls; use inboundNodes()[i]->output() to pick one");
    return nodes[0]->output(0);
}

void Layer::addLoss(CallContext& ctx, float value) const {
    if (ctx.losses) ctx.losses->push_back(value);
}

}  // namespace strata
