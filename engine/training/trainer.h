#pragma once
/// The training engine: Keras's Trainer (keras/src/trainers/trainer.py and the backends' fit loops)
/// behind Model::compile / fit / evaluate / predict / trainOnBatch / testOnBatch / predictOnBatch,
/// plus a low-level API for custom loops (GradientTape, Loss::compute, Optimizer::apply).
///
///   model->compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
///   History h = model->fit(x, y, {.batchSize = 128, .epochs = 5, .validationSplit = 0.1});
///   Logs r = model->evaluate(xTest, yTest, {.verbose = 0});
///
/// Multi-output models take per-output losses/metrics/weights as lists (output order) or maps by
/// output name (the name of the layer producing the output); inputs and targets likewise
/// (ArrayData). Logs are named as Keras names them: "loss", "accuracy", "priority_loss",
/// "department_accuracy", "val_loss", ...
///
/// Custom loops:
///   GradientTape tape(*model);
///   const Tensors& out = tape.call({&xb});                  // forward, training=true
///   Tensor g; float loss = lossFn.compute(yb, out[0], &g);  // value and d(loss)/d(output)
///   loss += tape.extraLosses();                             // add_loss + weight regularizers
///   optimizer->apply(tape.gradient({&g}), tape.trainableWeights());
/// A custom step inside fit(): subclass Model and override trainStep (see Model), using
/// trainer().tape(), computeLoss(), optimizer(), updateMetrics() and metricsResult().
///
/// Reproducibility: weights, shuffling and dropout all draw from globalRng(); setSeed(s) before
/// building and training gives identical runs. Steady state: batches, gradients, loss gradients,
/// optimizer state and logs reuse their buffers (no allocation by the trainer after the first steps).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/graph/model.h"
#include "engine/layers/regularizers.h"
#include "engine/training/callbacks.h"
#include "engine/training/logs.h"
#include "engine/training/losses.h"
#include "engine/training/metrics.h"
#include "engine/training/optimizers.h"

