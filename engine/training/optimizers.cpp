// Eigen's AVX-512 sqrt packet trips a spurious -Wmaybe-uninitialized inside GCC's own intrinsics
// header (_mm512_undefined_ps); silence it for this file's inlined copies only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "engine/training/optimizers.h"

#include "engine/core/parallel.h"

#include <algorithm>
#include <cmath>

#include "engine/core/errors.h"

namespace strata {

namespace {
// GCC does not auto-vectorize loops that call sqrt unless built with -fno-math-errno, so the
// updates that need sqrt run as Eigen array expressions (explicit SIMD) over blocks small enough
// to stay in L1: every parameter and slot is still read and written once from memory per step.
constexpr int64_t kBlock = 1024;
using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;
}  // namespace

// ---- base ---------------------------------------------------------------------------------------

Optimizer::Optimizer(std::string className, std::string defaultName, const LearningRate& lr, const OptimizerOptions& o)
    : className_(std::move(className)), name_(o.name.empty() ? std::move(defaultName) : o.name),
      schedule_(lr.schedule), weightDecay_(o.weightDecay), clipnorm_(o.clipnorm), clipvalue_(o.clipvalue),
      globalClipnorm_(o.globalClipnorm) {
    int clips = int(bool(clipnorm_)) + int(bool(clipvalue_)) + int(bool(globalClipnorm_));
    if (clips > 1)
        throw ValueError("Optimizer '" + name_ + "': only one of clipnorm, clipvalue and global_clipnorm can be set");
    lr_ = Tensor::scalar(static_cast<float>(lr.value));
    iteration_ = Tensor::scalar(0.0f);
    iteration_.setDType(DType::Int32);
}

Optimizer::~Optimizer() = default;

double Optimizer::learningRate() const {
    if (schedule_) return (*schedule_)(iterations_);
    return lr_[0];
}

void Optimizer::setLearningRate(double lr) {
    if (schedule_)
        throw ValueError("Optimizer '" + name_ +
                         "' was created with a LearningRateSchedule, so its learning rate cannot be set; "
                         "create it with a float learning rate instead");
    lr_[0] = static_cast<float>(lr);
}

void Optimizer::setLearningRate(SchedulePtr schedule) {
    if (!schedule) throw ValueError("Optimizer '" + name_ + "': null learning-rate schedule");
    schedule_ = std::move(schedule);
}

void Optimizer::setIterations(int64_t n) {
    iterations_ = n;
    iteration_[0] = float(n);
}

void Optimizer::excludeFromWeightDecay(std::vector<std::string> varNames) {
    if (built_) throw ValueError("Optimizer '" + name_ + "': excludeFromWeightDecay() must be called before build()");
    excludeNames_ = std::move(varNames);
}

std::vector<Tensor>& Optimizer::addSlots(const std::string& slot, const std::vector<Variable*>& vars, float init) {
    auto g = std::make_unique<SlotGroup>();
    g->slot = slot;
    for (Variable* v : vars) {
        g->tensors.emplace_back(v->value.shape(), init);
        std::string p = v->path();
        std::replace(p.begin(), p.end(), '/', '_');
        g->paths.push_back(name_ + "/" + p + "_" + slot);
    }
    slots_.push_back(std::move(g));
    return slots_.back()->tensors;
}

Tensor& Optimizer::addScalar(const std::string& slot, float init) {
    scalars_.emplace_back(name_ + "/" + slot, std::make_unique<Tensor>(Tensor::scalar(init)));
    return *scalars_.back().second;
}

void Optimizer::build(const std::vector<Variable*>& vars) {
    if (built_) return;
    vars_ = vars;
    index_.clear();
    decays_.assign(vars.size(), 0);
    for (size_t i = 0; i < vars.size(); ++i) {
        if (!vars[i]) throw ValueError("Optimizer '" + name_ + "': null variable at index " + std::to_string(i));
        index_[vars[i]] = i;
        bool decay = weightDecay_.has_value();
        for (const auto& s : excludeNames_)
            if (!s.empty() && vars[i]->name.find(s) != std::string::npos) decay = false;
        decays_[i] = decay;
    }
    buildSlots(vars);
    gradScratch_.reserve(vars.size());
    built_ = true;
}

size_t Optimizer::indexOf(Variable* v) const {
    auto it = index_.find(v);
    if (it == index_.end())
        throw ValueError("Optimizer '" + name_ + "': unknown variable '" + (v ? v->path() : std::string("null")) +
                         "'; an optimizer can only update the variables it was built with (create a new "
                         "optimizer for new variables)");
    return it->second;
}

void Optimizer::clipGradients(const std::vector<Tensor*>& grads) {
    if (clipnorm_ && *clipnorm_ > 0) {
        const double c = *clipnorm_;
        for (Tensor* g : grads) {
            if (!g) continue;
            double s = 0;
            for (float x : g->values()) s += double(x) * x;
            double norm = s > 0 ? std::sqrt(s) : 0.0;
            float scale = static_cast<float>(c / std::max(norm, c));
            if (scale != 1.0f) g->vector() *= scale;
        }
    } else if (globalClipnorm_ && *globalClipnorm_ > 0) {
        const double c = *globalClipnorm_;
        double s = 0;
        for (Tensor* g : grads)
            if (g)
                for (float x : g->values()) s += double(x) * x;
        double norm = std::sqrt(s);
        // Keras: clip_norm * min(1/norm, 1/clip_norm), NaN for a non-finite norm.
        double scale = c * std::min(1.0 / norm, 1.0 / c) + (norm - norm);
        if (scale != 1.0)
            for (Tensor* g : grads)
                if (g) g->vector() *= static_cast<float>(scale);
    } else if (clipvalue_ && *clipvalue_ > 0) {
        const float v = static_cast<float>(*clipvalue_);
        for (Tensor* g : grads)
            if (g)
                for (float& x : g->values()) x = std::clamp(x, -v, v);
    }
}

void Optimizer::apply(const std::vector<Tensor*>& grads, const std::vector<Variable*>& vars) {
    if (grads.size() != vars.size())
        throw ValueError("Optimizer '" + name_ + "': got " + std::to_string(grads.size()) + " gradients for " +
                         std::to_string(vars.size()) + " variables");
    if (grads.empty()) return;
    if (!built_) build(vars);
    bool any = false;
    for (size_t k = 0; k < grads.size(); ++k) {
        if (!grads[k]) continue;
        any = true;
        if (grads[k]->size() != vars[k]->value.size())
            throw ShapeError("Optimizer '" + name_ + "': gradient of shape " + grads[k]->shapeString() +
                             " for variable '" + vars[k]->path() + "' of shape " + vars[k]->value.shapeString());
    }
    if (!any) throw ValueError("Optimizer '" + name_ + "': no gradients provided for any variable");
    clipGradients(grads);
    const float lr = static_cast<float>(learningRate());
    const float wd = weightDecay_ ? static_cast<float>(*weightDecay_) : 0.0f;
    beforeUpdates();
    // Fast path: the variables the optimizer was built with, in the same order.
    const bool same = vars.size() == vars_.size() && std::equal(vars.begin(), vars.end(), vars_.begin());
    for (size_t k = 0; k < vars.size(); ++k) {
        if (!grads[k]) continue;
        const size_t i = same ? k : indexOf(vars[k]);
        Variable* v = vars[k];
        float* w = v->value.data();
        const float* g = grads[k]->data();
        const float wdlr = decays_[i] ? wd * lr : 0.0f;
        // Elementwise and memory-bound (weights, gradient and slots streamed once): large
        // variables are split over the pool, since one core cannot saturate the memory bus.
        const int64_t n = v->value.size();
        parallelFor(n, partsFor(n / 8192, 8.0 * double(n)), [&](int, int64_t b, int64_t e) {
            updateStep(i, b, w + b, g + b, e - b, lr, wdlr);
        });
    }
    setIterations(iterations_ + 1);
}

void Optimizer::apply(const std::vector<Variable*>& vars) {
    gradScratch_.clear();
    for (Variable* v : vars) gradScratch_.push_back(v ? &v->grad : nullptr);
    apply(gradScratch_, vars);
}

std::vector<OptimizerVariable> Optimizer::variables(SlotOrder order) {
    std::vector<OptimizerVariable> out;
    out.push_back({name_ + "/iteration", &iteration_});
    if (!schedule_) out.push_back({name_ + "/learning_rate", &lr_});
    if (order == SlotOrder::ByKind) {
        for (auto& g : slots_)
            for (size_t i = 0; i < g->tensors.size(); ++i) out.push_back({g->paths[i], &g->tensors[i]});
    } else {
        for (size_t i = 0; i < vars_.size(); ++i)
            for (auto& g : slots_)
                if (i < g->tensors.size()) out.push_back({g->paths[i], &g->tensors[i]});
    }
    for (auto& [p, t] : scalars_) out.push_back({p, t.get()});
    return out;
}

std::vector<Tensor> Optimizer::getWeights(SlotOrder order) {
    std::vector<Tensor> out;
    for (auto& v : variables(order)) out.push_back(*v.value);
    return out;
}

void Optimizer::setWeights(const std::vector<Tensor>& weights, SlotOrder order) {
    auto vars = variables(order);
    if (weights.size() != vars.size())
        throw ValueError("Optimizer '" + name_ + "' has " + std::to_string(vars.size()) + " variables" +
                         (built_ ? "" : " (it is not built yet)") + ", got " + std::to_string(weights.size()) +
                         " values");
    for (size_t i = 0; i < vars.size(); ++i)
        if (vars[i].value->size() != weights[i].size())
            throw ValueError("Optimizer variable '" + vars[i].path + "' has shape " + vars[i].value->shapeString() +
                             ", got " + weights[i].shapeString());
    for (size_t i = 0; i < vars.size(); ++i) {
        DType dt = vars[i].value->dtype();
        auto shape = vars[i].value->shape();
        *vars[i].value = weights[i];
        vars[i].value->reshapeInPlace(shape);
        vars[i].value->setDType(dt);
    }
    iterations_ = static_cast<int64_t>(std::llround(iteration_[0]));
}

Json Optimizer::getConfig() const {
    auto opt = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
    Json lr = schedule_ ? schedule_->serialize() : Json(double(lr_[0]));
    return Json{{"name", name_},
                {"learning_rate", lr},
                {"weight_decay", opt(weightDecay_)},
                {"clipnorm", opt(clipnorm_)},
                {"global_clipnorm", opt(globalClipnorm_)},
                {"clipvalue", opt(clipvalue_)},
                {"use_ema", false},
                {"ema_momentum", 0.99},
                {"ema_overwrite_frequency", nullptr},
                {"loss_scale_factor", nullptr},
                {"gradient_accumulation_steps", nullptr}};
}

Json Optimizer::serialize() const {
    return Json{{"module", "keras.optimizers"}, {"class_name", className_}, {"config", getConfig()},
                {"registered_name", nullptr}};
}

// ---- SGD ----------------------------------------------------------------------------------------

SGD::SGD(const LearningRate& lr, double momentum, bool nesterov, const OptimizerOptions& o)
    : Optimizer("SGD", "SGD", lr, o), momentum_(static_cast<float>(momentum)), nesterov_(nesterov) {
    if (momentum < 0 || momentum > 1) throw ValueError("SGD: momentum must be a float between [0, 1]");
}

Json SGD::getConfig() const {
    Json j = Optimizer::getConfig();
    j["momentum"] = double(momentum_);
    j["nesterov"] = nesterov_;
    return j;
}

void SGD::buildSlots(const std::vector<Variable*>& vars) {
    if (momentum_ != 0.0f) m_ = &addSlots("momentum", vars);
}

void SGD::updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) {
    if (!m_) {
        for (int64_t k = 0; k < n; ++k) w[k] = (w[k] - w[k] * wdlr) - g[k] * lr;
        return;
    }
    float* m = (*m_)[i].data() + off;
    const float mu = momentum_;
    if (nesterov_) {
        for (int64_t k = 0; k < n; ++k) {
            float mk = m[k] * mu - g[k] * lr;
            m[k] = mk;
            w[k] = (w[k] - w[k] * wdlr) + (mk * mu - g[k] * lr);
        }
    } else {
        for (int64_t k = 0; k < n; ++k) {
            float mk = m[k] * mu - g[k] * lr;
            m[k] = mk;
            w[k] = (w[k] - w[k] * wdlr) + mk;
        }
    }
}

