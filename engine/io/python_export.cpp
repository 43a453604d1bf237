#include "engine/io/python_export.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "engine/core/errors.h"
#include "engine/graph/input_layer.h"
#include "engine/graph/model_config.h"
#include "engine/graph/sequential.h"
#include "engine/io/weights_io.h"
#include "engine/layers/layer_registry.h"

namespace strata {

namespace {

// Lines longer than this are broken into one argument per line (black's default is 88; Keras's
// own code uses 80; 100 keeps most layer calls on one line).
constexpr size_t kMaxLine = 100;

const std::set<std::string>& pythonKeywords() {
    static const std::set<std::string> k = {
        "False", "None",   "True",    "and",      "as",   "assert", "async", "await",  "break",
        "class", "continue", "def",   "del",      "elif", "else",   "except", "finally", "for",
        "from",  "global", "if",      "import",   "in",   "is",     "lambda", "nonlocal", "not",
        "or",    "pass",   "raise",   "return",   "try",  "while",  "with",  "yield",  "match", "case"};
    return k;
}

/// A Python identifier for a Keras name ("conv2d/1" -> "conv2d_1", "1x1" -> "t_1x1").
std::string identifier(const std::string& name) {
    std::string s;
    for (unsigned char c : name) s += (std::isalnum(c) || c == '_') ? static_cast<char>(c) : '_';
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) s = "t_" + s;
    if (pythonKeywords().count(s)) s += "_";
    return s;
}

/// Variable names of one Python scope, kept unique.
class Scope {
public:
    explicit Scope(std::set<std::string> reserved) : used_(std::move(reserved)) {}
    std::string take(const std::string& base) {
        std::string name = identifier(base);
        if (used_.insert(name).second) return name;
        for (int i = 1;; ++i) {
            std::string n = name + "_" + std::to_string(i);
            if (used_.insert(n).second) return n;
        }
    }

private:
    std::set<std::string> used_;
};

std::string pyString(const std::string& s) { return Json(s).dump(); }  // JSON escapes are valid Python

std::string pyFloat(double v) {
    if (std::isnan(v)) return "float(\"nan\")";
    if (std::isinf(v)) return v > 0 ? "float(\"inf\")" : "-float(\"inf\")";
    char buf[64];
    // Weights and hyper-parameters are float32: 0.01f widened to double reads 0.009999999776482582;
    // print such values as the shortest float32 text, which reads back to the same float32.
    const float f = static_cast<float>(v);
    auto r = static_cast<double>(f) == v ? std::to_chars(buf, buf + sizeof buf, f) : std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
}

/// What a value is, where it matters for its Python spelling.
enum class Hint { None, Tuple, Initializer, Regularizer, Constraint, Activation, Optimizer, Loss, Metric };

Hint hintFor(ParamType t) {
    switch (t) {
        case ParamType::IntTuple:
        case ParamType::IntList: return Hint::Tuple;
        case ParamType::Initializer: return Hint::Initializer;
        case ParamType::Regularizer: return Hint::Regularizer;
        case ParamType::Constraint: return Hint::Constraint;
        case ParamType::Activation: return Hint::Activation;
        default: return Hint::None;
    }
}

bool isSerializedObject(const Json& v) {
    return v.is_object() && v.contains("class_name") && v["class_name"].is_string() &&
           (!v.contains("config") || v["config"].is_object() || v["config"].is_null());
}

std::string joinArgs(const std::vector<std::string>& args) {
    std::string s;
    for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i];
    return s;
}

std::string indentLines(const std::string& text, const std::string& pad) {
    std::string out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t nl = text.find('\n', start);
        std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        out += (line.empty() ? "" : pad) + line;
        if (nl == std::string::npos) break;
        out += "\n";
        start = nl + 1;
    }
    return out;
}

