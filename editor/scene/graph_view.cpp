#include "editor/scene/graph_view.h"

#include <QAction>
#include <QClipboard>
#include <QDragEnterEvent>
#include <QGuiApplication>
#include <QCompleter>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QStringListModel>
#include <QScrollBar>
#include <QWheelEvent>

#include "editor/document/graph_document.h"
#include "editor/document/model_nesting.h"
#include "editor/scene/graph_scene.h"
#include "editor/scene/node_item.h"
#include "editor/widgets/palette_widget.h"
#include "engine/layers/layer_registry.h"

namespace strata::editor {

GraphView::GraphView(GraphScene* scene, QWidget* parent) : QGraphicsView(scene, parent), scene_(scene) {
    setAcceptDrops(true);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::RubberBandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setSceneRect(QRectF(-5000, -5000, 10000, 10000));
    auto bind = [this](const QString& text, QKeySequence keys, void (GraphView::*slot)()) {
        auto* a = new QAction(text, this);
        a->setShortcut(keys);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);  // text fields keep their own copy/paste
        connect(a, &QAction::triggered, this, slot);
        addAction(a);
    };
    bind(tr("Copy"), QKeySequence::Copy, &GraphView::copySelection);
    bind(tr("Paste"), QKeySequence::Paste, &GraphView::paste);
    bind(tr("Duplicate"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D), &GraphView::duplicateSelection);
    bind(tr("Find Layer"), QKeySequence::Find, &GraphView::showFind);
    bind(tr("Group into Model"), QKeySequence(Qt::CTRL | Qt::Key_G), &GraphView::groupSelection);
    bind(tr("Expand Model"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G), &GraphView::expandSelection);

    find_ = new QLineEdit(this);
    find_->setObjectName("findBox");
    find_->setPlaceholderText(tr("Find layer by name or type…"));
    find_->setClearButtonEnabled(true);
    find_->setFixedWidth(260);
    find_->hide();
    connect(find_, &QLineEdit::textChanged, this, [this](const QString& text) {
        findIndex_ = -1;
        scene_->clearSelection();
        if (text.trimmed().isEmpty()) return;
        for (const QString& id : scene_->findNodes(text)) scene_->selectNodeAdd(id);
    });
    connect(find_, &QLineEdit::returnPressed, this, &GraphView::findNext);
    auto* escape = new QAction(find_);
    escape->setShortcut(Qt::Key_Escape);
    escape->setShortcutContext(Qt::WidgetShortcut);
    connect(escape, &QAction::triggered, this, [this] {
        find_->hide();
        setFocus();
    });
    find_->addAction(escape);

    quick_ = new QLineEdit(this);
    quick_->setObjectName("quickInsert");
    quick_->setPlaceholderText(tr("Layer type…"));
    quick_->setFixedWidth(220);
    quick_->hide();
    QStringList classes;
    for (const LayerSpec* s : LayerRegistry::instance().all()) classes << qs(s->className);
    auto* completer = new QCompleter(classes, quick_);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    quick_->setCompleter(completer);
    connect(quick_, &QLineEdit::returnPressed, this, [this] {
        QString text = quick_->text().trimmed();
        // Accept any spelling of a class name ("dense" for Dense) and the palette's "Input".
        QString cls;
        for (const LayerSpec* s : LayerRegistry::instance().all())
            if (qs(s->className).compare(text, Qt::CaseInsensitive) == 0) cls = qs(s->className);
        if (text.compare("Input", Qt::CaseInsensitive) == 0) cls = "InputLayer";
        quick_->hide();
        setFocus();
        for (auto it = libraryModels_.begin(); cls.isEmpty() && it != libraryModels_.end(); ++it)
            if (it.key().compare(text, Qt::CaseInsensitive) == 0) {
                insertLibraryModel(it.value(), quickAt_, QGuiApplication::keyboardModifiers());
                return;
            }
        if (cls.isEmpty()) {
            emit scene_->statusMessage(tr("No layer class '%1'").arg(text));
            return;
        }
        QString id = scene_->document()->addLayer(cls, quickAt_);
        if (!id.isEmpty()) scene_->selectNode(id);
    });
    auto* quickEscape = new QAction(quick_);
    quickEscape->setShortcut(Qt::Key_Escape);
    quickEscape->setShortcutContext(Qt::WidgetShortcut);
    connect(quickEscape, &QAction::triggered, this, [this] {
        quick_->hide();
        setFocus();
    });
    quick_->addAction(quickEscape);
}