// ---- RMSprop ------------------------------------------------------------------------------------

RMSprop::RMSprop(const LearningRate& lr, double rho, double momentum, double epsilon, bool centered,
                 const OptimizerOptions& o)
    : Optimizer("RMSprop", "rmsprop", lr, o), rho_(static_cast<float>(rho)), momentum_(static_cast<float>(momentum)),
      epsilon_(static_cast<float>(epsilon)), centered_(centered) {}

Json RMSprop::getConfig() const {
    Json j = Optimizer::getConfig();
    j["rho"] = double(rho_);
    j["momentum"] = double(momentum_);
    j["epsilon"] = double(epsilon_);
    j["centered"] = centered_;
    return j;
}

void RMSprop::buildSlots(const std::vector<Variable*>& vars) {
    velocity_ = &addSlots("velocity", vars);
    if (momentum_ > 0) momenta_ = &addSlots("momentum", vars);
    if (centered_) averageGrad_ = &addSlots("average_gradient", vars);
}

void RMSprop::updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) {
    float* vel = (*velocity_)[i].data() + off;
    float* mom = momenta_ ? (*momenta_)[i].data() + off : nullptr;
    float* avg = averageGrad_ ? (*averageGrad_)[i].data() + off : nullptr;
    const float rho = rho_, orho = 1.0f - rho_, eps = epsilon_, mu = momentum_;
    for (int64_t s = 0; s < n; s += kBlock) {
        const int64_t len = std::min(kBlock, n - s);
        ArrayMap W(w + s, len), V(vel + s, len);
        ConstArrayMap G(g + s, len);
        V = rho * V + orho * G.square();
        if (wdlr != 0.0f) W -= W * wdlr;
        if (avg) {
            ArrayMap A(avg + s, len);
            A = rho * A + orho * G;
            if (mom) {
                ArrayMap M(mom + s, len);
                M = mu * M + (lr * G) / (V - A.square() + eps).sqrt();
                W -= M;
            } else {
                W -= (lr * G) / (V - A.square() + eps).sqrt();
            }
        } else if (mom) {
            ArrayMap M(mom + s, len);
            M = mu * M + (lr * G) / (V + eps).sqrt();
            W -= M;
        } else {
            W -= (lr * G) / (V + eps).sqrt();
        }
    }
}

