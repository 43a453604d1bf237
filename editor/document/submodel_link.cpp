#include "editor/document/submodel_link.h"

#include <map>

#include "editor/document/graph_commands.h"
#include "editor/document/graph_document.h"
#include "engine/core/errors.h"
#include "engine/layers/layer_registry.h"

namespace strata::editor {

std::optional<GraphSpec> SubModelLink::innerGraph(const GraphNode& node, QString* why) {
    const LayerSpec* ls = LayerRegistry::instance().find(node.className);
    if (!ls || ls->category != LayerCategory::ModelsBlocks) {
        if (why) *why = QObject::tr("%1 is not a nested model").arg(qs(node.layerName));
        return std::nullopt;
    }
    try {
        Json cfg = node.config;
        cfg["name"] = node.layerName;
        LayerPtr layer = LayerRegistry::instance().create(node.className, cfg, false);
        auto* model = dynamic_cast<Model*>(layer.get());
        if (!model) throw GraphError("not a model");
        GraphSpec spec = graphSpecFromModel(*model);
        spec.name = node.layerName;
        return spec;
    } catch (const std::exception& e) {
        if (why) *why = QObject::tr("Cannot open %1: %2").arg(qs(node.layerName), qs(e.what()));
        return std::nullopt;
    }
}

SubModelLink::SubModelLink(GraphDocument* parent, const QString& id, QObject* owner)
    : QObject(owner), parent_(parent), id_(id), child_(new GraphDocument(this)) {
    const GraphNode* n = parent->node(id);
    if (!n) {
        error_ = tr("Unknown node");
        return;
    }
    auto spec = innerGraph(*n, &error_);
    if (!spec) return;
    child_->reset(*spec, {});
    adoptOrigins();
    connect(child_->undoStack(), &QUndoStack::indexChanged, this, &SubModelLink::pushToParent);
    connect(parent, &GraphDocument::nodeChanged, this, [this](const QString& changed) {
        if (changed == id_ && !applying_) pullFromParent();
    });
    connect(parent, &GraphDocument::nodeAboutToBeRemoved, this, [this](const QString& gone) {
        if (gone == id_) emit closed();
    });
    connect(parent, &GraphDocument::documentReset, this, &SubModelLink::closed);
}

SubModelLink::~SubModelLink() = default;

QString SubModelLink::layerName() const {
    const GraphNode* n = parent_ ? parent_->node(id_) : nullptr;
    return n ? qs(n->layerName) : QString();
}

void SubModelLink::pushToParent() {
    if (!parent_ || !parent_->node(id_)) return;
    auto setApplied = [this](bool a, const QString& message) {
        applied_ = a;
        emit syncChanged(a, message);
    };
    if (!child_->check().ok()) {
        setApplied(false, tr("Not applied to %1 yet: the model inside has %2 problem(s)")
                              .arg(layerName())
                              .arg(child_->check().problems.size()));
        return;
    }
    Json config;
    try {
        ModelPtr model = buildModel(child_->spec());
        config = model->getConfig();
        config.erase("name");  // the parent's node holds the name
    } catch (const std::exception& e) {
        setApplied(false, tr("Not applied to %1: %2").arg(layerName(), qs(e.what())));
        return;
    }
    // The inner graph is written back as a functional model's config (a Sequential edited as a
    // graph may no longer be a stack).
    const GraphNode* node = parent_->node(id_);
    if (config != node->config || node->className != "Functional") {
        const QString what = child_->undoStack()->text(child_->undoStack()->index() - 1);
        applying_ = true;
        QString why;
        // Library models dropped inside bring their weights: the parent keeps their origins (by
        // layer name, applied inside nested models too), in the same undo step as the config.
        QList<QString> brought;
        for (auto it = child_->layerOrigins().begin(); it != child_->layerOrigins().end(); ++it) {
            const LayerOrigin* there = parent_->layerOrigin(it.key());
            if (!child_->nodeOfLayer(it.key()).isEmpty() && (!there || !(*there == it.value()))) brought << it.key();
        }
        QUndoStack* undo = parent_->undoStack();
        if (!brought.isEmpty()) undo->beginMacro(tr("%1 in %2").arg(what, layerName()));
        const bool ok = parent_->setLayerConfig(id_, config, tr("%1 in %2").arg(what, layerName()), &why, "Functional");
        if (ok)
            for (const QString& name : brought)
                undo->push(new SetLayerOriginCommand(parent_, name, child_->layerOrigins().value(name),
                                                     tr("Library origin of %1").arg(name)));
        if (!brought.isEmpty()) undo->endMacro();
        applying_ = false;
        if (!ok) {
            setApplied(false, tr("Not applied to %1: %2").arg(layerName(), why));
            return;
        }
    }
    setApplied(true, tr("Edits apply to %1 in the parent model").arg(layerName()));
}

void SubModelLink::adoptOrigins() {
    // The inner layers the parent knows came from the library: a drop of the same file in the tab
    // can share them, and writing back does not bring them again.
    for (auto it = parent_->layerOrigins().begin(); it != parent_->layerOrigins().end(); ++it)
        if (!child_->nodeOfLayer(it.key()).isEmpty()) child_->setLayerOriginRaw(it.key(), &it.value());
}

void SubModelLink::pullFromParent() {
    const GraphNode* n = parent_ ? parent_->node(id_) : nullptr;
    if (!n) return;
    QString why;
    auto spec = innerGraph(*n, &why);
    if (!spec) {
        emit closed();  // no longer a nested model (replaced by another type)
        return;
    }
    // Nothing to do if the inner graph already builds to what the parent holds.
    if (child_->check().ok()) {
        try {
            Json mine = buildModel(child_->spec())->getConfig();
            mine.erase("name");
            if (mine == n->config) return;
        } catch (const std::exception&) {
        }
    }
    // Node ids of a reloaded graph are layer names; keep the positions of the layers still there
    // (the k-th call of a layer where it was).
    std::map<std::pair<std::string, int>, QPointF> placed;
    std::map<std::string, int> seen;
    for (const auto& node : child_->spec().nodes)
        placed[{node.layerName, seen[node.layerName]++}] = child_->position(qs(node.id));
    seen.clear();
    QHash<QString, QPointF> positions;
    for (const auto& node : spec->nodes) {
        auto it = placed.find({node.layerName, seen[node.layerName]++});
        if (it != placed.end()) positions[qs(node.id)] = it->second;
    }
    QSignalBlocker block(child_->undoStack());  // a reload is not an edit to write back
    child_->reset(*spec, positions);
    adoptOrigins();
    applied_ = true;
    emit reloaded();
    emit syncChanged(true, tr("Reloaded from the parent model"));
}

}  // namespace strata::editor
