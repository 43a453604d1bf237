#pragma once
/// TrainingFeed: the bridge from a training thread to the charts. It is an engine Callback (added
/// to FitOptions::callbacks, called in the thread that runs fit()) and a QObject whose signals
/// carry copies of everything the charts need. Connected to widgets living in the GUI thread, the
/// signals are queued (Qt's AutoConnection sees the emitting thread differ), so the GUI never
/// touches engine tensors and the trainer never touches widgets.
///
/// Batch points are coalesced: they are buffered and emitted at most every `batchInterval`
/// (40 ms by default: 25 updates per second keeps the charts live without flooding the event
/// loop when batches take microseconds). The buffer is flushed before every epoch record and at
/// the end of training, so the receiver always sees batches before the epoch they belong to.
///
/// Usage (Studio):
///   auto feed = std::make_shared<TrainingFeed>();
///   charts->connectFeed(feed.get(), "run 1");   // TrainingChartsWidget, HistogramWidget, LayerNormsModel
///   options.callbacks.push_back(feed);          // then model->fit(...) in a worker thread
/// The feed must outlive the fit() call; it may be destroyed in either thread afterwards.
#include <QMetaType>
#include <QObject>
#include <QVector>
#include <chrono>
#include <string>
#include <vector>

#include "engine/training/callbacks.h"
#include "plotting/training_diagnostics.h"

namespace strata::plotting {

/// Sent once at onTrainBegin.
struct TrainingStart {
    std::vector<std::string> outputNames;  ///< the trainer's output names (log-key prefixes)
    int epochs = 0;
    int64_t stepsPerEpoch = 0;  ///< 0: unknown
};

/// One training batch: Keras's batch logs (running epoch-to-date averages).
struct BatchRecord {
    int epoch = 0;         ///< 0-based
    int64_t batch = 0;     ///< 0-based within the epoch
    int64_t step = 0;      ///< 1-based optimizer steps since training started
    double epochPos = 0;   ///< epoch + (batch + 1) / stepsPerEpoch (fractional epochs for the x axis)
    Logs logs;
};

/// One epoch's logs, val_* included.
struct EpochRecord {
    int epoch = 0;
    int64_t step = 0;  ///< optimizer steps at the end of this epoch
    Logs logs;
};

class TrainingFeed : public QObject, public Callback {
    Q_OBJECT
public:
    explicit TrainingFeed(QObject* parent = nullptr);

    /// Minimum time between two batchesReady signals.
    void setBatchInterval(std::chrono::milliseconds interval) { interval_ = interval; }
    /// Take per-layer diagnostics (histograms, norms) at each epoch end (default on).
    void setDiagnosticsEnabled(bool on) { diagnostics_ = on; }
    /// Inputs run through the model at each epoch end for activation histograms and dead ReLUs.
    /// Set before fit().
    void setActivationProbe(std::vector<Tensor> inputs) { collector_.setActivationProbe(std::move(inputs)); }

    // ---- Callback (training thread) ----------------------------------------------------------
    void onTrainBegin(Logs& logs) override;
    void onTrainBatchBegin(int64_t batch, Logs& logs) override;
    void onTrainBatchEnd(int64_t batch, Logs& logs) override;
    void onEpochBegin(int epoch, Logs& logs) override { epoch_ = epoch; }
    void onEpochEnd(int epoch, Logs& logs) override;
    void onTrainEnd(Logs& logs) override;

signals:
    void trainingStarted(const strata::plotting::TrainingStart& start);
    void batchesReady(const QVector<strata::plotting::BatchRecord>& batches);
    void epochEnded(const strata::plotting::EpochRecord& epoch);
    void diagnosticsReady(const strata::plotting::EpochDiagnostics& diagnostics);
    void trainingFinished();

private:
    void flush();
    std::chrono::milliseconds interval_{40};
    bool diagnostics_ = true;
    DiagnosticsCollector collector_;
    QVector<BatchRecord> pending_;
    std::chrono::steady_clock::time_point lastFlush_{};
    int epoch_ = 0;
    int64_t step_ = 0;
};

}  // namespace strata::plotting