// ---- Adam / AdamW -------------------------------------------------------------------------------

Adam::Adam(const LearningRate& lr, double beta1, double beta2, double epsilon, bool amsgrad, const OptimizerOptions& o)
    : Adam("Adam", "adam", lr, beta1, beta2, epsilon, amsgrad, o) {}

Adam::Adam(std::string className, std::string defaultName, const LearningRate& lr, double beta1, double beta2,
           double epsilon, bool amsgrad, const OptimizerOptions& o)
    : Optimizer(std::move(className), std::move(defaultName), lr, o), beta1_(static_cast<float>(beta1)),
      beta2_(static_cast<float>(beta2)), epsilon_(static_cast<float>(epsilon)), amsgrad_(amsgrad) {}

Json Adam::getConfig() const {
    Json j = Optimizer::getConfig();
    j["beta_1"] = double(beta1_);
    j["beta_2"] = double(beta2_);
    j["epsilon"] = double(epsilon_);
    j["amsgrad"] = amsgrad_;
    return j;
}

void Adam::buildSlots(const std::vector<Variable*>& vars) {
    m_ = &addSlots("momentum", vars);
    v_ = &addSlots("velocity", vars);
    if (amsgrad_) vhat_ = &addSlots("velocity_hat", vars);
}

void Adam::updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) {
    const double t = localStep();
    const float b1p = static_cast<float>(std::pow(double(beta1_), t));
    const float b2p = static_cast<float>(std::pow(double(beta2_), t));
    const float alpha = lr * std::sqrt(1.0f - b2p) / (1.0f - b1p);
    const float ob1 = 1.0f - beta1_, ob2 = 1.0f - beta2_, eps = epsilon_;
    float* m = (*m_)[i].data() + off;
    float* v = (*v_)[i].data() + off;
    float* vh = vhat_ ? (*vhat_)[i].data() + off : nullptr;
    for (int64_t s = 0; s < n; s += kBlock) {
        const int64_t len = std::min(kBlock, n - s);
        ArrayMap W(w + s, len), M(m + s, len), V(v + s, len);
        ConstArrayMap G(g + s, len);
        M += (G - M) * ob1;
        V += (G.square() - V) * ob2;
        if (wdlr != 0.0f) W -= W * wdlr;
        if (vh) {
            ArrayMap H(vh + s, len);
            H = H.max(V);
            W -= (M * alpha) / (H.sqrt() + eps);
        } else {
            W -= (M * alpha) / (V.sqrt() + eps);
        }
    }
}

