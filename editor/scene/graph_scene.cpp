#include "editor/scene/graph_scene.h"

#include <QGraphicsSceneMouseEvent>
#include <QPainter>
#include <cmath>
#include <map>

#include "editor/document/graph_document.h"
#include "editor/scene/node_item.h"

namespace strata::editor {

GraphScene::GraphScene(GraphDocument* doc, QObject* parent) : QGraphicsScene(parent), doc_(doc) {
    setItemIndexMethod(QGraphicsScene::NoIndex);  // items move a lot; the BSP index costs more than it saves
    connect(doc_, &GraphDocument::documentReset, this, &GraphScene::rebuild);
    connect(doc_, &GraphDocument::nodeAdded, this, [this](const QString& id) {
        addNodeItem(id);
        rebuildEdgesInto(id);
    });
    connect(doc_, &GraphDocument::nodeAboutToBeRemoved, this, &GraphScene::removeNodeItem);
    connect(doc_, &GraphDocument::nodeChanged, this, [this](const QString& id) {
        cancelWire();  // ports may be re-made below; a drag must not keep pointers to them
        if (NodeItem* n = nodes_.value(id)) {
            n->refresh();
            for (EdgeItem* e : n->edges()) e->updatePath();
        }
    });
    connect(doc_, &GraphDocument::wiringChanged, this, [this](const QString& id) {
        cancelWire();
        if (NodeItem* n = nodes_.value(id)) n->refresh();
        rebuildEdgesInto(id);
    });
    connect(doc_, &GraphDocument::nodeMoved, this, [this](const QString& id, QPointF pos) {
        if (NodeItem* n = nodes_.value(id); n && n->pos() != pos) n->setPos(pos);
    });
    connect(doc_, &GraphDocument::validated, this, &GraphScene::refreshAll);
    connect(this, &QGraphicsScene::selectionChanged, this, [this] {
        QStringList ids = selectedNodeIds();
        QString cur = ids.size() == 1 ? ids[0] : QString();
        if (cur != current_) {
            current_ = cur;
            emit currentNodeChanged(cur);
        }
    });
    rebuild();
}

GraphScene::~GraphScene() {
    // QGraphicsScene's destructor changes the selection while removing items; our handlers must
    // not run then (this object is half destroyed and the document may be gone already).
    blockSignals(true);
    for (auto& l : sharedLinks_) delete l.item;
    sharedLinks_.clear();
    // Edges detach from nodes in their destructor; delete them before the nodes.
    for (auto& list : edgesInto_)
        for (EdgeItem* e : list) delete e;
    edgesInto_.clear();
    for (NodeItem* n : nodes_) delete n;
    nodes_.clear();
}

void GraphScene::setFamilyStyle(FamilyStyleFunction style) {
    style_ = std::move(style);
    rebuild();
}

void GraphScene::rebuild() {
    for (auto& l : sharedLinks_) delete l.item;
    sharedLinks_.clear();
    for (auto& list : edgesInto_)
        for (EdgeItem* e : list) delete e;
    edgesInto_.clear();
    for (NodeItem* n : nodes_) delete n;
    nodes_.clear();
    if (wire_) {
        delete wire_;
        wire_ = nullptr;
        wireFrom_ = nullptr;
    }
    hovered_ = nullptr;
    for (const QString& id : doc_->nodeIds()) addNodeItem(id);
    for (const QString& id : doc_->nodeIds()) rebuildEdgesInto(id);
    rebuildSharedLinks();
}

void GraphScene::cancelWire() {
    if (hovered_) hovered_->setHighlighted(false);
    hovered_ = nullptr;
    delete wire_;
    wire_ = nullptr;
    wireFrom_ = nullptr;
}

void GraphScene::addNodeItem(const QString& id) {
    if (nodes_.contains(id)) return;
    auto* item = new NodeItem(doc_, id, style_);
    item->setPos(doc_->position(id));
    addItem(item);
    nodes_[id] = item;
}

void GraphScene::removeNodeItem(const QString& id) {
    NodeItem* item = nodes_.take(id);
    if (!item) return;
    // Links to it go now; the next check draws the remaining ones again.
    for (auto it = sharedLinks_.begin(); it != sharedLinks_.end();) {
        if (it->a == item || it->b == item) {
            delete it->item;
            it = sharedLinks_.erase(it);
        } else {
            ++it;
        }
    }
    if (wireFrom_ && wireFrom_->node() == item) {
        delete wire_;
        wire_ = nullptr;
        wireFrom_ = nullptr;
    }
    hovered_ = nullptr;
    for (EdgeItem* e : edgesInto_.take(id)) delete e;
    // Wires out of it (the document clears them first, but stay safe).
    for (EdgeItem* e : QList<EdgeItem*>(item->edges())) {
        edgesInto_[e->to()->id()].removeAll(e);
        delete e;
    }
    delete item;
}

int GraphScene::setNodeTint(const QString& layerName, const QColor& color, const QString& note) {
    int n = 0;
    for (const std::string& id : doc_->spec().callsOf(layerName.toStdString()))
        if (NodeItem* item = nodes_.value(qs(id))) {
            item->setTint(color, note);
            ++n;
        }
    return n;
}

void GraphScene::clearTints() {
    for (NodeItem* n : nodes_) n->clearTint();
}

void GraphScene::rebuildEdgesInto(const QString& id) {
    for (EdgeItem* e : edgesInto_.take(id)) delete e;
    const GraphNode* n = doc_->node(id);
    NodeItem* to = nodes_.value(id);
    if (!n || !to) return;
    QList<EdgeItem*> list;
    for (int i = 0; i < static_cast<int>(n->inbound.size()); ++i) {
        const TensorRef& r = n->inbound[i];
        if (!r.connected()) continue;
        NodeItem* from = nodes_.value(qs(r.node));
        if (!from) continue;
        auto* e = new EdgeItem(from, r.output, to, i);
        addItem(e);
        list.append(e);
    }
    edgesInto_[id] = list;
}

void GraphScene::refreshAll() {
    for (NodeItem* n : nodes_) n->refreshIfCheckChanged();
    rebuildSharedLinks();
}

void GraphScene::rebuildSharedLinks() {
    for (auto& l : sharedLinks_) delete l.item;
    sharedLinks_.clear();
    // Consecutive calls of each shared layer, in graph order: a chain of faint dashed links.
    std::map<std::string, NodeItem*> last;
    for (const auto& n : doc_->spec().nodes) {
        NodeItem* item = nodes_.value(qs(n.id));
        if (!item) continue;
        auto it = last.find(n.layerName);
        if (it != last.end()) {
            auto* path = addPath(QPainterPath(), QPen(QColor(216, 27, 96, 110), 1.5, Qt::DashLine));
            path->setZValue(-1);  // behind nodes and wires: a hint, not a wire
            path->setToolTip(tr("Calls of the shared layer %1").arg(qs(n.layerName)));
            sharedLinks_.push_back({it->second, item, path});
        }
        last[n.layerName] = item;
    }
    updateSharedLinkPaths();
}

void GraphScene::updateSharedLinkPaths() {
    for (auto& l : sharedLinks_) {
        QPainterPath p(l.a->sceneBoundingRect().center());
        p.lineTo(l.b->sceneBoundingRect().center());
        l.item->setPath(p);
    }
}

QList<EdgeItem*> GraphScene::edgeItems() const {
    QList<EdgeItem*> all;
    for (const auto& list : edgesInto_) all += list;
    return all;
}

QStringList GraphScene::selectedNodeIds() const {
    QStringList ids;
    for (QGraphicsItem* i : selectedItems())
        if (i->type() == NodeItem::Type) ids << static_cast<NodeItem*>(i)->id();
    return ids;
}

void GraphScene::selectNode(const QString& id) {
    clearSelection();
    if (NodeItem* n = nodes_.value(id)) n->setSelected(true);
}

QStringList GraphScene::findNodes(const QString& text) const {
    QStringList ids;
    const QString t = text.trimmed();
    if (t.isEmpty()) return ids;
    for (const auto& n : doc_->spec().nodes)
        if (qs(n.layerName).contains(t, Qt::CaseInsensitive) || qs(n.className).contains(t, Qt::CaseInsensitive))
            ids << qs(n.id);
    return ids;
}

void GraphScene::selectNodeAdd(const QString& id) {
    if (NodeItem* n = nodes_.value(id)) n->setSelected(true);
}

void GraphScene::deleteSelection() {
    QStringList ids = selectedNodeIds();
    QList<EdgeItem*> wires;
    for (QGraphicsItem* i : selectedItems())
        if (i->type() == EdgeItem::Type) wires << static_cast<EdgeItem*>(i);
    // Wires first (their ports shift as they go, so disconnect from the highest port down).
    std::vector<std::pair<QString, int>> cuts;
    for (EdgeItem* e : wires)
        if (!ids.contains(e->to()->id()) && !ids.contains(e->from()->id())) cuts.push_back({e->to()->id(), e->port()});
    std::sort(cuts.begin(), cuts.end(), [](auto& a, auto& b) { return a.second > b.second; });
    if (!cuts.empty() || !ids.isEmpty()) doc_->undoStack()->beginMacro(tr("Delete"));
    for (const auto& [to, port] : cuts) doc_->disconnectPort(to, port);
    if (!ids.isEmpty()) doc_->removeNodes(ids);
    if (!cuts.empty() || !ids.isEmpty()) doc_->undoStack()->endMacro();
}

QPointF GraphScene::inputPortPos(const QString& id, int port) const {
    NodeItem* n = nodes_.value(id);
    PortItem* p = n ? n->inputPort(port) : nullptr;
    return p ? p->scenePos() : QPointF();
}

QPointF GraphScene::outputPortPos(const QString& id) const {
    NodeItem* n = nodes_.value(id);
    return n ? n->outputPort()->scenePos() : QPointF();
}

LayoutRequest GraphScene::layoutRequest() const {
    LayoutRequest req;
    for (const auto& n : doc_->spec().nodes) {
        NodeItem* item = nodes_.value(qs(n.id));
        req.nodes.push_back({n.id, item ? item->size() : QSizeF(180, 70)});
        for (const auto& r : n.inbound)
            if (r.connected() && doc_->node(qs(r.node))) req.edges.push_back({r.node, n.id});
    }
    return req;
}

bool GraphScene::applyLayout(const LayoutFunction& layout, bool undoable, QString* why) {
    if (!layout) return false;
    std::map<std::string, QPointF> pos;
    try {
        pos = layout(layoutRequest());
    } catch (const std::exception& e) {
        if (why) *why = qs(e.what());
        return false;
    }
    QHash<QString, QPointF> positions;
    for (const auto& [id, p] : pos) positions[qs(id)] = p;
    if (undoable) {
        doc_->moveNodes(positions);
    } else {
        for (auto it = positions.begin(); it != positions.end(); ++it) doc_->setPositionRaw(it.key(), it.value());
    }
    return true;
}

// ---- gestures -----------------------------------------------------------------------------------

PortItem* GraphScene::portAt(QPointF scenePos, PortItem* except) const {
    for (QGraphicsItem* i : items(scenePos)) {
        if (i->type() == PortItem::Type && i != except) return static_cast<PortItem*>(i);
    }
    // Dropping anywhere on a node with a single free input also counts as that input.
    return nullptr;
}

void GraphScene::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    if (event->button() == Qt::LeftButton) {
        if (PortItem* port = portAt(event->scenePos())) {
            wireFrom_ = port;
            wire_ = addPath(QPainterPath(), QPen(style::kSelection, 2, Qt::DashLine));
            wire_->setZValue(3);
            event->accept();
            return;
        }
    }
    QGraphicsScene::mousePressEvent(event);
    pressPositions_.clear();
    for (const QString& id : selectedNodeIds())
        if (NodeItem* n = nodes_.value(id)) pressPositions_[id] = n->pos();
}

