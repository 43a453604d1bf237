#pragma once
/// TrainingControl: the pause / stop requests the GUI thread makes and the training thread obeys.
/// ControlCallback: the engine Callback that obeys them between batches, watches the loss for NaN,
/// and reports progress (throttled) through a function the worker gives it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "app/studio/training/training_job.h"
#include "engine/training/callbacks.h"

namespace strata::studio {

class TrainingControl {
public:
    void requestStop();
    void pause();
    void resume();
    bool stopRequested() const { return stop_.load(); }
    bool paused() const { return paused_.load(); }
    /// Blocks the calling (training) thread while paused; returns early when stop is requested.
    /// `onPause` is called once when the wait starts (to report "paused").
    void waitWhilePaused(const std::function<void()>& onPause = {});

private:
    std::atomic<bool> stop_{false};
    std::atomic<bool> paused_{false};
    std::mutex mutex_;
    std::condition_variable cv_;
};

class ControlCallback : public Callback {
public:
    using ProgressSink = std::function<void(const TrainingProgress&)>;
    ControlCallback(TrainingControl& control, ProgressSink sink, int64_t batchSize,
                    std::chrono::milliseconds interval = std::chrono::milliseconds(50));

    void onTrainBegin(Logs& logs) override;
    void onEpochBegin(int epoch, Logs& logs) override;
    void onTrainBatchBegin(int64_t batch, Logs& logs) override;
    void onTrainBatchEnd(int64_t batch, Logs& logs) override;
    void onEpochEnd(int epoch, Logs& logs) override;

    /// Set when a batch's loss was NaN or infinite: where it happened (1-based epoch, step in run,
    /// 0-based batch in the epoch) and the value.
    bool sawNonFinite() const { return nonFinite_; }
    int nonFiniteEpoch() const { return nfEpoch_; }
    int64_t nonFiniteStep() const { return nfStep_; }
    int64_t nonFiniteBatch() const { return nfBatch_; }
    double nonFiniteValue() const { return nfValue_; }
    bool stoppedByRequest() const { return stoppedByRequest_; }
    int epochsCompleted() const { return epochsCompleted_; }
    int currentEpoch() const { return progress_.epoch; }
    int64_t steps() const { return progress_.step; }
    const TrainingProgress& progress() const { return progress_; }

private:
    void emitProgress(bool force);
    TrainingControl& control_;
    ProgressSink sink_;
    int64_t batchSize_;
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point start_, lastEmit_;
    double pausedSeconds_ = 0;
    TrainingProgress progress_;
    bool nonFinite_ = false, stoppedByRequest_ = false;
    int nfEpoch_ = 0;
    int64_t nfStep_ = 0, nfBatch_ = 0;
    double nfValue_ = 0;
    int epochsCompleted_ = 0;
    int initialEpoch_ = -1;
};

}  // namespace strata::studio
