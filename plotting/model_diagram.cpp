// modelToDot: Keras 3's model_to_dot (keras/src/utils/model_visualization.py) in C++, with family
// colours and shared-layer marking. The DOT text is plain Graphviz input; graphviz_renderer.cpp
// turns it into PNG/SVG/PDF in-process.
#include "plotting/model_diagram.h"

#include <algorithm>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "engine/core/errors.h"
#include "engine/graph/sequential.h"
#include "engine/layers/activations.h"
#include "engine/layers/layer_registry.h"
#include "plotting/graphviz_renderer.h"

namespace strata::plotting {

FamilyStyle familyStyle(LayerCategory category) {
    switch (category) {
        case LayerCategory::InputsOutputs: return {"#455A64", "#ECEFF1", "#FFFFFF"};
        case LayerCategory::Core: return {"#1565C0", "#E3F2FD", "#FFFFFF"};
        case LayerCategory::Convolution: return {"#00796B", "#E0F2F1", "#FFFFFF"};
        case LayerCategory::Pooling: return {"#2E7D32", "#E8F5E9", "#FFFFFF"};
        case LayerCategory::Recurrent: return {"#6A1B9A", "#F3E5F5", "#FFFFFF"};
        case LayerCategory::Merge: return {"#E65100", "#FFF3E0", "#FFFFFF"};
        case LayerCategory::Normalization: return {"#827717", "#F9FBE7", "#FFFFFF"};
        case LayerCategory::Regularization: return {"#757575", "#F5F5F5", "#FFFFFF"};
        case LayerCategory::Activation: return {"#C62828", "#FFEBEE", "#FFFFFF"};
        case LayerCategory::Reshaping: return {"#795548", "#EFEBE9", "#FFFFFF"};
        case LayerCategory::ModelsBlocks: return {"#283593", "#E8EAF6", "#FFFFFF"};
        case LayerCategory::Custom: return {"#424242", "#FAFAFA", "#FFFFFF"};
    }
    return {"#424242", "#FAFAFA", "#FFFFFF"};
}

LayerCategory layerCategory(const Layer& layer) {
    if (layer.isModel()) return LayerCategory::ModelsBlocks;
    if (const LayerSpec* spec = LayerRegistry::instance().find(layer.className())) return spec->category;
    return LayerCategory::Custom;
}

namespace {

constexpr const char* kFont = "Helvetica";
constexpr const char* kTextColor = "#263238";
constexpr const char* kEdgeColor = "#546E7A";
constexpr const char* kTrainableColor = "#2E7D32";
constexpr const char* kFrozenColor = "#C62828";

std::string htmlEscape(const std::string& s) {
    std::string r;
    r.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': r += "&amp;"; break;
            case '<': r += "&lt;"; break;
            case '>': r += "&gt;"; break;
            case '"': r += "&quot;"; break;
            default: r += c;
        }
    }
    return r;
}

std::string quote(const std::string& s) {
    std::string r = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') r += '\\';
        if (c == '\n') {
            r += "\\n";
            continue;
        }
        r += c;
    }
    return r + "\"";
}

std::string shapesText(const std::vector<Shape>& shapes) {
    if (shapes.size() == 1) return shapes[0].toString();
    std::string s = "[";
    for (size_t i = 0; i < shapes.size(); ++i) s += (i ? ", " : "") + shapes[i].toString();
    return s + "]";
}

std::string dtypesText(const std::vector<DType>& dtypes) {
    if (dtypes.size() == 1) return dtypeName(dtypes[0]);
    std::string s = "[";
    for (size_t i = 0; i < dtypes.size(); ++i) s += (i ? ", " : "") + dtypeName(dtypes[i]);
    return s + "]";
}

bool isSequential(const Layer& layer) { return dynamic_cast<const Sequential*>(&layer) != nullptr; }

std::string activationName(const Layer& layer) {
    const Json& cfg = layer.config();
    if (!cfg.is_object() || !cfg.contains("activation")) return "";
    const Json& a = cfg["activation"];
    if (a.is_null()) return "linear";
    if (a.is_string()) return a.get<std::string>();
    try {
        return ActivationFn::fromJson(a).name();
    } catch (const std::exception&) {
        if (a.is_object() && a.contains("class_name") && a["class_name"].is_string())
            return a["class_name"].get<std::string>();
        return a.dump();
    }
}

