#include "editor/scene/node_item.h"

#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QPainter>
#include <QPainterPathStroker>
#include <QStyleOptionGraphicsItem>
#include <algorithm>

#include "editor/document/graph_document.h"
#include "editor/scene/graph_scene.h"
#include "engine/layers/layer_registry.h"

namespace strata::editor {

namespace {
constexpr qreal kPortRadius = 5.5;
constexpr qreal kPortHit = 11.0;
constexpr qreal kHeader = 24.0;
constexpr qreal kLine = 19.0;
constexpr qreal kPadding = 10.0;
constexpr qreal kMinWidth = 170.0;

QFont headerFont() {
    QFont f;
    f.setBold(true);
    return f;
}

QFont bodyFont() { return QFont(); }

QFont shapeFont() {
    QFont f("DejaVu Sans Mono");
    f.setStyleHint(QFont::Monospace);
    f.setPointSizeF(QFont().pointSizeF() * 0.95);
    return f;
}

QString shapesText(const std::vector<Shape>& shapes) {
    QStringList parts;
    for (const auto& s : shapes) parts << qs(s.toString());
    return parts.join(", ");
}
}  // namespace

// ---- PortItem -----------------------------------------------------------------------------------

PortItem::PortItem(NodeItem* node, Kind kind, int index) : QGraphicsItem(node), node_(node), kind_(kind), index_(index) {
    setAcceptHoverEvents(true);
    setCursor(Qt::CrossCursor);
    setZValue(2);
}

void PortItem::setConnected(bool c) {
    if (c != connected_) {
        connected_ = c;
        update();
    }
}

void PortItem::setHighlighted(bool h) {
    if (h != highlighted_) {
        highlighted_ = h;
        update();
    }
}

QRectF PortItem::boundingRect() const { return QRectF(-kPortHit, -kPortHit, 2 * kPortHit, 2 * kPortHit); }

QPainterPath PortItem::shape() const {
    QPainterPath p;
    p.addEllipse(QPointF(0, 0), kPortHit, kPortHit);
    return p;
}

void PortItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    p->setRenderHint(QPainter::Antialiasing);
    qreal r = highlighted_ ? kPortRadius + 2 : kPortRadius;
    p->setPen(QPen(highlighted_ ? style::kSelection : style::kWire, 1.5));
    p->setBrush(connected_ || highlighted_ ? (highlighted_ ? style::kSelection : style::kWire) : QColor(Qt::white));
    p->drawEllipse(QPointF(0, 0), r, r);
}

// ---- NodeItem -----------------------------------------------------------------------------------

NodeItem::NodeItem(GraphDocument* doc, const QString& id, const FamilyStyleFunction& style)
    : doc_(doc), id_(id), style_(style) {
    setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
    setZValue(1);
    output_ = new PortItem(this, PortItem::Output, 0);
    refresh();
}

