#include "engine/io/weights_io.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "engine/core/errors.h"
#include "engine/io/keras_versions.h"
#include "engine/layers/recurrent/rnn.h"

namespace strata {

namespace {

// ---- helpers ------------------------------------------------------------------------------------

struct FileWeight {
    std::string name;   ///< as listed (legacy) or the index (Keras 3)
    std::string where;  ///< "file.h5:/model_weights/dense/dense/kernel:0"
    Tensor value;
};

std::string who(const Layer& l) { return "layer '" + l.name() + "' (" + l.className() + ")"; }

std::string shapeStr(const std::vector<int64_t>& s) {
    std::string r = "(";
    for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
    if (s.size() == 1) r += ",";
    return r + ")";
}

/// Weights owned by `l` itself (not by its sub-layers), in weights() order.
std::vector<Variable*> ownWeights(const Layer& l) {
    std::set<Variable*> sub;
    for (Layer* c : l.subLayers())
        for (Variable* v : c->weights()) sub.insert(v);
    std::vector<Variable*> out;
    for (Variable* v : l.weights())
        if (!sub.count(v)) out.push_back(v);
    return out;
}

void pushUnique(std::vector<Variable*>& out, std::set<Variable*>& seen, Variable* v) {
    if (seen.insert(v).second) out.push_back(v);
}

// Keras 2 (tf.keras) Layer.trainable_weights / non_trainable_weights, recursively.
void k2Trainable(const Layer& l, std::vector<Variable*>& out);
void k2NonTrainable(const Layer& l, std::vector<Variable*>& out);
void k2Weights(const Layer& l, std::vector<Variable*>& out) {
    k2Trainable(l, out);
    k2NonTrainable(l, out);
}
void k2Trainable(const Layer& l, std::vector<Variable*>& out) {
    if (!l.trainable()) return;
    for (Variable* v : ownWeights(l))
        if (v->trainable) out.push_back(v);
    for (Layer* c : l.subLayers()) k2Trainable(*c, out);
}
void k2NonTrainable(const Layer& l, std::vector<Variable*>& out) {
    auto own = ownWeights(l);
    if (l.trainable()) {
        for (Variable* v : own)
            if (!v->trainable) out.push_back(v);
        for (Layer* c : l.subLayers()) k2NonTrainable(*c, out);
    } else {
        for (Variable* v : own)
            if (v->trainable) out.push_back(v);
        for (Variable* v : own)
            if (!v->trainable) out.push_back(v);
        for (Layer* c : l.subLayers()) k2Weights(*c, out);
    }
}
std::vector<Variable*> keras2LegacyOrder(const Layer& l) {
    std::vector<Variable*> raw, out;
    k2Weights(l, raw);
    std::set<Variable*> seen;
    for (Variable* v : raw) pushUnique(out, seen, v);
    return out;
}

// Keras 3: trainable_weights = [v in weights if v.trainable] (empty if the layer is frozen);
// freezing a layer freezes its variables, so a variable is trainable if it and every layer above
// it (up to `l`) are.
void effTrainable(const Layer& l, bool parentOk, std::map<Variable*, bool>& m) {
    bool ok = parentOk && l.trainable();
    for (Variable* v : ownWeights(l))
        if (!m.count(v)) m[v] = ok && v->trainable;
    for (Layer* c : l.subLayers()) effTrainable(*c, ok, m);
}
std::vector<Variable*> keras3LegacyOrder(const Layer& l) {
    auto all = l.weights();
    if (!l.trainable()) return all;
    std::map<Variable*, bool> m;
    effTrainable(l, true, m);
    std::vector<Variable*> out;
    for (Variable* v : all)
        if (m[v]) out.push_back(v);
    for (Variable* v : all)
        if (!m[v]) out.push_back(v);
    return out;
}

std::string stripIndexSuffix(const std::string& name) {
    auto p = name.rfind(':');
    if (p == std::string::npos) return name;
    for (size_t i = p + 1; i < name.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(name[i]))) return name;
    return name.substr(0, p);
}

std::vector<std::string> splitPath(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t p = s.find('/', start);
        out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
        if (p == std::string::npos) break;
        start = p + 1;
    }
    return out;
}

