#pragma once
/// TrainingSession: the GUI thread's handle on training. start() hands a TrainingJob (plain
/// copies) to a new QThread running a TrainingWorker; pause/resume/stop set flags the worker's
/// control callback obeys between batches. Progress and the outcome come back as queued calls, so
/// every signal of this object is emitted in the GUI thread. Each run gets a fresh TrainingFeed
/// (plotting/) whose signals feed the charts directly.
#include <QObject>
#include <QString>
#include <QThread>
#include <memory>

#include "app/studio/training/training_control.h"
#include "app/studio/training/training_job.h"
#include "plotting/training_feed.h"

namespace strata::studio {

class TrainingSession : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Running, Paused, Stopping };
    Q_ENUM(State)

    explicit TrainingSession(QObject* parent = nullptr);
    /// Stops a running job and waits for its thread (a window closed mid-run exits cleanly).
    ~TrainingSession() override;

    /// Starts `job` in a training thread. Returns false (and does nothing) while a run is active.
    bool start(TrainingJob job, const QString& runName = QString());
    void pause();
    void resume();
    /// Ends training after the current batch; the outcome keeps that step's weights.
    void stop();

    State state() const { return state_; }
    bool isActive() const { return state_ != State::Idle; }
    QString runName() const { return runName_; }
    /// The current (or last) run's chart feed; null before the first run.
    plotting::TrainingFeed* feed() const { return feed_.get(); }
    const TrainingProgress& lastProgress() const { return progress_; }
    const TrainingOutcome& lastOutcome() const { return outcome_; }
    /// Minimum time between two progressChanged signals (default 50 ms).
    void setProgressInterval(int ms) { progressIntervalMs_ = ms; }

    /// Runs the event loop until the active run ends or `timeoutMs` passes. True if it ended.
    bool waitForFinished(int timeoutMs = 600000);

signals:
    /// Emitted by start() before the thread runs (training jobs only): connect the charts to
    /// `feed` here.
    void runStarting(strata::plotting::TrainingFeed* feed, const QString& runName);
    void stateChanged(strata::studio::TrainingSession::State state);
    void progressChanged(const strata::studio::TrainingProgress& progress);
    void finished(const strata::studio::TrainingOutcome& outcome);

private:
    void setState(State s);
    void onProgress(const TrainingProgress& p);
    void onFinished(const TrainingOutcome& o);

    State state_ = State::Idle;
    QString runName_;
    std::unique_ptr<TrainingControl> control_;
    std::shared_ptr<plotting::TrainingFeed> feed_;
    QThread* thread_ = nullptr;
    TrainingProgress progress_;
    TrainingOutcome outcome_;
    int progressIntervalMs_ = 50;
};

}  // namespace strata::studio