void NodeItem::refresh() {
    const GraphNode* n = doc_->node(id_);
    if (!n) return;
    const LayerSpec* ls = LayerRegistry::instance().find(n->className);
    colors_ = style_ ? style_(ls ? ls->category : LayerCategory::Custom) : neutralFamilyColors(LayerCategory::Custom);

    title_ = qs(n->layerName);
    QString brief;
    if (ls && ls->brief) {
        try {
            brief = qs(ls->brief(n->config));
        } catch (const std::exception&) {
            brief.clear();  // a config the brief cannot read is reported by validation
        }
    }
    settings_ = qs(n->className) + (brief.isEmpty() ? QString() : QStringLiteral(" ") + brief);
    if (n->isInput()) settings_ = QStringLiteral("Input");

    const int calls = doc_->callCount(id_);
    shared_ = calls > 1;
    badge_ = shared_ ? QObject::tr("shared ×%1").arg(calls) : QString();
    output_flag_ = doc_->isOutput(id_);
    frozen_ = n->config.is_object() && n->config.contains("trainable") && n->config["trainable"].is_boolean() &&
              !n->config["trainable"].get<bool>();

    const NodeCheck* c = doc_->check().node(n->id);
    shown_ = c ? *c : NodeCheck{};
    invalid_ = c && c->state == NodeState::Error;
    unknown_ = !c || c->state == NodeState::Unknown;
    if (invalid_) shapeLine_ = QObject::tr("⚠ not valid");
    else if (unknown_) shapeLine_ = QStringLiteral("→ ?");
    else shapeLine_ = QStringLiteral("→ ") + shapesText(c->outputShapes);

    QString tip = QStringLiteral("<b>%1</b> (%2)").arg(title_.toHtmlEscaped(), qs(n->className));
    if (ls) tip += QStringLiteral("<br>") + qs(ls->doc).toHtmlEscaped();
    if (invalid_) tip += QStringLiteral("<br><span style='color:#D32F2F'>%1</span>").arg(qs(c->message).toHtmlEscaped());
    else if (!unknown_) tip += QObject::tr("<br>Output shape: %1").arg(shapesText(c->outputShapes));
    else tip += QObject::tr("<br>Output shape unknown until its inputs are valid");
    if (shared_) tip += QObject::tr("<br>Shared layer: %1 calls, one set of weights").arg(calls);
    if (const LayerOrigin* o = doc_->layerOrigin(title_)) {
        tip += QObject::tr("<br>From the library: %1 (%2)")
                   .arg(o->file.toHtmlEscaped(), o->weights ? QObject::tr("its saved weights") : QObject::tr("fresh weights"));
        // A clone made from the same file is independent: say so, since both look alike.
        for (const QString& other : doc_->nodeIds()) {
            const GraphNode* m = doc_->node(other);
            const LayerOrigin* mo = m ? doc_->layerOrigin(qs(m->layerName)) : nullptr;
            if (mo && mo->file == o->file && qs(m->layerName) != title_) {
                tip += QObject::tr("<br>Independent of %1, made from the same file (own weights)").arg(qs(m->layerName));
                if (!shared_) badge_ = QObject::tr("clone");
                break;
            }
        }
    }
    baseToolTip_ = tip;
    setToolTip(tintNote_.isEmpty() ? tip : tip + QStringLiteral("<br>") + tintNote_);

    // Size from the texts, so labels never overflow or overlap.
    QFontMetricsF hf(headerFont()), bf(bodyFont()), sf(shapeFont());
    qreal w = std::max({kMinWidth, hf.horizontalAdvance(title_) + 2 * kPadding +
                                       (badge_.isEmpty() ? 0 : bf.horizontalAdvance(badge_) + 3 * kPadding),
                        bf.horizontalAdvance(settings_) + 2 * kPadding, sf.horizontalAdvance(shapeLine_) + 2 * kPadding});
    const int ports = doc_->inputPortCount(id_);
    w = std::max(w, ports * 2.6 * kPortHit + kPadding);
    if (output_flag_) {  // the OUTPUT tag sits at the end of the shape line: keep them apart
        QFont of = bodyFont();
        of.setBold(true);
        of.setPointSizeF(of.pointSizeF() * 0.8);
        w = std::max(w, sf.horizontalAdvance(shapeLine_) + 2 * kPadding + QFontMetricsF(of).horizontalAdvance(QObject::tr("OUTPUT")) + 16);
    }
    QSizeF size(std::ceil(w), kHeader + 2 * kLine + 8);
    if (size != size_) {
        prepareGeometryChange();
        size_ = size;
    }
    layoutPorts(n->isInput() ? 0 : ports);
    for (int i = 0; i < inputs_.size(); ++i)
        inputs_[i]->setConnected(i < static_cast<int>(n->inbound.size()) && n->inbound[i].connected());
    output_->setConnected(output_flag_);
    update();
}

void NodeItem::setTint(const QColor& color, const QString& note) {
    tint_ = color;
    tintNote_ = color.isValid() ? note : QString();
    setToolTip(tintNote_.isEmpty() ? baseToolTip_ : baseToolTip_ + QStringLiteral("<br>") + tintNote_);
    update();
}