/// perm[i] = index into `fw` for variable i, by "owner/name" suffix; empty if not a bijection.
std::vector<size_t> matchByName(const std::vector<Variable*>& vars, const std::vector<FileWeight>& fw) {
    std::map<std::string, std::vector<size_t>> byKey;
    for (size_t i = 0; i < vars.size(); ++i) byKey[vars[i]->path()].push_back(i);
    std::vector<size_t> perm(vars.size(), SIZE_MAX);
    for (size_t j = 0; j < fw.size(); ++j) {
        auto parts = splitPath(stripIndexSuffix(fw[j].name));
        if (parts.size() < 2) return {};
        std::string key = parts[parts.size() - 2] + "/" + parts.back();
        auto it = byKey.find(key);
        if (it == byKey.end() || it->second.size() != 1) return {};
        size_t i = it->second[0];
        if (perm[i] != SIZE_MAX) return {};
        perm[i] = j;
    }
    for (size_t p : perm)
        if (p == SIZE_MAX) return {};
    return perm;
}

std::vector<size_t> permFromOrder(const std::vector<Variable*>& vars, const std::vector<Variable*>& order) {
    // file weight j belongs to order[j]; we need, per variable i, its file index
    std::map<Variable*, size_t> pos;
    for (size_t j = 0; j < order.size(); ++j) pos[order[j]] = j;
    std::vector<size_t> perm;
    for (Variable* v : vars) {
        auto it = pos.find(v);
        if (it == pos.end()) return {};
        perm.push_back(it->second);
    }
    return perm;
}

/// First shape mismatch of a candidate assignment, "" if none.
std::string firstMismatch(const Layer& layer, const std::vector<Variable*>& vars, const std::vector<FileWeight>& fw,
                          const std::vector<size_t>& perm, const std::string& file) {
    for (size_t i = 0; i < vars.size(); ++i) {
        const FileWeight& f = fw[perm[i]];
        if (vars[i]->value.shape() != f.value.shape())
            return "'" + file + "': " + who(layer) + ": weight '" + vars[i]->path() + "' expects shape " +
                   shapeStr(vars[i]->value.shape()) + ", the file has '" + f.where + "' with shape " +
                   shapeStr(f.value.shape());
    }
    return "";
}

std::string listWeights(const std::vector<Variable*>& vars) {
    std::string s;
    for (Variable* v : vars) s += (s.empty() ? "" : ", ") + v->path() + " " + shapeStr(v->value.shape());
    return s.empty() ? "none" : s;
}
std::string listFile(const std::vector<FileWeight>& fw) {
    std::string s;
    for (const auto& f : fw) s += (s.empty() ? "" : ", ") + f.name + " " + shapeStr(f.value.shape());
    return s.empty() ? "none" : s;
}

void assignChecked(const Layer& layer, const std::vector<Variable*>& vars, std::vector<FileWeight>& fw,
                   const std::vector<size_t>& perm, const std::string& file, bool allowNonFinite) {
    for (size_t i = 0; i < vars.size(); ++i) {
        FileWeight& f = fw[perm[i]];
        if (!allowNonFinite && f.value.hasNonFinite())
            throw IoError("'" + file + "': " + who(layer) + ": weight '" + vars[i]->path() + "' ('" + f.where +
                          "') holds NaN or infinite values");
    }
    for (size_t i = 0; i < vars.size(); ++i) {
        Tensor t = std::move(fw[perm[i]].value);
        t.setDType(DType::Float32);
        vars[i]->value = std::move(t);
    }
}

