// Model::summary(): Keras 3's print_summary table (keras/src/utils/summary_utils.py), drawn with the
// same box characters rich uses, so users see the table they know.
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "engine/core/errors.h"
#include "engine/graph/model.h"

namespace strata {

namespace {

std::string withCommas(int64_t n) {
    std::string s = std::to_string(n < 0 ? -n : n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
    return n < 0 ? "-" + s : s;
}

std::string readableSize(double bytes) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    for (const char* u : units) {
        if (bytes / 1024.0 < 1.0) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.2f %s", bytes, u);
            return buf;
        }
        bytes /= 1024.0;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f PB", bytes * 1024.0);
    return buf;
}

int64_t countOf(const std::vector<Variable*>& ws) {
    int64_t n = 0;
    for (auto* w : ws) n += w->value.size();
    return n;
}

// Number of display columns of a UTF-8 string (every code point counts one).
size_t displayWidth(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

// Wraps text to `width` columns, preferring breaks after ", " and spaces (as rich does).
std::vector<std::string> wrap(const std::string& text, size_t width) {
    std::vector<std::string> lines;
    std::string rest = text;
    while (displayWidth(rest) > width) {
        size_t cut = std::string::npos;
        for (size_t i = 0; i < rest.size() && displayWidth(rest.substr(0, i + 1)) <= width; ++i)
            if (rest[i] == ' ') cut = i;
        if (cut == std::string::npos || cut == 0) {
            size_t bytes = 0, cols = 0;
            while (bytes < rest.size() && cols < width) {
                ++bytes;
                while (bytes < rest.size() && (static_cast<unsigned char>(rest[bytes]) & 0xC0) == 0x80) ++bytes;
                ++cols;
            }
            lines.push_back(rest.substr(0, bytes));
            rest = rest.substr(bytes);
        } else {
            lines.push_back(rest.substr(0, cut));
            rest = rest.substr(cut + 1);
        }
    }
    lines.push_back(rest);
    return lines;
}

std::string repeat(const std::string& s, size_t n) {
    std::string r;
    for (size_t i = 0; i < n; ++i) r += s;
    return r;
}

std::string formatShapes(const std::vector<Shape>& shapes) {
    if (shapes.size() == 1) return shapes[0].toString();
    std::string s = "[";
    for (size_t i = 0; i < shapes.size(); ++i) s += (i ? ", " : "") + shapes[i].toString();
    return s + "]";
}

// Keras shows the output shape of the layer's last call.
std::string layerShape(const Layer& layer) {
    auto nodes = layer.inboundNodes();
    if (!nodes.empty()) return formatShapes(nodes.back()->outputShapes());
    if (layer.built() && !layer.buildShapes().empty()) {
        try {
            return formatShapes(layer.computeOutputShape(layer.buildShapes()));
        } catch (...) {
            return "?";
        }
    }
    return "?";
}

}  // namespace

bool Model::sequentialLike() const {
    if (className() == "Sequential") return true;
    std::map<int, std::vector<const Node*>> byDepth;
    for (const auto& [n, d] : nodeDepth_) byDepth[d].push_back(n);
    std::set<const Node*> nodes;
    for (const auto& [d, v] : byDepth) {
        if (v.size() > 1 || (v.size() == 1 && v[0]->inputs().size() > 1)) return false;
        nodes.insert(v.begin(), v.end());
    }
    for (const auto& l : layers()) {
        int inModel = 0;
        for (const auto& n : l->inboundNodes())
            if (nodes.count(n.get())) ++inModel;
        if (inModel > 1) return false;
    }
    return true;
}

std::string Model::summary(const SummaryOptions& opt) const {
    if (!graphReady())
        throw ValueError("Model '" + name() +
                         "' has not been built yet: call buildWithShape(input_shape), start it with an InputLayer, "
                         "or call it on data first");
    const bool seq = sequentialLike();
    std::vector<std::string> header = {"Layer (type)", "Output Shape", "Param #"};
    std::vector<char> align = {'l', 'l', 'r'};
    std::vector<double> positions = {0.45, 0.80, 1.0};
    int lineLength = 88;
    if (!seq) {
        header.push_back("Connected to");
        align.push_back('l');
        positions = {0.3, 0.56, 0.74, 1.0};
        lineLength = 108;
    }
    if (opt.showTrainable) {
        lineLength += 12;
        for (auto& p : positions) p *= 0.9;
        positions.push_back(1.0);
        header.push_back("Trainable");
        align.push_back('c');
    }
    if (opt.lineLength > 0) lineLength = opt.lineLength;
    std::vector<size_t> widths;  // inner widths (without the 1-space padding on each side)
    int current = 0;
    for (double p : positions) {
        int w = static_cast<int>(p * lineLength) - current;
        current += w;
        widths.push_back(static_cast<size_t>(std::max(4, w - 3)));
    }

    std::vector<std::vector<std::string>> rows;
    std::function<void(const Layer&, int, const Model*)> addLayer = [&](const Layer& layer, int level,
                                                                       const Model* owner) {
        std::string prefix = level ? repeat("   ", level) + "└ " : "";
        std::vector<std::string> r;
        r.push_back(prefix + layer.name() + " (" + layer.summaryTypeName() + ")");
        r.push_back(layerShape(layer));
        r.push_back(layer.built() ? withCommas(layer.countParams()) : "0 (unbuilt)");
        if (!seq) {
            std::string conn;
            for (const auto& node : layer.inboundNodes()) {
                if (owner && !owner->containsNode(node.get())) continue;
                for (const auto& x : node->inputs()) {
                    int ni = owner ? owner->nodeIndexInModel(x.node()) : x.node()->indexInLayer();
                    if (!conn.empty()) conn += ", ";
                    conn += x.layer().name() + "[" + std::to_string(ni) + "][" + std::to_string(x.index()) + "]";
                }
            }
            r.push_back(conn.empty() ? "-" : conn);
        }
        if (opt.showTrainable) r.push_back(layer.weights().empty() ? "-" : (layer.trainable() ? "Y" : "N"));
        rows.push_back(r);
        if (opt.expandNested && layer.isModel()) {
            const auto& m = static_cast<const Model&>(layer);
            for (const auto& l : m.layers()) addLayer(*l, level + 1, &m);
        }
    };
    auto shown = layers();
    if (className() == "Sequential") {
        std::vector<std::shared_ptr<Layer>> v;
        for (const auto& l : shown)
            if (l->className() != "InputLayer") v.push_back(l);
        shown = v;
    }
    for (const auto& l : shown) addLayer(*l, 0, this);

    auto border = [&](const char* left, const char* fill, const char* mid, const char* right) {
        std::string s = left;
        for (size_t i = 0; i < widths.size(); ++i) s += repeat(fill, widths[i] + 2) + (i + 1 < widths.size() ? mid : right);
        return s + "\n";
    };
    auto cell = [](const std::string& text, size_t w, char a) {
        size_t len = displayWidth(text);
        size_t pad = w > len ? w - len : 0;
        if (a == 'r') return std::string(pad, ' ') + text;
        if (a == 'c') return std::string(pad / 2, ' ') + text + std::string(pad - pad / 2, ' ');
        return text + std::string(pad, ' ');
    };
    auto rowLines = [&](const std::vector<std::string>& r, const char* sep) {
        std::vector<std::vector<std::string>> wrapped;
        size_t h = 1;
        for (size_t i = 0; i < r.size(); ++i) {
            wrapped.push_back(wrap(r[i], widths[i]));
            h = std::max(h, wrapped.back().size());
        }
        std::string s;
        for (size_t line = 0; line < h; ++line) {
            s += sep;
            for (size_t i = 0; i < r.size(); ++i)
                s += std::string(" ") + cell(line < wrapped[i].size() ? wrapped[i][line] : "", widths[i], align[i]) + " " + sep;
            s += "\n";
        }
        return s;
    };

    std::ostringstream out;
    out << "Model: \"" << name() << "\"\n";
    out << border("┏", "━", "┳", "┓");
    out << rowLines(header, "┃");
    out << border("┡", "━", "╇", "┩");
    for (size_t i = 0; i < rows.size(); ++i) {
        out << rowLines(rows[i], "│");
        if (i + 1 < rows.size()) out << border("├", "─", "┼", "┤");
    }
    out << border("└", "─", "┴", "┘");
    int64_t trainable = countOf(trainableWeights());
    int64_t nonTrainable = countOf(nonTrainableWeights());
    out << " Total params: " << withCommas(trainable + nonTrainable) << " ("
        << readableSize(4.0 * double(trainable + nonTrainable)) << ")\n";
    out << " Trainable params: " << withCommas(trainable) << " (" << readableSize(4.0 * double(trainable)) << ")\n";
    out << " Non-trainable params: " << withCommas(nonTrainable) << " (" << readableSize(4.0 * double(nonTrainable))
        << ")\n";
    return out.str();
}

}  // namespace strata