namespace strata {

// ---- compile arguments --------------------------------------------------------------------------

/// One loss: a Keras name ("mse"), a config (explicit Json), or an object. Empty: no loss.
struct LossSpec {
    LossSpec() = default;
    LossSpec(std::nullptr_t) {}
    LossSpec(const char* name) : id(name) {}
    LossSpec(std::string name) : id(std::move(name)) {}
    explicit LossSpec(Json config) : id(std::move(config)) {}
    template <class L, class = std::enable_if_t<std::is_base_of_v<Loss, L>>>
    LossSpec(std::shared_ptr<L> loss) : object(std::move(loss)) {}
    bool empty() const { return !object && id.is_null(); }
    Json id;
    LossPtr object;
};
using LossList = std::vector<LossSpec>;
using LossMap = std::map<std::string, LossSpec>;

/// compile(loss=...): one loss for every output, a list (one per output, empty entries allowed) or
/// a map by output name.
struct LossArg {
    enum class Kind { None, Single, List, Map };
    LossArg() = default;
    LossArg(const char* name) : kind(Kind::Single), single(name) {}
    LossArg(std::string name) : kind(Kind::Single), single(std::move(name)) {}
    LossArg(LossSpec s) : kind(s.empty() ? Kind::None : Kind::Single), single(std::move(s)) {}
    template <class L, class = std::enable_if_t<std::is_base_of_v<Loss, L>>>
    LossArg(std::shared_ptr<L> loss) : kind(Kind::Single), single(std::move(loss)) {}
    LossArg(LossList l) : kind(Kind::List), list(std::move(l)) {}
    LossArg(LossMap m) : kind(Kind::Map), map(std::move(m)) {}
    Kind kind = Kind::None;
    LossSpec single;
    LossList list;
    LossMap map;
};

/// One metric: a Keras name ("accuracy", "mae", "auc"), a config (explicit Json), or an object.
struct MetricSpec {
    MetricSpec(const char* name) : id(name) {}
    MetricSpec(std::string name) : id(std::move(name)) {}
    explicit MetricSpec(Json config) : id(std::move(config)) {}
    template <class M, class = std::enable_if_t<std::is_base_of_v<Metric, M>>>
    MetricSpec(std::shared_ptr<M> metric) : object(std::move(metric)) {}
    Json id;
    MetricPtr object;
};
using MetricList = std::vector<MetricSpec>;
using MetricMap = std::map<std::string, MetricList>;

/// compile(metrics=...): a flat list (single output: all apply to it; several outputs: one entry
/// per output, as Keras), one list per output, or a map by output name.
struct MetricArg {
    enum class Kind { None, Flat, PerOutput, Map };
    MetricArg() = default;
    MetricArg(std::initializer_list<MetricSpec> flat) : kind(Kind::Flat), flat(flat) {}
    MetricArg(MetricList l) : kind(Kind::Flat), flat(std::move(l)) {}
    MetricArg(std::vector<MetricList> l) : kind(Kind::PerOutput), perOutput(std::move(l)) {}
    MetricArg(MetricMap m) : kind(Kind::Map), map(std::move(m)) {}
    Kind kind = Kind::None;
    MetricList flat;
    std::vector<MetricList> perOutput;
    MetricMap map;
};

/// compile(loss_weights=...): a scalar (single output), a list or a map by output name.
struct LossWeights {
    enum class Kind { None, Scalar, List, Map };
    LossWeights() = default;
    LossWeights(double w) : kind(Kind::Scalar), scalar(w) {}
    LossWeights(std::initializer_list<double> l) : kind(Kind::List), list(l) {}
    LossWeights(std::vector<double> l) : kind(Kind::List), list(std::move(l)) {}
    LossWeights(std::map<std::string, double> m) : kind(Kind::Map), map(std::move(m)) {}
    Kind kind = Kind::None;
    double scalar = 1.0;
    std::vector<double> list;
    std::map<std::string, double> map;
};

/// compile(optimizer=...): a Keras name ("adam"), a config (explicit Json) or an object.
struct OptimizerArg {
    OptimizerArg(const char* name) : id(name) {}
    OptimizerArg(std::string name) : id(std::move(name)) {}
    explicit OptimizerArg(Json config) : id(std::move(config)) {}
    template <class O, class = std::enable_if_t<std::is_base_of_v<Optimizer, O>>>
    OptimizerArg(std::shared_ptr<O> o) : object(std::move(o)) {}
    Json id;
    OptimizerPtr object;
};

struct CompileOptions {
    OptimizerArg optimizer = "rmsprop";
    LossArg loss{};
    LossWeights lossWeights{};
    MetricArg metrics{};
};

/// Keras's get_compile_config() of these options ("compile_config" in .keras files): optimizer and
/// loss/metric objects serialized as {"module", "class_name", "config", "registered_name"}, names
/// kept as strings, lists and maps as JSON arrays and objects.
Json compileConfig(const CompileOptions& options);
/// The inverse (Keras's compile_from_config). Throws ValueError on shapes it does not understand.
CompileOptions compileOptionsFromConfig(const Json& config);

// ---- data ---------------------------------------------------------------------------------------

using NamedArrays = std::map<std::string, Tensor>;

/// Inputs or targets of fit/evaluate/predict: one array, a list (model input/output order) or a
/// map by input/output name. Built from an lvalue it refers to the caller's arrays (no copy; they
/// must outlive the call); built from an rvalue it owns them.
class ArrayData {
public:
    ArrayData() = default;
    ArrayData(const Tensor& t);
    ArrayData(Tensor&& t);
    ArrayData(const std::vector<Tensor>& list);
    ArrayData(std::vector<Tensor>&& list);
    ArrayData(const NamedArrays& named);
    ArrayData(NamedArrays&& named);