namespace {
OptimizerOptions withWeightDecay(OptimizerOptions o, double wd) {
    o.weightDecay = wd;
    return o;
}
}  // namespace

AdamW::AdamW(const LearningRate& lr, double weightDecay, double beta1, double beta2, double epsilon, bool amsgrad,
             OptimizerOptions o)
    : Adam("AdamW", "adamw", lr, beta1, beta2, epsilon, amsgrad, withWeightDecay(std::move(o), weightDecay)) {}

// ---- Adagrad ------------------------------------------------------------------------------------

Adagrad::Adagrad(const LearningRate& lr, double initialAccumulatorValue, double epsilon, const OptimizerOptions& o)
    : Optimizer("Adagrad", "adagrad", lr, o), initial_(static_cast<float>(initialAccumulatorValue)),
      epsilon_(static_cast<float>(epsilon)) {
    if (initialAccumulatorValue < 0) throw ValueError("Adagrad: initial_accumulator_value must be non-negative");
}

Json Adagrad::getConfig() const {
    Json j = Optimizer::getConfig();
    j["initial_accumulator_value"] = double(initial_);
    j["epsilon"] = double(epsilon_);
    return j;
}

void Adagrad::buildSlots(const std::vector<Variable*>& vars) { acc_ = &addSlots("accumulator", vars, initial_); }