void GraphView::setLibraryModels(const QHash<QString, QString>& models) {
    libraryModels_ = models;
    QStringList names;
    for (const LayerSpec* s : LayerRegistry::instance().all()) names << qs(s->className);
    names << libraryModels_.keys();
    if (auto* m = qobject_cast<QStringListModel*>(quick_->completer()->model())) m->setStringList(names);
}

QString GraphView::insertLibraryModel(const QString& file, QPointF scenePos, Qt::KeyboardModifiers modifiers) {
    GraphDocument* doc = scene_->document();
    LibraryUse use = LibraryUse::New;
    const QString first = doc->layerFromFile(file);
    if (!first.isEmpty()) {
        if (modifiers & (Qt::ShiftModifier | Qt::AltModifier)) use = LibraryUse::Share;
        else if (modifiers & Qt::ControlModifier) use = LibraryUse::Clone;
        else {
            std::optional<LibraryUse> chosen = chooser_ ? chooser_(first) : std::nullopt;
            if (!chooser_) {
                // As a file manager asks on a second copy: the two answers, named for what they do.
                QMessageBox box(QMessageBox::Question, tr("Use %1 again").arg(first),
                                tr("%1 is already on the canvas.\n\nShare it: a second call of the same layer, one set "
                                   "of weights (trained together).\nClone it: an independent copy with its own "
                                   "weights and a fresh name.\n\n(Shift+drop shares, Ctrl+drop clones without asking.)")
                                    .arg(first),
                                QMessageBox::Cancel, this);
                QAbstractButton* share = box.addButton(tr("Share Weights"), QMessageBox::AcceptRole);
                QAbstractButton* clone = box.addButton(tr("Clone"), QMessageBox::AcceptRole);
                box.exec();
                if (box.clickedButton() == share) chosen = LibraryUse::Share;
                else if (box.clickedButton() == clone) chosen = LibraryUse::Clone;
            }
            if (!chosen) return {};
            use = *chosen;
        }
    }
    QString why;
    QString id = editor::insertLibraryModel(*doc, file, scenePos, use, &why);
    if (id.isEmpty()) {
        emit scene_->statusMessage(why);
        return {};
    }
    scene_->selectNode(id);
    return id;
}

void GraphView::showQuickInsert(QPoint viewPos) {
    quickAt_ = mapToScene(viewPos);
    quick_->clear();
    quick_->move(viewPos);
    quick_->show();
    quick_->raise();
    quick_->setFocus();
}

bool GraphView::focusNextPrevChild(bool next) {
    if (hasFocus()) return false;  // let keyPressEvent see the Tab
    return QGraphicsView::focusNextPrevChild(next);
}

void GraphView::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Tab && event->modifiers() == Qt::NoModifier) {
        QPoint at = mapFromGlobal(QCursor::pos());
        if (!viewport()->rect().contains(at)) at = viewport()->rect().center();
        showQuickInsert(at);
        event->accept();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void GraphView::groupSelection() {
    QString why;
    QString id = groupIntoModel(*scene_->document(), scene_->selectedNodeIds(), {}, &why);
    if (id.isEmpty()) emit scene_->statusMessage(why);
    else scene_->selectNode(id);
}

void GraphView::expandSelection() {
    QStringList sel = scene_->selectedNodeIds();
    if (sel.size() != 1) {
        emit scene_->statusMessage(tr("Select one nested model to expand"));
        return;
    }
    QString why;
    QStringList ids = expandModel(*scene_->document(), sel[0], &why);
    if (ids.isEmpty()) emit scene_->statusMessage(why);
    scene_->clearSelection();
    for (const QString& id : ids) scene_->selectNodeAdd(id);
}

void GraphView::showFind() {
    find_->move(width() - find_->width() - 24, 8);
    find_->show();
    find_->raise();
    find_->setFocus();
    find_->selectAll();
}

void GraphView::findNext() {
    QStringList ids = scene_->findNodes(find_->text());
    if (ids.isEmpty()) {
        emit scene_->statusMessage(tr("No layer matches '%1'").arg(find_->text()));
        return;
    }
    findIndex_ = (findIndex_ + 1) % ids.size();
    scene_->selectNode(ids[findIndex_]);
    if (NodeItem* n = scene_->nodeItem(ids[findIndex_])) centerOn(n);
}

void GraphView::copySelection() {
    QStringList ids = scene_->selectedNodeIds();
    if (ids.isEmpty()) return;
    auto* mime = new QMimeData;
    const std::string json = scene_->document()->copyFragment(ids).dump();
    mime->setData(kFragmentMimeType, QByteArray::fromStdString(json));
    QGuiApplication::clipboard()->setMimeData(mime);
}

void GraphView::paste() {
    const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
    if (!mime || !mime->hasFormat(kFragmentMimeType)) return;
    Json fragment;
    try {
        fragment = Json::parse(mime->data(kFragmentMimeType).toStdString());
    } catch (const std::exception&) {
        emit scene_->statusMessage(tr("The clipboard does not hold layers Strata can paste"));
        return;
    }
    QString why;
    QStringList ids = scene_->document()->pasteFragment(fragment, QPointF(40, 40), &why);
    if (!why.isEmpty()) emit scene_->statusMessage(why);
    scene_->clearSelection();
    for (const QString& id : ids) scene_->selectNodeAdd(id);
}

void GraphView::duplicateSelection() {
    QStringList ids = scene_->document()->duplicateNodes(scene_->selectedNodeIds());
    scene_->clearSelection();
    for (const QString& id : ids) scene_->selectNodeAdd(id);
}

void GraphView::fitAll(qreal maxScale) {
    QRectF r = scene_->itemsBoundingRect();
    if (r.isEmpty()) {
        resetTransform();
        centerOn(0, 0);
        return;
    }
    r.adjust(-30, -30, 30, 30);
    fitInView(r, Qt::KeepAspectRatio);
    if (zoom() > maxScale) {
        resetTransform();
        scale(maxScale, maxScale);
        centerOn(r.center());
    }
}

void GraphView::zoomBy(qreal factor) {
    qreal z = zoom() * factor;
    if (z < 0.1 || z > 4.0) return;
    scale(factor, factor);
}

void GraphView::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasFormat(kLayerMimeType) || event->mimeData()->hasFormat(kLibraryMimeType))
        event->acceptProposedAction();
    else QGraphicsView::dragEnterEvent(event);
}

