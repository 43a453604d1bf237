#pragma once
/// MainWindow: the Studio's shell. It owns one GraphDocument and wires the canvas and the docks
/// (palette, inspector, problems, summary) to it; menus call the document and the project file
/// functions. No editing logic lives here.
#include <QMainWindow>
#include <functional>

#include "editor/scene/graph_scene.h"
#include "engine/graph/model.h"

class QAction;
class QLabel;
class QUndoGroup;
class QMenu;

namespace strata::editor {
class Autosave;
class GraphDocument;
class GraphView;
class DiagramWidget;
class InspectorWidget;
class ModelTabs;
class ModelCostWidget;
class PaletteWidget;
class ProblemsWidget;
class SummaryWidget;
}  // namespace strata::editor

namespace strata::studio {

class CanvasGuard;
class LibraryActions;
class TrainingWorkbench;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// How errors reach the user: a modal QMessageBox by default; tests install a recorder.
    using ErrorReporter = std::function<void(const QString& title, const QString& text)>;
    void setErrorReporter(ErrorReporter r) { report_ = std::move(r); }

    /// Opens a project or model file; on failure reports why and leaves the document untouched.
    bool openFile(const QString& path);
    /// Saves the project to `path` (becomes the current file).
    bool saveTo(const QString& path);
    /// Lays the graph out with Graphviz (undoable when `undoable`).
    void autoLayout(bool undoable = true);
    /// Fits the whole graph in view (at most 100%).
    void fitView();
    void newDocument();
    /// Replaces the document with an autosaved one (crash recovery); the result is unsaved.
    bool recoverFrom(const QString& autosaveFile);
    /// This process's recovery file, and those left by sessions that did not end normally.
    /// The recovery file of window `window` of this process (0: the first window).
    static QString autosaveFile(int window = 0);
    static QStringList orphanedAutosaves();

    /// "New Model from Here": a new window with the model from output `output` of node `id` to the
    /// outputs it feeds (editor::modelFromTensor). Returns it, or null after reporting why not.
    /// `doc`: the canvas it was asked on (null: the main model).
    MainWindow* newModelFromHere(const QString& id, int output = 0, editor::GraphDocument* doc = nullptr);
    /// "Replace Layer…": asks for the new type, then GraphDocument::replaceLayer.
    void replaceLayerInteractively(const QString& id, editor::GraphDocument* doc = nullptr);
    /// The canvas tabs (the model and the nested models opened from it).
    editor::ModelTabs* tabs() const { return tabs_; }

    editor::GraphDocument* document() const { return doc_; }
    editor::GraphScene* scene() const { return scene_; }
    editor::GraphView* view() const { return view_; }
    editor::PaletteWidget* palette() const { return palette_; }
    editor::InspectorWidget* inspector() const { return inspector_; }
    editor::ProblemsWidget* problems() const { return problems_; }
    editor::SummaryWidget* summary() const { return summary_; }
    editor::ModelCostWidget* costs() const { return costs_; }
    editor::DiagramWidget* diagram() const { return diagram_; }
    const QString& currentFile() const { return path_; }
    /// The model whose weights Save and Export carry over (by layer name, where shapes fit): the
    /// opened file's model, or a trained one handed in after training.
    void setWeightsSource(ModelPtr model) { weights_ = std::move(model); }
    const ModelPtr& weightsSource() const { return weights_; }
    /// The document's model built with every weight the Studio has for it: those library models
    /// brought, then the opened file's or trained ones (by layer name, where shapes fit). Throws
    /// strata::Error if the graph is not a model yet. `hasWeights`: any weights were set.
    ModelPtr modelWithWeights(bool* hasWeights = nullptr) const;
    /// The model library (palette section, drops, "Add Model to Library…", "Save Selection as Block…").
    LibraryActions* libraryActions() const { return library_; }
    /// The trainer (Training/Data docks, training run, evaluation, runs; Training menu).
    TrainingWorkbench* trainer() const { return trainer_; }
    /// Keeps the canvas inspect-only while training runs.
    CanvasGuard* canvasGuard() const { return canvasGuard_; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void buildDocks();
    void updateTitle();
    void updateStatus();
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    bool maybeSave();
    void showNodeMenu(const QString& id, QPoint screenPos);
    void open();
    bool save();
    bool saveAs();
    void exportModel();
    void exportDiagram();
    void addLayerAtCenter(const QString& className);
    /// modelWithWeights(), or the opened file's model while the graph is not valid.
    ModelPtr weightsForSaving() const;

    editor::GraphDocument* doc_;
    editor::GraphScene* scene_;
    editor::GraphView* view_;
    editor::PaletteWidget* palette_;
    editor::InspectorWidget* inspector_;
    editor::ProblemsWidget* problems_;
    editor::SummaryWidget* summary_;
    editor::ModelCostWidget* costs_ = nullptr;
    editor::ModelTabs* tabs_ = nullptr;
    editor::DiagramWidget* diagram_ = nullptr;
    QUndoGroup* undoGroup_ = nullptr;
    QLabel* statusCheck_;
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    QString path_;
    editor::LayoutFunction layout_;
    ErrorReporter report_;
    editor::Autosave* autosave_ = nullptr;
    /// The opened file's model with its weights, carried into saves and exports (null if none).
    ModelPtr weights_;
    TrainingWorkbench* trainer_ = nullptr;
    LibraryActions* library_ = nullptr;
    int window_ = 0;  ///< which window of the process (names its autosave file)
    CanvasGuard* canvasGuard_ = nullptr;
    /// Edit-menu and canvas actions that change the graph (disabled while training).
    QList<QAction*> editActions_;
    QAction* undo_ = nullptr;
    QAction* redo_ = nullptr;
};

}  // namespace strata::studio