/// `head(args)tail` on one line when it fits at this indentation, else one argument per line.
/// `column`: where the text will start if it is indented later.
std::string formatCall(const std::string& indent, const std::string& head, const std::vector<std::string>& args,
                       const std::string& tail = "", size_t column = 0) {
    std::string one = head + "(" + joinArgs(args) + ")" + tail;
    if (column + indent.size() + one.size() <= kMaxLine || args.size() < 2) return indent + one;
    std::string s = indent + head + "(\n";
    for (const auto& a : args) s += indentLines(a, indent + "    ") + ",\n";
    return s + indent + ")" + tail;
}

std::string pyValue(const Json& v, Hint hint = Hint::None);

/// A plain Python literal of a JSON value (dicts stay dicts).
std::string pyLiteral(const Json& v) {
    if (v.is_null()) return "None";
    if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
    if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
    if (v.is_number_float()) return pyFloat(v.get<double>());
    if (v.is_string()) return pyString(v.get<std::string>());
    if (v.is_array()) {
        std::vector<std::string> items;
        for (const auto& e : v) items.push_back(pyLiteral(e));
        return "[" + joinArgs(items) + "]";
    }
    std::vector<std::string> items;
    for (auto it = v.begin(); it != v.end(); ++it) items.push_back(pyString(it.key()) + ": " + pyLiteral(it.value()));
    return "{" + joinArgs(items) + "}";
}

std::string dtypeString(const Json& dtype) {
    if (dtype.is_string()) return dtype.get<std::string>();
    if (isSerializedObject(dtype) && dtype.contains("config") && dtype["config"].is_object() &&
        dtype["config"].contains("name") && dtype["config"]["name"].is_string())
        return dtype["config"]["name"].get<std::string>();
    return "float32";
}

/// Optimizer config keys that Keras 3's base optimizer defaults to (left out for readability) and
/// Keras 2 keys that Keras 3's constructors refuse.
bool dropOptimizerKey(const std::string& key, const Json& v) {
    static const std::set<std::string> legacy = {"decay", "is_legacy_optimizer", "jit_compile"};
    if (legacy.count(key)) return true;
    static const std::set<std::string> nullByDefault = {"weight_decay", "clipnorm", "global_clipnorm", "clipvalue",
                                                        "ema_overwrite_frequency", "loss_scale_factor",
                                                        "gradient_accumulation_steps"};
    if (nullByDefault.count(key) && v.is_null()) return true;
    if (key == "use_ema" && v == Json(false)) return true;
    if (key == "ema_momentum" && v.is_number() && v.get<double>() == 0.99) return true;
    return false;
}

struct LayerExpr {
    std::vector<std::string> args;      ///< constructor arguments
    std::string head;                   ///< "keras.layers.Dense"
    std::vector<std::string> skipped;   ///< config keys Strata does not know (left out)
    std::string text() const { return head + "(" + joinArgs(args) + ")"; }
};

LayerExpr layerExpr(const std::string& cls, const Json& cfg);

std::string objectExpr(const Json& v, Hint hint) {
    const std::string cls = v["class_name"].get<std::string>();
    const Json cfg = v.contains("config") && v["config"].is_object() ? v["config"] : Json::object();
    const std::string module = v.contains("module") && v["module"].is_string() ? v["module"].get<std::string>() : "";
    if (cls == "DTypePolicy" || cls == "Policy") return pyString(dtypeString(v));
    const auto& reg = LayerRegistry::instance();
    if ((module == "keras.layers" || module.empty()) && reg.contains(cls) &&
        reg.get(cls).category != LayerCategory::Custom)
        return layerExpr(cls, cfg).text();
    static const std::set<std::string> publicModules = {
        "keras.initializers", "keras.regularizers", "keras.constraints", "keras.losses",
        "keras.metrics",      "keras.optimizers",   "keras.optimizers.schedules"};
    std::string mod = publicModules.count(module) ? module : "";
    if (mod.empty() && module.empty()) {
        switch (hint) {
            case Hint::Initializer: mod = "keras.initializers"; break;
            case Hint::Regularizer: mod = "keras.regularizers"; break;
            case Hint::Constraint: mod = "keras.constraints"; break;
            case Hint::Optimizer: mod = "keras.optimizers"; break;
            case Hint::Loss: mod = "keras.losses"; break;
            case Hint::Metric: mod = "keras.metrics"; break;
            default: break;
        }
    }
    // Anything else (custom objects, activation configs) goes through Keras's own deserializer,
    // which resolves registered custom classes too.
    if (mod.empty()) return "keras.saving.deserialize_keras_object(" + pyLiteral(v) + ")";
    std::vector<std::string> args;
    for (auto it = cfg.begin(); it != cfg.end(); ++it) {
        if (mod == "keras.optimizers" && dropOptimizerKey(it.key(), it.value())) continue;
        if (mod == "keras.losses" && it.key() == "reduction" && it.value() == Json("auto")) continue;
        args.push_back(it.key() + "=" + pyValue(it.value()));
    }
    return mod + "." + cls + "(" + joinArgs(args) + ")";
}

