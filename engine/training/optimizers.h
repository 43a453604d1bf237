#pragma once
/// Keras 3 optimizers (keras/src/optimizers/*.py) with Keras's defaults, update rules, gradient
/// clipping (clipnorm / clipvalue / global_clipnorm), decoupled weight decay and learning-rate
/// schedules.
///
/// State lives in named tensors that mirror Keras's optimizer variables, in Keras's order:
/// "adam/iteration", "adam/learning_rate", then per slot kind one tensor per trainable variable
/// ("adam/dense_kernel_momentum", ..., "adam/dense_kernel_velocity", ...). `variables()`,
/// `getWeights()` and `setWeights()` expose them for saving and restoring.
///
/// Each update step reads the gradient and updates the parameter and its slots in one fused loop
/// per variable (weight decay and the update in the same pass); clipping, when enabled, scales the
/// gradients in place first. Nothing is allocated after build().
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/json.h"
#include "engine/core/tensor.h"
#include "engine/layers/layer.h"
#include "engine/training/schedules.h"

namespace strata {

/// A learning rate: a constant or a schedule (Keras accepts either).
struct LearningRate {
    LearningRate(double v = 0.001) : value(v) {}
    LearningRate(float v) : value(v) {}
    LearningRate(int v) : value(v) {}
    template <class S, class = std::enable_if_t<std::is_base_of_v<LearningRateSchedule, S>>>
    LearningRate(std::shared_ptr<S> s) : schedule(std::move(s)) {}
    double value = 0.001;
    SchedulePtr schedule;
};

/// Arguments every Keras optimizer takes.
struct OptimizerOptions {
    std::optional<double> weightDecay;
    std::optional<double> clipnorm;
    std::optional<double> clipvalue;
    std::optional<double> globalClipnorm;
    std::string name;  ///< empty: the class's Keras default ("adam", "SGD", ...)
};

/// One optimizer state tensor with its Keras path ("adam/dense_kernel_momentum").
struct OptimizerVariable {
    std::string path;
    Tensor* value;
};

class Optimizer {
public:
    virtual ~Optimizer();
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    const std::string& className() const { return className_; }
    const std::string& name() const { return name_; }

    /// The learning rate of the next update (the schedule at `iterations()` if there is one).
    double learningRate() const;
    /// Sets a constant rate; throws ValueError if the optimizer was made with a schedule (as Keras).
    void setLearningRate(double lr);
    void setLearningRate(SchedulePtr schedule);
    const SchedulePtr& schedule() const { return schedule_; }

    /// Number of updates applied (Keras's optimizer.iterations).
    int64_t iterations() const { return iterations_; }
    void setIterations(int64_t n);

    /// Creates the slots for these variables (called by the first apply()).
    void build(const std::vector<Variable*>& vars);
    bool built() const { return built_; }
    /// The variables the optimizer was built for.
    const std::vector<Variable*>& trainableVariables() const { return vars_; }

    /// Keras optimizer.apply(grads, vars): one update of every variable with a non-null gradient.
    /// Builds on first use. The gradients are clipped in place when clipping is enabled.
    void apply(const std::vector<Tensor*>& grads, const std::vector<Variable*>& vars);
    /// Same with each variable's own `grad`.
    void apply(const std::vector<Variable*>& vars);

    /// Variables whose name contains one of these strings get no weight decay (before build()).
    void excludeFromWeightDecay(std::vector<std::string> varNames);

    /// How the slots are ordered in variables(): Keras 3.11+ groups them by kind (every momentum,
    /// then every velocity); Keras 3.10 and earlier, whose files we read and whose version we write,
    /// keep each trainable variable's slots together (m0, v0, m1, v1, ...).
    enum class SlotOrder { ByKind, ByVariable };
    /// State tensors in Keras's order (iteration, learning_rate unless a schedule, slots).
    std::vector<OptimizerVariable> variables(SlotOrder order = SlotOrder::ByKind);
    std::vector<Tensor> getWeights(SlotOrder order = SlotOrder::ByKind);
    /// Restores state saved by getWeights() (same count and shapes; throws ValueError otherwise).
    void setWeights(const std::vector<Tensor>& weights, SlotOrder order = SlotOrder::ByKind);

    /// Keras get_config().
    virtual Json getConfig() const;
    /// {"module": "keras.optimizers", "class_name", "config", "registered_name": null}
    Json serialize() const;

    std::optional<double> weightDecay() const { return weightDecay_; }

protected:
    Optimizer(std::string className, std::string defaultName, const LearningRate& lr, const OptimizerOptions& o);
    /// Creates the slot groups (addSlots) for `vars`.
    virtual void buildSlots(const std::vector<Variable*>& vars) {}
    /// One group of per-variable slots named "<var path with _>_<slot>", initialised to `init`.
    std::vector<Tensor>& addSlots(const std::string& slot, const std::vector<Variable*>& vars, float init = 0.0f);
    /// A scalar state tensor "<name>/<slot>" (Nadam's u_product).
    Tensor& addScalar(const std::string& slot, float init);
    /// Called once per apply() before the per-variable updates.
    virtual void beforeUpdates() {}
    /// Updates values [off, off + n) of variable `i` (`w` and `g` point at that range; slots are
    /// indexed with `off`), so that apply() can split a large variable over the pool. `wdlr` =
    /// weight_decay * lr for this variable (0 if none): apply w -= w * wdlr first, in the same pass.
    virtual void updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) = 0;
    /// iterations() + 1, the step number of the update in progress (Keras's local_step).
    double localStep() const { return double(iterations_ + 1); }

private:
    void clipGradients(const std::vector<Tensor*>& grads);
    size_t indexOf(Variable* v) const;