void GraphView::dragMoveEvent(QDragMoveEvent* event) {
    if (event->mimeData()->hasFormat(kLayerMimeType) || event->mimeData()->hasFormat(kLibraryMimeType))
        event->acceptProposedAction();
    else QGraphicsView::dragMoveEvent(event);
}

void GraphView::dropEvent(QDropEvent* event) {
    if (event->mimeData()->hasFormat(kLibraryMimeType)) {
        const QString file = QString::fromUtf8(event->mimeData()->data(kLibraryMimeType));
        const QString id =
            insertLibraryModel(file, mapToScene(event->position().toPoint()) - QPointF(20, 12), event->modifiers());
        if (id.isEmpty()) {
            event->ignore();
            return;
        }
        event->acceptProposedAction();
        emit layerDropped(id);
        return;
    }
    if (!event->mimeData()->hasFormat(kLayerMimeType)) {
        QGraphicsView::dropEvent(event);
        return;
    }
    const QString cls = QString::fromUtf8(event->mimeData()->data(kLayerMimeType));
    // The node's top-left goes a little up-left of the cursor so the cursor lands on its header.
    QPointF pos = mapToScene(event->position().toPoint()) - QPointF(20, 12);
    QString why;
    // Dropped on a wire: the new layer goes in between, keeping the wire's ends.
    EdgeItem* wire = nullptr;
    const QPointF at = mapToScene(event->position().toPoint());
    for (QGraphicsItem* i : scene_->items(QRectF(at - QPointF(4, 4), QSizeF(8, 8)), Qt::IntersectsItemShape))
        if (i->type() == EdgeItem::Type) wire = static_cast<EdgeItem*>(i);
    for (QGraphicsItem* i : scene_->items(at))
        if (i->type() == NodeItem::Type) wire = nullptr;  // on a node: a plain add
    QString id = wire ? scene_->document()->insertOnWire(cls, pos, wire->to()->id(), wire->port(), &why)
                      : scene_->document()->addLayer(cls, pos, &why);
    if (id.isEmpty()) {
        emit scene_->statusMessage(why);
        event->ignore();
        return;
    }
    event->acceptProposedAction();
    scene_->selectNode(id);
    emit layerDropped(id);
}

void GraphView::wheelEvent(QWheelEvent* event) {
    if (event->modifiers() & Qt::ControlModifier) {
        zoomBy(event->angleDelta().y() > 0 ? 1.15 : 1 / 1.15);
        event->accept();
        return;
    }
    QGraphicsView::wheelEvent(event);
}

void GraphView::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::MiddleButton) {
        panning_ = true;
        panStart_ = event->pos();
        setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void GraphView::mouseMoveEvent(QMouseEvent* event) {
    if (panning_) {
        QPoint d = event->pos() - panStart_;
        panStart_ = event->pos();
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - d.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - d.y());
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void GraphView::mouseReleaseEvent(QMouseEvent* event) {
    if (panning_ && event->button() == Qt::MiddleButton) {
        panning_ = false;
        unsetCursor();
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

}  // namespace strata::editor