/// Matches one layer's file weights to its variables: by name if every name matches, else by the
/// legacy order of the writer's Keras version (then the other version's order).
void assignLegacy(const Layer& layer, std::vector<FileWeight>& fw, const WeightsLoadOptions& opt,
                  const std::string& file) {
    auto vars = layer.weights();
    if (vars.size() != fw.size())
        throw IoError("'" + file + "': " + who(layer) + " has " + std::to_string(vars.size()) + " weight(s) [" +
                      listWeights(vars) + "], the file has " + std::to_string(fw.size()) + " [" + listFile(fw) + "]");
    std::vector<std::vector<size_t>> candidates;
    auto byName = matchByName(vars, fw);
    if (!byName.empty()) candidates.push_back(byName);
    bool k3 = kerasMajorVersion(opt.kerasVersion) >= 3;
    auto p2 = permFromOrder(vars, keras2LegacyOrder(layer));
    auto p3 = permFromOrder(vars, keras3LegacyOrder(layer));
    candidates.push_back(k3 ? p3 : p2);
    candidates.push_back(k3 ? p2 : p3);
    std::string firstError;
    for (const auto& perm : candidates) {
        if (perm.size() != vars.size()) continue;
        std::string err = firstMismatch(layer, vars, fw, perm, file);
        if (err.empty()) {
            assignChecked(layer, vars, fw, perm, file, opt.allowNonFinite);
            return;
        }
        if (firstError.empty()) firstError = err;
    }
    throw IoError(firstError);
}

// ---- legacy layout ------------------------------------------------------------------------------

struct LegacyEntry {
    std::string name;
    std::vector<std::string> weightNames;
};

void loadLegacyLayer(const Layer& layer, const h5::Group& g, const LegacyEntry& e, const WeightsLoadOptions& opt) {
    h5::Group lg = g.group(e.name);
    std::vector<FileWeight> fw;
    for (const auto& wn : e.weightNames) {
        if (!lg.hasDataset(wn))
            throw IoError("'" + g.filePath() + "': " + who(layer) + ": weight_names lists '" + wn +
                          "' but there is no dataset '" + lg.path() + "/" + wn + "'");
        fw.push_back({wn, lg.path() + "/" + wn, lg.readTensor(wn)});
    }
    assignLegacy(layer, fw, opt, g.filePath());
}

// ---- Keras 3 layout -----------------------------------------------------------------------------

bool isRecurrentClass(const std::string& cls) {
    return cls == "LSTM" || cls == "GRU" || cls == "SimpleRNN" || cls == "RNN" || cls == "ConvLSTM1D" ||
           cls == "ConvLSTM2D" || cls == "ConvLSTM3D";
}

std::string uniqueKey(const std::string& className, std::map<std::string, int>& used) {
    std::string base = toSnakeCase(className);
    auto it = used.find(base);
    if (it == used.end()) {
        used[base] = 0;
        return base;
    }
    return base + "_" + std::to_string(++it->second);
}

