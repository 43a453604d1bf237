#include "app/studio/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QStandardPaths>
#include <QUndoStack>
#include <signal.h>

#include "app/studio/project_file.h"
#include "app/studio/studio_layout.h"
#include "app/studio/training/canvas_guard.h"
#include "app/studio/training/training_workbench.h"
#include "editor/document/autosave.h"
#include "editor/document/graph_document.h"
#include "editor/scene/graph_view.h"
#include "editor/scene/node_item.h"
#include "editor/widgets/inspector_widget.h"
#include "editor/widgets/palette_widget.h"
#include "editor/widgets/problems_widget.h"
#include "editor/widgets/summary_widget.h"
#include "plotting/model_diagram.h"

namespace strata::studio {

using editor::qs;

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    doc_ = new editor::GraphDocument(this);
    scene_ = new editor::GraphScene(doc_, this);
    scene_->setFamilyStyle(diagramFamilyColors);
    view_ = new editor::GraphView(scene_, this);
    setCentralWidget(view_);
    layout_ = graphvizLayout();
    report_ = [this](const QString& title, const QString& text) { QMessageBox::warning(this, title, text); };

    buildDocks();
    buildMenus();

    statusCheck_ = new QLabel(this);
    statusBar()->addPermanentWidget(statusCheck_);
    connect(scene_, &editor::GraphScene::statusMessage, this, [this](const QString& m) { statusBar()->showMessage(m, 6000); });
    connect(doc_, &editor::GraphDocument::validated, this, &MainWindow::updateStatus);
    connect(doc_->undoStack(), &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);
    connect(scene_, &editor::GraphScene::contextMenuRequested, this, &MainWindow::showNodeMenu);
    // The trainer trains a model built from the document; while it runs the graph is read-only.
    trainer_ = new TrainingWorkbench([this] { return buildModel(doc_->spec()); }, this);
    trainer_->install(this);
    // The canvas stays inspectable (select, pan, zoom, find) while edits are refused with a message.
    canvasGuard_ = new CanvasGuard(view_, [this](const QString& m) { statusBar()->showMessage(m, 8000); }, this);
    connect(trainer_, &TrainingWorkbench::trainingActiveChanged, this, [this](bool active) {
        palette_->setEnabled(!active);
        inspector_->setEnabled(!active);
        canvasGuard_->setActive(active);
        for (QAction* a : editActions_) a->setEnabled(!active);
        if (!active) {  // the undo stack drives these two
            undo_->setEnabled(doc_->undoStack()->canUndo());
            redo_->setEnabled(doc_->undoStack()->canRedo());
        }
        statusBar()->showMessage(active ? CanvasGuard::refusalText() : QString());
    });
    // Save and Export carry the trained weights (by layer name) like an opened file's.
    connect(trainer_, &TrainingWorkbench::runFinished, this, [this](const TrainingOutcome& o) {
        if (o.hasWeights) setWeightsSource(o.model.build());
    });
    // Nodes tinted by their layer's gradient norm while training and after it, until the graph is
    // edited (the tints describe the model that was trained, not the edited one).
    connect(trainer_, &TrainingWorkbench::gradientTintsChanged, this, [this](const std::vector<LayerTint>& tints) {
        scene_->clearTints();
        for (const LayerTint& t : tints) scene_->setNodeTint(t.layer, t.color, t.note);
    });
    const auto clearTints = [this] { trainer_->clearTints(); };
    for (auto changed : {&editor::GraphDocument::nodeAdded, &editor::GraphDocument::nodeRemoved,
                         &editor::GraphDocument::nodeChanged, &editor::GraphDocument::wiringChanged})
        connect(doc_, changed, trainer_, clearTints);
    connect(doc_, &editor::GraphDocument::outputsChanged, trainer_, clearTints);
    connect(doc_, &editor::GraphDocument::inputsChanged, trainer_, clearTints);
    connect(scene_, &editor::GraphScene::currentNodeChanged, trainer_, [this](const QString& id) {
        if (const auto* n = doc_->node(id)) trainer_->showLayer(QString::fromStdString(n->layerName));
    });
    // A crash loses at most 30 s of work (the file goes when the work is saved or closed).
    autosave_ = new editor::Autosave(doc_, autosaveFile(), 30000, this);
    resize(1500, 950);
    newDocument();
}