void Adagrad::updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) {
    float* a = (*acc_)[i].data() + off;
    const float eps = epsilon_;
    for (int64_t s = 0; s < n; s += kBlock) {
        const int64_t len = std::min(kBlock, n - s);
        ArrayMap W(w + s, len), A(a + s, len);
        ConstArrayMap G(g + s, len);
        A += G.square();
        if (wdlr != 0.0f) W -= W * wdlr;
        W -= (lr * G) / (A + eps).sqrt();
    }
}

// ---- Adadelta -----------------------------------------------------------------------------------

Adadelta::Adadelta(const LearningRate& lr, double rho, double epsilon, const OptimizerOptions& o)
    : Optimizer("Adadelta", "adadelta", lr, o), rho_(static_cast<float>(rho)), epsilon_(static_cast<float>(epsilon)) {}

Json Adadelta::getConfig() const {
    Json j = Optimizer::getConfig();
    j["rho"] = double(rho_);
    j["epsilon"] = double(epsilon_);
    return j;
}

void Adadelta::buildSlots(const std::vector<Variable*>& vars) {
    accGrad_ = &addSlots("accumulated_grad", vars);
    accDelta_ = &addSlots("accumulated_delta_var", vars);
}

void Adadelta::updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) {
    float* ag = (*accGrad_)[i].data() + off;
    float* ad = (*accDelta_)[i].data() + off;
    const float rho = rho_, orho = 1.0f - rho_, eps = epsilon_;
    float delta[kBlock];
    for (int64_t s = 0; s < n; s += kBlock) {
        const int64_t len = std::min(kBlock, n - s);
        ArrayMap W(w + s, len), AG(ag + s, len), AD(ad + s, len), D(delta, len);
        ConstArrayMap G(g + s, len);
        AG = rho * AG + orho * G.square();
        D = -((AD + eps).sqrt() * G) / (AG + eps).sqrt();
        AD = rho * AD + orho * D.square();
        if (wdlr != 0.0f) W -= W * wdlr;
        W += lr * D;
    }
}

