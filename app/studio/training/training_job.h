#pragma once
/// The values that cross between the GUI thread and a training thread: what to run (TrainingJob),
/// how far it got (TrainingProgress) and how it ended (TrainingOutcome). All plain copies; nothing
/// here points into a GUI object or into the worker's model.
#include <QMetaType>
#include <QString>
#include <string>
#include <utility>
#include <vector>

#include "app/studio/training/data_mapping.h"
#include "app/studio/training/model_snapshot.h"
#include "app/studio/training/training_settings.h"
#include "engine/training/logs.h"

namespace strata::studio {

struct TrainingJob {
    ModelSnapshot model;
    TrainingSettings settings;
    PreparedData data;
    /// Train (fit) first; false: only evaluate the model on the test data.
    bool train = true;
    /// Evaluate on the test arrays after training and keep the test predictions.
    bool evaluateAfter = true;
    /// Continue a stopped run: fit from this epoch (Keras's initial_epoch) to settings.epochs.
    int initialEpoch = 0;
    /// The random generator's state to continue with (shuffling, dropout), as the previous run
    /// left it; empty: seeded from settings.seed.
    std::string rngState;
    /// Folder that relative callback paths (CSVLogger, ModelCheckpoint) are resolved against.
    std::string baseDir;
};

struct TrainingProgress {
    int epoch = 0;            ///< 0-based epoch in progress
    int epochs = 0;
    int64_t batch = 0;        ///< 0-based batch within the epoch (last finished)
    int64_t stepsPerEpoch = 0;
    int64_t step = 0;         ///< finished optimizer steps in this run
    int64_t totalSteps = 0;   ///< steps the run will take if it is not stopped
    double samplesPerSecond = 0;
    double etaSeconds = -1;   ///< -1: unknown yet
    double elapsedSeconds = 0;
    double loss = 0;          ///< running loss of the epoch
    bool paused = false;

    /// 0..1 of the whole run.
    double fraction() const { return totalSteps > 0 ? double(step) / double(totalSteps) : 0.0; }
};

/// A finished History as plain data.
struct HistoryData {
    std::vector<int> epochs;
    std::vector<std::pair<std::string, std::vector<double>>> series;

    bool empty() const { return epochs.empty(); }
    const std::vector<double>* find(const std::string& key) const {
        for (const auto& s : series)
            if (s.first == key) return &s.second;
        return nullptr;
    }
};

/// Test metrics and predictions after a run.
struct EvaluationData {
    Logs metrics;              ///< evaluate() on the test data
    Tensor predictions;        ///< first output's predictions on the test inputs
    std::string outputName;    ///< which output `predictions` belongs to
    bool valid() const { return !metrics.empty(); }
};

struct TrainingOutcome {
    enum class End { Finished, Stopped, NonFiniteLoss, Failed };
    End end = End::Finished;
    /// One or two sentences for the user; for NonFiniteLoss and Failed it names the epoch and step.
    QString message;
    /// The trained model (config + weights) when hasWeights; NonFiniteLoss and Failed runs bring no
    /// weights back, so the document keeps the weights it had.
    ModelSnapshot model;
    bool hasWeights = false;
    HistoryData history;
    EvaluationData evaluation;
    int epochsCompleted = 0;   ///< epochs whose end was reached (the last may be partial if stopped)
    int lastEpoch = 0;         ///< 0-based epoch the run ended in (for "continue" runs)
    /// The epoch a continued run starts from (Keras's initial_epoch): the next one after a whole
    /// epoch, the interrupted one after Stop (its batches are run again from the kept weights).
    int nextEpoch = 0;
    int initialEpoch = 0;      ///< the epoch this run started from
    /// The random generator's state at the end of fit (see TrainingJob::rngState).
    std::string rngState;
    /// The optimizer state was carried over from the previous run (not fresh).
    bool optimizerResumed = false;
    int64_t steps = 0;
    double seconds = 0;
    /// What the callbacks printed (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint messages).
    QString callbackLog;

    bool succeeded() const { return end == End::Finished || end == End::Stopped; }
};

QString endName(TrainingOutcome::End end);  ///< "finished", "stopped", "NaN loss", "failed"

}  // namespace strata::studio

Q_DECLARE_METATYPE(strata::studio::TrainingProgress)
Q_DECLARE_METATYPE(strata::studio::TrainingOutcome)