// The calls of `layer` that belong to `model`'s graph, in Keras's node-index order.
std::vector<const Node*> callsIn(const Layer& layer, const Model& model) {
    std::vector<const Node*> calls;
    for (const auto& n : layer.inboundNodes())
        if (model.containsNode(n.get())) calls.push_back(n.get());
    std::stable_sort(calls.begin(), calls.end(), [&](const Node* a, const Node* b) {
        return model.nodeIndexInModel(a) < model.nodeIndexInModel(b);
    });
    return calls;
}

class DotWriter {
public:
    explicit DotWriter(const DiagramOptions& options) : opt_(options) {}

    std::string write(const Model& model) {
        if (model.outputs().empty())
            throw ValueError("Model '" + model.name() +
                             "' has not yet been built: build it (give it an input shape) before plotting it");
        const std::string& r = opt_.rankdir;
        if (r != "TB" && r != "LR" && r != "BT" && r != "RL")
            throw ValueError("plot: rankdir must be TB or LR (or BT, RL), got '" + r + "'");
        if (opt_.dpi <= 0 || opt_.dpi > 2400)
            throw ValueError("plot: dpi must be between 1 and 2400, got " + std::to_string(opt_.dpi));
        static const std::set<std::string> splines = {"ortho", "spline", "splines", "polyline", "line",
                                                      "curved", "true", "false", "none"};
        if (!splines.count(opt_.splines))
            throw ValueError("plot: splines must be ortho, spline, polyline, line or curved, got '" + opt_.splines + "'");

        topRange_ = layersInRange(model);
        index(model, "");

        std::ostringstream body;
        emitNodes(model, true, 1, body);
        // Keras concentrates edges; not when a pair of boxes has several labelled edges (shared
        // layers, multi-output layers), which concentrate would merge into one line.
        const bool concentrate = !opt_.expandNested && !labelledEdges_;

        std::ostringstream out;
        out << "digraph " << quote(model.name()) << " {\n";
        out << "  graph [rankdir=" << quote(opt_.rankdir) << ", dpi=" << opt_.dpi << ", splines=" << quote(opt_.splines)
            << ", concentrate=" << (concentrate ? "true" : "false")
            << ", bgcolor=\"white\", pad=\"0.3\", nodesep=\"0.4\", ranksep=\"0.45\", fontname=" << quote(kFont)
            << ", fontsize=12, fontcolor=" << quote(kTextColor) << "];\n";
        out << "  node [shape=none, margin=0, width=0, height=0, fontname=" << quote(kFont)
            << ", fontsize=11, fontcolor=" << quote(kTextColor) << "];\n";
        out << "  edge [color=" << quote(kEdgeColor) << ", penwidth=1.6, arrowsize=0.8, fontname=" << quote(kFont)
            << ", fontsize=9, labelfontsize=9, labelfontcolor=" << quote(kSharedColor) << "];\n";
        out << body.str();
        for (const auto& e : edgeLines_) out << e;
        out << "}\n";
        return out.str();
    }

private:
    // ---- layer range (Keras 2's layer_range) -------------------------------------------------
    std::set<const Layer*> layersInRange(const Model& model) {
        std::set<const Layer*> all;
        auto layers = model.layers();
        for (const auto& l : layers) all.insert(l.get());
        if (opt_.layerRange.empty()) return all;
        if (opt_.layerRange.size() != 2)
            throw ValueError("plot: layer_range must be two layer names (first and last), got " +
                             std::to_string(opt_.layerRange.size()));
        auto find = [&](const std::string& pattern, bool first) -> int {
            for (size_t i = 0; i < layers.size(); ++i)
                if (layers[i]->name() == pattern) return static_cast<int>(i);
            int found = -1;
            try {
                std::regex re(pattern);
                for (size_t i = 0; i < layers.size(); ++i) {
                    if (std::regex_search(layers[i]->name(), re, std::regex_constants::match_continuous)) {
                        found = static_cast<int>(i);
                        if (first) break;
                    }
                }
            } catch (const std::regex_error&) {
            }
            if (found < 0) {
                std::string names;
                for (const auto& l : layers) names += (names.empty() ? "" : ", ") + l->name();
                throw ValueError("plot: layer_range: no layer of model '" + model.name() + "' matches '" + pattern +
                                 "' (layers: " + names + ")");
            }
            return found;
        };
        int a = find(opt_.layerRange[0], true);
        int b = find(opt_.layerRange[1], false);
        if (a > b)
            throw ValueError("plot: layer_range: '" + opt_.layerRange[0] + "' comes after '" + opt_.layerRange[1] +
                             "' in model '" + model.name() + "'");
        std::set<const Layer*> in;
        for (int i = a; i <= b; ++i) in.insert(layers[static_cast<size_t>(i)].get());
        return in;
    }

