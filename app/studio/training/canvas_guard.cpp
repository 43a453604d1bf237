#include "app/studio/training/canvas_guard.h"

#include <QApplication>
#include <QGraphicsItem>
#include <QKeyEvent>
#include <QMouseEvent>

#include "editor/scene/graph_scene.h"
#include "editor/scene/graph_view.h"
#include "editor/scene/node_item.h"

namespace strata::studio {

CanvasGuard::CanvasGuard(editor::GraphView* view, MessageSink message, QObject* parent)
    : QObject(parent), view_(view), message_(std::move(message)) {}

QString CanvasGuard::refusalText() {
    return tr("Training: the graph is read-only until training stops. Click a layer to inspect it, pan with the "
              "middle button, zoom with Ctrl+wheel.");
}

void CanvasGuard::setActive(bool active) {
    if (active == active_) return;
    active_ = active;
    if (active) {
        view_->installEventFilter(this);
        view_->viewport()->installEventFilter(this);
    } else {
        view_->removeEventFilter(this);
        view_->viewport()->removeEventFilter(this);
    }
    pressed_ = dragRefused_ = false;
}

void CanvasGuard::refuse() {
    ++refusals_;
    if (message_) message_(refusalText());
}

QString CanvasGuard::nodeAt(QPoint viewportPos, bool* onPort) const {
    *onPort = false;
    for (QGraphicsItem* item : view_->items(viewportPos)) {
        if (item->type() == editor::PortItem::Type) *onPort = true;
        for (QGraphicsItem* i = item; i; i = i->parentItem())
            if (i->type() == editor::NodeItem::Type) return static_cast<editor::NodeItem*>(i)->id();
    }
    return {};
}

bool CanvasGuard::isEditKey(const QKeyEvent* e) const {
    const int k = e->key();
    if (k == Qt::Key_Delete || k == Qt::Key_Backspace || k == Qt::Key_Tab || k == Qt::Key_Backtab) return true;
    // Copy (Ctrl+C), Find (Ctrl+F) and Select All (Ctrl+A) only look; the other canvas and Edit
    // shortcuts change the graph.
    if (e->modifiers() & Qt::ControlModifier)
        return k == Qt::Key_V || k == Qt::Key_X || k == Qt::Key_D || k == Qt::Key_G || k == Qt::Key_Z ||
               k == Qt::Key_Y || k == Qt::Key_M;
    return false;
}

bool CanvasGuard::eventFilter(QObject* watched, QEvent* event) {
    if (!active_) return false;
    switch (event->type()) {
    case QEvent::ShortcutOverride: {
        // Taking the override turns the shortcut into a key press we can refuse below.
        auto* k = static_cast<QKeyEvent*>(event);
        if (isEditKey(k)) {
            k->accept();
            return true;
        }
        return false;
    }
    case QEvent::KeyPress:
        if (isEditKey(static_cast<QKeyEvent*>(event))) {
            refuse();
            return true;
        }
        return false;
    default: break;
    }
    if (watched != view_->viewport()) return false;
    switch (event->type()) {
    case QEvent::MouseButtonPress: {
        auto* m = static_cast<QMouseEvent*>(event);
        if (m->button() == Qt::MiddleButton) return false;  // panning
        bool onPort = false;
        const QString id = nodeAt(m->position().toPoint(), &onPort);
        // Selecting is looking: the inspector and the Layer Health dock follow the node.
        auto* scene = view_->graphScene();
        if (id.isEmpty()) scene->clearSelection();
        else scene->selectNode(id);
        if (onPort && m->button() == Qt::LeftButton) refuse();  // a wire would start here
        pressed_ = m->button() == Qt::LeftButton && !id.isEmpty() && !onPort;
        dragRefused_ = false;
        pressAt_ = m->position().toPoint();
        return true;
    }
    case QEvent::MouseMove: {
        auto* m = static_cast<QMouseEvent*>(event);
        if (m->buttons() & Qt::MiddleButton) return false;
        if (pressed_ && !dragRefused_ &&
            (m->position().toPoint() - pressAt_).manhattanLength() >= QApplication::startDragDistance()) {
            dragRefused_ = true;  // once per drag
            refuse();
        }
        return m->buttons() != Qt::NoButton;  // hover still reaches the items (tooltips)
    }
    case QEvent::MouseButtonRelease: {
        auto* m = static_cast<QMouseEvent*>(event);
        if (m->button() == Qt::MiddleButton) return false;
        pressed_ = false;
        return true;
    }
    case QEvent::MouseButtonDblClick:
    case QEvent::ContextMenu:
        refuse();
        return true;
    case QEvent::DragEnter:  // a layer dragged in from elsewhere: refused before it is dropped
        refuse();
        event->ignore();
        return true;
    case QEvent::DragMove:
    case QEvent::Drop:
        event->ignore();
        return true;
    default: return false;
    }
}

}  // namespace strata::studio