// ---- Adamax -------------------------------------------------------------------------------------

Adamax::Adamax(const LearningRate& lr, double beta1, double beta2, double epsilon, const OptimizerOptions& o)
    : Optimizer("Adamax", "adamax", lr, o), beta1_(static_cast<float>(beta1)), beta2_(static_cast<float>(beta2)),
      epsilon_(static_cast<float>(epsilon)) {}

Json Adamax::getConfig() const {
    Json j = Optimizer::getConfig();
    j["beta_1"] = double(beta1_);
    j["beta_2"] = double(beta2_);
    j["epsilon"] = double(epsilon_);
    return j;
}

void Adamax::buildSlots(const std::vector<Variable*>& vars) {
    m_ = &addSlots("momentum", vars);
    u_ = &addSlots("norm", vars);
}

void Adamax::updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) {
    const float b1p = static_cast<float>(std::pow(double(beta1_), localStep()));
    const float ob1 = 1.0f - beta1_, b2 = beta2_, eps = epsilon_, denomScale = 1.0f - b1p;
    float* m = (*m_)[i].data() + off;
    float* u = (*u_)[i].data() + off;
    for (int64_t k = 0; k < n; ++k) {
        const float gk = g[k];
        const float mk = m[k] + (gk - m[k]) * ob1;
        const float uk = std::max(b2 * u[k], std::fabs(gk));
        m[k] = mk;
        u[k] = uk;
        w[k] = (w[k] - w[k] * wdlr) - (lr * mk) / (denomScale * (uk + eps));
    }
}

// ---- Nadam --------------------------------------------------------------------------------------

Nadam::Nadam(const LearningRate& lr, double beta1, double beta2, double epsilon, const OptimizerOptions& o)
    : Optimizer("Nadam", "nadam", lr, o), beta1_(static_cast<float>(beta1)), beta2_(static_cast<float>(beta2)),
      epsilon_(static_cast<float>(epsilon)) {}

Json Nadam::getConfig() const {
    Json j = Optimizer::getConfig();
    j["beta_1"] = double(beta1_);
    j["beta_2"] = double(beta2_);
    j["epsilon"] = double(epsilon_);
    return j;
}

void Nadam::buildSlots(const std::vector<Variable*>& vars) {
    m_ = &addSlots("momentum", vars);
    v_ = &addSlots("velocity", vars);
    uProduct_ = &addScalar("u_product", 1.0f);
}

void Nadam::beforeUpdates() {
    const double t = localStep();
    (*uProduct_)[0] = static_cast<float>((*uProduct_)[0] * beta1_ * (1.0 - 0.5 * std::pow(0.96, t)));
}

void Nadam::updateStep(size_t i, int64_t off, float* w, const float* g, int64_t n, float lr, float wdlr) {
    const double t = localStep();
    const float ut = static_cast<float>(beta1_ * (1.0 - 0.5 * std::pow(0.96, t)));
    const float ut1 = static_cast<float>(beta1_ * (1.0 - 0.5 * std::pow(0.96, t + 1)));
    const float up = (*uProduct_)[0];
    const float up1 = up * ut1;
    const float b2p = static_cast<float>(std::pow(double(beta2_), t));
    const float ob1 = 1.0f - beta1_, ob2 = 1.0f - beta2_, eps = epsilon_;
    const float cm = ut1 / (1.0f - up1), cg = (1.0f - ut) / (1.0f - up), cv = 1.0f / (1.0f - b2p);
    float* m = (*m_)[i].data() + off;
    float* v = (*v_)[i].data() + off;
    for (int64_t s = 0; s < n; s += kBlock) {
        const int64_t len = std::min(kBlock, n - s);
        ArrayMap W(w + s, len), M(m + s, len), V(v + s, len);
        ConstArrayMap G(g + s, len);
        M += (G - M) * ob1;
        V += (G.square() - V) * ob2;
        if (wdlr != 0.0f) W -= W * wdlr;
        W -= ((cm * M + cg * G) * lr) / ((V * cv).sqrt() + eps);
    }
}