void readVars(const h5::Group& g, std::vector<FileWeight>& out) {
    if (!g.hasGroup("vars")) return;
    h5::Group v = g.group("vars");
    std::vector<std::pair<long, std::string>> idx;
    for (const auto& c : v.children()) {
        bool digits = !c.empty() && c.size() < 9 && std::all_of(c.begin(), c.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
        if (digits && v.hasDataset(c)) idx.emplace_back(std::stol(c), c);
    }
    std::sort(idx.begin(), idx.end());
    for (size_t i = 0; i < idx.size(); ++i) {
        if (idx[i].first != static_cast<long>(i))
            throw IoError("'" + g.filePath() + "': '" + v.path() + "' has variables numbered with a gap (no '" +
                          std::to_string(i) + "')");
        out.push_back({v.path() + "/" + idx[i].second, v.path() + "/" + idx[i].second, v.readTensor(idx[i].second)});
    }
}

h5::Group childGroup(const h5::Group& g, const std::string& name, const Layer& layer) {
    if (!g.hasGroup(name))
        throw IoError("'" + g.filePath() + "': no weights for " + who(layer) + ": the group '" +
                      (g.path() == "/" ? "" : g.path()) + "/" + name + "' is missing");
    return g.group(name);
}

void collectAllVars(const h5::Group& g, std::vector<FileWeight>& out, int depth) {
    if (depth > 32) return;
    readVars(g, out);
    for (const auto& c : g.children())
        if (c != "vars" && g.hasGroup(c)) collectAllVars(g.group(c), out, depth + 1);
}

void collectKeras3(const Layer& layer, const h5::Group& g, std::vector<FileWeight>& out) {
    readVars(g, out);
    const std::string& cls = layer.className();
    auto subs = layer.subLayers();
    if (isRecurrentClass(cls)) {
        if (g.hasGroup("cell")) readVars(g.group("cell"), out);
    } else if (cls == "Bidirectional" && subs.size() == 2) {
        collectKeras3(*subs[0], childGroup(g, "forward_layer", layer), out);
        collectKeras3(*subs[1], childGroup(g, "backward_layer", layer), out);
    } else if (cls == "TimeDistributed" && subs.size() == 1) {
        collectKeras3(*subs[0], childGroup(g, "layer", layer), out);
    } else if (!subs.empty()) {
        for (const auto& c : g.children())
            if (c != "vars" && g.hasGroup(c)) collectAllVars(g.group(c), out, 0);
    }
}

void loadKeras3Layer(Layer& layer, const h5::Group& g, const WeightsLoadOptions& opt) {
    const std::string file = g.filePath();
    if (layer.isModel()) {
        auto& model = static_cast<Model&>(layer);
        std::string lk = g.hasGroup("layers") ? "layers"
                         : g.hasGroup("_layer_checkpoint_dependencies") ? "_layer_checkpoint_dependencies"
                                                                        : "";
        std::map<std::string, int> used;
        for (const auto& sub : model.layers()) {
            std::string key = uniqueKey(sub->className(), used);
            if (sub->weights().empty()) continue;
            if (lk.empty() || !g.hasGroup(lk + "/" + key))
                throw IoError("'" + file + "': no weights for " + who(*sub) + ": expected the group '" +
                              (g.path() == "/" ? "" : g.path()) + "/layers/" + key + "'");
            loadKeras3Layer(*sub, g.group(lk + "/" + key), opt);
        }
        return;
    }
    std::vector<FileWeight> fw;
    collectKeras3(layer, g, fw);
    auto vars = layer.weights();
    std::string named = g.hasGroup("vars") && g.group("vars").hasAttr("name")
                            ? " (the file's group '" + g.path() + "' was saved from layer '" +
                                  g.group("vars").readStringAttr("name") + "')"
                            : "";
    if (vars.size() != fw.size())
        throw IoError("'" + file + "': " + who(layer) + " has " + std::to_string(vars.size()) + " weight(s) [" +
                      listWeights(vars) + "], the file has " + std::to_string(fw.size()) + " under '" + g.path() +
                      "' [" + listFile(fw) + "]" + named);
    std::vector<size_t> perm(vars.size());
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = i;
    std::string err = firstMismatch(layer, vars, fw, perm, file);
    if (!err.empty()) throw IoError(err + named);
    assignChecked(layer, vars, fw, perm, file, opt.allowNonFinite);
}

void writeVars(h5::Group& g, const std::string& displayName, const std::vector<Variable*>& vars) {
    h5::Group v = g.createGroup("vars");
    v.writeStringAttr("name", displayName);
    for (size_t i = 0; i < vars.size(); ++i) v.writeTensor(std::to_string(i), vars[i]->value);
}

void saveKeras3Layer(const Layer& layer, h5::Group& g) {
    if (layer.isModel()) {
        const auto& model = static_cast<const Model&>(layer);
        writeVars(g, layer.name(), {});
        std::map<std::string, int> used;
        h5::Group lg = g.createGroup("layers");
        for (const auto& sub : model.layers()) {
            h5::Group sg = lg.createGroup(uniqueKey(sub->className(), used));
            saveKeras3Layer(*sub, sg);
        }
        return;
    }
    const std::string& cls = layer.className();
    auto subs = layer.subLayers();
    if (isRecurrentClass(cls)) {
        writeVars(g, layer.name(), {});
        h5::Group cg = g.createGroup("cell");
        writeVars(cg, toSnakeCase(cls) + "_cell", layer.weights());
        return;
    }
    writeVars(g, layer.name(), ownWeights(layer));
    if (cls == "Bidirectional" && subs.size() == 2) {
        h5::Group f = g.createGroup("forward_layer"), b = g.createGroup("backward_layer");
        saveKeras3Layer(*subs[0], f);
        saveKeras3Layer(*subs[1], b);
    } else if (cls == "TimeDistributed" && subs.size() == 1) {
        h5::Group s = g.createGroup("layer");
        saveKeras3Layer(*subs[0], s);
    } else {
        std::map<std::string, int> used;
        for (Layer* s : subs) {
            h5::Group sg = g.createGroup(uniqueKey(s->className(), used));
            saveKeras3Layer(*s, sg);
        }
    }
}

}  // namespace

