#pragma once
/// GraphView: the QGraphicsView of a GraphScene. Accepts layers dropped from the palette (creating
/// a node where they land), zooms with Ctrl+wheel, pans with the middle button, fits on request.
#include <QGraphicsView>
#include <QHash>
#include <functional>
#include <optional>

#include "editor/library/library_insert.h"

class QLineEdit;

namespace strata::editor {

class GraphScene;
inline constexpr const char* kFragmentMimeType = "application/x-strata-fragment";

class GraphView : public QGraphicsView {
    Q_OBJECT
public:
    explicit GraphView(GraphScene* scene, QWidget* parent = nullptr);

    GraphScene* graphScene() const { return scene_; }
    /// Shows the whole graph, never magnified beyond `maxScale` (1 = 100%).
    void fitAll(qreal maxScale = 1.0);
    void zoomBy(qreal factor);
    qreal zoom() const { return transform().m11(); }

    /// Clipboard: the selected nodes as a fragment (kFragmentMimeType, JSON), pasted with fresh
    /// names beside the originals; duplicate is both at once. Bound to the usual shortcuts
    /// while the canvas has focus.
    void copySelection();
    void paste();
    void duplicateSelection();
    /// Ctrl+F: a search box over the canvas; typing selects the nodes whose name or type
    /// matches, Enter centres on the next match, Escape closes it.
    void showFind();
    /// Quick insert (Tab on the canvas): type a layer class, Enter adds it at the cursor.
    void showQuickInsert(QPoint viewPos);
    QLineEdit* quickInsertBox() const { return quick_; }
    /// Ctrl+G groups the selection into a nested model; Ctrl+Shift+G expands the selected one.
    void groupSelection();
    void expandSelection();
    QLineEdit* findBox() const { return find_; }

    /// Inserts library model `file` at `scenePos` (a drop, a double-click in the palette, quick
    /// insert). If the file is already on this canvas, Shift (or Alt) shares that instance, Ctrl
    /// clones it, no modifier asks the chooser. Returns the node id ("" if refused or cancelled;
    /// the reason goes to the status bar).
    QString insertLibraryModel(const QString& file, QPointF scenePos, Qt::KeyboardModifiers modifiers = {});
    /// Asks whether a second drop of a library file shares its first instance (layer `layerName`)
    /// or clones it; nullopt cancels. The default is a message box; tests install their own.
    using LibraryUseChooser = std::function<std::optional<LibraryUse>(const QString& layerName)>;
    void setLibraryUseChooser(LibraryUseChooser chooser) { chooser_ = std::move(chooser); }
    /// Library models quick insert offers besides the layer classes (name -> file).
    void setLibraryModels(const QHash<QString, QString>& models);

signals:
    /// A node was created from a drop (its id).
    void layerDropped(const QString& id);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    /// Tab opens quick insert (as in other node editors) instead of moving the focus;
    /// Ctrl+Tab still leaves the canvas.
    bool focusNextPrevChild(bool next) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    GraphScene* scene_;
    void findNext();
    QLineEdit* find_ = nullptr;
    QLineEdit* quick_ = nullptr;
    QPointF quickAt_;
    LibraryUseChooser chooser_;
    QHash<QString, QString> libraryModels_;
    int findIndex_ = -1;
    bool panning_ = false;
    QPoint panStart_;
};

}  // namespace strata::editor