QString MainWindow::autosaveFile() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/autosave/autosave-%1.json").arg(QCoreApplication::applicationPid());
}

QStringList MainWindow::orphanedAutosaves() {
    QDir dir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave");
    QStringList out;
    const QString own = QFileInfo(autosaveFile()).fileName();
    for (const QFileInfo& f : dir.entryInfoList({"autosave-*.json"}, QDir::Files, QDir::Time)) {
        if (f.fileName() == own) continue;
        // A file whose process still runs belongs to another open Studio window.
        bool ok = false;
        qint64 pid = f.baseName().mid(QStringLiteral("autosave-").size()).toLongLong(&ok);
        if (ok && ::kill(static_cast<pid_t>(pid), 0) == 0) continue;
        out << f.absoluteFilePath();
    }
    return out;
}

bool MainWindow::recoverFrom(const QString& file) {
    GraphSpec spec;
    QHash<QString, QPointF> positions;
    QString why;
    if (!editor::Autosave::read(file, &spec, &positions, &why)) {
        report_(tr("Cannot recover"), why);
        return false;
    }
    doc_->reset(spec, positions);
    weights_.reset();  // an autosave holds the graph, not weights
    path_.clear();
    // Recovered work is not on disk yet: mark it modified so closing asks to save it.
    doc_->undoStack()->resetClean();
    updateTitle();
    fitView();
    QFile::remove(file);
    autosave_->saveNow();
    return true;
}

MainWindow::~MainWindow() {
    // Destructors do not run after a crash, so reaching here means the session ended normally.
    if (autosave_) autosave_->discard();
}

