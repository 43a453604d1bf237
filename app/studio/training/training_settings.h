#pragma once
/// TrainingSettings: everything the Training dock edits and the project saves about how to train a
/// model (Keras's compile() and fit() arguments plus the callbacks), as a plain value with a JSON
/// round trip. It turns into engine CompileOptions / FitOptions only when a run starts, so editing
/// the settings never touches a live model.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/core/json.h"
#include "engine/training/trainer.h"

namespace strata::studio {

/// The learning-rate schedule of the optimizer (keras.optimizers.schedules).
struct ScheduleSettings {
    std::string kind = "constant";  ///< "constant", "exponential_decay", "cosine_decay"
    double decaySteps = 1000;
    double decayRate = 0.96;        ///< exponential decay
    bool staircase = false;         ///< exponential decay
    double alpha = 0.0;             ///< cosine decay: final rate as a fraction of the initial one

    bool operator==(const ScheduleSettings&) const = default;
};

/// Loss, loss weight and metrics of one model output, by the output's name.
struct OutputSettings {
    std::string name;
    std::string loss = "sparse_categorical_crossentropy";
    double lossWeight = 1.0;
    std::vector<std::string> metrics{"accuracy"};

    bool operator==(const OutputSettings&) const = default;
};

/// The callbacks a run adds, each with the options Keras users set most.
struct CallbackSettings {
    bool earlyStopping = false;
    std::string earlyStoppingMonitor = "val_loss";
    int earlyStoppingPatience = 3;
    double earlyStoppingMinDelta = 0.0;
    bool earlyStoppingRestoreBest = true;

    bool reduceLrOnPlateau = false;
    std::string reduceLrMonitor = "val_loss";
    double reduceLrFactor = 0.5;
    int reduceLrPatience = 2;
    double reduceLrMinLr = 1e-6;

    bool modelCheckpoint = false;
    std::string checkpointPath = "checkpoints/epoch-{epoch:02d}.weights.h5";
    std::string checkpointMonitor = "val_loss";
    bool checkpointBestOnly = false;
    bool checkpointWeightsOnly = true;

    bool csvLogger = false;
    std::string csvLoggerPath = "training_log.csv";
    bool csvLoggerAppend = false;

    bool terminateOnNaN = true;

    bool operator==(const CallbackSettings&) const = default;
};

struct TrainingSettings {
    std::string optimizer = "adam";
    double learningRate = 0.001;
    ScheduleSettings schedule;
    /// One entry per model output; outputs without an entry use `defaultOutput`.
    std::vector<OutputSettings> outputs;
    OutputSettings defaultOutput;
    int64_t batchSize = 32;
    int epochs = 5;
    double validationSplit = 0.1;
    bool shuffle = true;
    uint64_t seed = 42;
    CallbackSettings callbacks;

    bool operator==(const TrainingSettings&) const = default;

    /// The settings of output `name` (its entry, or defaultOutput renamed).
    OutputSettings outputFor(const std::string& name) const;

    /// {"optimizer": {...}, "outputs": [...], "fit": {...}, "callbacks": {...}}; every key is
    /// written so a saved project shows the full settings.
    Json toJson() const;
    /// Reads what toJson wrote; missing keys keep their defaults, wrong types throw ConfigError
    /// naming the key ("training settings: 'fit.batch_size' must be an integer, got \"big\"").
    static TrainingSettings fromJson(const Json& json);

    /// Problems that would make a run fail, one sentence each (empty: fine). Names the setting.
    std::vector<std::string> problems(const std::vector<std::string>& outputNames = {}) const;

    /// compile() arguments for a model with these outputs (per-output losses, weights, metrics).
    CompileOptions compileOptions(const std::vector<std::string>& outputNames) const;
    /// The optimizer config with the learning rate and schedule (for makeOptimizer).
    Json optimizerConfig() const;
    /// The callbacks chosen (engine objects; `log` receives their messages). Relative file paths
    /// are resolved against `baseDir` (the project's folder) when it is not empty.
    std::vector<CallbackPtr> makeCallbacks(std::ostream* log, const std::string& baseDir = {}) const;
};

/// Names offered in the dock (the engine accepts these).
const std::vector<std::string>& optimizerNames();
const std::vector<std::string>& commonLossNames();
const std::vector<std::string>& commonMetricNames();
const std::vector<std::string>& scheduleKinds();

}  // namespace strata::studio