// ---- public -------------------------------------------------------------------------------------

int kerasMajorVersion(const std::string& version) {
    if (version.empty() || !std::isdigit(static_cast<unsigned char>(version[0]))) return 0;
    return std::atoi(version.c_str());
}

bool isLegacyWeightsGroup(const h5::Group& g) { return g.hasAttr("layer_names") || g.hasAttr("layer_names0"); }
bool isKeras3WeightsGroup(const h5::Group& g) {
    return !isLegacyWeightsGroup(g) && (g.hasGroup("layers") || g.hasGroup("vars") || g.hasGroup("_layer_checkpoint_dependencies"));
}

void loadLegacyWeights(Model& model, const h5::Group& g, const WeightsLoadOptions& opt) {
    const std::string file = g.filePath();
    if (!isLegacyWeightsGroup(g))
        throw IoError("'" + file + "': '" + g.path() + "' has no 'layer_names' attribute; not Keras weights");
    auto layerNames = g.readKerasStringList("layer_names");
    std::vector<LegacyEntry> fileLayers;
    for (const auto& n : layerNames) {
        if (!g.hasGroup(n))
            throw IoError("'" + file + "': layer_names lists '" + n + "' but the group '" +
                          (g.path() == "/" ? "" : g.path()) + "/" + n + "' is missing");
        auto wn = g.group(n).readKerasStringList("weight_names");
        if (!wn.empty()) fileLayers.push_back({n, wn});
    }
    std::vector<LayerPtr> ours;
    for (const auto& l : model.layers())
        if (!l->weights().empty()) ours.push_back(l);

    std::map<std::string, size_t> fileByName;
    for (size_t i = 0; i < fileLayers.size(); ++i) fileByName[fileLayers[i].name] = i;
    std::set<std::string> ourNames;
    std::vector<std::string> missing, extra;
    for (const auto& l : ours) {
        ourNames.insert(l->name());
        if (!fileByName.count(l->name())) missing.push_back(l->name());
    }
    for (const auto& e : fileLayers)
        if (!ourNames.count(e.name)) extra.push_back(e.name);

    if (missing.empty() && extra.empty()) {
        for (const auto& l : ours) loadLegacyLayer(*l, g, fileLayers[fileByName[l->name()]], opt);
        return;
    }
    if (ours.size() == fileLayers.size() && missing.size() == ours.size()) {
        // No name matches at all (a config renamed by hand): Keras's load_weights pairs by position.
        for (size_t i = 0; i < ours.size(); ++i) loadLegacyLayer(*ours[i], g, fileLayers[i], opt);
        return;
    }
    auto join = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "'" : ", '") + x + "'";
        return s;
    };
    std::string msg = "'" + file + "': the weights do not fit the model '" + model.name() + "'";
    if (!missing.empty()) msg += "; no weights in the file for layer(s) " + join(missing);
    if (!extra.empty()) msg += "; the file has weights for layer(s) the model does not have: " + join(extra);
    throw IoError(msg);
}