std::string pyValue(const Json& v, Hint hint) {
    if (v.is_array()) {
        std::vector<std::string> items;
        for (const auto& e : v) items.push_back(pyValue(e, hint == Hint::Tuple ? Hint::None : hint));
        if (hint == Hint::Tuple) return items.size() == 1 ? "(" + items[0] + ",)" : "(" + joinArgs(items) + ")";
        return "[" + joinArgs(items) + "]";
    }
    if (isSerializedObject(v)) return objectExpr(v, hint);
    if (v.is_object()) {
        std::vector<std::string> items;
        for (auto it = v.begin(); it != v.end(); ++it)
            items.push_back(pyString(it.key()) + ": " + pyValue(it.value(), hint));
        return "{" + joinArgs(items) + "}";
    }
    return pyLiteral(v);
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// Settings of a serialized initializer that make it the same as the initializer called `name`:
/// Keras 2.0-2.2 wrote glorot_uniform as VarianceScaling(scale=1, mode=fan_avg, distribution=uniform),
/// and every version writes orthogonal with gain=1.
bool initializerIs(const std::string& name, const std::string& cls, const Json& cfg) {
    auto num = [&](const char* k, double d) { return cfg.contains(k) && cfg[k].is_number() ? cfg[k].get<double>() : d; };
    auto str = [&](const char* k) { return cfg.contains(k) && cfg[k].is_string() ? cfg[k].get<std::string>() : ""; };
    for (auto it = cfg.begin(); it != cfg.end(); ++it)
        if (it.key() == "seed" && !it.value().is_null()) return false;
    if (cls == "VarianceScaling") {
        struct VS {
            const char* name;
            double scale;
            const char* mode;
            const char* dist;
        };
        static const VS table[] = {{"glorot_uniform", 1, "fan_avg", "uniform"},  {"glorot_normal", 1, "fan_avg", "truncated_normal"},
                                   {"he_uniform", 2, "fan_in", "uniform"},       {"he_normal", 2, "fan_in", "truncated_normal"},
                                   {"lecun_uniform", 1, "fan_in", "uniform"},    {"lecun_normal", 1, "fan_in", "truncated_normal"}};
        for (const auto& t : table)
            if (name == t.name)
                return num("scale", 1.0) == t.scale && str("mode") == t.mode &&
                       (str("distribution") == t.dist || (std::string(t.dist) == "truncated_normal" && str("distribution") == "normal"));
        return false;
    }
    // Keras's aliases: "uniform" is RandomUniform, OrthogonalInitializer is "orthogonal", ...
    auto canonical = [](std::string n) {
        n = lower(toSnakeCase(n));
        const std::string suffix = "_initializer";
        if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
            n.resize(n.size() - suffix.size());
        if (n == "random_uniform") return std::string("uniform");
        if (n == "random_normal") return std::string("normal");
        return n;
    };
    if (canonical(cls) != canonical(name)) return false;
    if (name == "orthogonal") return num("gain", 1.0) == 1.0;
    if (name == "random_uniform" || name == "uniform") return num("minval", -0.05) == -0.05 && num("maxval", 0.05) == 0.05;
    for (auto it = cfg.begin(); it != cfg.end(); ++it)
        if (!it.value().is_null()) return false;
    return true;
}

/// True if `v` is what Keras uses when the argument is not given (so the script can leave it out).
bool sameAsDefault(const ParamSpec& p, const Json& v) {
    const Json& d = p.defaultValue;
    if (v == d) return true;
    if (d.is_null()) return false;
    // An initializer/regularizer given by class ({"class_name": "GlorotUniform", "config": {"seed": null}})
    // equals its default name ("glorot_uniform") when it has no settings.
    if (d.is_string() && isSerializedObject(v)) {
        const Json cfg = v.contains("config") && v["config"].is_object() ? v["config"] : Json::object();
        return initializerIs(d.get<std::string>(), v["class_name"].get<std::string>(), cfg);
    }
    if (d.is_string() && v.is_string()) return lower(d.get<std::string>()) == lower(v.get<std::string>());
    // kernel_size=3 and kernel_size=(3, 3) are the same argument.
    if (p.type == ParamType::IntTuple) {
        auto allEqual = [](const Json& arr, const Json& x) {
            if (!arr.is_array() || arr.empty()) return false;
            for (const auto& e : arr)
                if (e != x) return false;
            return true;
        };
        if (d.is_number() && allEqual(v, d)) return true;
        if (v.is_number() && allEqual(d, v)) return true;
    }
    return false;
}

LayerExpr layerExpr(const std::string& cls, const Json& cfg) {
    // Keras 3 removed ThresholdedReLU; ReLU(threshold=theta) is its replacement (it differs only
    // at x == theta exactly, where ReLU keeps x).
    if (cls == "ThresholdedReLU") {
        Json relu = Json::object();
        for (const char* k : {"name", "trainable", "dtype"})
            if (cfg.contains(k)) relu[k] = cfg[k];
        relu["threshold"] = cfg.contains("theta") ? cfg["theta"] : Json(1.0);
        LayerExpr e = layerExpr("ReLU", relu);
        if (std::find(e.args.begin(), e.args.end(), "threshold=" + pyValue(relu["threshold"])) == e.args.end())
            e.args.insert(e.args.begin(), "threshold=" + pyValue(relu["threshold"]));
        return e;
    }
    LayerExpr e;
    const LayerSpec* spec = LayerRegistry::instance().find(cls);
    e.head = "keras.layers." + cls;
    std::set<std::string> known = {"name", "trainable", "dtype"};
    if (spec) {
        for (size_t i = 0; i < spec->params.size(); ++i) {
            const ParamSpec& p = spec->params[i];
            known.insert(p.name);
            if (!cfg.contains(p.name)) continue;
            const Json& v = cfg[p.name];
            // Keras signatures start with their required arguments (Dense(units), Conv2D(filters,
            // ...)): the first one reads best positionally, as in Keras's guides.
            if (i == 0 && p.required) {
                e.args.push_back(pyValue(v, hintFor(p.type)));
                continue;
            }
            if (!p.required && sameAsDefault(p, v)) continue;
            e.args.push_back(p.name + "=" + pyValue(v, hintFor(p.type)));
        }
    }
    for (auto it = cfg.begin(); it != cfg.end(); ++it)
        if (!known.count(it.key())) e.skipped.push_back(it.key());
    if (cfg.contains("trainable") && cfg["trainable"] == Json(false)) e.args.push_back("trainable=False");
    if (cfg.contains("dtype")) {
        std::string dt = dtypeString(cfg["dtype"]);
        if (dt != "float32") e.args.push_back("dtype=" + pyString(dt));
    }
    if (cfg.contains("name") && cfg["name"].is_string()) e.args.push_back("name=" + pyString(cfg["name"].get<std::string>()));
    return e;
}

const Model* asModel(const Layer& l) { return l.isModel() ? dynamic_cast<const Model*>(&l) : nullptr; }

bool isRecurrentWithStates(const std::string& cls) {
    static const std::set<std::string> rnn = {"SimpleRNN", "LSTM", "GRU", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D",
                                              "ConvLSTM3D", "RNN"};
    return rnn.count(cls) > 0;
}

class Exporter {
public:
    /// The name of the function that builds `m` (emitting it and its nested models' first).
    std::string functionFor(const Model& m) {
        auto it = fnNames_.find(&m);
        if (it != fnNames_.end()) return it->second;
        for (const auto& l : m.layers())
            if (const Model* sub = asModel(*l)) functionFor(*sub);
        std::string fn = takeFunctionName("build_" + identifier(m.name()));
        fnNames_[&m] = fn;
        std::ostringstream body;
        if (const auto* seq = dynamic_cast<const Sequential*>(&m))
            writeSequential(*seq, fn, body);
        else
            writeFunctional(m, fn, body);
        functions_ += body.str() + "\n\n";
        return fn;
    }

    const std::string& functions() const { return functions_; }

private:
    std::string takeFunctionName(const std::string& base) {
        std::string n = base;
        for (int i = 1; !fnUsed_.insert(n).second; ++i) n = base + "_" + std::to_string(i);
        return n;
    }

    std::set<std::string> reservedNames() const {
        std::set<std::string> r = {"keras", "os", "HERE", "model"};
        r.insert(fnUsed_.begin(), fnUsed_.end());
        return r;
    }

    static std::string inputExpr(const InputLayer& in) {
        const auto& dims = in.batchShape().dims();
        std::vector<int64_t> shape(dims.size() > 1 ? dims.begin() + 1 : dims.end(), dims.end());
        std::vector<std::string> args;
        Json shapeJ = Json::array();
        for (auto d : shape) shapeJ.push_back(d == kNone ? Json(nullptr) : Json(d));
        args.push_back("shape=" + pyValue(shapeJ, Hint::Tuple));
        if (!dims.empty() && dims[0] != kNone) args.push_back("batch_size=" + std::to_string(dims[0]));
        if (in.dtype() != DType::Float32) args.push_back("dtype=" + pyString(dtypeName(in.dtype())));
        args.push_back("name=" + pyString(in.name()));
        return "keras.Input(" + joinArgs(args) + ")";
    }

    /// How a layer is constructed: `head(args)`, or a fixed expression (a nested model's build
    /// function, a custom class), plus a comment line for what could not be expressed.
    struct Ctor {
        std::string comment;
        std::string head;
        std::vector<std::string> args;
        std::string fixed;  ///< used when head is empty
        /// `indent + prefix + ctor + tail`, broken one argument per line when too long.
        std::string format(const std::string& indent, const std::string& prefix, const std::string& tail = "",
                           size_t column = 0) const {
            std::string s = comment.empty() ? "" : indent + comment + "\n";
            if (head.empty()) return s + indent + prefix + fixed + tail;
            return s + formatCall(indent, prefix + head, args, tail, column);
        }
    };

    Ctor constructor(const Layer& layer) const {
        Ctor c;
        if (const Model* sub = asModel(layer)) {
            c.fixed = fnNames_.at(sub) + "()";
            return c;
        }
        const LayerSpec* spec = LayerRegistry::instance().find(layer.className());
        if (!spec || spec->category == LayerCategory::Custom) {
            // A custom class: Keras rebuilds it from its config if the user registered the class
            // (keras.saving.register_keras_serializable).
            c.comment = "# '" + layer.name() + "' is the custom class " + layer.className() +
                        "; register it with keras.saving.register_keras_serializable before running this script";
            c.fixed = "keras.saving.deserialize_keras_object(" + pyLiteral(serializeLayer(layer)) + ")";
            return c;
        }
        LayerExpr e = layerExpr(layer.className(), layer.getConfig());
        if (!e.skipped.empty()) {
            c.comment = "# config keys of '" + layer.name() + "' that Strata does not know, left out:";
            for (const auto& k : e.skipped) c.comment += " " + k;
        }
        c.head = e.head;
        c.args = e.args;
        return c;
    }

    void writeSequential(const Sequential& m, const std::string& fn, std::ostringstream& out) {
        out << "def " << fn << "():\n";
        out << "    \"\"\"Sequential model '" << m.name() << "'.\"\"\"\n";
        std::vector<std::string> items;
        if (auto in = m.inputLayer()) items.push_back(inputExpr(*in) + ",");
        for (const auto& l : m.layers()) items.push_back(constructor(*l).format("", "", ",", 8));
        out << "    layers = [\n";
        for (const auto& item : items) out << indentLines(item, "        ") << "\n";
        out << "    ]\n";
        out << "    return keras.Sequential(layers, name=" << pyString(m.name()) << ")\n";
    }

    void writeFunctional(const Model& m, const std::string& fn, std::ostringstream& out) {
        Scope scope(reservedNames());
        std::map<std::pair<const Node*, int>, std::string> vars;
        out << "def " << fn << "():\n";
        out << "    \"\"\"Functional model '" << m.name() << "'.\"\"\"\n";
        std::vector<std::string> inputVars;
        for (const auto& t : m.inputs()) {
            const auto* in = dynamic_cast<const InputLayer*>(&t.layer());
            if (!in) throw NotSupportedError("model '" + m.name() + "': input " + t.describe() + " is not an Input layer");
            std::string v = scope.take(in->name());
            vars[{t.node(), t.index()}] = v;
            inputVars.push_back(v);
            out << "    " << v << " = " << inputExpr(*in) << "\n";
        }
        // How often each layer is called in this model: a layer called once is constructed and
        // called in one statement; a shared layer (or nested model) is constructed first.
        std::map<const Layer*, int> calls;
        for (const auto& n : m.nodes())
            if (!n->isInput()) ++calls[&n->layer()];
        std::map<const Layer*, std::string> layerVars;
        auto ref = [&](const KerasTensor& t) {
            auto it = vars.find({t.node(), t.index()});
            if (it == vars.end())
                throw NotSupportedError("model '" + m.name() + "': tensor " + t.describe() + " is used before it is made");
            return it->second;
        };
        for (const auto& n : m.nodes()) {
            if (n->isInput()) continue;
            const Layer& layer = n->layer();
            const bool shared = calls[&layer] > 1 || layer.isModel();
            std::string callee;
            if (shared) {
                auto lv = layerVars.find(&layer);
                if (lv == layerVars.end()) {
                    std::string var = scope.take(layer.name());
                    out << constructor(layer).format("    ", var + " = ") << "\n";
                    lv = layerVars.emplace(&layer, var).first;
                }
                callee = lv->second;
            }
            // Arguments of the call, as Keras's functional API takes them.
            std::vector<std::string> callArgs;
            const auto& ins = n->inputs();
            if (ins.size() > 1 && isRecurrentWithStates(layer.className())) {
                std::vector<std::string> states;
                for (size_t i = 1; i < ins.size(); ++i) states.push_back(ref(ins[i]));
                callArgs = {ref(ins[0]), "initial_state=[" + joinArgs(states) + "]"};
            } else if (ins.size() > 1 && layer.className() == "MultiHeadAttention") {
                for (const auto& t : ins) callArgs.push_back(ref(t));
            } else if (ins.size() == 1) {
                callArgs = {ref(ins[0])};
            } else {
                std::vector<std::string> list;
                for (const auto& t : ins) list.push_back(ref(t));
                callArgs = {"[" + joinArgs(list) + "]"};
            }
            // Names of the results.
            std::vector<std::string> outs;
            const std::string base = shared ? layer.name() + "_out" : layer.name();
            if (n->numOutputs() == 1) {
                outs.push_back(scope.take(base));
            } else {
                for (int k = 0; k < n->numOutputs(); ++k) outs.push_back(scope.take(base + "_" + std::to_string(k)));
            }
            for (int k = 0; k < n->numOutputs(); ++k) vars[{n.get(), k}] = outs[k];
            std::string lhs = joinArgs(outs) + " = ";
            if (shared)
                out << formatCall("    ", lhs + callee, callArgs) << "\n";
            else
                out << constructor(layer).format("    ", lhs, "(" + joinArgs(callArgs) + ")") << "\n";
        }
        std::vector<std::string> outputVars;
        for (const auto& t : m.outputs()) outputVars.push_back(ref(t));
        auto listOrOne = [](const std::vector<std::string>& v) { return v.size() == 1 ? v[0] : "[" + joinArgs(v) + "]"; };
        out << formatCall("    ", "return keras.Model",
                          {"inputs=" + listOrOne(inputVars), "outputs=" + listOrOne(outputVars), "name=" + pyString(m.name())})
            << "\n";
    }

    std::map<const Model*, std::string> fnNames_;
    std::set<std::string> fnUsed_;
    std::string functions_;
};

std::string compileCall(const Json& cc) {
    std::vector<std::string> args;
    if (cc.contains("optimizer") && !cc["optimizer"].is_null())
        args.push_back("optimizer=" + pyValue(cc["optimizer"], Hint::Optimizer));
    if (cc.contains("loss") && !cc["loss"].is_null()) args.push_back("loss=" + pyValue(cc["loss"], Hint::Loss));
    if (cc.contains("loss_weights") && !cc["loss_weights"].is_null())
        args.push_back("loss_weights=" + pyValue(cc["loss_weights"]));
    if (cc.contains("metrics") && !cc["metrics"].is_null()) args.push_back("metrics=" + pyValue(cc["metrics"], Hint::Metric));
    if (cc.contains("weighted_metrics") && !cc["weighted_metrics"].is_null())
        args.push_back("weighted_metrics=" + pyValue(cc["weighted_metrics"], Hint::Metric));
    return formatCall("", "model.compile", args);
}

std::string baseName(const std::string& path) {
    auto p = path.find_last_of('/');
    return p == std::string::npos ? path : path.substr(p + 1);
}

}  // namespace

