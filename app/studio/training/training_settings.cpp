#include "app/studio/training/training_settings.h"

#include <filesystem>

#include "engine/core/errors.h"
#include "engine/training/callbacks.h"
#include "engine/training/losses.h"
#include "engine/training/metrics.h"
#include "engine/training/optimizers.h"
#include "engine/training/schedules.h"

namespace strata::studio {

namespace {

/// Reads typed values out of a settings object, naming the full key in errors.
class Reader {
public:
    Reader(const Json& j, std::string path) : j_(j), path_(std::move(path)) {
        if (!j_.is_object()) fail("", "an object", j_);
    }
    template <class T>
    void get(const char* key, T& out) const {
        if (!j_.contains(key) || j_[key].is_null()) return;
        const Json& v = j_[key];
        if constexpr (std::is_same_v<T, bool>) {
            if (!v.is_boolean()) fail(key, "true or false", v);
            out = v.get<bool>();
        } else if constexpr (std::is_integral_v<T>) {
            if (!v.is_number_integer() && !v.is_number_unsigned()) fail(key, "an integer", v);
            out = v.get<T>();
        } else if constexpr (std::is_floating_point_v<T>) {
            if (!v.is_number()) fail(key, "a number", v);
            out = v.get<T>();
        } else if constexpr (std::is_same_v<T, std::string>) {
            if (!v.is_string()) fail(key, "a string", v);
            out = v.get<std::string>();
        } else {
            if (!v.is_array()) fail(key, "a list of strings", v);
            out.clear();
            for (const Json& e : v) {
                if (!e.is_string()) fail(key, "a list of strings", v);
                out.push_back(e.get<std::string>());
            }
        }
    }
    Reader sub(const char* key) const {
        static const Json empty = Json::object();
        if (!j_.contains(key) || j_[key].is_null()) return Reader(empty, join(key));
        return Reader(j_[key], join(key));
    }
    const Json& json() const { return j_; }
    std::string join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
    [[noreturn]] void fail(const std::string& key, const char* expected, const Json& got) const {
        throw ConfigError("training settings: '" + join(key) + "' must be " + expected + ", got " + got.dump());
    }

private:
    const Json& j_;
    std::string path_;
};

Json outputToJson(const OutputSettings& o) {
    return Json{{"name", o.name}, {"loss", o.loss}, {"loss_weight", o.lossWeight}, {"metrics", o.metrics}};
}

OutputSettings outputFromReader(const Reader& r) {
    OutputSettings o;
    r.get("name", o.name);
    r.get("loss", o.loss);
    r.get("loss_weight", o.lossWeight);
    r.get("metrics", o.metrics);
    return o;
}

std::string resolve(const std::string& path, const std::string& baseDir) {
    if (baseDir.empty() || path.empty() || std::filesystem::path(path).is_absolute()) return path;
    return (std::filesystem::path(baseDir) / path).string();
}

}  // namespace

const std::vector<std::string>& optimizerNames() {
    static const std::vector<std::string> v = {"adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"};
    return v;
}

const std::vector<std::string>& commonLossNames() {
    static const std::vector<std::string> v = {"sparse_categorical_crossentropy", "categorical_crossentropy",
                                               "binary_crossentropy", "mean_squared_error", "mean_absolute_error",
                                               "huber", "log_cosh", "kl_divergence", "hinge"};
    return v;
}

const std::vector<std::string>& commonMetricNames() {
    static const std::vector<std::string> v = {"accuracy", "mae", "mse", "top_k_categorical_accuracy",
                                               "sparse_top_k_categorical_accuracy", "precision", "recall", "auc"};
    return v;
}

const std::vector<std::string>& scheduleKinds() {
    static const std::vector<std::string> v = {"constant", "exponential_decay", "cosine_decay"};
    return v;
}

OutputSettings TrainingSettings::outputFor(const std::string& name) const {
    for (const auto& o : outputs)
        if (o.name == name) return o;
    OutputSettings o = defaultOutput;
    o.name = name;
    return o;
}

Json TrainingSettings::toJson() const {
    Json outs = Json::array();
    for (const auto& o : outputs) outs.push_back(outputToJson(o));
    const CallbackSettings& c = callbacks;
    return Json{
        {"optimizer",
         {{"name", optimizer},
          {"learning_rate", learningRate},
          {"schedule",
           {{"kind", schedule.kind},
            {"decay_steps", schedule.decaySteps},
            {"decay_rate", schedule.decayRate},
            {"staircase", schedule.staircase},
            {"alpha", schedule.alpha}}}}},
        {"default_output", outputToJson(defaultOutput)},
        {"outputs", outs},
        {"fit",
         {{"batch_size", batchSize},
          {"epochs", epochs},
          {"validation_split", validationSplit},
          {"shuffle", shuffle},
          {"seed", seed}}},
        {"callbacks",
         {{"early_stopping",
           {{"enabled", c.earlyStopping},
            {"monitor", c.earlyStoppingMonitor},
            {"patience", c.earlyStoppingPatience},
            {"min_delta", c.earlyStoppingMinDelta},
            {"restore_best_weights", c.earlyStoppingRestoreBest}}},
          {"reduce_lr_on_plateau",
           {{"enabled", c.reduceLrOnPlateau},
            {"monitor", c.reduceLrMonitor},
            {"factor", c.reduceLrFactor},
            {"patience", c.reduceLrPatience},
            {"min_lr", c.reduceLrMinLr}}},
          {"model_checkpoint",
           {{"enabled", c.modelCheckpoint},
            {"filepath", c.checkpointPath},
            {"monitor", c.checkpointMonitor},
            {"save_best_only", c.checkpointBestOnly},
            {"save_weights_only", c.checkpointWeightsOnly}}},
          {"csv_logger", {{"enabled", c.csvLogger}, {"filename", c.csvLoggerPath}, {"append", c.csvLoggerAppend}}},
          {"terminate_on_nan", {{"enabled", c.terminateOnNaN}}}}}};
}

TrainingSettings TrainingSettings::fromJson(const Json& json) {
    TrainingSettings s;
    Reader root(json, "");
    Reader opt = root.sub("optimizer");
    opt.get("name", s.optimizer);
    opt.get("learning_rate", s.learningRate);
    Reader sch = opt.sub("schedule");
    sch.get("kind", s.schedule.kind);
    sch.get("decay_steps", s.schedule.decaySteps);
    sch.get("decay_rate", s.schedule.decayRate);
    sch.get("staircase", s.schedule.staircase);
    sch.get("alpha", s.schedule.alpha);
    if (json.contains("default_output")) s.defaultOutput = outputFromReader(root.sub("default_output"));
    if (json.contains("outputs") && !json["outputs"].is_null()) {
        if (!json["outputs"].is_array()) root.fail("outputs", "a list", json["outputs"]);
        for (size_t i = 0; i < json["outputs"].size(); ++i)
            s.outputs.push_back(outputFromReader(Reader(json["outputs"][i], "outputs[" + std::to_string(i) + "]")));
    }
    Reader fit = root.sub("fit");
    fit.get("batch_size", s.batchSize);
    fit.get("epochs", s.epochs);
    fit.get("validation_split", s.validationSplit);
    fit.get("shuffle", s.shuffle);
    fit.get("seed", s.seed);
    Reader cb = root.sub("callbacks");
    CallbackSettings& c = s.callbacks;
    Reader es = cb.sub("early_stopping");
    es.get("enabled", c.earlyStopping);
    es.get("monitor", c.earlyStoppingMonitor);
    es.get("patience", c.earlyStoppingPatience);
    es.get("min_delta", c.earlyStoppingMinDelta);
    es.get("restore_best_weights", c.earlyStoppingRestoreBest);
    Reader rl = cb.sub("reduce_lr_on_plateau");
    rl.get("enabled", c.reduceLrOnPlateau);
    rl.get("monitor", c.reduceLrMonitor);
    rl.get("factor", c.reduceLrFactor);
    rl.get("patience", c.reduceLrPatience);
    rl.get("min_lr", c.reduceLrMinLr);
    Reader mc = cb.sub("model_checkpoint");
    mc.get("enabled", c.modelCheckpoint);
    mc.get("filepath", c.checkpointPath);
    mc.get("monitor", c.checkpointMonitor);
    mc.get("save_best_only", c.checkpointBestOnly);
    mc.get("save_weights_only", c.checkpointWeightsOnly);
    Reader csv = cb.sub("csv_logger");
    csv.get("enabled", c.csvLogger);
    csv.get("filename", c.csvLoggerPath);
    csv.get("append", c.csvLoggerAppend);
    cb.sub("terminate_on_nan").get("enabled", c.terminateOnNaN);
    return s;
}

std::vector<std::string> TrainingSettings::problems(const std::vector<std::string>& outputNames) const {
    std::vector<std::string> p;
    try {
        makeOptimizer(optimizerConfig());
    } catch (const std::exception& e) {
        p.push_back(std::string("Optimizer: ") + e.what());
    }
    if (!(learningRate > 0)) p.push_back("Learning rate must be positive (got " + std::to_string(learningRate) + ").");
    if (batchSize < 1) p.push_back("Batch size must be at least 1 (got " + std::to_string(batchSize) + ").");
    if (epochs < 1) p.push_back("Epochs must be at least 1 (got " + std::to_string(epochs) + ").");
    if (validationSplit < 0 || validationSplit >= 1)
        p.push_back("Validation split must be in [0, 1) (got " + std::to_string(validationSplit) + ").");
    std::vector<std::string> names = outputNames;
    if (names.empty()) names.push_back(defaultOutput.name);
    for (const auto& n : names) {
        OutputSettings o = outputFor(n);
        const std::string where = n.empty() ? "the output" : "output '" + n + "'";
        try {
            makeLoss(o.loss);
        } catch (const std::exception& e) {
            p.push_back("Loss of " + where + ": " + e.what());
        }
        for (const auto& m : o.metrics) {
            try {
                makeMetric(m, {1}, {1, 2});
            } catch (const std::exception& e) {
                p.push_back("Metric '" + m + "' of " + where + ": " + e.what());
            }
        }
    }
    for (const auto& o : outputs)
        if (!outputNames.empty() && std::find(outputNames.begin(), outputNames.end(), o.name) == outputNames.end())
            p.push_back("Settings name an output '" + o.name + "' the model does not have.");
    const auto usesVal = [&](const std::string& monitor) { return monitor.rfind("val_", 0) == 0; };
    if (validationSplit <= 0) {
        if (callbacks.earlyStopping && usesVal(callbacks.earlyStoppingMonitor))
            p.push_back("EarlyStopping monitors '" + callbacks.earlyStoppingMonitor +
                        "' but the validation split is 0: set a split or monitor 'loss'.");
        if (callbacks.reduceLrOnPlateau && usesVal(callbacks.reduceLrMonitor))
            p.push_back("ReduceLROnPlateau monitors '" + callbacks.reduceLrMonitor +
                        "' but the validation split is 0: set a split or monitor 'loss'.");
    }
    if (callbacks.modelCheckpoint) {
        try {
            ModelCheckpointOptions mo;
            mo.saveWeightsOnly = callbacks.checkpointWeightsOnly;
            ModelCheckpoint probe(callbacks.checkpointPath, mo);
        } catch (const std::exception& e) {
            p.push_back(std::string("ModelCheckpoint: ") + e.what());
        }
    }
    return p;
}

Json TrainingSettings::optimizerConfig() const {
    Json cfg = Json::object();
    if (schedule.kind == "exponential_decay") {
        cfg["learning_rate"] = {{"class_name", "ExponentialDecay"},
                                {"config",
                                 {{"initial_learning_rate", learningRate},
                                  {"decay_steps", schedule.decaySteps},
                                  {"decay_rate", schedule.decayRate},
                                  {"staircase", schedule.staircase}}}};
    } else if (schedule.kind == "cosine_decay") {
        cfg["learning_rate"] = {{"class_name", "CosineDecay"},
                                {"config",
                                 {{"initial_learning_rate", learningRate},
                                  {"decay_steps", schedule.decaySteps},
                                  {"alpha", schedule.alpha}}}};
    } else if (schedule.kind == "constant" || schedule.kind.empty()) {
        cfg["learning_rate"] = learningRate;
    } else {
        throw ConfigError("training settings: unknown learning-rate schedule '" + schedule.kind +
                          "' (known: constant, exponential_decay, cosine_decay)");
    }
    return Json{{"class_name", optimizer}, {"config", cfg}};
}

CompileOptions TrainingSettings::compileOptions(const std::vector<std::string>& outputNames) const {
    CompileOptions c;
    c.optimizer = OptimizerArg(makeOptimizer(optimizerConfig()));
    if (outputNames.size() <= 1) {
        OutputSettings o = outputFor(outputNames.empty() ? std::string() : outputNames[0]);
        c.loss = LossArg(o.loss);
        MetricList ml;
        for (const auto& m : o.metrics) ml.emplace_back(m);
        c.metrics = MetricArg(std::move(ml));
        if (o.lossWeight != 1.0) c.lossWeights = LossWeights(o.lossWeight);
        return c;
    }
    LossMap losses;
    MetricMap metrics;
    std::map<std::string, double> weights;
    for (const auto& n : outputNames) {
        OutputSettings o = outputFor(n);
        if (!o.loss.empty()) losses[n] = LossSpec(o.loss);
        MetricList ml;
        for (const auto& m : o.metrics) ml.emplace_back(m);
        metrics[n] = std::move(ml);
        weights[n] = o.lossWeight;
    }
    c.loss = LossArg(std::move(losses));
    c.metrics = MetricArg(std::move(metrics));
    c.lossWeights = LossWeights(std::move(weights));
    return c;
}

std::vector<CallbackPtr> TrainingSettings::makeCallbacks(std::ostream* log, const std::string& baseDir) const {
    std::vector<CallbackPtr> out;
    const CallbackSettings& c = callbacks;
    if (c.terminateOnNaN) out.push_back(std::make_shared<TerminateOnNaN>(log));
    if (c.earlyStopping) {
        EarlyStoppingOptions o;
        o.monitor = c.earlyStoppingMonitor;
        o.patience = c.earlyStoppingPatience;
        o.minDelta = c.earlyStoppingMinDelta;
        o.restoreBestWeights = c.earlyStoppingRestoreBest;
        o.verbose = 1;
        out.push_back(std::make_shared<EarlyStopping>(o, log));
    }
    if (c.reduceLrOnPlateau) {
        ReduceLROnPlateauOptions o;
        o.monitor = c.reduceLrMonitor;
        o.factor = c.reduceLrFactor;
        o.patience = c.reduceLrPatience;
        o.minLr = c.reduceLrMinLr;
        o.verbose = 1;
        out.push_back(std::make_shared<ReduceLROnPlateau>(o, log));
    }
    if (c.modelCheckpoint) {
        ModelCheckpointOptions o;
        o.monitor = c.checkpointMonitor;
        o.saveBestOnly = c.checkpointBestOnly;
        o.saveWeightsOnly = c.checkpointWeightsOnly;
        o.verbose = 1;
        const std::string path = resolve(c.checkpointPath, baseDir);
        // ModelCheckpoint writes into the folder; make it so a first run does not fail on it.
        const auto parent = std::filesystem::path(path).parent_path();
        if (!parent.empty()) std::filesystem::create_directories(parent);
        out.push_back(std::make_shared<ModelCheckpoint>(path, o, log));
    }
    if (c.csvLogger) out.push_back(std::make_shared<CSVLogger>(resolve(c.csvLoggerPath, baseDir), ",", c.csvLoggerAppend));
    return out;
}

}  // namespace strata::studio