void GraphScene::mouseMoveEvent(QGraphicsSceneMouseEvent* event) {
    if (wire_) {
        QPointF a = wireFrom_->scenePos(), b = event->scenePos();
        wire_->setPath(wireFrom_->kind() == PortItem::Output ? EdgeItem::wirePath(a, b) : EdgeItem::wirePath(b, a));
        PortItem* over = portAt(event->scenePos(), wireFrom_);
        if (over && over->kind() == wireFrom_->kind()) over = nullptr;
        if (over != hovered_) {
            if (hovered_) hovered_->setHighlighted(false);
            hovered_ = over;
            if (hovered_) hovered_->setHighlighted(true);
        }
        event->accept();
        return;
    }
    QGraphicsScene::mouseMoveEvent(event);
}

void GraphScene::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
    if (wire_) {
        finishWire(event->scenePos());
        event->accept();
        return;
    }
    QGraphicsScene::mouseReleaseEvent(event);
    QHash<QString, QPointF> moved;
    for (auto it = pressPositions_.begin(); it != pressPositions_.end(); ++it) {
        NodeItem* n = nodes_.value(it.key());
        if (n && n->pos() != it.value()) moved[it.key()] = n->pos();
    }
    pressPositions_.clear();
    if (!moved.isEmpty()) doc_->moveNodes(moved);
}

