#pragma once
/// GraphScene: the canvas of a GraphDocument. It mirrors the document (items are made and updated
/// from its signals) and turns mouse gestures into document edits: dragging from port to port
/// wires, dragging a wire's input end off disconnects it, moving nodes is one undo step per drag.
#include <QGraphicsScene>
#include <QHash>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "editor/scene/editor_style.h"

namespace strata::editor {

class GraphDocument;
class NodeItem;
class EdgeItem;
class PortItem;

/// What auto-layout needs: node sizes and wires. The app answers with top-left positions
/// (plotting::layoutPositions); the editor does not depend on plotting.
struct LayoutRequest {
    std::vector<std::pair<std::string, QSizeF>> nodes;
    std::vector<std::pair<std::string, std::string>> edges;  ///< producer id, consumer id
};
using LayoutFunction = std::function<std::map<std::string, QPointF>(const LayoutRequest&)>;

class GraphScene : public QGraphicsScene {
    Q_OBJECT
public:
    explicit GraphScene(GraphDocument* doc, QObject* parent = nullptr);
    ~GraphScene() override;

    GraphDocument* document() const { return doc_; }
    void setFamilyStyle(FamilyStyleFunction style);

    NodeItem* nodeItem(const QString& id) const { return nodes_.value(id); }
    QList<EdgeItem*> edgeItems() const;
    QStringList selectedNodeIds() const;
    /// Selects only this node (and tells the inspector).
    void selectNode(const QString& id);
    /// Nodes whose layer name or class contains `text` (case-insensitive), in graph order.
    QStringList findNodes(const QString& text) const;
    /// Adds a node to the selection.
    void selectNodeAdd(const QString& id);
    /// Deletes the selected nodes and wires (one undo step each kind).
    void deleteSelection();
    /// Scene positions of ports, for tests and for drops.
    QPointF inputPortPos(const QString& id, int port) const;
    QPointF outputPortPos(const QString& id) const;

    /// Redraws the faint links between calls of a shared layer (nodes moved).
    void updateSharedLinkPaths();
    int sharedLinkCount() const { return static_cast<int>(sharedLinks_.size()); }

    /// Training overlay: tints every node calling layer `layerName` (NodeItem::setTint). Returns
    /// how many nodes were tinted (0: no such layer on the canvas).
    int setNodeTint(const QString& layerName, const QColor& color, const QString& note = QString());
    /// Removes every node's tint.
    void clearTints();

    LayoutRequest layoutRequest() const;
    /// Positions for every node from `layout`; `undoable` pushes a move command (menu action),
    /// otherwise the positions are set directly (opening a file).
    bool applyLayout(const LayoutFunction& layout, bool undoable, QString* why = nullptr);

signals:
    /// The single selected node ("" when none or several).
    void currentNodeChanged(const QString& id);
    /// Something the user should know (a refused wire).
    void statusMessage(const QString& text);
    void contextMenuRequested(const QString& id, QPoint screenPos);
    /// A node was double-clicked (a nested model opens in its own tab).
    void nodeDoubleClicked(const QString& id);

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;
    void contextMenuEvent(QGraphicsSceneContextMenuEvent* event) override;
    void mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) override;
    void drawBackground(QPainter* painter, const QRectF& rect) override;

private:
    void rebuild();
    void addNodeItem(const QString& id);
    void removeNodeItem(const QString& id);
    void rebuildEdgesInto(const QString& id);
    void refreshAll();
    void rebuildSharedLinks();
    PortItem* portAt(QPointF scenePos, PortItem* except = nullptr) const;
    void finishWire(QPointF scenePos);
    /// Drops a wire drag in progress (the document changed under it).
    void cancelWire();

    GraphDocument* doc_;
    FamilyStyleFunction style_;
    QHash<QString, NodeItem*> nodes_;
    QHash<QString, QList<EdgeItem*>> edgesInto_;
    struct SharedLink {
        NodeItem* a;
        NodeItem* b;
        QGraphicsPathItem* item;
    };
    std::vector<SharedLink> sharedLinks_;
    // Wire being dragged.
    PortItem* wireFrom_ = nullptr;
    QGraphicsPathItem* wire_ = nullptr;
    PortItem* hovered_ = nullptr;
    // Positions of the selected nodes when a drag began.
    QHash<QString, QPointF> pressPositions_;
    QString current_;
};

}  // namespace strata::editor