    bool empty() const { return list_.empty() && named_.empty(); }
    bool named() const { return !named_.empty(); }
    size_t size() const { return named() ? named_.size() : list_.size(); }
    /// The arrays in the order of `names`; `what` ("input", "target") names them in errors.
    std::vector<const Tensor*> resolve(const std::vector<std::string>& names, const std::string& what) const;

private:
    std::vector<std::shared_ptr<const Tensor>> list_;
    std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>> named_;
};

struct ValidationData {
    ArrayData x{}, y{};
    std::optional<Tensor> sampleWeight{};
};

struct FitOptions {
    int64_t batchSize = 32;
    int epochs = 1;
    int verbose = 1;  ///< 0 silent, 1 progress bar, 2 one line per epoch (Keras "auto" = 1)
    std::vector<CallbackPtr> callbacks{};
    double validationSplit = 0.0;  ///< the last fraction of the samples, taken before shuffling
    std::optional<ValidationData> validationData{};  ///< overrides validationSplit
    bool shuffle = true;
    std::map<int64_t, double> classWeight{};  ///< single-output models; sparse or one-hot targets
    std::optional<Tensor> sampleWeight{};     ///< one weight per sample
    int initialEpoch = 0;
    int64_t stepsPerEpoch = 0;        ///< 0: all batches
    int64_t validationSteps = 0;      ///< 0: all validation batches
    int64_t validationBatchSize = 0;  ///< 0: batchSize
    int validationFreq = 1;
    std::ostream* progressOut = nullptr;  ///< progress bar stream (stdout)
};

struct EvaluateOptions {
    int64_t batchSize = 32;
    int verbose = 1;
    std::optional<Tensor> sampleWeight{};
    int64_t steps = 0;
    std::vector<CallbackPtr> callbacks{};
    std::ostream* progressOut = nullptr;
};

struct PredictOptions {
    int64_t batchSize = 32;
    int verbose = 1;
    int64_t steps = 0;
    std::vector<CallbackPtr> callbacks{};
    std::ostream* progressOut = nullptr;
};

/// The tensors of one step (Keras's `data` in train_step).
struct StepData {
    std::vector<const Tensor*> x{};
    std::vector<const Tensor*> y{};
    const Tensor* sampleWeight = nullptr;
    int64_t batchSize = 0;
};

// ---- low-level API ------------------------------------------------------------------------------

/// Records a forward pass of a model and gives gradients of a loss with respect to its trainable
/// weights (the role of tf.GradientTape / torch autograd in Keras custom loops).
class GradientTape {
public:
    explicit GradientTape(Model& model);
    ~GradientTape();

    /// Runs the model (building it if needed) and keeps what backward needs. The outputs stay valid
    /// until the next call.
    const Tensors& call(const std::vector<const Tensor*>& inputs, bool training = true);
    const Tensors& call(const Tensor& input, bool training = true);
    const Tensors& outputs() const { return outputs_; }

    /// add_loss values of the last call (activity regularizers, ...).
    const std::vector<float>& addedLosses() const { return addedLosses_; }
    /// Sum of the weight regularization penalties (l1/l2 of trainable weights).
    float regularizationLoss();
    /// addedLosses() + regularizationLoss(): what Keras adds to the compiled loss.
    float extraLosses();

    /// Gradients of sum_k <outputGrads[k], outputs[k]> + extraLosses() w.r.t. trainableWeights(),
    /// in that order (null output gradients: that output does not feed the loss). The returned
    /// tensors are the weights' Variable::grad, overwritten by the next call.
    const std::vector<Tensor*>& gradient(const std::vector<const Tensor*>& outputGrads,
                                         bool includeRegularization = true);
    /// The gradients computed by the last gradient() call (the weights' Variable::grad).
    const std::vector<Tensor*>& gradients() const { return grads_; }
    /// The trainable weights (collected at the first call, or again after refreshWeights()).
    const std::vector<Variable*>& trainableWeights();
    void refreshWeights();

private:
    void collectWeights();
    Model& model_;
    std::unique_ptr<LayerCache> slot_;
    CallContext ctx_;
    std::vector<const Tensor*> inputs_;
    Tensors outputs_;
    Tensors inputGrads_;
    std::vector<float> addedLosses_;
    bool collected_ = false;
    std::vector<Variable*> trainable_;
    std::vector<Variable*> all_;
    std::vector<Tensor*> grads_;
    std::vector<std::pair<Variable*, RegularizerSpec>> regularized_;
};

// ---- trainer ------------------------------------------------------------------------------------

/// Compile state of a model and the fit/evaluate/predict loops. Created by Model::compile.
class Trainer {
public:
    Trainer(Model& model, const CompileOptions& options);
    ~Trainer();

    Model& model() { return model_; }
    Optimizer& optimizer() { return *optimizer_; }
    const OptimizerPtr& optimizerPtr() const { return optimizer_; }
    GradientTape& tape() { return *tape_; }

