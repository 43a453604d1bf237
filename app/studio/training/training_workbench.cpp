#include "app/studio/training/training_workbench.h"

#include <QAction>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <cmath>

#include "app/studio/project_file.h"
#include "app/studio/training/data_dock.h"
#include "app/studio/training/evaluation_view.h"
#include "app/studio/training/training_dock.h"
#include "app/studio/training/training_panel.h"
#include "app/studio/training/training_project.h"
#include "engine/core/errors.h"
#include "engine/core/thread_rng.h"
#include "engine/graph/model_config.h"
#include "engine/io/model_io.h"
#include "plotting/histogram_widget.h"
#include "plotting/layer_norms_table.h"
#include "plotting/training_charts_widget.h"

namespace strata::studio {

TrainingWorkbench::TrainingWorkbench(ModelSource source, QObject* parent)
    : QObject(parent),
      source_(std::move(source)),
      session_(new TrainingSession(this)),
      trainingDock_(new TrainingDock),
      dataDock_(new DataDock),
      panel_(new TrainingPanel(session_)),
      evaluation_(new EvaluationView),
      runs_(new TrainingRunsModel(this)),
      health_(new QSplitter(Qt::Horizontal)),
      norms_(new plotting::LayerNormsTable),
      histograms_(new plotting::HistogramWidget),
      gradHistograms_(new plotting::HistogramWidget),
      layerSummary_(new QLabel) {
    // Layer Health: the norms table beside the selected layer's summary line and its weight and
    // gradient histograms over the epochs.
    auto* split = static_cast<QSplitter*>(health_);
    split->addWidget(norms_);
    auto* layerBox = new QWidget;
    auto* lv = new QVBoxLayout(layerBox);
    lv->setContentsMargins(0, 0, 0, 0);
    layerSummary_->setWordWrap(true);
    layerSummary_->setTextFormat(Qt::RichText);
    layerSummary_->setText(tr("Click a layer on the canvas to see its histograms and norms here."));
    lv->addWidget(layerSummary_);
    auto* hists = new QSplitter(Qt::Horizontal);
    hists->addWidget(histograms_);
    hists->addWidget(gradHistograms_);
    lv->addWidget(hists, 1);
    // Side by side they must not widen the window: let them shrink below their combo rows.
    for (QWidget* w : {static_cast<QWidget*>(histograms_), static_cast<QWidget*>(gradHistograms_)}) w->setMinimumWidth(200);
    histograms_->setKind(plotting::HistogramKind::Weights);
    gradHistograms_->setKind(plotting::HistogramKind::Gradients);
    split->addWidget(layerBox);
    // The norms table needs its columns; the histograms share the rest.
    split->setSizes({560, 840});
    // Each run's feed also drives the layer health table and the histograms.
    connect(session_, &TrainingSession::runStarting, this, [this](plotting::TrainingFeed* feed, const QString&) {
        if (!probe_.empty()) feed->setActivationProbe(probe_);
        norms_->connectFeed(feed);
        histograms_->clear();
        histograms_->connectFeed(feed);
        gradHistograms_->clear();
        gradHistograms_->connectFeed(feed);
        // A new run's tints replace the last run's when its first epoch ends; until then the
        // canvas shows none rather than another run's.
        setTints({});
        connect(feed, &plotting::TrainingFeed::diagnosticsReady, this, &TrainingWorkbench::onDiagnostics);
    });
    // The Runs list's check boxes choose which runs the charts overlay (chart run i is row i:
    // both get one entry per training run, in order).
    connect(runs_, &TrainingRunsModel::runShownChanged, this,
            [this](int row, bool shown) { panel_->charts()->setRunVisible(row, shown); });
    panel_->setJobProvider([this](QString* error) { return makeJob(error); });
    panel_->setContinueProvider([this](QString* error) { return makeContinueJob(error); });
    connect(session_, &TrainingSession::finished, this, &TrainingWorkbench::onFinished);
    connect(session_, &TrainingSession::stateChanged, this, [this](TrainingSession::State s) {
        const bool active = s != TrainingSession::State::Idle;
        // Each dock's re-enable (a restyle and repaint of many fields) is an event of its own, so
        // the loop answers in between.
        QTimer::singleShot(0, trainingDock_, [this] { trainingDock_->setEditable(!session_->isActive()); });
        QTimer::singleShot(0, dataDock_, [this] { dataDock_->setEditable(!session_->isActive()); });
        emit trainingActiveChanged(active);
    });
}

TrainingWorkbench::~TrainingWorkbench() {
    // Widgets not installed in a window are ours to delete. Installed ones belong to the window,
    // which may already have deleted them when it deletes this object (both are its children):
    // installed_ says so without touching them (ASan caught w->parent() on a freed dock).
    if (installed_) return;
    for (QWidget* w : std::initializer_list<QWidget*>{trainingDock_, dataDock_, panel_, evaluation_, health_})
        if (!w->parent()) delete w;
}

void TrainingWorkbench::install(QMainWindow* window) {
    installed_ = true;
    const auto dock = [&](QWidget* w, const QString& title, const char* name, Qt::DockWidgetArea area) {
        auto* d = new QDockWidget(title, window);
        d->setObjectName(QString::fromLatin1(name));
        d->setWidget(w);
        window->addDockWidget(area, d);
        return d;
    };
    QDockWidget* train = dock(trainingDock_, tr("Training"), "TrainingDock", Qt::RightDockWidgetArea);
    // The Data dock scrolls (as the Training dock does), so its height never squeezes the charts.
    auto* dataScroll = new QScrollArea;
    dataScroll->setWidgetResizable(true);
    dataScroll->setFrameShape(QFrame::NoFrame);
    dataScroll->setWidget(dataDock_);
    QDockWidget* data = dock(dataScroll, tr("Data"), "DataDock", Qt::RightDockWidgetArea);
    window->tabifyDockWidget(train, data);
    train->raise();
    panelDock_ = dock(panel_, tr("Training Run"), "TrainingRunDock", Qt::BottomDockWidgetArea);
    QDockWidget* eval = dock(evaluation_, tr("Evaluation"), "EvaluationDock", Qt::BottomDockWidgetArea);
    auto* runsBox = new QWidget;
    auto* rl = new QVBoxLayout(runsBox);
    runsView_ = new QTableView;
    runsView_->setModel(runs_);
    runsView_->horizontalHeader()->setStretchLastSection(true);
    runsView_->verticalHeader()->hide();
    runsView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    rl->addWidget(runsView_);
    auto* exportRuns = new QPushButton(tr("Export all histories (CSV)…"));
    rl->addWidget(exportRuns);
    QDockWidget* runsDock = dock(runsBox, tr("Runs"), "RunsDock", Qt::BottomDockWidgetArea);
    QDockWidget* healthDock = dock(health_, tr("Layer Health"), "LayerHealthDock", Qt::BottomDockWidgetArea);
    healthDock_ = healthDock;
    window->tabifyDockWidget(panelDock_, eval);
    window->tabifyDockWidget(eval, healthDock);
    window->tabifyDockWidget(healthDock, runsDock);
    panelDock_->raise();
    // The charts need height to be read; the canvas keeps the rest.
    window->resizeDocks({panelDock_}, {380}, Qt::Vertical);
    connect(exportRuns, &QPushButton::clicked, this, [this, window] { chooseAndExport(window, true); });

    menu_ = window->menuBar()->addMenu(tr("&Training"));
    QAction* start = menu_->addAction(tr("&Start Training"), QKeySequence(Qt::CTRL | Qt::Key_T), this,
                                      [this] { startTraining(); });
    QAction* cont = menu_->addAction(tr("&Continue Training"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T), this,
                                     [this] { continueTraining(); });
    QAction* pause = menu_->addAction(tr("&Pause / Resume"), this, [this] {
        if (session_->state() == TrainingSession::State::Paused) session_->resume();
        else session_->pause();
    });
    QAction* stop = menu_->addAction(tr("S&top"), QKeySequence(Qt::CTRL | Qt::Key_Period), session_, &TrainingSession::stop);
    menu_->addSeparator();
    menu_->addAction(tr("&Load Data"), this, [this] { dataDock_->loadData(); });
    QAction* evaluate = menu_->addAction(tr("&Evaluate on Test Data"), this, [this] { evaluateModel(); });
    menu_->addSeparator();
    QAction* exportW = menu_->addAction(tr("Export Trained &Model / Weights…"), this, [this, window] { chooseAndExport(window, false); });
    menu_->addAction(tr("Export Training &Histories (CSV)…"), this, [this, window] { chooseAndExport(window, true); });
    menu_->addSeparator();
    tintAction_ = menu_->addAction(tr("Tint Canvas by &Gradient Norm"), this, [this](bool on) { setTintEnabled(on); });
    tintAction_->setCheckable(true);
    tintAction_->setChecked(tintsShown_);
    tintAction_->setToolTip(gradientTintLegend());
    menu_->addSeparator();
    for (QDockWidget* d : {train, data, panelDock_, eval, healthDock, runsDock}) menu_->addAction(d->toggleViewAction());
    const auto update = [=, this] {
        const auto s = session_->state();
        start->setEnabled(s == TrainingSession::State::Idle);
        cont->setEnabled(s == TrainingSession::State::Idle && panel_->continueButton()->isEnabled());
        pause->setEnabled(s == TrainingSession::State::Running || s == TrainingSession::State::Paused);
        stop->setEnabled(pause->isEnabled());
        evaluate->setEnabled(s == TrainingSession::State::Idle);
        exportW->setEnabled(hasTrainedWeights());
    };
    connect(session_, &TrainingSession::stateChanged, this, update);
    connect(this, &TrainingWorkbench::runFinished, this, update);
    update();
}

void TrainingWorkbench::chooseAndExport(QMainWindow* window, bool histories) {
    QString error;
    if (histories) {
        const QString path = QFileDialog::getSaveFileName(window, tr("Export training histories"), QStringLiteral("histories.csv"),
                                                          tr("CSV files (*.csv)"));
        if (!path.isEmpty() && !exportHistories(path, &error)) QMessageBox::warning(window, tr("Export failed"), error);
        return;
    }
    const QString path = QFileDialog::getSaveFileName(
        window, tr("Export the trained model"), QStringLiteral("model.weights.h5"),
        tr("Weights (*.weights.h5);;Keras model (*.keras);;Legacy HDF5 model (*.h5);;Model config (*.json)"));
    if (!path.isEmpty() && !exportTrained(path, &error)) QMessageBox::warning(window, tr("Export failed"), error);
}

bool TrainingWorkbench::startTraining() {
    evaluating_ = false;
    return panel_->startTraining();
}

bool TrainingWorkbench::continueTraining() {
    evaluating_ = false;
    return panel_->continueTraining();
}

std::optional<TrainingJob> TrainingWorkbench::makeContinueJob(QString* error) {
    const auto fail = [&](const QString& msg) -> std::optional<TrainingJob> {
        if (error) *error = msg;
        return std::nullopt;
    };
    if (trained_.empty()) return fail(tr("There is no run to continue: Start one first."));
    std::optional<TrainingJob> job = makeJob(error);
    if (!job) return std::nullopt;
    if (job->model.configJson != trained_.configJson)
        return fail(tr("The graph changed since the last run, so it cannot be continued: Start a new run (it keeps "
                       "the weights of the layers that did not change)."));
    if (job->settings.epochs <= nextEpoch_)
        return fail(tr("The model has been trained for %1 epochs: set Epochs above %1 in the Training dock to continue.")
                        .arg(nextEpoch_));
    job->initialEpoch = nextEpoch_;
    job->rngState = rngState_;
    return job;
}

void TrainingWorkbench::restoreResumeState(const Json& resume, const QString& projectFile) {
    // The project's trained weights were adopted: their optimizer state, epoch and random state
    // let Continue go on as if the project had never been closed. Anything unreadable: a fresh
    // optimizer from epoch 0 (the weights stay).
    try {
        std::vector<Tensor> optimizer = loadOptimizerStateFromProject(projectFile);
        const int next = resume.at("next_epoch").get<int>();
        std::string rng = resume.at("rng_state").get<std::string>();
        if (optimizer.empty() || next < 0) return;
        trained_.optimizerState = std::move(optimizer);
        trained_.optimizerKey = resume.at("optimizer_key").get<std::string>();
        trained_.optimizerIterations = resume.at("optimizer_iterations").get<int64_t>();
        nextEpoch_ = next;
        rngState_ = std::move(rng);
        updateContinue();
    } catch (const std::exception&) {
    }
}

void TrainingWorkbench::updateContinue() { panel_->setContinueAvailable(!trained_.empty() && nextEpoch_ > 0); }

bool TrainingWorkbench::evaluateModel() {
    if (session_->isActive()) return false;
    QString error;
    std::optional<TrainingJob> job = makeJob(&error);
    if (job && job->data.testCount == 0) {
        error = tr("The data source has no test data to evaluate on (set a test hold-out in the Data dock).");
        job.reset();
    }
    if (!job) {
        panel_->messageLabel()->setText(error);
        panel_->messageLabel()->show();
        return false;
    }
    job->train = false;
    evaluating_ = true;
    return session_->start(std::move(*job), tr("evaluation"));
}

void TrainingWorkbench::refreshModelNames() {
    try {
        ModelPtr m = source_ ? source_() : nullptr;
        if (!m) return;
        trainingDock_->setOutputNames(m->outputNames().size() > 1 ? m->outputNames() : std::vector<std::string>{});
        dataDock_->setModelNames(m->inputNames(), m->outputNames());
    } catch (const std::exception&) {
        // A graph that is not a model yet: the names stay as they were; Start reports why.
    }
}

std::optional<TrainingJob> TrainingWorkbench::makeJob(QString* error) {
    const auto fail = [&](const QString& msg) -> std::optional<TrainingJob> {
        if (error) *error = msg;
        return std::nullopt;
    };
    ModelPtr model;
    try {
        model = source_ ? source_() : nullptr;
    } catch (const std::exception& e) {
        return fail(tr("The graph is not a model that can be trained yet: %1").arg(QString::fromUtf8(e.what())));
    }
    if (!model) return fail(tr("Nothing to train: open or draw a model first."));
    refreshModelNames();
    const TrainingSettings settings = trainingDock_->settings();
    const auto problems = settings.problems(model->outputNames().size() > 1 ? model->outputNames() : std::vector<std::string>{});
    if (!problems.empty()) return fail(tr("Check the Training settings: %1").arg(QString::fromStdString(problems.front())));
    if (!dataDock_->hasData() && !dataDock_->loadData()) return fail(dataDock_->statusLabel()->text());
    auto data = dataDock_->prepareFor(*model, settings, error);
    if (!data) return std::nullopt;

    TrainingJob job;
    job.settings = settings;
    job.data = std::move(*data);
    ModelSnapshot current = ModelSnapshot::of(*model);
    // Continue from the trained weights: all of them while the architecture is the one they were
    // trained for, else those of the layers that are still the same (by name, class and shapes).
    if (!trained_.empty() && trained_.configJson == current.configJson) {
        job.model = trained_;
    } else if (!trained_.empty()) {
        try {
            if (preset_) preset_(*model);  // layers added since training start from the library's
            carryOverWeights(*trained_.build(), *model);
            job.model = ModelSnapshot::of(*model);
        } catch (const std::exception&) {
            job.model = current;
        }
    } else {
        // Fresh weights are drawn in the training thread from the run's seeded generator (as
        // keras.utils.set_random_seed before building), so the Seed setting makes a run
        // reproducible whatever the GUI thread drew before.
        job.model = ModelSnapshot::ofConfig(current.configJson);
        // Layers from the model library start from the file's weights, the others from those the
        // run would draw: the same build from the same seed here (the worker builds again before
        // setting the snapshot's weights, so its random sequence goes on exactly as without).
        if (preset_) {
            try {
                Rng rng(settings.seed);
                ThreadRngScope scope(rng);
                ModelPtr fresh = job.model.build();
                if (preset_(*fresh) > 0) job.model = ModelSnapshot::of(*fresh);
            } catch (const std::exception&) {
                // The worker reports a model it cannot build; start as without library weights.
            }
        }
    }
    // A few training samples per input for the activation histograms and the dead-unit check.
    probe_.clear();
    for (const auto& name : model->inputNames()) {
        const Tensor& x = job.data.x.at(name);
        probe_.push_back(x.slice0(0, std::min<int64_t>(64, x.dim(0))));
    }
    runSettings_ = settings;
    runData_ = dataDock_->dataset() ? dataDock_->dataset()->name : std::string();
    if (job.data.valCount > 0) runData_ += " · validation: " + dataDock_->validationSpec().describe();
    return job;
}

void TrainingWorkbench::onFinished(const TrainingOutcome& o) {
    if (evaluating_) {
        evaluating_ = false;
    } else {
        if (o.hasWeights) {
            trained_ = o.model;
            nextEpoch_ = o.nextEpoch;
            rngState_ = o.rngState;
            updateContinue();
        }
        runs_->addRun(makeRunRecord(session_->runName(), runSettings_, runData_, o));
    }
    // The evaluation view (images, confusion matrix) fills in a later event of its own.
    if (o.evaluation.valid() && dataDock_->dataset()) evaluation_->setResult(o.evaluation, *dataDock_->dataset());
    emit runFinished(o);
}

void TrainingWorkbench::onDiagnostics(const plotting::EpochDiagnostics& d) {
    setTints(studio::gradientTints(d));
    // The histograms got this epoch too (connected before us); keep them on the clicked layer.
    if (!wantedLayer_.isEmpty()) applyShownLayer(false);
}

void TrainingWorkbench::setTints(std::vector<LayerTint> tints) {
    tints_ = std::move(tints);
    panel_->tintLegend()->setVisible(tintsShown_ && !tints_.empty());
    emit gradientTintsChanged(gradientTints());
}

void TrainingWorkbench::setTintEnabled(bool on) {
    if (on == tintsShown_) return;
    tintsShown_ = on;
    if (tintAction_) tintAction_->setChecked(on);
    setTints(std::move(tints_));
}

void TrainingWorkbench::documentReset(const QString& openedFile) {
    // A run of the previous document ends first (after its current batch): its results belong to
    // the old project. (Building the new document's model meanwhile would be safe: the training
    // thread draws from a generator of its own.)
    if (session_->isActive()) {
        session_->stop();
        session_->waitForFinished();
    }
    // A new document is a new project: its runs, results, weights and tints start empty.
    trained_ = {};
    wantedLayer_.clear();
    shownLayer_.clear();
    nextEpoch_ = 0;
    rngState_.clear();
    updateContinue();
    setTints({});
    runs_->clear();
    panel_->charts()->clearRuns();
    evaluation_->clear();
    refreshModelNames();
    if (openedFile.isEmpty()) return;
    std::optional<Json> stored;
    try {
        stored = loadTrainingFromProject(openedFile);
        if (stored) loadProjectState(*stored);
    } catch (const std::exception& e) {
        panel_->messageLabel()->setText(tr("The project's training settings could not be read: %1").arg(QString::fromUtf8(e.what())));
        panel_->messageLabel()->show();
    }
    const QString suffix = QFileInfo(openedFile).suffix().toLower();
    if (suffix != "keras" && suffix != "h5" && suffix != "hdf5") return;  // JSON configs carry no weights
    try {
        ModelPtr fromFile = loadModel(openedFile.toStdString());
        ModelPtr doc = source_ ? source_() : nullptr;
        if (doc && modelToJsonString(*doc, -1) == modelToJsonString(*fromFile, -1)) {
            adoptWeights(ModelSnapshot::of(*fromFile));
            if (stored && stored->contains("resume")) restoreResumeState((*stored)["resume"], openedFile);
        }
    } catch (const std::exception&) {
        // A draft project or a file without weights: train from fresh weights.
    }
}

void TrainingWorkbench::showLayer(const QString& layerName) {
    wantedLayer_ = layerName;
    applyShownLayer(true);
}

void TrainingWorkbench::applyShownLayer(bool raise) {
    // The diagnostics name layers inside nested models "model/layer": a nested model's node
    // shows its first inner layer.
    const QStringList layers = histograms_->layers();
    QString name;
    if (layers.contains(wantedLayer_)) name = wantedLayer_;
    else
        for (const QString& l : layers)
            if (!wantedLayer_.isEmpty() && l.startsWith(wantedLayer_ + '/')) {
                name = l;
                break;
            }
    shownLayer_ = name;
    if (name.isEmpty()) {
        layerSummary_->setText(wantedLayer_.isEmpty() || layers.isEmpty()
                                   ? tr("Click a layer on the canvas to see its histograms and norms here.")
                                   : tr("<b>%1</b> has no trainable weights (no histograms or norms).").arg(wantedLayer_.toHtmlEscaped()));
        return;
    }
    histograms_->setLayer(name);
    gradHistograms_->setLayer(name);
    // Its row in the norms table, and its norms in one line.
    const auto* model = norms_->normsModel();
    for (int r = 0; r < model->rowCount(); ++r)
        if (model->data(model->index(r, plotting::LayerNormsModel::Layer)).toString() == name) {
            norms_->selectRow(r);
            norms_->scrollTo(model->index(r, 0));
        }
    if (const auto* d = model->diagnostics().find(name.toStdString())) {
        const auto num = [](double v) { return std::isfinite(v) ? QString::number(v, 'g', 3) : QStringLiteral("–"); };
        QStringList flags;
        if (d->exploding()) flags << tr("exploding gradients");
        if (d->vanishing()) flags << tr("vanishing gradients");
        if (d->deadRelu()) flags << tr("dead ReLUs");
        layerSummary_->setText(tr("<b>%1</b> (%2) after epoch %3 · weight norm %4 · gradient norm %5 · update/weight %6 · %7")
                                   .arg(name.toHtmlEscaped(), QString::fromStdString(d->className))
                                   .arg(model->diagnostics().epoch + 1)
                                   .arg(num(d->weightNorm), num(d->gradNorm), num(d->updateRatio))
                                   .arg(flags.isEmpty() ? tr("healthy") : QStringLiteral("<span style='color:#C62828'>%1</span>").arg(flags.join(", "))));
    }
    if (raise && healthDock_) healthDock_->raise();
}

void TrainingWorkbench::adoptWeights(const ModelSnapshot& model) {
    // A file's weights: further runs start from them at epoch 0 with a fresh random sequence.
    trained_ = model;
    nextEpoch_ = 0;
    rngState_.clear();
    updateContinue();
}

bool TrainingWorkbench::exportTrained(const QString& path, QString* error) {
    try {
        if (trained_.empty()) throw ValueError("there are no trained weights yet: train the model first");
        ModelPtr m = trained_.build();
        saveModel(*m, path.toStdString());
        return true;
    } catch (const std::exception& e) {
        if (error) *error = tr("Could not export to %1: %2").arg(path, QString::fromUtf8(e.what()));
        return false;
    }
}

bool TrainingWorkbench::exportHistories(const QString& path, QString* error) {
    try {
        runs_->exportHistoriesCsv(path);
        return true;
    } catch (const std::exception& e) {
        if (error) *error = tr("Could not write %1: %2").arg(path, QString::fromUtf8(e.what()));
        return false;
    }
}

bool TrainingWorkbench::saveToProject(const QString& path, QString* error) {
    try {
        saveTrainingToProject(path, projectState(), hasTrainedWeights() ? &trained_ : nullptr);
        return true;
    } catch (const std::exception& e) {
        if (error) *error = tr("The training state was not saved in %1: %2").arg(path, QString::fromUtf8(e.what()));
        return false;
    }
}

Json TrainingWorkbench::projectState() const {
    Json state{{"settings", trainingDock_->settings().toJson()},
               {"data", dataDock_->spec().toJson()},
               {"validation", dataDock_->validationSpec().toJson()},
               {"runs", runs_->toJson()}};
    // What Continue needs after reopening (saved with the trained weights and their optimizer).
    if (hasTrainedWeights())
        state["resume"] = Json{{"next_epoch", nextEpoch_},
                               {"rng_state", rngState_},
                               {"optimizer_key", trained_.optimizerKey},
                               {"optimizer_iterations", trained_.optimizerIterations}};
    return state;
}

void TrainingWorkbench::loadProjectState(const Json& state) {
    if (!state.is_object()) throw ConfigError("training state: expected an object");
    if (state.contains("settings")) trainingDock_->setSettings(TrainingSettings::fromJson(state["settings"]));
    if (state.contains("data")) dataDock_->setSpec(DataSourceSpec::fromJson(state["data"]));
    // Projects saved before separate validation data existed validate on the split.
    dataDock_->setValidationSpec(state.contains("validation") ? ValidationSpec::fromJson(state["validation"]) : ValidationSpec{});
    if (state.contains("runs")) {
        runs_->loadJson(state["runs"]);
        // Re-plot the kept histories (the ticked ones visible), replacing what the charts held.
        panel_->charts()->clearRuns();
        for (const auto& r : runs_->runs()) {
            History h;
            Logs dummy;
            h.onTrainBegin(dummy);
            for (size_t e = 0; e < r.history.epochs.size(); ++e) {
                Logs l;
                for (const auto& [k, v] : r.history.series)
                    if (e < v.size()) l.set(k, v[e]);
                h.onEpochEnd(r.history.epochs[e], l);
            }
            const int index = panel_->charts()->addHistory(h, r.name);
            panel_->charts()->setRunVisible(index, r.shown);
        }
    }
}

}  // namespace strata::studio