void NodeItem::refreshIfCheckChanged() {
    const NodeCheck* c = doc_->check().node(id_.toStdString());
    static const NodeCheck kNone;
    const NodeCheck& now = c ? *c : kNone;
    if (now.state != shown_.state || now.outputShapes != shown_.outputShapes || now.message != shown_.message) refresh();
}

void NodeItem::layoutPorts(int inputCount) {
    while (inputs_.size() > inputCount) delete inputs_.takeLast();
    while (inputs_.size() < inputCount) inputs_.append(new PortItem(this, PortItem::Input, inputs_.size()));
    for (int i = 0; i < inputs_.size(); ++i) inputs_[i]->setPos(size_.width() * (i + 1) / (inputs_.size() + 1), 0);
    output_->setPos(size_.width() / 2, size_.height());
}

QRectF NodeItem::boundingRect() const { return QRectF(QPointF(0, 0), size_).adjusted(-4, -4, 4, 4); }

void NodeItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    p->setRenderHint(QPainter::Antialiasing);
    p->setRenderHint(QPainter::TextAntialiasing);
    const QRectF r(QPointF(0, 0), size_);
    const qreal radius = 6;

    // Body, then the header band clipped to the rounded frame.
    QPainterPath frame;
    frame.addRoundedRect(r, radius, radius);
    p->fillPath(frame, colors_.body);
    if (tint_.isValid()) {  // the training overlay washes the body, the family header stays readable
        QColor wash = tint_;
        wash.setAlpha(110);
        p->fillPath(frame, wash);
    }
    p->save();
    p->setClipPath(frame);
    p->fillRect(QRectF(0, 0, r.width(), kHeader), colors_.header);
    p->restore();

    if (tint_.isValid()) {  // a ring just outside the frame, within the bounding rect's margin,
        // under the border so a selection still shows
        QPainterPath ring;
        ring.addRoundedRect(r.adjusted(-2, -2, 2, 2), radius + 2, radius + 2);
        p->setPen(QPen(tint_, 3.5));
        p->setBrush(Qt::NoBrush);
        p->drawPath(ring);
    }
    QPen border(colors_.header, 1.2);
    if (shared_) border = QPen(style::kShared, 2.0);
    if (invalid_) border = QPen(style::kError, 3.0);
    if (isSelected()) border = QPen(style::kSelection, 3.0);
    if (unknown_ && !invalid_ && !isSelected()) border.setStyle(Qt::DashLine);
    p->setPen(border);
    p->setBrush(Qt::NoBrush);
    p->drawPath(frame);

    p->setFont(headerFont());
    p->setPen(colors_.text);
    p->drawText(QRectF(kPadding, 0, r.width() - 2 * kPadding, kHeader), Qt::AlignVCenter | Qt::AlignLeft, title_);
    if (!badge_.isEmpty()) {
        QFont bf = bodyFont();
        bf.setPointSizeF(bf.pointSizeF() * 0.85);
        p->setFont(bf);
        QFontMetricsF fm(bf);
        QRectF b(r.width() - kPadding - fm.horizontalAdvance(badge_) - 8, 4, fm.horizontalAdvance(badge_) + 8, kHeader - 8);
        p->setPen(Qt::NoPen);
        // Shared calls in the shared colour; a library clone (own weights) in a neutral one.
        p->setBrush(shared_ ? style::kShared : QColor(0x60, 0x7D, 0x8B));
        p->drawRoundedRect(b, 4, 4);
        p->setPen(Qt::white);
        p->drawText(b, Qt::AlignCenter, badge_);
    }

    p->setFont(bodyFont());
    p->setPen(QColor("#263238"));
    p->drawText(QRectF(kPadding, kHeader + 2, r.width() - 2 * kPadding, kLine), Qt::AlignVCenter | Qt::AlignLeft,
                settings_ + (frozen_ ? QObject::tr("  (frozen)") : QString()));
    p->setFont(shapeFont());
    p->setPen(invalid_ ? style::kError : unknown_ ? QColor("#90A4AE") : QColor("#37474F"));
    p->drawText(QRectF(kPadding, kHeader + 2 + kLine, r.width() - 2 * kPadding, kLine), Qt::AlignVCenter | Qt::AlignLeft,
                shapeLine_);

    if (output_flag_) {
        QFont of = bodyFont();
        of.setBold(true);
        of.setPointSizeF(of.pointSizeF() * 0.8);
        p->setFont(of);
        QFontMetricsF fm(of);
        const QString label = QObject::tr("OUTPUT");
        QRectF b(r.width() - fm.horizontalAdvance(label) - 12, r.height() - 15, fm.horizontalAdvance(label) + 8, 13);
        p->setPen(Qt::NoPen);
        p->setBrush(style::kOutput);
        p->drawRoundedRect(b, 3, 3);
        p->setPen(Qt::white);
        p->drawText(b, Qt::AlignCenter, label);
    }
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
    if (change == ItemPositionHasChanged || change == ItemSelectedHasChanged) {
        for (EdgeItem* e : edges_) e->updatePath();
        if (change == ItemPositionHasChanged && shared_)
            if (auto* gs = qobject_cast<GraphScene*>(scene())) gs->updateSharedLinkPaths();
    }
    return QGraphicsItem::itemChange(change, value);
}