void MainWindow::buildDocks() {
    palette_ = new editor::PaletteWidget(this);
    inspector_ = new editor::InspectorWidget(doc_, this);
    problems_ = new editor::ProblemsWidget(doc_, this);
    summary_ = new editor::SummaryWidget(doc_, this);

    auto dock = [this](const QString& title, const char* name, QWidget* w, Qt::DockWidgetArea area) {
        auto* d = new QDockWidget(title, this);
        d->setObjectName(name);
        d->setWidget(w);
        addDockWidget(area, d);
        return d;
    };
    auto* paletteDock = dock(tr("Layers"), "paletteDock", palette_, Qt::LeftDockWidgetArea);
    auto* inspectorDock = dock(tr("Inspector"), "inspectorDock", inspector_, Qt::RightDockWidgetArea);
    auto* problemsDock = dock(tr("Problems"), "problemsDock", problems_, Qt::BottomDockWidgetArea);
    auto* summaryDock = dock(tr("Summary"), "summaryDock", summary_, Qt::BottomDockWidgetArea);
    tabifyDockWidget(problemsDock, summaryDock);
    problemsDock->raise();
    resizeDocks({paletteDock, inspectorDock}, {230, 320}, Qt::Horizontal);
    resizeDocks({problemsDock}, {210}, Qt::Vertical);

    connect(scene_, &editor::GraphScene::currentNodeChanged, inspector_, &editor::InspectorWidget::setNode);
    connect(problems_, &editor::ProblemsWidget::nodeActivated, this, [this](const QString& id) {
        scene_->selectNode(id);
        if (auto* item = scene_->nodeItem(id)) view_->centerOn(item);
    });
    connect(problems_, &editor::ProblemsWidget::problemCountChanged, this, [problemsDock, summaryDock](int n) {
        problemsDock->setWindowTitle(n ? tr("Problems (%1)").arg(n) : tr("Problems"));
        if (n == 0) summaryDock->raise();  // nothing to fix: show what the model is
    });
    connect(palette_, &editor::PaletteWidget::layerActivated, this, &MainWindow::addLayerAtCenter);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New"), QKeySequence::New, this, [this] {
        if (maybeSave()) newDocument();
    });
    file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::open);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addSeparator();
    file->addAction(tr("&Save"), QKeySequence::Save, this, &MainWindow::save);
    file->addAction(tr("Save &As…"), QKeySequence::SaveAs, this, &MainWindow::saveAs);
    QMenu* exportMenu = file->addMenu(tr("&Export"));
    exportMenu->addAction(tr("Model (.keras, .h5, .json, .weights.h5)…"), this, &MainWindow::exportModel);
    exportMenu->addAction(tr("Diagram (.png, .svg, .pdf, .dot)…"), this, &MainWindow::exportDiagram);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = doc_->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = doc_->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);
    undo_ = undo;
    redo_ = redo;
    edit->addSeparator();
    // Everything in this menu edits the graph, except Select All and the canvas's Copy and Find.
    const int before = int(edit->actions().size());
    QAction* del = edit->addAction(tr("&Delete"), this, [this] { scene_->deleteSelection(); });
    del->setShortcuts({QKeySequence::Delete, QKeySequence(Qt::Key_Backspace)});
    del->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    view_->addAction(del);  // Delete in a text field of a dock edits the text, not the graph
    edit->addAction(tr("Select &All"), QKeySequence::SelectAll, this, [this] {
        for (QGraphicsItem* i : scene_->items()) i->setSelected(true);
    });
    edit->addSeparator();
    edit->addAction(tr("&Call Layer Again"), QKeySequence(Qt::CTRL | Qt::Key_D), this, [this] {
        QStringList ids = scene_->selectedNodeIds();
        if (ids.size() != 1) return;
        QString why;
        QString id = doc_->callAgain(ids[0], &why);
        if (id.isEmpty()) statusBar()->showMessage(why, 6000);
        else scene_->selectNode(id);
    });
    edit->addAction(tr("Make &Independent"), this, [this] {
        QStringList ids = scene_->selectedNodeIds();
        QString why;
        if (ids.size() == 1 && !doc_->makeIndependent(ids[0], &why)) statusBar()->showMessage(why, 6000);
    });
    edit->addAction(tr("Toggle Model &Output"), QKeySequence(Qt::CTRL | Qt::Key_M), this, [this] {
        for (const QString& id : scene_->selectedNodeIds()) doc_->setOutput(id, !doc_->isOutput(id));
    });
    edit->addSeparator();
    // The canvas's own actions (copy, paste, duplicate, find, group, expand): their shortcuts work
    // while the canvas has focus, so text fields keep their Ctrl+C/Ctrl+V; listed here to be found.
    for (QAction* a : view_->actions())
        if (a != del) edit->addAction(a);
    editActions_ = {undo, redo};
    for (QAction* a : edit->actions().mid(before))
        if (!a->isSeparator() && !a->text().contains(tr("Select &All")) && a->text() != tr("Copy") && a->text() != tr("Find Layer"))
            editActions_ << a;

    viewMenu_ = menuBar()->addMenu(tr("&View"));
    viewMenu_->addAction(tr("&Fit to Window"), QKeySequence(Qt::CTRL | Qt::Key_0), this, &MainWindow::fitView);
    viewMenu_->addAction(tr("Zoom &In"), QKeySequence::ZoomIn, this, [this] { view_->zoomBy(1.2); });
    viewMenu_->addAction(tr("Zoom &Out"), QKeySequence::ZoomOut, this, [this] { view_->zoomBy(1 / 1.2); });
    viewMenu_->addAction(tr("Actual &Size"), this, [this] {
        view_->resetTransform();
    });
    viewMenu_->addAction(tr("&Auto Layout"), QKeySequence(Qt::CTRL | Qt::Key_L), this, [this] { autoLayout(true); });
    viewMenu_->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>()) viewMenu_->addAction(d->toggleViewAction());
}