    History fit(const ArrayData& x, const ArrayData& y, const FitOptions& options);
    Logs evaluate(const ArrayData& x, const ArrayData& y, const EvaluateOptions& options);
    Logs trainOnBatch(const ArrayData& x, const ArrayData& y, const Tensor* sampleWeight);
    Logs testOnBatch(const ArrayData& x, const ArrayData& y, const Tensor* sampleWeight);
    /// predict / predict_on_batch need no compile().
    static std::vector<Tensor> predict(Model& model, const ArrayData& x, const PredictOptions& options);
    static std::vector<Tensor> predictOnBatch(Model& model, const ArrayData& x);

    // ---- building blocks of train/test steps (for custom trainStep overrides) -------------------
    /// The default steps (Keras's train_step / test_step).
    void defaultTrainStep(const StepData& data, Logs& logs);
    void defaultTestStep(const StepData& data, Logs& logs);
    /// Compiled losses (times loss weights) + add_loss + regularization of `yPred` against data.y.
    /// Records the per-output losses. With `withGrads`, outputGrads() then hold d(loss)/d(outputs).
    float computeLoss(const StepData& data, const Tensors& yPred, bool withGrads);
    /// d(total loss)/d(output k), or null for outputs without a loss (after computeLoss).
    const std::vector<const Tensor*>& outputGrads() const { return outputGradPtrs_; }
    /// Updates the loss tracker (weighted by the batch size) and the compiled metrics.
    void updateMetrics(float loss, const StepData& data, const Tensors& yPred);
    void resetMetrics();
    /// Every metric's result, keys sorted as Keras's logs ("accuracy", "loss", ...).
    void metricsResult(Logs& logs);
    /// Loss tracker, compiled metrics, per-output loss trackers (Keras's model.metrics order);
    /// empty before the first step resolved the compiled metrics.
    std::vector<Metric*> metrics();
    /// The compiled metric named `name` (bare or with its output prefix), or null.
    Metric* findMetric(const std::string& name);
    /// Resolves losses and metrics for these targets and predictions (done by the first step).
    void build(const StepData& data, const Tensors& yPred);
    bool built() const { return built_; }
    /// Keras's get_compile_config() for this model.
    Json compileConfig() const { return strata::compileConfig(options_); }
    const CompileOptions& options() const { return options_; }
    /// The output names used for logs and per-output arguments.
    const std::vector<std::string>& outputNames() const { return outputNames_; }

private:
    struct OutputLoss {
        LossPtr loss;
        std::string name;
        std::optional<double> weight;
        std::shared_ptr<Mean> tracker;  // only when there are several losses
    };
    struct OutputMetric {
        size_t output;
        MetricPtr metric;
        std::string logName;
    };

    /// Copies rows (rows[0..count) or, if rows is null, first..first+count) of the arrays into the
    /// reusable batch buffers and points `step` at them.
    void gatherBatch(const std::vector<const Tensor*>& xs, const std::vector<const Tensor*>& ys, const Tensor* sw,
                     const int64_t* rows, int64_t first, int64_t count, StepData& step);
    Logs runEvaluate(const std::vector<const Tensor*>& xs, const std::vector<const Tensor*>& ys, const Tensor* sw,
                     int64_t begin, int64_t end, int64_t batchSize, int64_t steps, CallbackList& callbacks);
    float computeLossImpl(const StepData& data, const Tensors& yPred, bool withGrads, const std::vector<float>& added);
    void collectMetrics();
    std::vector<std::string> targetNames() const;

    Model& model_;
    CompileOptions options_;
    OptimizerPtr optimizer_;
    std::unique_ptr<GradientTape> tape_;
    std::vector<std::string> outputNames_;
    bool built_ = false;
    std::vector<OutputLoss> losses_;      // per output (null loss: none)
    std::vector<OutputMetric> compiled_;  // flat, in Keras order
    std::shared_ptr<Mean> lossTracker_;
    std::vector<Metric*> metricPtrs_;
    std::vector<std::pair<std::string, Metric*>> logOrder_;  // sorted by log name
    // scratch
    Tensors lossGrads_;
    std::vector<const Tensor*> outputGradPtrs_;
    std::vector<Tensor> xb_, yb_;
    Tensor swb_;
    std::vector<int64_t> order_;
    std::vector<int64_t> shapeScratch_;
    StepData step_;
    Logs batchLogs_, emptyLogs_;
    std::unique_ptr<LayerCache> evalSlot_;
    Tensors evalOut_;
    std::vector<float> evalLosses_;
};

}  // namespace strata
