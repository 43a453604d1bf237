#include "app/studio/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QStandardPaths>
#include <QTabWidget>
#include <QUndoGroup>
#include <QUndoStack>
#include <signal.h>

#include "app/studio/library_actions.h"
#include "app/studio/project_file.h"
#include "app/studio/studio_layout.h"
#include "app/studio/training/canvas_guard.h"
#include "app/studio/training/training_workbench.h"
#include "editor/document/autosave.h"
#include "editor/document/graph_document.h"
#include "editor/document/model_extraction.h"
#include "editor/scene/graph_view.h"
#include "editor/scene/node_item.h"
#include "editor/widgets/inspector_widget.h"
#include "editor/widgets/diagram_widget.h"
#include "editor/widgets/model_cost_widget.h"
#include "editor/widgets/model_tabs.h"
#include "engine/layers/layer_registry.h"
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
    layout_ = graphvizLayout();
    // The canvas area: the model, then a tab per nested model opened from it (double-click).
    tabs_ = new editor::ModelTabs(doc_, scene_, view_, this);
    tabs_->setFamilyStyle(diagramFamilyColors);
    tabs_->setLayoutFunction(layout_);
    setCentralWidget(tabs_);
    // One Undo/Redo for whichever canvas is in front.
    undoGroup_ = new QUndoGroup(this);
    undoGroup_->addStack(doc_->undoStack());
    undoGroup_->setActiveStack(doc_->undoStack());
    report_ = [this](const QString& title, const QString& text) { QMessageBox::warning(this, title, text); };

    buildDocks();
    library_ = new LibraryActions(
        doc_, tabs_, palette_, [this](bool* has) { return modelWithWeights(has); },
        [this](const QString& title, const QString& text) { report_(title, text); },
        [this](const QString& m) { statusBar()->showMessage(m, 8000); }, this);
    buildMenus();

    statusCheck_ = new QLabel(this);
    statusBar()->addPermanentWidget(statusCheck_);
    connect(scene_, &editor::GraphScene::statusMessage, this, [this](const QString& m) { statusBar()->showMessage(m, 6000); });
    connect(doc_, &editor::GraphDocument::validated, this, &MainWindow::updateStatus);
    connect(doc_->undoStack(), &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);
    connect(scene_, &editor::GraphScene::contextMenuRequested, this, &MainWindow::showNodeMenu);
    connect(tabs_, &editor::ModelTabs::statusMessage, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
    connect(tabs_, &editor::ModelTabs::sceneAdded, this, [this](editor::GraphScene* s) {
        connect(s, &editor::GraphScene::contextMenuRequested, this, &MainWindow::showNodeMenu);
        connect(s, &editor::GraphScene::currentNodeChanged, inspector_, [this, s](const QString& id) {
            if (tabs_->currentScene() == s) inspector_->setNode(id);
        });
        connect(s, &editor::GraphScene::statusMessage, this, [this](const QString& m) { statusBar()->showMessage(m, 6000); });
    });
    // The docks and Undo follow the canvas in front (a nested model's tab shows its own layers).
    connect(tabs_, &editor::ModelTabs::currentCanvasChanged, this,
            [this](editor::GraphDocument* d, editor::GraphScene* s, editor::GraphView*) {
                if (!undoGroup_->stacks().contains(d->undoStack())) undoGroup_->addStack(d->undoStack());
                undoGroup_->setActiveStack(d->undoStack());
                inspector_->setDocument(d);
                problems_->setDocument(d);
                summary_->setDocument(d);
                const QStringList sel = s->selectedNodeIds();
                inspector_->setNode(sel.size() == 1 ? sel[0] : QString());
            });
    // The trainer trains a model built from the document; while it runs the graph is read-only.
    trainer_ = new TrainingWorkbench([this] { return buildModel(doc_->spec()); }, this);
    trainer_->install(this);
    trainer_->setPresetWeights([this](Model& m) { return doc_->applyLibraryWeights(m); });
    // The trainer's docks share the right column: leave the inspector (and the diagram tabbed
    // with it) room for a layer's settings instead of a strip.
    if (auto* inspectorDock = findChild<QDockWidget*>("inspectorDock"))
        resizeDocks({inspectorDock}, {480}, Qt::Vertical);
    // ...and the summary's cost columns (shape, params, bytes, MACs) room beside the run charts.
    if (auto* summaryDock = findChild<QDockWidget*>("summaryDock")) resizeDocks({summaryDock}, {520}, Qt::Horizontal);
    // ...and the palette its names (it was squeezed to a 60 px strip by the resizes above).
    if (auto* paletteDock = findChild<QDockWidget*>("paletteDock")) resizeDocks({paletteDock}, {220}, Qt::Horizontal);
    // The canvas stays inspectable (select, pan, zoom, find) while edits are refused with a message.
    canvasGuard_ = new CanvasGuard(view_, [this](const QString& m) { statusBar()->showMessage(m, 8000); }, this);
    connect(trainer_, &TrainingWorkbench::trainingActiveChanged, this, [this](bool active) {
        palette_->setEnabled(!active);
        inspector_->setEnabled(!active);
        // Nested models' tabs are read-only (their edits change the model being trained); the root
        // canvas stays interactive for inspection and the guard refuses its edits.
        tabs_->setInteractive(!active);
        view_->setInteractive(true);
        canvasGuard_->setActive(active);
        for (QAction* a : editActions_) a->setEnabled(!active);
        if (!active) {  // the undo group drives these two
            undo_->setEnabled(undoGroup_->canUndo());
            redo_->setEnabled(undoGroup_->canRedo());
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
    // Each window of the process has its own recovery file ("New Model from Here" opens windows).
    static int windows = 0;
    window_ = windows++;
    autosave_ = new editor::Autosave(doc_, autosaveFile(window_), 30000, this);
    resize(1500, 950);
    newDocument();
}

QString MainWindow::autosaveFile(int window) {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave/";
    const qint64 pid = QCoreApplication::applicationPid();
    return window == 0 ? dir + QStringLiteral("autosave-%1.json").arg(pid)
                       : dir + QStringLiteral("autosave-%1-%2.json").arg(pid).arg(window);
}

QStringList MainWindow::orphanedAutosaves() {
    QDir dir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave");
    QStringList out;
    for (const QFileInfo& f : dir.entryInfoList({"autosave-*.json"}, QDir::Files, QDir::Time)) {
        // autosave-<pid>.json or autosave-<pid>-<window>.json. A file whose process still runs
        // (this one included) belongs to an open Studio window.
        bool ok = false;
        qint64 pid = f.baseName().mid(QStringLiteral("autosave-").size()).section('-', 0, 0).toLongLong(&ok);
        if (ok && pid == QCoreApplication::applicationPid()) continue;
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
    // The document is a child QObject: ~QWidget deletes it after this object has stopped being a
    // MainWindow, and its undo stack still announces cleanChanged on the way out. Cut the
    // document's links to this window first (UBSan caught updateTitle running on the
    // half-destroyed window in the GUI suites).
    disconnect(doc_->undoStack(), nullptr, this, nullptr);
    disconnect(doc_, nullptr, this, nullptr);
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
    // Summary: the per-layer costs (params, weight bytes, MACs, every call's shape) and Keras's table.
    costs_ = new editor::ModelCostWidget(this);
    connect(summary_, &editor::SummaryWidget::modelRebuilt, costs_, &editor::ModelCostWidget::setModel);
    auto* summaryTabs = new QTabWidget(this);
    summaryTabs->setDocumentMode(true);
    summaryTabs->addTab(costs_, tr("Layers && cost"));
    summaryTabs->addTab(summary_, tr("Keras summary"));
    auto* summaryDock = dock(tr("Summary"), "summaryDock", summaryTabs, Qt::BottomDockWidgetArea);
    // Diagram: plot_model of the model in front, beside the inspector (diagrams are tall).
    diagram_ = new editor::DiagramWidget(this);
    diagram_->setRenderer(graphvizDiagramRenderer());
    connect(summary_, &editor::SummaryWidget::modelRebuilt, diagram_, &editor::DiagramWidget::setModel);
    auto* diagramDock = dock(tr("Diagram"), "diagramDock", diagram_, Qt::RightDockWidgetArea);
    tabifyDockWidget(inspectorDock, diagramDock);
    inspectorDock->raise();
    tabifyDockWidget(problemsDock, summaryDock);
    problemsDock->raise();
    resizeDocks({paletteDock, inspectorDock}, {230, 320}, Qt::Horizontal);
    resizeDocks({problemsDock}, {210}, Qt::Vertical);

    // Any canvas's selection drives the inspector while that canvas is in front.
    connect(scene_, &editor::GraphScene::currentNodeChanged, inspector_, [this](const QString& id) {
        if (tabs_->currentScene() == scene_) inspector_->setNode(id);
    });
    connect(problems_, &editor::ProblemsWidget::nodeActivated, this, [this](const QString& id) {
        tabs_->currentScene()->selectNode(id);
        if (auto* item = tabs_->currentScene()->nodeItem(id)) tabs_->currentView()->centerOn(item);
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
    library_->addMenuActions(file, nullptr);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = undoGroup_->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = undoGroup_->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);
    undo_ = undo;
    redo_ = redo;
    edit->addSeparator();
    // Everything in this menu edits the graph, except Select All and the canvas's Copy and Find.
    const int before = int(edit->actions().size());
    QAction* del = edit->addAction(tr("&Delete"), this, [this] { tabs_->currentScene()->deleteSelection(); });
    del->setShortcuts({QKeySequence::Delete, QKeySequence(Qt::Key_Backspace)});
    del->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    view_->addAction(del);  // Delete in a text field of a dock edits the text, not the graph
    edit->addAction(tr("Select &All"), QKeySequence::SelectAll, this, [this] {
        for (QGraphicsItem* i : tabs_->currentScene()->items()) i->setSelected(true);
    });
    edit->addSeparator();
    edit->addAction(tr("&Call Layer Again"), QKeySequence(Qt::CTRL | Qt::Key_D), this, [this] {
        QStringList ids = tabs_->currentScene()->selectedNodeIds();
        if (ids.size() != 1) return;
        QString why;
        QString id = tabs_->currentDocument()->callAgain(ids[0], &why);
        if (id.isEmpty()) statusBar()->showMessage(why, 6000);
        else tabs_->currentScene()->selectNode(id);
    });
    edit->addAction(tr("Make &Independent"), this, [this] {
        QStringList ids = tabs_->currentScene()->selectedNodeIds();
        QString why;
        if (ids.size() == 1 && !tabs_->currentDocument()->makeIndependent(ids[0], &why)) statusBar()->showMessage(why, 6000);
    });
    edit->addAction(tr("Toggle Model &Output"), QKeySequence(Qt::CTRL | Qt::Key_M), this, [this] {
        auto* d = tabs_->currentDocument();
        for (const QString& id : tabs_->currentScene()->selectedNodeIds()) d->setOutput(id, !d->isOutput(id));
    });
    library_->addMenuActions(nullptr, edit);
    edit->addSeparator();
    // The canvas's own actions (copy, paste, duplicate, find, group, expand): their shortcuts work
    // while a canvas has focus, so text fields keep their Ctrl+C/Ctrl+V. The menu lists them for the
    // canvas in front (the model or a nested model's tab): each entry triggers the action of that
    // name on the current view. Its shortcut is only shown (a menu-local context), so it never
    // competes with the canvases' own.
    for (QAction* a : view_->actions()) {
        if (a == del) continue;
        auto* proxy = edit->addAction(a->text(), this, [this, text = a->text()] {
            for (QAction* own : tabs_->currentView()->actions())
                if (own->text() == text) own->trigger();
        });
        proxy->setShortcut(a->shortcut());
        proxy->setShortcutContext(Qt::WidgetShortcut);
    }
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
        const ModelPtr weights = weightsForSaving();
        warning = saveProjectFile(doc_->spec(), doc_->positions(), target, weights.get());
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
        exportModelFile(doc_->spec(), path, weightsForSaving().get());
        statusBar()->showMessage(tr("Exported %1").arg(QFileInfo(path).fileName()), 4000);
    } catch (const std::exception& e) {
        report_(tr("Cannot export %1").arg(QFileInfo(path).fileName()), qs(e.what()));
    }
}

ModelPtr MainWindow::modelWithWeights(bool* hasWeights) const {
    ModelPtr model = buildModel(doc_->spec());
    int set = doc_->applyLibraryWeights(*model);
    // The opened file's or trained weights come last: training started from the library's.
    if (weights_) set += carryOverWeights(*weights_, *model);
    if (hasWeights) *hasWeights = set > 0;
    return model;
}

ModelPtr MainWindow::weightsForSaving() const {
    try {
        return modelWithWeights();
    } catch (const std::exception&) {
        return weights_;  // a draft: saved without a model, the file's weights kept for later
    }
}

void MainWindow::exportDiagram() {
    QString path = QFileDialog::getSaveFileName(this, tr("Export diagram"), QStringLiteral("model.png"),
                                                tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf);;Graphviz (*.dot)"));
    if (path.isEmpty()) return;
    // The Diagram dock's options (shapes, names, rankdir, ...) are what gets exported.
    summary_->refreshNow();
    QString why;
    if (diagram_->exportTo(path, &why)) statusBar()->showMessage(tr("Exported %1").arg(QFileInfo(path).fileName()), 4000);
    else report_(tr("Cannot export %1").arg(QFileInfo(path).fileName()), why);
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
    // The menu acts on the canvas in front: the model or a nested model's tab.
    editor::GraphDocument* d = tabs_->currentDocument();
    editor::GraphScene* s = tabs_->currentScene();
    const GraphNode* n = d->node(id);
    if (!n) return;
    QMenu menu(this);
    if (const LayerSpec* ls = LayerRegistry::instance().find(n->className); ls && ls->category == LayerCategory::ModelsBlocks)
        menu.addAction(tr("Open Nested Model"), this, [this, d, id] {
            QString why;
            if (!tabs_->openSubModel(d, id, &why)) report_(tr("Cannot open the nested model"), why);
        });
    menu.addAction(tr("Call Layer Again"), this, [this, d, id] {
        QString why;
        QString nid = d->callAgain(id, &why);
        if (nid.isEmpty()) statusBar()->showMessage(why, 6000);
    });
    if (d->callCount(id) > 1) menu.addAction(tr("Make Independent"), this, [d, id] { d->makeIndependent(id); });
    if (!d->replacementClasses(id).isEmpty())
        menu.addAction(tr("Replace Layer…"), this, [this, d, id] { replaceLayerInteractively(id, d); });
    // A node with several output tensors (a nested model) offers each: a cut and an output are
    // tensors, not layers.
    const int outputs = d->outputCount(id);
    const NodeCheck* check = d->check().node(n->id);
    auto outputLabel = [check](int k) {
        const bool known = check && check->state == NodeState::Ok && k < static_cast<int>(check->outputShapes.size());
        return tr("Output %1: %2").arg(k).arg(known ? qs(check->outputShapes[k].toString()) : QStringLiteral("?"));
    };
    if (outputs > 1) {
        QMenu* cut = menu.addMenu(tr("New Model from Here"));
        QMenu* mark = menu.addMenu(tr("Model Output (add output here)"));
        for (int k = 0; k < outputs; ++k) {
            cut->addAction(outputLabel(k), this, [this, d, id, k] { newModelFromHere(id, k, d); });
            QAction* out = mark->addAction(outputLabel(k), this, [d, id, k] { d->setOutput(id, k, !d->isOutput(id, k)); });
            out->setCheckable(true);
            out->setChecked(d->isOutput(id, k));
        }
    } else {
        menu.addAction(tr("New Model from Here"), this, [this, d, id] { newModelFromHere(id, 0, d); });
        QAction* out = menu.addAction(tr("Model Output (add output here)"), this, [d, id] { d->setOutput(id, !d->isOutput(id)); });
        out->setCheckable(true);
        out->setChecked(d->isOutput(id));
    }
    menu.addSeparator();
    menu.addAction(tr("Delete"), this, [s] { s->deleteSelection(); });
    menu.exec(screenPos);
}

void MainWindow::replaceLayerInteractively(const QString& id, editor::GraphDocument* d) {
    if (!d) d = doc_;
    const auto* n = d->node(id);
    if (!n) return;
    const QStringList classes = d->replacementClasses(id);
    bool ok = false;
    QString cls = QInputDialog::getItem(this, tr("Replace Layer"),
                                        tr("Replace %1 (%2) with:").arg(qs(n->layerName), qs(n->className)), classes, 0,
                                        /*editable=*/true, &ok);
    if (!ok || cls.isEmpty()) return;
    QString why;
    if (!d->replaceLayer(id, cls.trimmed(), &why)) report_(tr("Cannot replace %1").arg(qs(n->layerName)), why);
}

MainWindow* MainWindow::newModelFromHere(const QString& id, int output, editor::GraphDocument* d) {
    QString why;
    auto part = editor::modelFromTensor(d ? *d : *doc_, id, output, &why);
    if (!part) {
        report_(tr("Cannot make a model from here"), why);
        return nullptr;
    }
    // A new window, like File > New in document apps: the original stays open and unchanged.
    auto* w = new MainWindow;
    w->setAttribute(Qt::WA_DeleteOnClose);
    w->doc_->reset(part->spec, part->positions);
    w->weights_ = weightsForSaving();  // same layer names: trained and library weights carry over into its saves
    w->doc_->undoStack()->resetClean();  // not saved anywhere yet
    w->updateTitle();
    w->show();
    w->fitView();
    if (!part->extraInputs.isEmpty())
        w->statusBar()->showMessage(tr("Inputs were also made for %1 (a branch joins from outside)")
                                        .arg(part->extraInputs.join(", ")),
                                    10000);
    return w;
}

void MainWindow::updateTitle() {
    QString name = path_.isEmpty() ? tr("Untitled") : QFileInfo(path_).fileName();
    setWindowTitle(QStringLiteral("%1%2 — Strata Studio").arg(name, doc_->undoStack()->isClean() ? "" : " *"));
    // The main tab: the project's name, else the model's (an imported file keeps its model name).
    const std::string& model = doc_->spec().name;
    tabs_->setRootTitle(!path_.isEmpty() ? QFileInfo(path_).completeBaseName()
                                         : model.empty() ? tr("Untitled") : qs(model));
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
