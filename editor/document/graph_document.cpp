#include "editor/document/graph_document.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <algorithm>
#include <functional>
#include <map>
#include <unordered_set>

#include "engine/core/errors.h"

#include "editor/document/graph_commands.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_registry.h"

namespace strata::editor {

GraphDocument::GraphDocument(QObject* parent) : QObject(parent) { revalidate(); }

GraphDocument::~GraphDocument() {
    // The commands point at this document; drop them before its members go.
    undo_.clear();
}

QStringList GraphDocument::nodeIds() const {
    QStringList ids;
    for (const auto& n : spec_.nodes) ids << qs(n.id);
    return ids;
}

int GraphDocument::callCount(const QString& id) const {
    const GraphNode* n = node(id);
    if (!n) return 0;
    int count = 0;
    for (const auto& m : spec_.nodes) count += m.layerName == n->layerName;
    return count;
}

bool GraphDocument::isOutput(const QString& id) const {
    for (const auto& r : spec_.outputs)
        if (qs(r.node) == id) return true;
    return false;
}

bool GraphDocument::isOutput(const QString& id, int output) const {
    for (const auto& r : spec_.outputs)
        if (qs(r.node) == id && r.output == output) return true;
    return false;
}

int GraphDocument::outputCount(const QString& id) const {
    const NodeCheck* c = check_.node(id.toStdString());
    return c && c->state == NodeState::Ok && !c->outputShapes.empty() ? static_cast<int>(c->outputShapes.size()) : 1;
}

int GraphDocument::inputPortCount(const QString& id) const {
    const GraphNode* n = node(id);
    if (!n) return 0;
    const LayerSpec* ls = LayerRegistry::instance().find(n->className);
    const int wired = static_cast<int>(n->inbound.size());
    if (!ls) return std::max(1, wired);
    if (ls->category == LayerCategory::ModelsBlocks) {
        // A nested model takes as many inputs as it has Input layers (Keras 3 writes
        // input_layers as one [name, 0, 0] triple for a single input, else a list of them).
        const Json il = n->config.value("input_layers", Json());
        int inputs = 1;
        if (il.is_array() && !il.empty() && il[0].is_array()) inputs = static_cast<int>(il.size());
        return std::max(inputs, wired);
    }
    if (ls->arity.max < 0) return std::max(ls->arity.min, wired + 1);  // always one free port to grow
    return std::max(ls->arity.max, wired);
}

QString GraphDocument::nodeOfLayer(const QString& layerName) const {
    for (const auto& n : spec_.nodes)
        if (qs(n.layerName) == layerName) return qs(n.id);
    return {};
}

int GraphDocument::nodeIndex(const QString& id) const {
    const std::string s = id.toStdString();
    for (size_t i = 0; i < spec_.nodes.size(); ++i)
        if (spec_.nodes[i].id == s) return static_cast<int>(i);
    return -1;
}

const LayerOrigin* GraphDocument::layerOrigin(const QString& layerName) const {
    auto it = origins_.constFind(layerName);
    return it == origins_.constEnd() ? nullptr : &it.value();
}

QString GraphDocument::layerFromFile(const QString& file) const {
    for (const auto& n : spec_.nodes) {
        const LayerOrigin* o = layerOrigin(qs(n.layerName));
        if (o && o->file == file && o->expandedFrom.isEmpty()) return qs(n.layerName);
    }
    return {};
}

int GraphDocument::applyLibraryWeights(Model& model) const {
    auto apply = [this](Layer& layer) {
        const LayerOrigin* o = layerOrigin(qs(layer.name()));
        if (!o || !o->weights) return false;
        // A library model (a Sequential edited in its tab comes back as a Functional with the same
        // weights, so any model class fits), or a layer of one that was expanded (its own class).
        const bool originIsModel = o->className == "Functional" || o->className == "Sequential";
        if (layer.isModel() != originIsModel || (!originIsModel && qs(layer.className()) != o->className)) return false;
        const std::vector<Variable*> dst = layer.weights();
        if (dst.size() != o->weights->size()) return false;
        for (size_t i = 0; i < dst.size(); ++i)
            if (dst[i]->value.shape() != (*o->weights)[i].shape()) return false;  // edited since: no longer fits
        layer.setWeights(*o->weights);
        return true;
    };
    int applied = 0;
    std::function<void(const Model&)> walk = [&](const Model& m) {
        for (const auto& layer : m.layers()) {
            if (apply(*layer)) {
                ++applied;
                continue;  // its insides came with it
            }
            if (auto* inner = dynamic_cast<const Model*>(layer.get())) walk(*inner);
        }
    };
    walk(model);
    return applied;
}

void GraphDocument::reset(const GraphSpec& spec, const QHash<QString, QPointF>& positions) {
    undo_.clear();
    origins_.clear();
    spec_ = spec;
    positions_ = positions;
    validator_.clearCache();
    emit documentReset();
    revalidate();
}

QString GraphDocument::freshName(const QString& className) const {
    return qs(freshLayerName(spec_, toSnakeCase(className.toStdString())));
}

QString GraphDocument::newNodeId() const {
    std::unordered_set<std::string> used;
    for (const auto& n : spec_.nodes) used.insert(n.id);
    for (size_t k = spec_.nodes.size() + 1;; ++k) {
        std::string id = "n" + std::to_string(k);
        if (!used.count(id)) return qs(id);
    }
}

// ---- edits --------------------------------------------------------------------------------------

QString GraphDocument::addLayer(const QString& className, QPointF pos, QString* why) {
    const std::string cls = className.toStdString();
    const LayerSpec* ls = LayerRegistry::instance().find(cls);
    if (!ls) {
        if (why) *why = tr("Unknown layer class '%1'").arg(className);
        return {};
    }
    GraphNode n;
    n.id = newNodeId().toStdString();
    n.className = ls->className;
    n.layerName = freshName(qs(ls->className)).toStdString();
    n.config = defaultConfig(*ls);
    undo_.push(new AddNodeCommand(this, n, pos, tr("Add %1").arg(qs(n.layerName))));
    return qs(n.id);
}

Json GraphDocument::defaultConfig(const LayerSpec& ls) {
    // Defaults from the registry; required settings get a usable first value so a new node is
    // valid as soon as it is wired (Dense needs units, Input a shape).
    Json cfg = Json::object();
    for (const auto& p : ls.params) {
        if (!p.required) continue;
        switch (p.type) {
            case ParamType::Int: cfg[p.name] = p.min ? std::max<int64_t>(1, static_cast<int64_t>(*p.min)) : 1; break;
            case ParamType::Float: cfg[p.name] = p.min ? *p.min : 0.0; break;
            case ParamType::IntTuple: cfg[p.name] = std::vector<int64_t>(std::max(1, p.tupleSize), 1); break;
            case ParamType::IntList: cfg[p.name] = Json::array({1}); break;
            case ParamType::Bool: cfg[p.name] = false; break;
            case ParamType::Choice: cfg[p.name] = p.choices.empty() ? "" : p.choices[0]; break;
            default: cfg[p.name] = ""; break;
        }
    }
    if (ls.className == "InputLayer") cfg["shape"] = Json::array({1});
    try {
        return LayerRegistry::instance().normalize(ls.className, cfg, /*strict=*/false);
    } catch (const std::exception&) {
        return cfg;  // shown as a problem on the node
    }
}

QStringList GraphDocument::replacementClasses(const QString& id) const {
    const GraphNode* n = node(id);
    QStringList out;
    if (!n || n->isInput()) return out;
    for (const LayerSpec* ls : LayerRegistry::instance().all()) {
        if (ls->className == "InputLayer" || ls->category == LayerCategory::ModelsBlocks || ls->arity.max == 0) continue;
        if (ls->className == n->className) continue;
        out << qs(ls->className);
    }
    return out;
}

bool GraphDocument::replaceLayer(const QString& id, const QString& className, QString* why) {
    auto fail = [&](const QString& m) {
        if (why) *why = m;
        return false;
    };
    const GraphNode* n = node(id);
    if (!n) return fail(tr("Unknown node"));
    const LayerSpec* ls = LayerRegistry::instance().find(className.toStdString());
    if (!ls) return fail(tr("Unknown layer class '%1'").arg(className));
    if (n->isInput()) return fail(tr("An Input has no layer to replace; change its shape or dtype instead"));
    if (ls->className == "InputLayer" || ls->arity.max == 0)
        return fail(tr("%1 takes no inputs, so it cannot take the place of %2").arg(className, qs(n->layerName)));
    if (ls->category == LayerCategory::ModelsBlocks)
        return fail(tr("A nested model cannot be chosen here; use Group into Model"));
    if (const LayerSpec* old = LayerRegistry::instance().find(n->className);
        old && old->category == LayerCategory::ModelsBlocks)
        return fail(tr("%1 is a nested model; Expand it to edit its layers").arg(qs(n->layerName)));
    if (ls->className == n->className) return true;

    // Shared settings carry over one by one; a value the new type refuses (a Choice it lacks, a
    // range it checks) falls back to its default instead of refusing the whole replacement.
    Json cfg = defaultConfig(*ls);
    for (const auto& p : ls->params) {
        if (!n->config.contains(p.name) || p.name == "name") continue;
        Json trial = cfg;
        trial[p.name] = n->config[p.name];
        try {
            Json normalized = LayerRegistry::instance().normalize(ls->className, trial, /*strict=*/false);
            Json withName = normalized;
            withName["name"] = "replacement_check";
            LayerRegistry::instance().create(ls->className, withName, false);
            cfg = normalized;
        } catch (const std::exception&) {
        }
    }
    // A generated name ("dense", "dense_3") names the type, so it follows it; a chosen one stays.
    std::string name = n->layerName;
    const std::string oldBase = toSnakeCase(n->className);
    const QRegularExpression generated(QStringLiteral("^%1(_\\d+)?$").arg(QRegularExpression::escape(qs(oldBase))));
    if (generated.match(qs(name)).hasMatch()) name = freshName(qs(ls->className)).toStdString();

    std::vector<GraphNode> before, after;
    for (const auto& m : spec_.nodes) {
        if (m.layerName != n->layerName) continue;
        before.push_back(m);
        GraphNode r = m;
        r.className = ls->className;
        r.layerName = name;
        r.config = cfg;
        if (ls->arity.max >= 0 && static_cast<int>(r.inbound.size()) > ls->arity.max) r.inbound.resize(ls->arity.max);
        after.push_back(r);
    }
    undo_.push(new ReplaceNodesCommand(this, before, after,
                                       tr("Replace %1 with %2").arg(qs(n->layerName), qs(ls->className))));
    return true;
}

QString GraphDocument::insertOnWire(const QString& className, QPointF pos, const QString& to, int port, QString* why) {
    const GraphNode* dst = node(to);
    if (!dst || port < 0 || port >= static_cast<int>(dst->inbound.size()) || !dst->inbound[port].connected()) {
        if (why) *why = tr("There is no wire there to insert into");
        return {};
    }
    const TensorRef source = dst->inbound[port];
    const LayerSpec* ls = LayerRegistry::instance().find(className.toStdString());
    if (!ls || ls->arity.min > 1 || ls->arity.max == 0) {
        if (why) *why = tr("%1 cannot be inserted into a wire (it does not take exactly one input)").arg(className);
        return {};
    }
    undo_.beginMacro(tr("Insert %1").arg(className));
    QString id = addLayer(className, pos, why);
    if (!id.isEmpty()) {
        connectPorts(qs(source.node), source.output, id, 0, why);
        connectPorts(id, 0, to, port, why);
    }
    undo_.endMacro();
    return id;
}

bool GraphDocument::wouldCreateCycle(const QString& from, const QString& to) const {
    if (from == to) return true;
    // Is `to` upstream of `from`? Walk the producers of `from`.
    const std::string target = to.toStdString();
    std::vector<std::string> stack{from.toStdString()};
    std::unordered_set<std::string> seen;
    while (!stack.empty()) {
        std::string id = stack.back();
        stack.pop_back();
        if (id == target) return true;
        if (!seen.insert(id).second) continue;
        if (const GraphNode* n = spec_.find(id))
            for (const auto& r : n->inbound)
                if (r.connected()) stack.push_back(r.node);
    }
    return false;
}

bool GraphDocument::connectPorts(const QString& from, int output, const QString& to, int port, QString* why) {
    auto fail = [&](const QString& m) {
        if (why) *why = m;
        return false;
    };
    const GraphNode* src = node(from);
    const GraphNode* dst = node(to);
    if (!src || !dst) return fail(tr("Cannot connect: unknown node"));
    if (port < 0 || port >= inputPortCount(to))
        return fail(tr("%1 has no input %2").arg(qs(dst->layerName)).arg(port));
    if (output < 0) return fail(tr("%1 has no output %2").arg(qs(src->layerName)).arg(output));
    if (wouldCreateCycle(from, to))
        return fail(tr("Connecting %1 to %2 would make a cycle").arg(qs(src->layerName), qs(dst->layerName)));
    std::vector<TensorRef> after = dst->inbound;
    if (static_cast<int>(after.size()) <= port) after.resize(port + 1);
    TensorRef ref{from.toStdString(), output};
    if (after[port] == ref) return fail(tr("Already connected"));
    after[port] = ref;
    undo_.push(new SetInboundCommand(this, to, dst->inbound, after,
                                     tr("Connect %1 to %2").arg(qs(src->layerName), qs(dst->layerName))));
    return true;
}

bool GraphDocument::disconnectPort(const QString& to, int port) {
    const GraphNode* dst = node(to);
    if (!dst || port < 0 || port >= static_cast<int>(dst->inbound.size()) || !dst->inbound[port].connected())
        return false;
    const bool variadic = inputPortCount(to) > static_cast<int>(dst->inbound.size());
    std::vector<TensorRef> after = dst->inbound;
    if (variadic) after.erase(after.begin() + port);
    else after[port] = {};
    while (!after.empty() && !after.back().connected()) after.pop_back();
    undo_.push(new SetInboundCommand(this, to, dst->inbound, after, tr("Disconnect %1").arg(qs(dst->layerName))));
    return true;
}

void GraphDocument::removeNodes(const QStringList& ids) {
    QStringList existing;
    for (const auto& id : ids)
        if (node(id)) existing << id;
    if (existing.isEmpty()) return;
    undo_.push(new RemoveNodesCommand(this, existing));
}

void GraphDocument::moveNodes(const QHash<QString, QPointF>& newPositions) {
    QHash<QString, QPointF> before, after;
    for (auto it = newPositions.begin(); it != newPositions.end(); ++it) {
        if (!node(it.key()) || positions_.value(it.key()) == it.value()) continue;
        before[it.key()] = positions_.value(it.key());
        after[it.key()] = it.value();
    }
    if (after.isEmpty()) return;
    undo_.push(new MoveNodesCommand(this, before, after));
}

bool GraphDocument::setParameter(const QString& id, const QString& key, const Json& value, QString* why) {
    const GraphNode* n = node(id);
    if (!n) return false;
    Json cfg = n->config;
    const std::string k = key.toStdString();
    if (cfg.contains(k) && cfg[k] == value) return true;
    cfg[k] = value;
    Json normalized;
    try {
        normalized = LayerRegistry::instance().normalize(n->className, cfg, /*strict=*/false);
        // Construct it too: some checks live in the layer's constructor (e.g. an Input's shape).
        Json withName = normalized;
        withName["name"] = n->layerName;
        LayerRegistry::instance().create(n->className, withName, false);
    } catch (const std::exception& e) {
        if (why) *why = qs(e.what());
        return false;
    }
    undo_.push(new SetConfigCommand(this, qs(n->layerName), key, n->config, normalized));
    return true;
}

bool GraphDocument::setLayerConfig(const QString& id, const Json& config, const QString& text, QString* why,
                                   const QString& className) {
    const GraphNode* n = node(id);
    if (!n) return false;
    const std::string cls = className.isEmpty() ? n->className : className.toStdString();
    if (config == n->config && cls == n->className) return true;
    try {
        Json withName = config;
        withName["name"] = n->layerName;
        LayerRegistry::instance().create(cls, withName, false);
    } catch (const std::exception& e) {
        if (why) *why = qs(e.what());
        return false;
    }
    std::vector<GraphNode> before, after;
    for (const auto& m : spec_.nodes) {
        if (m.layerName != n->layerName) continue;
        before.push_back(m);
        after.push_back(m);
        after.back().config = config;
        after.back().className = cls;
    }
    undo_.push(new ReplaceNodesCommand(this, before, after, text));
    return true;
}

bool GraphDocument::renameLayer(const QString& id, const QString& newName, QString* why) {
    const GraphNode* n = node(id);
    if (!n) return false;
    const QString name = newName.trimmed();
    if (name == qs(n->layerName)) return true;
    if (name.isEmpty()) {
        if (why) *why = tr("A layer name must not be empty");
        return false;
    }
    if (name.contains('/')) {
        if (why) *why = tr("A layer name must not contain '/' (Keras uses it in weight paths)");
        return false;
    }
    if (!nodeOfLayer(name).isEmpty()) {
        if (why) *why = tr("The name '%1' is already used by another layer").arg(name);
        return false;
    }
    undo_.push(new RenameLayerCommand(this, qs(n->layerName), name));
    return true;
}

QString GraphDocument::callAgain(const QString& id, QString* why) {
    const GraphNode* n = node(id);
    if (!n) return {};
    if (n->isInput()) {
        if (why) *why = tr("An Input cannot be called again; add another Input instead");
        return {};
    }
    GraphNode call;
    call.id = newNodeId().toStdString();
    call.className = n->className;
    call.layerName = n->layerName;
    call.config = n->config;
    QPointF pos = position(id) + QPointF(40, 40);
    undo_.push(new AddNodeCommand(this, call, pos, tr("Call %1 again").arg(qs(n->layerName))));
    return qs(call.id);
}

bool GraphDocument::makeIndependent(const QString& id, QString* why) {
    const GraphNode* n = node(id);
    if (!n) return false;
    if (callCount(id) < 2) {
        if (why) *why = tr("%1 is not shared").arg(qs(n->layerName));
        return false;
    }
    QString name = qs(freshLayerName(spec_, n->layerName + "_copy"));
    const LayerOrigin* origin = layerOrigin(qs(n->layerName));
    undo_.beginMacro(tr("Make %1 independent").arg(name));
    undo_.push(new SetNodeLayerCommand(this, id, qs(n->layerName), n->config, name, n->config,
                                       tr("Make %1 independent").arg(name)));
    // A layer from the library stays one: the copy starts from the file's weights (a copy of them).
    if (origin) {
        LayerOrigin copy = *origin;
        if (copy.weights) copy.weights = std::make_shared<const std::vector<Tensor>>(*copy.weights);
        undo_.push(new SetLayerOriginCommand(this, name, copy, tr("Library origin of %1").arg(name)));
    }
    undo_.endMacro();
    return true;
}

void GraphDocument::setOutput(const QString& id, bool output) {
    const GraphNode* n = node(id);
    if (!n || output == isOutput(id)) return;
    std::vector<TensorRef> after;
    if (output) {
        after = spec_.outputs;
        for (int k = 0; k < outputCount(id); ++k) after.push_back({id.toStdString(), k});
    } else {
        for (const auto& r : spec_.outputs)
            if (qs(r.node) != id) after.push_back(r);
    }
    undo_.push(new SetOutputsCommand(this, spec_.outputs, after,
                                     output ? tr("Mark %1 as output").arg(qs(n->layerName))
                                            : tr("Unmark output %1").arg(qs(n->layerName))));
}

void GraphDocument::setOutput(const QString& id, int output, bool on) {
    const GraphNode* n = node(id);
    if (!n || output < 0 || output >= outputCount(id) || on == isOutput(id, output)) return;
    std::vector<TensorRef> after;
    const TensorRef ref{id.toStdString(), output};
    if (on) {
        after = spec_.outputs;
        after.push_back(ref);
    } else {
        for (const auto& r : spec_.outputs)
            if (r != ref) after.push_back(r);
    }
    undo_.push(new SetOutputsCommand(this, spec_.outputs, after,
                                     on ? tr("Mark %1 output %2 as model output").arg(qs(n->layerName)).arg(output)
                                        : tr("Unmark %1 output %2").arg(qs(n->layerName)).arg(output)));
}

Json GraphDocument::copyFragment(const QStringList& ids) const {
    GraphSpec part;
    Json pos = Json::object();
    std::unordered_set<std::string> chosen;
    for (const auto& id : ids) chosen.insert(id.toStdString());
    for (const auto& n : spec_.nodes) {  // graph order, so producers come before consumers
        if (!chosen.count(n.id)) continue;
        GraphNode c = n;
        for (auto& r : c.inbound)
            if (r.connected() && !chosen.count(r.node)) r = {};
        while (!c.inbound.empty() && !c.inbound.back().connected()) c.inbound.pop_back();
        part.nodes.push_back(c);
        QPointF p = position(qs(n.id));
        pos[n.id] = Json::array({p.x(), p.y()});
    }
    return {{"format", "strata-fragment"}, {"graph", graphSpecToJson(part)}, {"positions", pos}};
}

QStringList GraphDocument::pasteFragment(const Json& fragment, QPointF offset, QString* why) {
    GraphSpec part;
    try {
        if (!fragment.is_object() || fragment.value("format", "") != "strata-fragment")
            throw ConfigError("not a Strata fragment");
        part = graphSpecFromJson(fragment.at("graph"));
    } catch (const std::exception& e) {
        if (why) *why = tr("Cannot paste: %1").arg(qs(e.what()));
        return {};
    }
    if (part.nodes.empty()) return {};
    const Json pos = fragment.value("positions", Json::object());
    // Fresh ids and names; calls of one layer inside the fragment stay calls of one (new) layer.
    GraphSpec scratch = spec_;
    std::map<std::string, std::string> newId, newName;
    auto freshId = [&scratch] {
        for (size_t k = scratch.nodes.size() + 1;; ++k) {
            std::string id = "n" + std::to_string(k);
            if (!scratch.find(id)) return id;
        }
    };
    for (const auto& n : part.nodes) {
        std::string id = freshId();
        newId[n.id] = id;
        if (!newName.count(n.layerName)) newName[n.layerName] = freshLayerName(scratch, n.layerName);
        GraphNode placeholder;
        placeholder.id = id;
        placeholder.layerName = newName[n.layerName];
        scratch.nodes.push_back(placeholder);  // reserve the id and name for the next nodes
    }
    QStringList ids;
    undo_.beginMacro(tr("Paste %1 layer(s)").arg(part.nodes.size()));
    for (const auto& n : part.nodes) {
        GraphNode c = n;
        c.id = newId[n.id];
        c.layerName = newName[n.layerName];
        for (auto& r : c.inbound)
            if (r.connected()) r.node = newId.count(r.node) ? newId[r.node] : std::string();
        QPointF p = offset;
        auto it = pos.find(n.id);
        if (it != pos.end() && it->is_array() && it->size() == 2 && (*it)[0].is_number() && (*it)[1].is_number())
            p += QPointF((*it)[0].get<double>(), (*it)[1].get<double>());
        undo_.push(new AddNodeCommand(this, c, p, tr("Paste %1").arg(qs(c.layerName))));
        ids << qs(c.id);
    }
    undo_.endMacro();
    return ids;
}

QStringList GraphDocument::duplicateNodes(const QStringList& ids, QPointF offset) {
    return pasteFragment(copyFragment(ids), offset);
}

bool GraphDocument::moveOutput(int index, int delta) {
    int to = index + delta;
    if (index < 0 || to < 0 || index >= static_cast<int>(spec_.outputs.size()) ||
        to >= static_cast<int>(spec_.outputs.size()))
        return false;
    auto after = spec_.outputs;
    std::swap(after[index], after[to]);
    undo_.push(new SetOutputsCommand(this, spec_.outputs, after, tr("Reorder outputs")));
    return true;
}

bool GraphDocument::moveInput(int index, int delta) {
    auto ids = modelInputIds(spec_);
    int to = index + delta;
    if (index < 0 || to < 0 || index >= static_cast<int>(ids.size()) || to >= static_cast<int>(ids.size())) return false;
    auto after = ids;
    std::swap(after[index], after[to]);
    undo_.push(new SetInputsCommand(this, spec_.inputs, after));
    return true;
}

// ---- raw mutations ------------------------------------------------------------------------------

void GraphDocument::insertNodeRaw(const GraphNode& n, QPointF pos, int index) {
    EditBatch batch(this);
    if (index < 0 || index > static_cast<int>(spec_.nodes.size())) index = static_cast<int>(spec_.nodes.size());
    spec_.nodes.insert(spec_.nodes.begin() + index, n);
    positions_[qs(n.id)] = pos;
    emit nodeAdded(qs(n.id));
    // The other calls of a shared layer now show one more call.
    for (const auto& m : spec_.nodes)
        if (m.layerName == n.layerName && m.id != n.id) emit nodeChanged(qs(m.id));
    touched();
}

void GraphDocument::removeNodeRaw(const QString& id) {
    EditBatch batch(this);
    int i = nodeIndex(id);
    if (i < 0) return;
    emit nodeAboutToBeRemoved(id);
    std::string layer = spec_.nodes[i].layerName;
    spec_.nodes.erase(spec_.nodes.begin() + i);
    positions_.remove(id);
    emit nodeRemoved(id);
    for (const auto& m : spec_.nodes)
        if (m.layerName == layer) emit nodeChanged(qs(m.id));
    touched();
}

void GraphDocument::setInboundRaw(const QString& id, const std::vector<TensorRef>& inbound) {
    EditBatch batch(this);
    GraphNode* n = spec_.find(id.toStdString());
    if (!n) return;
    n->inbound = inbound;
    emit wiringChanged(id);
    touched();
}

void GraphDocument::setLayerConfigRaw(const QString& layerName, const Json& config) {
    EditBatch batch(this);
    const std::string name = layerName.toStdString();
    for (auto& n : spec_.nodes) {
        if (n.layerName != name) continue;
        n.config = config;
        emit nodeChanged(qs(n.id));
    }
    touched();
}

void GraphDocument::renameLayerRaw(const QString& oldName, const QString& newName) {
    EditBatch batch(this);
    // The library origin follows the layer (it is the same instance under another name).
    if (auto it = origins_.find(oldName); it != origins_.end()) {
        LayerOrigin o = it.value();
        origins_.erase(it);
        origins_.insert(newName, o);
    }
    const std::string o = oldName.toStdString(), nn = newName.toStdString();
    for (auto& n : spec_.nodes) {
        if (n.layerName != o) continue;
        n.layerName = nn;
        emit nodeChanged(qs(n.id));
    }
    touched();
}

void GraphDocument::setNodeLayerRaw(const QString& id, const QString& layerName, const Json& config) {
    EditBatch batch(this);
    GraphNode* n = spec_.find(id.toStdString());
    if (!n) return;
    const std::string oldLayer = n->layerName;
    n->layerName = layerName.toStdString();
    n->config = config;
    for (const auto& m : spec_.nodes)
        if (m.layerName == oldLayer || m.layerName == n->layerName) emit nodeChanged(qs(m.id));
    touched();
}

void GraphDocument::replaceNodeRaw(const GraphNode& node) {
    EditBatch batch(this);
    GraphNode* n = spec_.find(node.id);
    if (!n) return;
    *n = node;
    emit nodeChanged(qs(node.id));
    emit wiringChanged(qs(node.id));
    touched();
}

void GraphDocument::setPositionRaw(const QString& id, QPointF pos) {
    if (!node(id)) return;
    positions_[id] = pos;
    emit nodeMoved(id, pos);
}

void GraphDocument::setOutputsRaw(const std::vector<TensorRef>& outputs) {
    EditBatch batch(this);
    std::unordered_set<std::string> changed;
    for (const auto& r : spec_.outputs) changed.insert(r.node);
    for (const auto& r : outputs) changed.insert(r.node);
    spec_.outputs = outputs;
    emit outputsChanged();
    for (const auto& id : changed)
        if (spec_.find(id)) emit nodeChanged(qs(id));
    touched();
}

void GraphDocument::setLayerOriginRaw(const QString& layerName, const LayerOrigin* origin) {
    if (origin) origins_.insert(layerName, *origin);
    else origins_.remove(layerName);
    for (const auto& n : spec_.nodes)
        if (qs(n.layerName) == layerName) emit nodeChanged(qs(n.id));
}

void GraphDocument::setInputsRaw(const std::vector<std::string>& inputs) {
    EditBatch batch(this);
    spec_.inputs = inputs;
    emit inputsChanged();
    touched();
}

// ---- checking -----------------------------------------------------------------------------------

GraphDocument::EditBatch::EditBatch(GraphDocument* doc) : doc_(doc) { ++doc_->batchDepth_; }

GraphDocument::EditBatch::~EditBatch() {
    if (--doc_->batchDepth_ == 0 && doc_->pendingCheck_) doc_->revalidate();
}

void GraphDocument::touched() {
    pendingCheck_ = true;
    if (batchDepth_ == 0) revalidate();
}

void GraphDocument::revalidate() {
    pendingCheck_ = false;
    QElapsedTimer timer;
    timer.start();
    check_ = validator_.check(spec_);
    lastCheckMs_ = timer.nsecsElapsed() / 1e6;
    emit validated();
}

}  // namespace strata::editor
