#pragma once
/// The canvas items: a NodeItem per layer call (name, type and key settings, output shape, ports),
/// PortItems for its inputs (top edge) and output (bottom edge), EdgeItems for the wires.
/// Items only draw what the GraphDocument says; edits go back through the document.
#include <QGraphicsItem>
#include <QGraphicsPathItem>
#include <QList>
#include <QString>

#include "editor/scene/editor_style.h"
#include "engine/graph/graph_spec.h"

namespace strata::editor {

class GraphDocument;
class EdgeItem;
class NodeItem;

class PortItem : public QGraphicsItem {
public:
    enum Kind { Input, Output };
    enum { Type = UserType + 11 };
    PortItem(NodeItem* node, Kind kind, int index);

    int type() const override { return Type; }
    NodeItem* node() const { return node_; }
    Kind kind() const { return kind_; }
    int index() const { return index_; }
    void setConnected(bool c);
    void setHighlighted(bool h);
    QRectF boundingRect() const override;
    QPainterPath shape() const override;  ///< larger than the dot, so ports are easy to hit
    void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override;

private:
    NodeItem* node_;
    Kind kind_;
    int index_;
    bool connected_ = false;
    bool highlighted_ = false;
};

class NodeItem : public QGraphicsItem {
public:
    /// The header badge ("shared ×2", "clone"), "" if none.
    const QString& badge() const { return badge_; }
    enum { Type = UserType + 10 };
    NodeItem(GraphDocument* doc, const QString& id, const FamilyStyleFunction& style);

    int type() const override { return Type; }
    const QString& id() const { return id_; }
    /// Re-reads name, settings, ports and check result from the document.
    void refresh();
    /// refresh() only if the node's check result differs from the one shown (after a re-check
    /// most nodes are unchanged; a 1,000-node graph must not re-layout 1,000 labels per edit).
    void refreshIfCheckChanged();
    QRectF boundingRect() const override;
    void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override;
    QSizeF size() const { return size_; }

    PortItem* inputPort(int i) const { return i >= 0 && i < inputs_.size() ? inputs_[i] : nullptr; }
    PortItem* outputPort() const { return output_; }
    int inputPortCount() const { return inputs_.size(); }
    void attach(EdgeItem* e) { edges_.append(e); }
    void detach(EdgeItem* e) { edges_.removeAll(e); }
    const QList<EdgeItem*>& edges() const { return edges_; }
    /// What the node shows (for tests and accessibility): header, settings line, shape line.
    QString titleText() const { return title_; }
    QString settingsText() const { return settings_; }
    QString shapeText() const { return shapeLine_; }
    bool invalid() const { return invalid_; }

    /// A training overlay (the trainer tints nodes by their layer's gradient norm): the body is
    /// washed with `color` and framed in it, and `note` (HTML) is added to the tooltip. An
    /// invalid colour clears it. Not part of the document: nothing is saved or undone.
    void setTint(const QColor& color, const QString& note = QString());
    void clearTint() { setTint(QColor()); }
    QColor tint() const { return tint_; }
    QString tintNote() const { return tintNote_; }

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

private:
    void layoutPorts(int inputCount);

    GraphDocument* doc_;
    QString id_;
    FamilyStyleFunction style_;
    FamilyColors colors_;
    QString title_, settings_, shapeLine_, badge_;
    bool invalid_ = false, unknown_ = false, output_flag_ = false, shared_ = false, frozen_ = false;
    QSizeF size_{180, 70};
    NodeCheck shown_;  // the check result the texts were made from
    QList<PortItem*> inputs_;
    PortItem* output_ = nullptr;
    QList<EdgeItem*> edges_;
    QString baseToolTip_;  // the document's tooltip, before the tint note
    QColor tint_;
    QString tintNote_;
};

/// A wire from an output port to an input port.
class EdgeItem : public QGraphicsPathItem {
public:
    enum { Type = UserType + 12 };
    EdgeItem(NodeItem* from, int output, NodeItem* to, int port);
    ~EdgeItem() override;

    int type() const override { return Type; }
    NodeItem* from() const { return from_; }
    NodeItem* to() const { return to_; }
    int output() const { return output_; }
    int port() const { return port_; }
    void updatePath();
    /// The curve between two scene points, as wires and the wire being dragged draw it.
    static QPainterPath wirePath(QPointF a, QPointF b);
    void paint(QPainter* p, const QStyleOptionGraphicsItem* o, QWidget* w) override;
    /// A band along the wire only (the default also fills the area under a curve), so clicks and
    /// drops count as "on the wire" only near it.
    QPainterPath shape() const override;
    void detachFromNodes();

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

private:
    NodeItem* from_;
    NodeItem* to_;
    int output_, port_;
};

}  // namespace strata::editor
