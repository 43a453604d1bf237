#include "app/studio/training/training_control.h"

#include <cmath>

namespace strata::studio {

void TrainingControl::requestStop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
}

void TrainingControl::pause() {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = true;
}

void TrainingControl::resume() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        paused_ = false;
    }
    cv_.notify_all();
}

void TrainingControl::waitWhilePaused(const std::function<void()>& onPause) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!paused_ || stop_) return;
    if (onPause) {
        lock.unlock();
        onPause();
        lock.lock();
    }
    cv_.wait(lock, [&] { return !paused_ || stop_; });
}

ControlCallback::ControlCallback(TrainingControl& control, ProgressSink sink, int64_t batchSize,
                                 std::chrono::milliseconds interval)
    : control_(control), sink_(std::move(sink)), batchSize_(batchSize), interval_(interval) {}

void ControlCallback::onTrainBegin(Logs&) {
    start_ = std::chrono::steady_clock::now();
    lastEmit_ = start_;
    progress_ = {};
    progress_.epochs = params().epochs;
    progress_.stepsPerEpoch = params().steps;
}

void ControlCallback::onEpochBegin(int epoch, Logs&) {
    if (initialEpoch_ < 0) {
        initialEpoch_ = epoch;
        progress_.totalSteps = int64_t(params().epochs - epoch) * params().steps;
    }
    progress_.epoch = epoch;
    progress_.batch = -1;
}

void ControlCallback::onTrainBatchBegin(int64_t, Logs&) {
    if (control_.stopRequested()) return;
    if (control_.paused()) {
        const auto t0 = std::chrono::steady_clock::now();
        control_.waitWhilePaused([&] {
            progress_.paused = true;
            emitProgress(true);
        });
        // Time spent paused is not training time: keep it out of samples/s and the ETA.
        pausedSeconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        progress_.paused = false;
        emitProgress(true);
    }
}

void ControlCallback::onTrainBatchEnd(int64_t batch, Logs& logs) {
    ++progress_.step;
    progress_.batch = batch;
    if (auto loss = logs.get("loss")) {
        progress_.loss = *loss;
        if (!std::isfinite(*loss) && !nonFinite_) {
            nonFinite_ = true;
            nfEpoch_ = progress_.epoch + 1;
            nfStep_ = progress_.step;
            nfBatch_ = batch;
            nfValue_ = *loss;
            if (model()) model()->stopTraining = true;
        }
    }
    if (control_.stopRequested()) {
        stoppedByRequest_ = true;
        if (model()) model()->stopTraining = true;
    }
    const bool lastOfEpoch = params().steps > 0 && batch + 1 == params().steps;
    emitProgress(lastOfEpoch || (model() && model()->stopTraining));
}

void ControlCallback::onEpochEnd(int epoch, Logs&) {
    // A stopped epoch still reaches onEpochEnd (with partial logs); count only whole ones.
    if (!(model() && model()->stopTraining)) ++epochsCompleted_;
}

void ControlCallback::emitProgress(bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - lastEmit_ < interval_) return;
    lastEmit_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count() - pausedSeconds_;
    progress_.elapsedSeconds = elapsed;
    if (elapsed > 0 && progress_.step > 0) {
        progress_.samplesPerSecond = double(progress_.step * batchSize_) / elapsed;
        const double perStep = elapsed / double(progress_.step);
        progress_.etaSeconds = progress_.totalSteps > 0 ? perStep * double(progress_.totalSteps - progress_.step) : -1;
    }
    if (sink_) sink_(progress_);
}

}  // namespace strata::studio