std::string exportPython(const Model& model, const PythonExportOptions& options) {
    Exporter ex;
    std::string fn = ex.functionFor(model);
    std::ostringstream s;
    s << "\"\"\"Rebuilds the Keras model '" << model.name() << "'";
    if (!options.source.empty()) s << " (exported by Strata from " << baseName(options.source) << ")";
    else s << " (exported by Strata)";
    s << ".\n\n"
      << "Needs Keras 3 (pip install keras) with any backend (TensorFlow, JAX or PyTorch).\n"
      << "Layer names and settings are those of the original model";
    if (!options.weightsFile.empty()) s << ", and the weights come from\n" << options.weightsFile << " beside this script";
    s << ".\n\"\"\"\n";
    s << "import os\n\nimport keras\n\n\n";
    s << ex.functions();
    s << "model = " << fn << "()\n\n";
    if (options.compileConfig.is_object()) {
        s << "# Compile settings of the original model.\n" << compileCall(options.compileConfig) << "\n\n";
    } else {
        s << "# The compile settings were not stored with the model; choose them before training, e.g.:\n"
          << "# model.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])\n\n";
    }
    if (!options.weightsFile.empty()) {
        s << "HERE = os.path.dirname(os.path.abspath(__file__))\n"
          << "model.load_weights(os.path.join(HERE, " << pyString(options.weightsFile) << "))\n\n";
    }
    s << "# Continue training (x_train and y_train stand for your data):\n"
      << "# model.fit(x_train, y_train, batch_size=32, epochs=10, validation_split=0.1)\n"
      << "# model.save(\"" << identifier(model.name()) << ".keras\")\n\n"
      << "if __name__ == \"__main__\":\n"
      << "    model.summary()\n";
    return s.str();
}

std::string pythonExportWeightsPath(const std::string& pyPath) {
    std::string stem = pyPath;
    if (stem.size() > 3 && lower(stem.substr(stem.size() - 3)) == ".py") stem.resize(stem.size() - 3);
    return stem + ".weights.h5";
}

std::string savePythonExport(const Model& model, const std::string& pyPath, PythonExportOptions options) {
    const std::string weights = pythonExportWeightsPath(pyPath);
    options.weightsFile = baseName(weights);
    std::string text = exportPython(model, options);  // before writing anything: fails cleanly
    saveWeightsFile(model, weights);
    writeFileAtomic(pyPath, text);
    return weights;
}

}  // namespace strata
