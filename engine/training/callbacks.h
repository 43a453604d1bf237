#pragma once
/// Keras callbacks (keras/src/callbacks/*): hooks fit()/evaluate()/predict() call around epochs and
/// batches, with Keras's logs, in Keras's order:
///   fit:      onTrainBegin, { onEpochBegin, { onTrainBatchBegin, onTrainBatchEnd }*,
///             [validation: onTestBegin, { onTestBatchBegin, onTestBatchEnd }*, onTestEnd],
///             onEpochEnd }*, onTrainEnd
///   evaluate: onTestBegin, { onTestBatchBegin, onTestBatchEnd }*, onTestEnd
///   predict:  onPredictBegin, { onPredictBatchBegin, onPredictBatchEnd }*, onPredictEnd
/// Batch logs hold the running (epoch-to-date) metric values; epoch logs add "val_" metrics.
/// Callbacks may add keys to the logs (ReduceLROnPlateau adds "learning_rate"); History, which fit()
/// appends after the user's callbacks, records them.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/training/logs.h"

namespace strata {

class Model;

/// Keras callback params: {"verbose", "epochs", "steps"}.
struct CallbackParams {
    int verbose = 1;
    int epochs = 1;
    int64_t steps = 0;  ///< batches per epoch (0: unknown)
};

class Callback {
public:
    virtual ~Callback() = default;
    virtual void setModel(Model* model) { model_ = model; }
    virtual void setParams(const CallbackParams& params) { params_ = params; }
    Model* model() const { return model_; }
    const CallbackParams& params() const { return params_; }

    virtual void onTrainBegin(Logs& logs) {}
    virtual void onTrainEnd(Logs& logs) {}
    virtual void onEpochBegin(int epoch, Logs& logs) {}
    virtual void onEpochEnd(int epoch, Logs& logs) {}
    /// Default: forwards to onBatchBegin/onBatchEnd (Keras's aliases).
    virtual void onTrainBatchBegin(int64_t batch, Logs& logs) { onBatchBegin(batch, logs); }
    virtual void onTrainBatchEnd(int64_t batch, Logs& logs) { onBatchEnd(batch, logs); }
    virtual void onBatchBegin(int64_t batch, Logs& logs) {}
    virtual void onBatchEnd(int64_t batch, Logs& logs) {}
    virtual void onTestBegin(Logs& logs) {}
    virtual void onTestEnd(Logs& logs) {}
    virtual void onTestBatchBegin(int64_t batch, Logs& logs) {}
    virtual void onTestBatchEnd(int64_t batch, Logs& logs) {}
    virtual void onPredictBegin(Logs& logs) {}
    virtual void onPredictEnd(Logs& logs) {}
    virtual void onPredictBatchBegin(int64_t batch, Logs& logs) {}
    /// Keras passes {"outputs": ...}; here the logs are empty and `outputs` are the batch's predictions.
    virtual void onPredictBatchEnd(int64_t batch, Logs& logs) {}
    /// The predictions of the batch that just ended (valid inside onPredictBatchEnd).
    const std::vector<Tensor>* predictOutputs() const { return predictOutputs_; }

private:
    friend class CallbackList;
    Model* model_ = nullptr;
    CallbackParams params_;
    const std::vector<Tensor>* predictOutputs_ = nullptr;
};

using CallbackPtr = std::shared_ptr<Callback>;

/// keras.callbacks.History: every epoch's logs, keyed by name in first-seen order.
class History : public Callback {
public:
    void onTrainBegin(Logs& logs) override { epoch.clear(); }
    void onEpochEnd(int e, Logs& logs) override;

    std::vector<int> epoch;
    /// history["loss"] (throws ValueError listing the keys if absent).
    const std::vector<double>& operator[](const std::string& key) const;
    bool contains(const std::string& key) const;
    std::vector<std::string> keys() const;
    const std::vector<std::pair<std::string, std::vector<double>>>& items() const { return history_; }

private:
    std::vector<std::pair<std::string, std::vector<double>>> history_;
};

/// keras.utils.Progbar: "  32/1875 ━━━━━━━━━━━━━━━━━━━━ 2s 5ms/step - accuracy: 0.5123 - loss: 1.2345".
class Progbar {
public:
    /// target: number of steps (0: unknown). verbose 1: bar, 2: one line when finalized.
    Progbar(int64_t target, std::ostream& out, int verbose = 1, int width = 20, bool ansi = true,
            double interval = 0.05);
    /// Values are averaged over steps (Keras's stateless metrics) until the final update, which
    /// shows them as given.
    void update(int64_t current, const Logs& values, bool finalize);
    void setTarget(int64_t target) { target_ = target; }

private:
    std::string formatTimePerUnit(double t) const;
    double estimateStepDuration(int64_t current, double now);
    double now() const;