    // ---- first pass: ids, call numbers ---------------------------------------------------------
    void index(const Model& model, const std::string& prefix) {
        for (const auto& l : model.layers()) {
            const Layer* layer = l.get();
            auto calls = callsIn(*layer, model);
            for (size_t i = 0; i < calls.size(); ++i)
                callInfo_[calls[i]] = {static_cast<int>(i) + 1, static_cast<int>(calls.size())};
            if (opt_.expandNested && layer->isModel()) {
                if (!expanded_.insert(layer).second) continue;
                index(static_cast<const Model&>(*layer), prefix + layer->name() + "/");
                continue;
            }
            if (ids_.count(layer)) continue;
            std::string id = prefix + layer->name();
            while (usedIds_.count(id)) id += "'";
            usedIds_.insert(id);
            ids_[layer] = id;
        }
    }

    bool drawnIn(const Layer& layer, const Model& model) const {
        if (!isSequential(model)) return true;
        return layer.className() != "InputLayer";
    }

    // ---- labels --------------------------------------------------------------------------------
    std::string label(const Layer& layer, const Model& owner) const {
        const FamilyStyle st = familyStyle(layerCategory(layer));
        const auto calls = callsIn(layer, owner);
        const bool shared = calls.size() > 1;
        const bool isInput = layer.className() == "InputLayer";
        const std::string type = layer.summaryTypeName();

        std::vector<std::string> cols;
        auto cell = [&](const std::string& content, const std::string& bg = "", const std::string& fg = "") {
            std::string c = "<TD BGCOLOR=\"" + (bg.empty() ? std::string(st.body) : bg) + "\" CELLPADDING=\"5\">";
            c += "<FONT POINT-SIZE=\"11\"" + (fg.empty() ? std::string() : " COLOR=\"" + fg + "\"") + ">" + content +
                 "</FONT></TD>";
            return c;
        };
        // Per-call texts: one line if every call agrees, else one line per call.
        auto perCall = [&](const std::function<std::string(const Node*)>& text) {
            std::vector<std::string> texts;
            for (const Node* n : calls) texts.push_back(text(n));
            if (texts.empty()) return std::string("<B>?</B>");
            bool same = std::all_of(texts.begin(), texts.end(), [&](const std::string& t) { return t == texts[0]; });
            if (same) return "<B>" + htmlEscape(texts[0]) + "</B>";
            std::string s;
            for (size_t i = 0; i < texts.size(); ++i)
                s += (i ? "<BR/>" : "") + std::string("call ") + std::to_string(i + 1) + ": <B>" + htmlEscape(texts[i]) +
                     "</B>";
            return s;
        };
        if (opt_.showShapes) {
            if (!isInput)
                cols.push_back(cell("Input shape: " + perCall([](const Node* n) {
                                        std::vector<Shape> s;
                                        for (const auto& x : n->inputs()) s.push_back(x.shape());
                                        return shapesText(s);
                                    })));
            cols.push_back(cell("Output shape: " + perCall([](const Node* n) { return shapesText(n->outputShapes()); })));
        }
        if (opt_.showDType)
            cols.push_back(cell("Output dtype: " + perCall([](const Node* n) { return dtypesText(n->outputDTypes()); })));
        if (opt_.showTrainable && !layer.weights().empty()) {
            if (layer.trainable())
                cols.push_back(cell("<B>Trainable</B>", kTrainableColor, "#FFFFFF"));
            else
                cols.push_back(cell("<B>Non-trainable</B>", kFrozenColor, "#FFFFFF"));
        }
        // Keras puts the information cells side by side; in a left-to-right diagram that makes
        // very wide boxes, so there they are stacked (one row each).
        const bool stacked = opt_.rankdir == "LR" || opt_.rankdir == "RL";
        const int span = stacked ? 1 : std::max<int>(1, static_cast<int>(cols.size()));
        const std::string colspan = " COLSPAN=\"" + std::to_string(span) + "\"";

        std::string t = "<<TABLE BORDER=\"" + std::string(shared ? "3" : "1") + "\" COLOR=\"" +
                        (shared ? std::string(kSharedColor) : std::string(st.header)) + "\" STYLE=\"ROUNDED\" BGCOLOR=\"" +
                        st.header + "\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"4\">";
        std::string header = opt_.showLayerNames ? "<B>" + htmlEscape(layer.name()) + "</B> (" + htmlEscape(type) + ")"
                                                 : "<B>" + htmlEscape(type) + "</B>";
        t += "<TR><TD" + colspan + " CELLPADDING=\"6\"><FONT POINT-SIZE=\"13\" COLOR=\"" + std::string(st.text) + "\">" +
             header + "</FONT></TD></TR>";
        if (shared) {
            t += "<TR><TD" + colspan + " BGCOLOR=\"" + kSharedColor + "\" CELLPADDING=\"3\"><FONT POINT-SIZE=\"10\" COLOR=\"#FFFFFF\">" +
                 "<B>shared ×" + std::to_string(calls.size()) + "</B>  ·  one layer, same weights, " +
                 std::to_string(calls.size()) + " calls</FONT></TD></TR>";
        }
        if (opt_.showLayerActivations) {
            std::string act = activationName(layer);
            if (!act.empty())
                t += "<TR>" + cell("Activation: <B>" + htmlEscape(act) + "</B>").insert(3, colspan) + "</TR>";
        }
        if (stacked) {
            for (const auto& c : cols) t += "<TR>" + c + "</TR>";
        } else if (!cols.empty()) {
            t += "<TR>";
            for (const auto& c : cols) t += c;
            t += "</TR>";
        }
        t += "</TABLE>>";
        return t;
    }