void GraphScene::finishWire(QPointF scenePos) {
    PortItem* from = wireFrom_;
    delete wire_;
    wire_ = nullptr;
    wireFrom_ = nullptr;
    if (hovered_) hovered_->setHighlighted(false);
    hovered_ = nullptr;

    PortItem* target = portAt(scenePos, from);
    QString why;
    if (target && target->kind() != from->kind()) {
        PortItem* out = from->kind() == PortItem::Output ? from : target;
        PortItem* in = from->kind() == PortItem::Input ? from : target;
        if (!doc_->connectPorts(out->node()->id(), out->index(), in->node()->id(), in->index(), &why) &&
            !why.isEmpty())
            emit statusMessage(why);
        return;
    }
    if (target) {
        emit statusMessage(tr("Wires go from an output (bottom) to an input (top)"));
        return;
    }
    // Dragging a connected input off into empty canvas unplugs it.
    if (from->kind() == PortItem::Input) doc_->disconnectPort(from->node()->id(), from->index());
}

void GraphScene::contextMenuEvent(QGraphicsSceneContextMenuEvent* event) {
    for (QGraphicsItem* i : items(event->scenePos())) {
        if (i->type() == NodeItem::Type) {
            auto* n = static_cast<NodeItem*>(i);
            if (!n->isSelected()) selectNode(n->id());
            emit contextMenuRequested(n->id(), event->screenPos());
            event->accept();
            return;
        }
    }
    QGraphicsScene::contextMenuEvent(event);
}

void GraphScene::mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) {
    if (event->button() == Qt::LeftButton)
        for (QGraphicsItem* i : items(event->scenePos()))
            if (i->type() == NodeItem::Type) {
                emit nodeDoubleClicked(static_cast<NodeItem*>(i)->id());
                event->accept();
                return;
            }
    QGraphicsScene::mouseDoubleClickEvent(event);
}

void GraphScene::drawBackground(QPainter* painter, const QRectF& rect) {
    painter->fillRect(rect, style::kCanvas);
    const qreal step = 24;
    painter->setPen(QPen(style::kGrid, 1));
    qreal left = std::floor(rect.left() / step) * step, top = std::floor(rect.top() / step) * step;
    QVector<QLineF> lines;
    for (qreal x = left; x < rect.right(); x += step) lines.append(QLineF(x, rect.top(), x, rect.bottom()));
    for (qreal y = top; y < rect.bottom(); y += step) lines.append(QLineF(rect.left(), y, rect.right(), y));
    painter->drawLines(lines);
}

}  // namespace strata::editor