void MainWindow::newDocument() {
    GraphSpec empty;
    doc_->reset(empty, {});
    weights_.reset();
    path_.clear();
    doc_->undoStack()->setClean();
    updateTitle();
    if (trainer_) trainer_->documentReset();
}

bool MainWindow::openFile(const QString& path) {
    LoadedGraph g;
    try {
        g = loadGraphFile(path);
    } catch (const std::exception& e) {
        report_(tr("Cannot open %1").arg(QFileInfo(path).fileName()), qs(e.what()));
        return false;
    }
    doc_->reset(g.spec, g.positions);
    weights_ = g.weights;
    trainer_->documentReset(path);
    if (g.needsLayout) {
        QString why;
        if (!scene_->applyLayout(layout_, false, &why))
            statusBar()->showMessage(tr("Auto-layout failed: %1").arg(why), 8000);
    }
    doc_->undoStack()->setClean();
    // Plain model files become projects when saved; keep their path only if it is one already.
    path_ = g.format == "Strata project" ? path : QString();
    addRecentFile(path);
    updateTitle();
    fitView();
    statusBar()->showMessage(tr("Opened %1 (%2)").arg(QFileInfo(path).fileName(), g.format), 5000);
    return true;
}

bool MainWindow::saveTo(const QString& path) {
    QString target = path;
    if (!target.endsWith(".keras", Qt::CaseInsensitive)) target += ".keras";
    QString warning;
    try {
        warning = saveProjectFile(doc_->spec(), doc_->positions(), target, weights_.get());
    } catch (const std::exception& e) {
        report_(tr("Cannot save %1").arg(QFileInfo(target).fileName()), qs(e.what()));
        return false;
    }
    if (!warning.isEmpty()) report_(tr("Saved as a draft"), warning);
    if (QString why; !trainer_->saveToProject(target, &why)) report_(tr("Training state not saved"), why);
    path_ = target;
    doc_->undoStack()->setClean();
    addRecentFile(target);
    updateTitle();
    statusBar()->showMessage(tr("Saved %1").arg(QFileInfo(target).fileName()), 4000);
    return true;
}

void MainWindow::open() {
    if (!maybeSave()) return;
    QString path = QFileDialog::getOpenFileName(this, tr("Open model or project"), QFileInfo(path_).absolutePath(),
                                                tr("Models (*.keras *.h5 *.hdf5 *.json);;All files (*)"));
    if (!path.isEmpty()) openFile(path);
}

bool MainWindow::save() { return path_.isEmpty() ? saveAs() : saveTo(path_); }

bool MainWindow::saveAs() {
    QString path = QFileDialog::getSaveFileName(this, tr("Save project"), path_.isEmpty() ? QStringLiteral("model.keras") : path_,
                                                tr("Strata project / Keras archive (*.keras)"));
    return !path.isEmpty() && saveTo(path);
}

void MainWindow::exportModel() {
    QString path = QFileDialog::getSaveFileName(this, tr("Export model"), QStringLiteral("model.h5"),
                                                tr("Keras (*.keras);;Keras legacy HDF5 (*.h5);;Model config (*.json);;Weights (*.weights.h5)"));
    if (path.isEmpty()) return;
    try {
        exportModelFile(doc_->spec(), path, weights_.get());
        statusBar()->showMessage(tr("Exported %1").arg(QFileInfo(path).fileName()), 4000);
    } catch (const std::exception& e) {
        report_(tr("Cannot export %1").arg(QFileInfo(path).fileName()), qs(e.what()));
    }
}

void MainWindow::exportDiagram() {
    QString path = QFileDialog::getSaveFileName(this, tr("Export diagram"), QStringLiteral("model.png"),
                                                tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf);;Graphviz (*.dot)"));
    if (path.isEmpty()) return;
    try {
        ModelPtr model = buildModel(doc_->spec());
        plotting::DiagramOptions o;
        o.showShapes = true;
        o.showLayerNames = true;
        plotting::plotModel(*model, path.toStdString(), o);
    } catch (const std::exception& e) {
        report_(tr("Cannot export %1").arg(QFileInfo(path).fileName()), qs(e.what()));
    }
}