    std::string className_;
    std::string name_;
    SchedulePtr schedule_;
    Tensor lr_;          // scalar, the constant learning rate
    Tensor iteration_;   // scalar mirror of iterations_ (int64 in Keras)
    int64_t iterations_ = 0;
    std::optional<double> weightDecay_, clipnorm_, clipvalue_, globalClipnorm_;
    std::vector<std::string> excludeNames_;
    std::vector<char> decays_;   // per variable
    bool built_ = false;
    std::vector<Variable*> vars_;
    std::unordered_map<const Variable*, size_t> index_;
    struct SlotGroup {
        std::string slot;
        std::vector<Tensor> tensors;
        std::vector<std::string> paths;
    };
    std::vector<std::unique_ptr<SlotGroup>> slots_;
    std::vector<std::pair<std::string, std::unique_ptr<Tensor>>> scalars_;
    std::vector<Tensor*> gradScratch_;
};

using OptimizerPtr = std::shared_ptr<Optimizer>;

/// w -= lr * g; with momentum m = momentum * m - lr * g, w += m (nesterov: w += momentum * m - lr * g).
class SGD : public Optimizer {
public:
    explicit SGD(const LearningRate& lr = 0.01, double momentum = 0.0, bool nesterov = false,
                 const OptimizerOptions& o = {});
    Json getConfig() const override;
protected:
    void buildSlots(const std::vector<Variable*>& vars) override;
    void updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) override;
private:
    float momentum_;
    bool nesterov_;
    std::vector<Tensor>* m_ = nullptr;
};

class RMSprop : public Optimizer {
public:
    explicit RMSprop(const LearningRate& lr = 0.001, double rho = 0.9, double momentum = 0.0, double epsilon = 1e-7,
                     bool centered = false, const OptimizerOptions& o = {});
    Json getConfig() const override;
protected:
    void buildSlots(const std::vector<Variable*>& vars) override;
    void updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) override;
private:
    float rho_, momentum_, epsilon_;
    bool centered_;
    std::vector<Tensor>* velocity_ = nullptr;
    std::vector<Tensor>* momenta_ = nullptr;
    std::vector<Tensor>* averageGrad_ = nullptr;
};

class Adam : public Optimizer {
public:
    explicit Adam(const LearningRate& lr = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7,
                  bool amsgrad = false, const OptimizerOptions& o = {});
    Json getConfig() const override;
protected:
    Adam(std::string className, std::string defaultName, const LearningRate& lr, double beta1, double beta2,
         double epsilon, bool amsgrad, const OptimizerOptions& o);
    void buildSlots(const std::vector<Variable*>& vars) override;
    void updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) override;
private:
    float beta1_, beta2_, epsilon_;
    bool amsgrad_;
    std::vector<Tensor>* m_ = nullptr;
    std::vector<Tensor>* v_ = nullptr;
    std::vector<Tensor>* vhat_ = nullptr;
};

/// Adam with decoupled weight decay (default 0.004), applied as w -= w * weight_decay * lr.
class AdamW : public Adam {
public:
    explicit AdamW(const LearningRate& lr = 0.001, double weightDecay = 0.004, double beta1 = 0.9,
                   double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false, OptimizerOptions o = {});
};

class Adagrad : public Optimizer {
public:
    explicit Adagrad(const LearningRate& lr = 0.001, double initialAccumulatorValue = 0.1, double epsilon = 1e-7,
                     const OptimizerOptions& o = {});
    Json getConfig() const override;
protected:
    void buildSlots(const std::vector<Variable*>& vars) override;
    void updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) override;
private:
    float initial_, epsilon_;
    std::vector<Tensor>* acc_ = nullptr;
};

class Adadelta : public Optimizer {
public:
    explicit Adadelta(const LearningRate& lr = 0.001, double rho = 0.95, double epsilon = 1e-7,
                      const OptimizerOptions& o = {});
    Json getConfig() const override;
protected:
    void buildSlots(const std::vector<Variable*>& vars) override;
    void updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) override;
private:
    float rho_, epsilon_;
    std::vector<Tensor>* accGrad_ = nullptr;
    std::vector<Tensor>* accDelta_ = nullptr;
};

class Adamax : public Optimizer {
public:
    explicit Adamax(const LearningRate& lr = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7,
                    const OptimizerOptions& o = {});
    Json getConfig() const override;
protected:
    void buildSlots(const std::vector<Variable*>& vars) override;
    void updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) override;
private:
    float beta1_, beta2_, epsilon_;
    std::vector<Tensor>* m_ = nullptr;
    std::vector<Tensor>* u_ = nullptr;
};

/// Adam with Nesterov momentum; Keras 3's schedule u_t = beta_1 * (1 - 0.5 * 0.96^t).
class Nadam : public Optimizer {
public:
    explicit Nadam(const LearningRate& lr = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7,
                   const OptimizerOptions& o = {});
    Json getConfig() const override;
protected:
    void buildSlots(const std::vector<Variable*>& vars) override;
    void beforeUpdates() override;
    void updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) override;
private:
    float beta1_, beta2_, epsilon_;
    std::vector<Tensor>* m_ = nullptr;
    std::vector<Tensor>* v_ = nullptr;
    Tensor* uProduct_ = nullptr;
};

/// keras.optimizers.get: a name ("adam", "sgd", "rmsprop", ...; Keras defaults) or a config
/// {"class_name": "Adam", "config": {...}} (learning_rate may be a serialized schedule).
OptimizerPtr makeOptimizer(const Json& identifier);

}  // namespace strata