// ---- lookup -------------------------------------------------------------------------------------

OptimizerPtr makeOptimizer(const Json& identifier) {
    std::string cls;
    Json c = Json::object();
    if (identifier.is_string()) {
        cls = identifier.get<std::string>();
    } else if (identifier.is_object() && identifier.contains("class_name") && identifier["class_name"].is_string()) {
        cls = identifier["class_name"].get<std::string>();
        if (identifier.contains("config") && identifier["config"].is_object()) c = identifier["config"];
    } else {
        throw ValueError("an optimizer must be a Keras optimizer name or a {\"class_name\", \"config\"} object, got " +
                         identifier.dump());
    }
    std::string lower = cls;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto num = [&](const char* k, double d) { return c.contains(k) && c[k].is_number() ? c[k].get<double>() : d; };
    auto optNum = [&](const char* k) -> std::optional<double> {
        if (c.contains(k) && c[k].is_number()) return c[k].get<double>();
        return std::nullopt;
    };
    auto boolean = [&](const char* k, bool d) { return c.contains(k) && c[k].is_boolean() ? c[k].get<bool>() : d; };
    OptimizerOptions o;
    o.weightDecay = optNum("weight_decay");
    o.clipnorm = optNum("clipnorm");
    o.clipvalue = optNum("clipvalue");
    o.globalClipnorm = optNum("global_clipnorm");
    if (c.contains("name") && c["name"].is_string()) o.name = c["name"].get<std::string>();
    auto lrOr = [&](double def) -> LearningRate {
        if (c.contains("learning_rate") && c["learning_rate"].is_object()) return LearningRate(makeSchedule(c["learning_rate"]));
        return LearningRate(num("learning_rate", def));
    };
    if (lower == "sgd") return std::make_shared<SGD>(lrOr(0.01), num("momentum", 0.0), boolean("nesterov", false), o);
    if (lower == "rmsprop")
        return std::make_shared<RMSprop>(lrOr(0.001), num("rho", 0.9), num("momentum", 0.0), num("epsilon", 1e-7),
                                         boolean("centered", false), o);
    if (lower == "adam")
        return std::make_shared<Adam>(lrOr(0.001), num("beta_1", 0.9), num("beta_2", 0.999), num("epsilon", 1e-7),
                                      boolean("amsgrad", false), o);
    if (lower == "adamw")
        return std::make_shared<AdamW>(lrOr(0.001), o.weightDecay.value_or(0.004), num("beta_1", 0.9),
                                       num("beta_2", 0.999), num("epsilon", 1e-7), boolean("amsgrad", false), o);
    if (lower == "adagrad")
        return std::make_shared<Adagrad>(lrOr(0.001), num("initial_accumulator_value", 0.1), num("epsilon", 1e-7), o);
    if (lower == "adadelta") return std::make_shared<Adadelta>(lrOr(0.001), num("rho", 0.95), num("epsilon", 1e-7), o);
    if (lower == "adamax")
        return std::make_shared<Adamax>(lrOr(0.001), num("beta_1", 0.9), num("beta_2", 0.999), num("epsilon", 1e-7), o);
    if (lower == "nadam")
        return std::make_shared<Nadam>(lrOr(0.001), num("beta_1", 0.9), num("beta_2", 0.999), num("epsilon", 1e-7), o);
    throw ValueError("unknown optimizer '" + cls + "' (known: sgd, rmsprop, adam, adamw, adagrad, adadelta, adamax, nadam)");
}

}  // namespace strata