void MainWindow::autoLayout(bool undoable) {
    QString why;
    if (!scene_->applyLayout(layout_, undoable, &why)) statusBar()->showMessage(tr("Auto-layout failed: %1").arg(why), 8000);
    fitView();
}

void MainWindow::fitView() { view_->fitAll(1.0); }

void MainWindow::addLayerAtCenter(const QString& className) {
    QPointF center = view_->mapToScene(view_->viewport()->rect().center());
    // Stagger repeated inserts so new nodes do not pile up exactly on top of each other.
    static int stagger = 0;
    center += QPointF(24, 24) * (stagger++ % 6);
    QString why;
    QString id = doc_->addLayer(className, center - QPointF(85, 35), &why);
    if (id.isEmpty()) statusBar()->showMessage(why, 6000);
    else scene_->selectNode(id);
}

void MainWindow::showNodeMenu(const QString& id, QPoint screenPos) {
    QMenu menu(this);
    menu.addAction(tr("Call Layer Again"), this, [this, id] {
        QString why;
        QString nid = doc_->callAgain(id, &why);
        if (nid.isEmpty()) statusBar()->showMessage(why, 6000);
    });
    if (doc_->callCount(id) > 1) menu.addAction(tr("Make Independent"), this, [this, id] { doc_->makeIndependent(id); });
    QAction* out = menu.addAction(tr("Model Output"), this, [this, id] { doc_->setOutput(id, !doc_->isOutput(id)); });
    out->setCheckable(true);
    out->setChecked(doc_->isOutput(id));
    menu.addSeparator();
    menu.addAction(tr("Delete"), this, [this] { scene_->deleteSelection(); });
    menu.exec(screenPos);
}

void MainWindow::updateTitle() {
    QString name = path_.isEmpty() ? tr("Untitled") : QFileInfo(path_).fileName();
    setWindowTitle(QStringLiteral("%1%2 — Strata Studio").arg(name, doc_->undoStack()->isClean() ? "" : " *"));
}

void MainWindow::updateStatus() {
    const auto& c = doc_->check();
    int layers = static_cast<int>(doc_->spec().nodes.size());
    statusCheck_->setText(c.ok() ? tr("%1 nodes · valid · checked in %2 ms").arg(layers).arg(doc_->lastCheckMs(), 0, 'f', 2)
                                 : tr("%1 nodes · %2 problem(s) · checked in %3 ms")
                                       .arg(layers)
                                       .arg(c.problems.size())
                                       .arg(doc_->lastCheckMs(), 0, 'f', 2));
}

void MainWindow::addRecentFile(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value("recentFiles").toStringList();
    QString abs = QFileInfo(path).absoluteFilePath();
    recent.removeAll(abs);
    recent.prepend(abs);
    while (recent.size() > 10) recent.removeLast();
    settings.setValue("recentFiles", recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    if (!recentMenu_) return;
    recentMenu_->clear();
    QSettings settings;
    for (const QString& p : settings.value("recentFiles").toStringList())
        recentMenu_->addAction(QFileInfo(p).fileName(), this, [this, p] {
            if (maybeSave()) openFile(p);
        })->setToolTip(p);
    recentMenu_->setEnabled(!recentMenu_->isEmpty());
}

bool MainWindow::maybeSave() {
    if (doc_->undoStack()->isClean()) return true;
    auto answer = QMessageBox::question(this, tr("Unsaved changes"), tr("Save the changes to %1?").arg(windowTitle()),
                                        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Save) return save();
    return answer == QMessageBox::Discard;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (maybeSave()) {
        autosave_->discard();  // closed on purpose: nothing to recover
        event->accept();
    } else {
        event->ignore();
    }
}

}  // namespace strata::studio
