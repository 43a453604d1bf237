#pragma once
/// TrainingWorkbench: the Studio's trainer as one piece the main window installs. It owns the
/// TrainingSession and the trainer's widgets (Training and Data docks, the training panel with
/// the live charts, the evaluation view, the runs list) and a "Training" menu, and it keeps the
/// trained weights: the document holds the architecture, the workbench holds the weights trained
/// for it (continued by the next run while the architecture is unchanged; exported from the menu).
///
/// The main window gives it a function that builds the document's current model; nothing else of
/// the editor is touched, so training never races with editing.
#include <QObject>
#include <QString>
#include <functional>
#include <optional>

#include "app/studio/training/gradient_tint.h"
#include "app/studio/training/model_snapshot.h"
#include "app/studio/training/training_job.h"
#include "app/studio/training/training_runs.h"
#include "app/studio/training/training_session.h"

class QAction;
class QDockWidget;
class QLabel;
class QMainWindow;
class QMenu;
class QTableView;

namespace strata::plotting {
class HistogramWidget;
class LayerNormsTable;
}  // namespace strata::plotting

namespace strata::studio {

class DataDock;
class EvaluationView;
class TrainingDock;
class TrainingPanel;

class TrainingWorkbench : public QObject {
    Q_OBJECT
public:
    /// Builds the document's model (architecture; weights are ignored), or throws strata::Error.
    using ModelSource = std::function<ModelPtr()>;

    explicit TrainingWorkbench(ModelSource source, QObject* parent = nullptr);

    /// Sets the weights some layers start from in a run that has no trained weights for them yet
    /// (the Studio's: those library models brought); returns how many layers it set.
    using PresetWeights = std::function<int(Model& model)>;
    void setPresetWeights(PresetWeights preset) { preset_ = std::move(preset); }
    ~TrainingWorkbench() override;

    /// Adds the docks (Training, Data, Training run, Evaluation, Runs) and the Training menu.
    void install(QMainWindow* window);

    /// What Start does. False with the reason shown in the panel (no model, no data, a mismatch).
    bool startTraining();
    /// What Continue does: goes on with the last run from the epoch it reached (Keras's
    /// initial_epoch) up to the Epochs setting, with its optimizer state (Adam's moments, the
    /// iteration count) and random sequence, as fit() called again on the same model. False with
    /// the reason shown (nothing to continue, the graph changed, Epochs not above the epoch reached).
    bool continueTraining();
    /// The job Continue runs, or nullopt with the reason.
    std::optional<TrainingJob> makeContinueJob(QString* error);
    /// The epoch a continued run starts from (epochs the trained weights have been through).
    int nextEpoch() const { return nextEpoch_; }
    /// Evaluates the model (trained weights if any) on the test data in the training thread; the
    /// Evaluation dock shows the result. False with the reason shown, as startTraining.
    bool evaluateModel();
    /// Builds the job for a run from the document's model, the settings and the data.
    std::optional<TrainingJob> makeJob(QString* error);

    /// Called by the main window when the document is replaced (a file opened): refreshes the
    /// output names and adopts the file's weights if the model it holds matches the document.
    void documentReset(const QString& openedFile = QString());
    /// Keeps `model`'s weights as the trained weights (a file's weights, a finished run's).
    void adoptWeights(const ModelSnapshot& model);
    bool hasTrainedWeights() const { return !trained_.empty(); }
    const ModelSnapshot& trainedModel() const { return trained_; }

    /// Writes the trained model by extension (.weights.h5, .keras, .h5, .json). False with `error`.
    bool exportTrained(const QString& path, QString* error);
    /// Writes every run's history to one CSV.
    bool exportHistories(const QString& path, QString* error);

    /// Shows `layerName`'s weight and gradient histograms and its norms in the Layer Health dock
    /// (a node clicked on the canvas, during or after training), and raises the dock when there
    /// are diagnostics to show. A nested model's node shows its first inner layer. A layer without
    /// diagnostics yet (before the first epoch ends) is shown when they arrive.
    void showLayer(const QString& layerName);
    /// The layer the Layer Health dock follows ("" for none), and its one-line summary.
    QString shownLayer() const { return shownLayer_; }
    QLabel* layerSummary() const { return layerSummary_; }
    plotting::HistogramWidget* gradientHistograms() const { return gradHistograms_; }

