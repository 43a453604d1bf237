#pragma once
/// CanvasGuard: while training runs the canvas is for looking, not editing. Clicking a node still
/// selects it (the Layer Health dock then shows that layer), the middle button pans, the wheel
/// scrolls and Ctrl+wheel zooms, Ctrl+F finds and Ctrl+C copies; but dragging nodes or wires,
/// double clicks, the context menu, drops and editing keys (Delete, Backspace, Tab, paste, cut,
/// duplicate, group, undo, redo) are refused, each with a message saying why.
///
/// It filters the view's events, so neither the editor nor the document needs a read-only mode;
/// the main window also disables its edit actions for shortcuts pressed outside the canvas.
#include <QObject>
#include <QPoint>
#include <QString>
#include <functional>

class QKeyEvent;

namespace strata::editor {
class GraphScene;
class GraphView;
}  // namespace strata::editor

namespace strata::studio {

class CanvasGuard : public QObject {
    Q_OBJECT
public:
    using MessageSink = std::function<void(const QString& message)>;
    CanvasGuard(editor::GraphView* view, MessageSink message, QObject* parent = nullptr);

    void setActive(bool active);
    bool active() const { return active_; }
    /// How many edits were refused (for tests and the status bar).
    int refusals() const { return refusals_; }
    static QString refusalText();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void refuse();
    bool isEditKey(const QKeyEvent* event) const;
    /// The node id under a viewport position ("" for none).
    QString nodeAt(QPoint viewportPos, bool* onPort) const;

    editor::GraphView* view_;
    MessageSink message_;
    bool active_ = false;
    int refusals_ = 0;
    bool pressed_ = false, dragRefused_ = false;
    QPoint pressAt_;
};

}  // namespace strata::studio