    // ---- second pass: nodes and clusters -------------------------------------------------------
    void emitNodes(const Model& model, bool top, int depth, std::ostringstream& out) {
        const std::string indent(static_cast<size_t>(depth) * 2, ' ');
        for (const auto& l : model.layers()) {
            const Layer* layer = l.get();
            if (top && !topRange_.count(layer)) continue;
            if (opt_.expandNested && layer->isModel()) {
                if (!emittedClusters_.insert(layer).second) continue;
                const auto& inner = static_cast<const Model&>(*layer);
                const size_t calls = callsIn(*layer, model).size();
                const FamilyStyle st = familyStyle(LayerCategory::ModelsBlocks);
                std::string title = "<B>" + htmlEscape(inner.name()) + "</B> (" + htmlEscape(inner.summaryTypeName()) + ")";
                if (calls > 1)
                    title += "  <FONT COLOR=\"" + std::string(kSharedColor) + "\"><B>shared ×" + std::to_string(calls) +
                             "</B></FONT>";
                out << indent << "subgraph " << quote("cluster_" + ids_prefix(inner)) << " {\n";
                out << indent << "  label=<" << title << ">; labeljust=\"l\"; style=\"dashed,rounded\"; color="
                    << quote(calls > 1 ? kSharedColor : st.header) << "; penwidth=" << (calls > 1 ? "2" : "1.4")
                    << "; bgcolor=" << quote(depth % 2 ? "#F7F8FC" : "#FFFFFF") << "; margin=12;\n";
                emitNodes(inner, false, depth + 1, out);
                out << indent << "}\n";
                continue;
            }
            if (!drawnIn(*layer, model)) continue;
            if (!emittedNodes_.insert(layer).second) continue;
            out << indent << quote(ids_.at(layer)) << " [label=" << label(*layer, model)
                << ", tooltip=" << quote(layer->name() + " (" + layer->summaryTypeName() + ")") << "];\n";
        }
        emitEdges(model, top);
    }

    std::string ids_prefix(const Model& m) {
        auto it = clusterIds_.find(&m);
        if (it != clusterIds_.end()) return it->second;
        std::string id = m.name();
        while (usedClusterIds_.count(id)) id += "'";
        usedClusterIds_.insert(id);
        return clusterIds_[&m] = id;
    }

    // ---- edges --------------------------------------------------------------------------------
    struct Endpoint {
        const Layer* layer;
        const Node* node;
    };

    // A tensor produced by an expanded nested model comes from the layer inside that made it.
    KerasTensor resolveSource(KerasTensor t) const {
        int guard = 0;
        while (opt_.expandNested && t.layer().isModel() && guard++ < 64) {
            const auto& m = static_cast<const Model&>(t.layer());
            if (t.index() < 0 || t.index() >= static_cast<int>(m.outputs().size())) break;
            t = m.outputs()[static_cast<size_t>(t.index())];
        }
        return t;
    }