    int64_t target_;
    std::ostream& out_;
    int verbose_, width_;
    bool ansi_;
    double interval_;
    std::vector<std::pair<std::string, std::pair<double, double>>> values_;  // name -> (sum, count)
    int64_t seen_ = 0;
    std::chrono::steady_clock::time_point t0_;
    double lastUpdate_ = -1e30;
    std::optional<double> timeAfterFirstStep_;
    size_t prevWidth_ = 0;
    std::string line_;
};

/// keras.callbacks.ProgbarLogger (fit() adds one when verbose != 0). Writes to `out` (stdout by
/// default); ANSI colours when it is a terminal.
class ProgbarLogger : public Callback {
public:
    explicit ProgbarLogger(std::ostream* out = nullptr);
    void setParams(const CallbackParams& params) override;
    void onTrainBegin(Logs& logs) override { calledInFit_ = true; }
    void onTestBegin(Logs& logs) override;
    void onPredictBegin(Logs& logs) override;
    void onEpochBegin(int epoch, Logs& logs) override;
    void onTrainBatchEnd(int64_t batch, Logs& logs) override { update(batch, logs); }
    void onTestBatchEnd(int64_t batch, Logs& logs) override;
    void onPredictBatchEnd(int64_t batch, Logs& logs) override;
    void onEpochEnd(int epoch, Logs& logs) override { finalize(logs); }
    void onTestEnd(Logs& logs) override;
    void onPredictEnd(Logs& logs) override { finalize(logs); }

private:
    void reset();
    void update(int64_t batch, const Logs& logs);
    void finalize(const Logs& logs);
    std::ostream& out_;
    bool ansi_;
    std::unique_ptr<Progbar> bar_;
    int64_t seen_ = 0;
    int64_t target_ = 0;
    int verbose_ = 1;
    int epochs_ = 1;
    bool calledInFit_ = false;
};

/// Which way a monitored quantity should go.
enum class MonitorMode { Auto, Min, Max };
MonitorMode parseMonitorMode(const std::string& mode);

/// keras.callbacks.EarlyStopping.
struct EarlyStoppingOptions {
    std::string monitor = "val_loss";
    double minDelta = 0.0;
    int patience = 0;
    int verbose = 0;
    std::string mode = "auto";
    std::optional<double> baseline{};
    bool restoreBestWeights = false;
    int startFromEpoch = 0;
};

class EarlyStopping : public Callback {
public:
    explicit EarlyStopping(EarlyStoppingOptions options = {}, std::ostream* out = nullptr);
    void onTrainBegin(Logs& logs) override;
    void onEpochEnd(int epoch, Logs& logs) override;
    void onTrainEnd(Logs& logs) override;
    int stoppedEpoch() const { return stoppedEpoch_; }
    int bestEpoch() const { return bestEpoch_; }
    double best() const { return best_; }
    int wait() const { return wait_; }

private:
    void setMonitorOp();
    bool isImprovement(double value, double reference) const;
    EarlyStoppingOptions o_;
    std::ostream& out_;
    int wait_ = 0, stoppedEpoch_ = 0, bestEpoch_ = 0;
    double minDelta_;
    bool lessIsBetter_ = true;
    bool opSet_ = false;
    double best_ = 0;
    std::optional<std::vector<Tensor>> bestWeights_;
};

/// keras.callbacks.ReduceLROnPlateau. Adds "learning_rate" to the epoch logs.
struct ReduceLROnPlateauOptions {
    std::string monitor = "val_loss";
    double factor = 0.1;
    int patience = 10;
    int verbose = 0;
    std::string mode = "auto";
    double minDelta = 1e-4;
    int cooldown = 0;
    double minLr = 0.0;
};

class ReduceLROnPlateau : public Callback {
public:
    explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {}, std::ostream* out = nullptr);
    void onTrainBegin(Logs& logs) override { reset(); }
    void onEpochEnd(int epoch, Logs& logs) override;
    double best() const { return best_; }
    int wait() const { return wait_; }

private:
    void reset();
    ReduceLROnPlateauOptions o_;
    std::ostream& out_;
    bool maximize_ = false;
    double best_ = 0;
    int wait_ = 0, cooldownCounter_ = 0;
};