// ---- EdgeItem -----------------------------------------------------------------------------------

EdgeItem::EdgeItem(NodeItem* from, int output, NodeItem* to, int port)
    : from_(from), to_(to), output_(output), port_(port) {
    setFlags(ItemIsSelectable);
    setZValue(0);
    from_->attach(this);
    to_->attach(this);
    updatePath();
}

EdgeItem::~EdgeItem() { detachFromNodes(); }

void EdgeItem::detachFromNodes() {
    if (from_) from_->detach(this);
    if (to_) to_->detach(this);
    from_ = to_ = nullptr;
}

QPainterPath EdgeItem::wirePath(QPointF a, QPointF b) {
    QPainterPath path(a);
    qreal dy = std::max<qreal>(40, std::abs(b.y() - a.y()) * 0.5);
    path.cubicTo(a + QPointF(0, dy), b - QPointF(0, dy), b);
    return path;
}

void EdgeItem::updatePath() {
    if (!from_ || !to_) return;
    PortItem* out = from_->outputPort();
    PortItem* in = to_->inputPort(port_);
    QPointF a = out->scenePos();
    // End on the rim of the input dot, so the arrowhead is not hidden under it.
    QPointF b = (in ? in->scenePos() : to_->scenePos() + QPointF(to_->size().width() / 2, 0)) - QPointF(0, kPortRadius);
    setPath(wirePath(a, b));
    const bool highlight = isSelected() || from_->isSelected() || to_->isSelected();
    setPen(QPen(highlight ? style::kSelection : style::kWire, highlight ? 2.4 : 1.6));
}

QPainterPath EdgeItem::shape() const {
    QPainterPathStroker stroker;
    stroker.setWidth(10);
    return stroker.createStroke(path());
}

QVariant EdgeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
    QVariant v = QGraphicsPathItem::itemChange(change, value);
    if (change == ItemSelectedHasChanged) updatePath();
    return v;
}

void EdgeItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    // Drawn here rather than by QGraphicsPathItem so selection shows as a coloured wire, not a box.
    p->setRenderHint(QPainter::Antialiasing);
    p->setPen(pen());
    p->setBrush(Qt::NoBrush);
    p->drawPath(path());
    // Arrowhead at the input port.
    QPointF tip = path().pointAtPercent(1.0);
    QPointF back = path().pointAtPercent(0.96);
    QLineF dir(tip, back);
    if (dir.length() < 0.01) return;
    dir.setLength(9);
    QLineF l1 = dir, l2 = dir;
    l1.setAngle(dir.angle() + 25);
    l2.setAngle(dir.angle() - 25);
    QPolygonF head{tip, l1.p2(), l2.p2()};
    p->setBrush(pen().color());
    p->setPen(Qt::NoPen);
    p->drawPolygon(head);
}

}  // namespace strata::editor