    /// Stores the trainer's state (and the trained weights) in the project archive just saved at
    /// `path`. False with `error` if the archive could not be rewritten (the project is intact).
    bool saveToProject(const QString& path, QString* error);

    /// Settings, data source and runs, for the project file.
    Json projectState() const;
    void loadProjectState(const Json& state);

    /// The canvas tints of the latest diagnostics (empty before the first epoch ends, after a
    /// document reset, or when tinting is off in the Training menu).
    const std::vector<LayerTint>& gradientTints() const { return tintsShown_ ? tints_ : noTints_; }
    /// Drops the tints (the graph was edited: they describe the model that was trained).
    void clearTints() { setTints({}); }
    /// Training ▸ Tint Canvas by Gradient Norm (on by default).
    void setTintEnabled(bool on);
    bool tintEnabled() const { return tintsShown_; }

    TrainingSession* session() const { return session_; }
    TrainingDock* trainingDock() const { return trainingDock_; }
    DataDock* dataDock() const { return dataDock_; }
    TrainingPanel* panel() const { return panel_; }
    EvaluationView* evaluationView() const { return evaluation_; }
    TrainingRunsModel* runs() const { return runs_; }
    /// The Runs dock's table (tick a run's box to overlay its curves); null before install().
    QTableView* runsView() const { return runsView_; }
    QMenu* menu() const { return menu_; }
    plotting::LayerNormsTable* normsTable() const { return norms_; }
    plotting::HistogramWidget* histograms() const { return histograms_; }
    QDockWidget* panelDock() const { return panelDock_; }

signals:
    /// True while a run is active (the main window refuses edits then).
    void trainingActiveChanged(bool active);
    /// A run ended (after the runs list and the evaluation view were updated).
    void runFinished(const strata::studio::TrainingOutcome& outcome);
    /// New canvas tints (empty: clear them). The main window paints them on the graph scene.
    void gradientTintsChanged(const std::vector<strata::studio::LayerTint>& tints);

private:
    void onFinished(const TrainingOutcome& outcome);
    void onDiagnostics(const plotting::EpochDiagnostics& diagnostics);
    void setTints(std::vector<LayerTint> tints);
    void refreshModelNames();
    void chooseAndExport(QMainWindow* window, bool histories);

    ModelSource source_;
    PresetWeights preset_;
    TrainingSession* session_;
    TrainingDock* trainingDock_;
    DataDock* dataDock_;
    TrainingPanel* panel_;
    EvaluationView* evaluation_;
    TrainingRunsModel* runs_;
    QTableView* runsView_ = nullptr;
    QWidget* health_;
    bool installed_ = false;  ///< install() handed the widgets to a window, which owns them now
    plotting::LayerNormsTable* norms_;
    plotting::HistogramWidget* histograms_;       // weights of the shown layer
    plotting::HistogramWidget* gradHistograms_;   // its gradients
    QLabel* layerSummary_;
    QDockWidget* healthDock_ = nullptr;
    QString wantedLayer_, shownLayer_;
    void applyShownLayer(bool raise);
    std::vector<Tensor> probe_;  // inputs the feed runs at each epoch end (activation histograms)
    QMenu* menu_ = nullptr;
    QAction* tintAction_ = nullptr;
    QDockWidget* panelDock_ = nullptr;
    void updateContinue();
    void restoreResumeState(const Json& resume, const QString& projectFile);
    ModelSnapshot trained_;
    int nextEpoch_ = 0;        // where Continue starts (Keras's initial_epoch)
    std::string rngState_;     // the random sequence where the last run left it
    TrainingSettings runSettings_;  // the settings of the active run
    std::string runData_;
    bool evaluating_ = false;  // the active job only evaluates (no run record)
    std::vector<LayerTint> tints_;
    const std::vector<LayerTint> noTints_;
    bool tintsShown_ = true;
};

}  // namespace strata::studio