/// keras.callbacks.LearningRateScheduler: schedule(epoch, current lr) -> new lr, set at each
/// epoch's start; "learning_rate" is added to the epoch logs.
class LearningRateScheduler : public Callback {
public:
    using Schedule = std::function<double(int epoch, double lr)>;
    explicit LearningRateScheduler(Schedule schedule, int verbose = 0, std::ostream* out = nullptr);
    void onEpochBegin(int epoch, Logs& logs) override;
    void onEpochEnd(int epoch, Logs& logs) override;

private:
    Schedule schedule_;
    int verbose_;
    std::ostream& out_;
};

/// keras.callbacks.ModelCheckpoint. The file is written by `save` (the formats belong to
/// engine/io); without one, the default saver set with setDefaultModelSaver() is used.
using ModelSaver = std::function<void(Model& model, const std::string& path, bool weightsOnly)>;
void setDefaultModelSaver(ModelSaver saver);

struct ModelCheckpointOptions {
    std::string monitor = "val_loss";
    int verbose = 0;
    bool saveBestOnly = false;
    bool saveWeightsOnly = false;
    std::string mode = "auto";
    int64_t saveFreq = 0;  ///< 0: "epoch"; N: every N batches
    std::optional<double> initialValueThreshold{};
    ModelSaver save{};
};

class ModelCheckpoint : public Callback {
public:
    /// `filepath` may hold Python format fields filled from the epoch (1-based), the batch and the
    /// logs: "ckpt-{epoch:02d}-{val_loss:.2f}.keras". Like Keras, it must end in ".keras" or ".h5",
    /// or ".weights.h5" with saveWeightsOnly (ValueError otherwise).
    explicit ModelCheckpoint(std::string filepath, ModelCheckpointOptions options = {}, std::ostream* out = nullptr);
    void onEpochBegin(int epoch, Logs& logs) override { currentEpoch_ = epoch; }
    void onEpochEnd(int epoch, Logs& logs) override;
    void onTrainBatchEnd(int64_t batch, Logs& logs) override;
    double best() const { return best_; }
    /// Paths saved so far, in order.
    const std::vector<std::string>& savedPaths() const { return saved_; }
    std::string filePath(int epoch, std::optional<int64_t> batch, const Logs& logs) const;

private:
    void setMonitorOp();
    void saveModel(int epoch, std::optional<int64_t> batch, const Logs& logs);
    std::string filepath_;
    ModelCheckpointOptions o_;
    std::ostream& out_;
    bool opSet_ = false;
    bool lessIsBetter_ = true;
    double best_ = 0;
    int currentEpoch_ = 0;
    int64_t batchesSinceSave_ = 0, lastBatch_ = 0;
    std::vector<std::string> saved_;
};

/// keras.callbacks.CSVLogger: "epoch,<sorted log keys>" then one row per epoch, Python csv style
/// (\r\n line ends, floats as Python repr, "NA" for missing values).
class CSVLogger : public Callback {
public:
    explicit CSVLogger(std::string filename, std::string separator = ",", bool append = false);
    void onTrainBegin(Logs& logs) override;
    void onEpochEnd(int epoch, Logs& logs) override;
    void onTrainEnd(Logs& logs) override;

private:
    std::string field(const std::string& s) const;
    std::string filename_, sep_;
    bool append_, writeHeader_ = true;
    std::ofstream file_;
    std::optional<std::vector<std::string>> keys_;
};

/// keras.callbacks.TerminateOnNaN: stops training when the batch loss is NaN or infinite, with a
/// message naming the epoch and the batch ("Epoch 3, batch 17: invalid loss (nan), terminating
/// training").
class TerminateOnNaN : public Callback {
public:
    explicit TerminateOnNaN(std::ostream* out = nullptr);
    void onEpochBegin(int epoch, Logs& logs) override { epoch_ = epoch; }
    void onBatchEnd(int64_t batch, Logs& logs) override;
    /// The message printed when training was terminated (empty otherwise).
    const std::string& message() const { return message_; }

private:
    std::ostream& out_;
    int epoch_ = 0;
    std::string message_;
};

