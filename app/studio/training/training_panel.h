#pragma once
/// TrainingPanel: Start / Pause / Resume / Stop, a progress bar with epoch, step, ETA and samples
/// per second, the outcome message, and the live charts (plotting's TrainingChartsWidget) fed by
/// each run's TrainingFeed. It drives a TrainingSession it does not own; the job to run comes from
/// a provider function (the workbench builds it from the document, the docks and the data).
#include <QWidget>
#include <functional>
#include <optional>

#include "app/studio/training/training_session.h"

class QLabel;
class QProgressBar;
class QPushButton;

namespace strata::plotting {
class TrainingChartsWidget;
}

namespace strata::studio {

class TrainingPanel : public QWidget {
    Q_OBJECT
public:
    /// Returns the job for a new run, or nullopt with a message for the user.
    using JobProvider = std::function<std::optional<TrainingJob>(QString* error)>;

    explicit TrainingPanel(TrainingSession* session, QWidget* parent = nullptr);

    void setJobProvider(JobProvider provider) { provider_ = std::move(provider); }
    /// The job that continues the last run (its epoch counter, optimizer and random state).
    void setContinueProvider(JobProvider provider) { continueProvider_ = std::move(provider); }
    /// Whether Continue is offered (the workbench knows if there is a run to continue).
    void setContinueAvailable(bool on);
    /// What Start does: asks the provider for a job and starts it. False (with the message shown)
    /// if there is no job or a run is active.
    bool startTraining();
    /// What Continue does: the continue provider's job, run as "run N (continued)".
    bool continueTraining();

    QPushButton* startButton() const { return start_; }
    QPushButton* continueButton() const { return continue_; }
    QPushButton* pauseButton() const { return pause_; }
    QPushButton* stopButton() const { return stop_; }
    QProgressBar* progressBar() const { return bar_; }
    QLabel* progressLabel() const { return detail_; }
    QLabel* messageLabel() const { return message_; }
    /// What the canvas tints mean; the workbench shows it while the canvas is tinted.
    QLabel* tintLegend() const { return tintLegend_; }
    plotting::TrainingChartsWidget* charts() const { return charts_; }
    int runsStarted() const { return runsStarted_; }

    /// "1:05", "12 s" for an ETA.
    static QString durationText(double seconds);
    /// "Epoch 2/5 · step 120/570 · ETA 0:42 · 2,431 samples/s".
    static QString progressText(const TrainingProgress& p);

private:
    void updateButtons();
    void showProgress(const TrainingProgress& p);
    void showOutcome(const TrainingOutcome& o);
    void showMessage(const QString& text, bool error);

    TrainingSession* session_;
    bool startJob(const JobProvider& provider, const QString& runName);
    JobProvider provider_, continueProvider_;
    bool continueAvailable_ = false;
    QPushButton* start_ = nullptr;
    QPushButton* continue_ = nullptr;
    QPushButton* pause_ = nullptr;
    QPushButton* stop_ = nullptr;
    QProgressBar* bar_ = nullptr;
    QLabel* detail_ = nullptr;
    QLabel* message_ = nullptr;
    QLabel* tintLegend_ = nullptr;
    plotting::TrainingChartsWidget* charts_ = nullptr;
    int runsStarted_ = 0;
};

}  // namespace strata::studio
