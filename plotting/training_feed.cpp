#include "plotting/training_feed.h"

#include "engine/graph/model.h"
#include "engine/training/trainer.h"

namespace strata::plotting {

TrainingFeed::TrainingFeed(QObject* parent) : QObject(parent) {
    // Queued connections copy arguments through QMetaType; register before any signal is emitted.
    qRegisterMetaType<TrainingStart>();
    qRegisterMetaType<BatchRecord>();
    qRegisterMetaType<QVector<BatchRecord>>();
    qRegisterMetaType<EpochRecord>();
    qRegisterMetaType<EpochDiagnostics>();
}

void TrainingFeed::onTrainBegin(Logs&) {
    pending_.clear();
    step_ = 0;
    lastFlush_ = std::chrono::steady_clock::now();
    TrainingStart start;
    start.epochs = params().epochs;
    start.stepsPerEpoch = params().steps;
    if (Model* m = model()) {
        if (m->compiled()) start.outputNames = m->trainer().outputNames();
        if (start.outputNames.empty()) start.outputNames = m->outputNames();
        if (diagnostics_) collector_.begin(*m);
    }
    emit trainingStarted(start);
}

void TrainingFeed::onTrainBatchBegin(int64_t batch, Logs&) {
    if (diagnostics_) collector_.beforeBatch(batch, params().steps);
}

void TrainingFeed::onTrainBatchEnd(int64_t batch, Logs& logs) {
    ++step_;
    BatchRecord r;
    r.epoch = epoch_;
    r.batch = batch;
    r.step = step_;
    const int64_t steps = params().steps;
    r.epochPos = steps > 0 ? epoch_ + double(batch + 1) / double(steps) : double(epoch_) + 1.0;
    r.logs = logs;
    pending_.push_back(std::move(r));
    if (std::chrono::steady_clock::now() - lastFlush_ >= interval_) flush();
}

void TrainingFeed::flush() {
    lastFlush_ = std::chrono::steady_clock::now();
    if (pending_.isEmpty()) return;
    QVector<BatchRecord> out;
    out.swap(pending_);
    emit batchesReady(out);
}

void TrainingFeed::onEpochEnd(int epoch, Logs& logs) {
    flush();
    EpochRecord r;
    r.epoch = epoch;
    r.step = step_;
    r.logs = logs;
    emit epochEnded(r);
    if (diagnostics_ && model()) emit diagnosticsReady(collector_.collect(epoch, step_));
}

void TrainingFeed::onTrainEnd(Logs&) {
    flush();
    collector_.end();
    emit trainingFinished();
}

}  // namespace strata::plotting