/// keras.callbacks.LambdaCallback: any hook as a function.
class LambdaCallback : public Callback {
public:
    std::function<void(int, Logs&)> onEpochBeginFn, onEpochEndFn;
    std::function<void(int64_t, Logs&)> onTrainBatchBeginFn, onTrainBatchEndFn;
    std::function<void(Logs&)> onTrainBeginFn, onTrainEndFn;
    std::function<void(Logs&)> onTestBeginFn, onTestEndFn, onPredictBeginFn, onPredictEndFn;
    std::function<void(int64_t, Logs&)> onTestBatchBeginFn, onTestBatchEndFn, onPredictBatchBeginFn,
        onPredictBatchEndFn;

    void onEpochBegin(int e, Logs& l) override { if (onEpochBeginFn) onEpochBeginFn(e, l); }
    void onEpochEnd(int e, Logs& l) override { if (onEpochEndFn) onEpochEndFn(e, l); }
    void onTrainBatchBegin(int64_t b, Logs& l) override { if (onTrainBatchBeginFn) onTrainBatchBeginFn(b, l); }
    void onTrainBatchEnd(int64_t b, Logs& l) override { if (onTrainBatchEndFn) onTrainBatchEndFn(b, l); }
    void onTrainBegin(Logs& l) override { if (onTrainBeginFn) onTrainBeginFn(l); }
    void onTrainEnd(Logs& l) override { if (onTrainEndFn) onTrainEndFn(l); }
    void onTestBegin(Logs& l) override { if (onTestBeginFn) onTestBeginFn(l); }
    void onTestEnd(Logs& l) override { if (onTestEndFn) onTestEndFn(l); }
    void onTestBatchBegin(int64_t b, Logs& l) override { if (onTestBatchBeginFn) onTestBatchBeginFn(b, l); }
    void onTestBatchEnd(int64_t b, Logs& l) override { if (onTestBatchEndFn) onTestBatchEndFn(b, l); }
    void onPredictBegin(Logs& l) override { if (onPredictBeginFn) onPredictBeginFn(l); }
    void onPredictEnd(Logs& l) override { if (onPredictEndFn) onPredictEndFn(l); }
    void onPredictBatchBegin(int64_t b, Logs& l) override { if (onPredictBatchBeginFn) onPredictBatchBeginFn(b, l); }
    void onPredictBatchEnd(int64_t b, Logs& l) override { if (onPredictBatchEndFn) onPredictBatchEndFn(b, l); }
};

/// keras.callbacks.CallbackList: the user's callbacks plus History (when asked) and a
/// ProgbarLogger (when asked and none is given), in that order.
class CallbackList {
public:
    CallbackList(std::vector<CallbackPtr> callbacks, bool addHistory, bool addProgbar, Model* model,
                 const CallbackParams& params, std::ostream* progressOut = nullptr);
    std::shared_ptr<History> history() const { return history_; }
    const std::vector<CallbackPtr>& callbacks() const { return callbacks_; }

    void onTrainBegin(Logs& logs);
    void onTrainEnd(Logs& logs);
    void onEpochBegin(int epoch, Logs& logs);
    void onEpochEnd(int epoch, Logs& logs);
    void onTrainBatchBegin(int64_t batch, Logs& logs);
    void onTrainBatchEnd(int64_t batch, Logs& logs);
    void onTestBegin(Logs& logs);
    void onTestEnd(Logs& logs);
    void onTestBatchBegin(int64_t batch, Logs& logs);
    void onTestBatchEnd(int64_t batch, Logs& logs);
    void onPredictBegin(Logs& logs);
    void onPredictEnd(Logs& logs);
    void onPredictBatchBegin(int64_t batch, Logs& logs);
    void onPredictBatchEnd(int64_t batch, Logs& logs, const std::vector<Tensor>& outputs);
    bool empty() const { return callbacks_.empty(); }

private:
    std::vector<CallbackPtr> callbacks_;
    std::shared_ptr<History> history_;
};

/// Python's str.format for callback file names: "{epoch:02d}", "{val_loss:.2f}", "{loss}", "{{".
/// `ints` are formatted as integers, `values` as floats (repr when there is no spec). Throws
/// ValueError naming the missing key.
std::string pythonFormat(const std::string& pattern, const std::vector<std::pair<std::string, int64_t>>& ints,
                         const Logs& values);
/// Python's repr() of a float: shortest round-trip digits ("0.1", "1e-05", "0.6931471824645996").
std::string pythonRepr(double v);

}  // namespace strata