void saveLegacyWeights(const Model& model, h5::Group& g) {
    auto layers = model.layers();
    std::vector<std::string> names;
    for (const auto& l : layers) names.push_back(l->name());
    g.writeKerasStringList("layer_names", names);
    g.writeStringAttr("backend", "tensorflow");
    g.writeStringAttr("keras_version", kStrataKerasVersion);
    auto sorted = layers;
    std::stable_sort(sorted.begin(), sorted.end(), [](const LayerPtr& a, const LayerPtr& b) { return a->name() < b->name(); });
    for (const auto& l : sorted) {
        h5::Group lg = g.createGroup(l->name());
        auto vars = keras3LegacyOrder(*l);
        std::vector<std::string> wn;
        std::set<std::string> seen;
        for (size_t i = 0; i < vars.size(); ++i) {
            std::string n = vars[i]->path() + ":0";
            if (!seen.insert(n).second) {
                n = l->name() + "/" + std::to_string(i) + "/" + vars[i]->path() + ":0";
                seen.insert(n);
            }
            wn.push_back(n);
        }
        lg.writeKerasStringList("weight_names", wn);
        for (size_t i = 0; i < vars.size(); ++i) lg.writeTensor(wn[i], vars[i]->value);
    }
}

void loadKeras3Weights(Model& model, const h5::Group& root, const WeightsLoadOptions& opt) {
    loadKeras3Layer(model, root, opt);
}

void saveKeras3Weights(const Model& model, h5::Group& root) { saveKeras3Layer(model, root); }

void writeHdf5Atomic(const std::string& path, const std::function<void(h5::File&)>& writer) {
    std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    try {
        h5::File f = h5::File::create(tmp);
        writer(f);
        f.close();
    } catch (...) {
        std::remove(tmp.c_str());
        throw;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw IoError("cannot replace '" + path + "'");
    }
}

void loadWeightsFile(Model& model, const std::string& path, bool allowNonFinite) {
    h5::File f = h5::File::openRead(path);
    h5::Group root = f.root();
    WeightsLoadOptions opt;
    opt.allowNonFinite = allowNonFinite;
    if (root.hasAttr("keras_version")) opt.kerasVersion = root.readStringAttr("keras_version");
    if (root.hasAttr("model_config") && root.hasGroup("model_weights")) {
        h5::Group wg = root.group("model_weights");
        if (opt.kerasVersion.empty() && wg.hasAttr("keras_version")) opt.kerasVersion = wg.readStringAttr("keras_version");
        loadLegacyWeights(model, wg, opt);
    } else if (isLegacyWeightsGroup(root)) {
        loadLegacyWeights(model, root, opt);
    } else if (isKeras3WeightsGroup(root)) {
        loadKeras3Weights(model, root, opt);
    } else {
        throw IoError("'" + path + "' holds no Keras weights (no layer_names attribute, no 'layers' group)");
    }
}

void saveWeightsFile(const Model& model, const std::string& path) {
    bool k3 = path.size() >= 11 && path.compare(path.size() - 11, 11, ".weights.h5") == 0;
    writeHdf5Atomic(path, [&](h5::File& f) {
        h5::Group root = f.root();
        if (k3) saveKeras3Weights(model, root);
        else saveLegacyWeights(model, root);
    });
}

static void applyKeras2To(Layer& l, int depth) {
    if (depth > 64) return;
    if (auto* r = dynamic_cast<RecurrentBase*>(&l)) r->setKeras2HardSigmoid(true);
    for (Layer* c : l.subLayers()) applyKeras2To(*c, depth + 1);
}

void applyKeras2Semantics(Model& model) { applyKeras2To(model, 0); }

}  // namespace strata