    // Input `pos` of a call of `layer` lands on the inner input of an expanded model: its InputLayer
    // box (functional) or the first layers reading it (Sequential, which has no input box).
    void resolveDestination(const Layer& layer, const Node* node, size_t pos, std::vector<Endpoint>& out,
                            int depth = 0) const {
        if (!(opt_.expandNested && layer.isModel()) || depth > 64) {
            out.push_back({&layer, node});
            return;
        }
        const auto& m = static_cast<const Model&>(layer);
        if (pos >= m.inputs().size()) return;
        const KerasTensor& in = m.inputs()[pos];
        if (drawnIn(in.layer(), m)) {
            out.push_back({&in.layer(), in.node()});
            return;
        }
        for (const auto& n : m.nodes()) {
            const auto& ins = n->inputs();
            for (size_t j = 0; j < ins.size(); ++j)
                if (ins[j] == in) resolveDestination(n->layer(), n.get(), j, out, depth + 1);
        }
    }

    void emitEdges(const Model& model, bool top) {
        for (const auto& np : model.nodes()) {
            const Node* node = np.get();
            const Layer& layer = node->layer();
            if (!drawnIn(layer, model) || (top && !topRange_.count(&layer))) continue;
            const auto& inputs = node->inputs();
            for (size_t i = 0; i < inputs.size(); ++i) {
                const KerasTensor& x = inputs[i];
                if (!drawnIn(x.layer(), model) || (top && !topRange_.count(&x.layer()))) continue;
                KerasTensor src = resolveSource(x);
                auto srcId = ids_.find(&src.layer());
                if (srcId == ids_.end()) continue;
                std::vector<Endpoint> dests;
                resolveDestination(layer, node, i, dests);
                for (const auto& d : dests) {
                    auto dstId = ids_.find(d.layer);
                    if (dstId == ids_.end()) continue;
                    addEdge(srcId->second, dstId->second, src, d.node);
                }
            }
        }
    }

    void addEdge(const std::string& from, const std::string& to, const KerasTensor& src, const Node* dstNode) {
        std::string tail, head;
        bool shared = false;
        if (auto it = callInfo_.find(src.node()); it != callInfo_.end() && it->second.count > 1) {
            tail = "call " + std::to_string(it->second.index);
            shared = true;
        }
        if (src.node()->numOutputs() > 1) tail += (tail.empty() ? "" : " · ") + std::string("out ") + std::to_string(src.index());
        if (auto it = callInfo_.find(dstNode); it != callInfo_.end() && it->second.count > 1) {
            head = "call " + std::to_string(it->second.index);
            shared = true;
        }
        if (!edgeKeys_.insert({from, to, tail, head}).second) return;
        if (tail == head) tail.clear();  // shared -> shared, same call: one label is enough
        if (!tail.empty() || !head.empty()) labelledEdges_ = true;
        std::string line = "  " + quote(from) + " -> " + quote(to);
        std::vector<std::string> attrs;
        if (shared) {
            attrs.push_back("color=" + quote(kSharedColor));
            attrs.push_back("penwidth=2");
        }
        if (!tail.empty()) attrs.push_back("taillabel=" + quote(tail));
        if (!head.empty()) attrs.push_back("headlabel=" + quote(head));
        if (!tail.empty() || !head.empty()) attrs.push_back("labeldistance=2.2, labelangle=35");
        if (!attrs.empty()) {
            line += " [";
            for (size_t i = 0; i < attrs.size(); ++i) line += (i ? ", " : "") + attrs[i];
            line += "]";
        }
        edgeLines_.push_back(line + ";\n");
    }

    struct CallInfo {
        int index = 0;
        int count = 0;
    };

    const DiagramOptions& opt_;
    std::set<const Layer*> topRange_;
    std::map<const Layer*, std::string> ids_;
    std::set<std::string> usedIds_;
    std::map<const Model*, std::string> clusterIds_;
    std::set<std::string> usedClusterIds_;
    std::map<const Node*, CallInfo> callInfo_;
    std::set<const Layer*> expanded_, emittedClusters_, emittedNodes_;
    std::set<std::tuple<std::string, std::string, std::string, std::string>> edgeKeys_;
    std::vector<std::string> edgeLines_;
    bool labelledEdges_ = false;
};

}  // namespace

std::string modelToDot(const Model& model, const DiagramOptions& options) { return DotWriter(options).write(model); }

void plotModel(const Model& model, const std::string& path, const DiagramOptions& options) {
    diagramFormatForPath(path);  // an unknown extension fails before any work
    renderDiagram(modelToDot(model, options), path);
}

}  // namespace strata::plotting
