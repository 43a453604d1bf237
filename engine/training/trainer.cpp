#include "engine/training/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "engine/core/errors.h"
#include "engine/core/random.h"

namespace strata {

// ---- ArrayData ----------------------------------------------------------------------------------

namespace {
std::shared_ptr<const Tensor> borrow(const Tensor& t) { return std::shared_ptr<const Tensor>(&t, [](const Tensor*) {}); }
std::string joinNames(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& n : v) s += (s.empty() ? "" : ", ") + ("'" + n + "'");
    return s;
}
}  // namespace

ArrayData::ArrayData(const Tensor& t) { list_.push_back(borrow(t)); }
ArrayData::ArrayData(Tensor&& t) { list_.push_back(std::make_shared<const Tensor>(std::move(t))); }
ArrayData::ArrayData(const std::vector<Tensor>& list) {
    for (const auto& t : list) list_.push_back(borrow(t));
}
ArrayData::ArrayData(std::vector<Tensor>&& list) {
    for (auto& t : list) list_.push_back(std::make_shared<const Tensor>(std::move(t)));
}
ArrayData::ArrayData(const NamedArrays& named) {
    for (const auto& [k, t] : named) named_.emplace_back(k, borrow(t));
}
ArrayData::ArrayData(NamedArrays&& named) {
    for (auto& [k, t] : named) named_.emplace_back(k, std::make_shared<const Tensor>(std::move(t)));
}

std::vector<const Tensor*> ArrayData::resolve(const std::vector<std::string>& names, const std::string& what) const {
    std::vector<const Tensor*> out;
    if (named()) {
        if (names.empty())
            throw ValueError("arrays given by name, but the model's " + what + " names are not known yet (build it first)");
        for (const auto& [k, t] : named_)
            if (std::find(names.begin(), names.end(), k) == names.end())
                throw ValueError("the " + what + " array '" + k + "' does not match any model " + what + " (" +
                                 joinNames(names) + ")");
        for (const auto& n : names) {
            const Tensor* found = nullptr;
            for (const auto& [k, t] : named_)
                if (k == n) found = t.get();
            if (!found && what == "input")
                throw ValueError("missing input array '" + n + "' (model inputs: " + joinNames(names) + ")");
            out.push_back(found);  // a missing target: that output gets no loss or metric
        }
        return out;
    }
    if (!names.empty() && list_.size() != names.size())
        throw ValueError("the model has " + std::to_string(names.size()) + " " + what + "(s) (" + joinNames(names) +
                         "), got " + std::to_string(list_.size()) + " " + what + " array(s)");
    for (const auto& t : list_) out.push_back(t.get());
    return out;
}

// ---- compile config -----------------------------------------------------------------------------

namespace {

Json serializeLoss(const LossSpec& l) {
    if (l.object)
        return Json{{"module", "keras.losses"}, {"class_name", l.object->className()}, {"config", l.object->getConfig()},
                    {"registered_name", nullptr}};
    return l.id;
}

Json serializeMetric(const MetricSpec& m) {
    if (m.object)
        return Json{{"module", "keras.metrics"}, {"class_name", m.object->className()}, {"config", m.object->getConfig()},
                    {"registered_name", nullptr}};
    return m.id;
}

Json serializeMetricList(const MetricList& l) {
    Json a = Json::array();
    for (const auto& m : l) a.push_back(serializeMetric(m));
    return a;
}

bool isSerializedObject(const Json& j) { return j.is_object() && j.contains("class_name"); }

LossSpec lossFromJson(const Json& j) {
    if (j.is_null()) return LossSpec();
    if (j.is_string()) return LossSpec(j.get<std::string>());
    if (isSerializedObject(j)) return LossSpec(j);
    throw ValueError("compile_config: cannot read the loss " + j.dump());
}

MetricSpec metricFromJson(const Json& j) {
    if (j.is_string()) return MetricSpec(j.get<std::string>());
    if (isSerializedObject(j)) return MetricSpec(j);
    throw ValueError("compile_config: cannot read the metric " + j.dump());
}

MetricList metricListFromJson(const Json& j) {
    MetricList l;
    if (j.is_array())
        for (const auto& e : j)
            if (!e.is_null()) l.push_back(metricFromJson(e));
    if (j.is_string() || isSerializedObject(j)) l.push_back(metricFromJson(j));
    return l;
}

}  // namespace

Json compileConfig(const CompileOptions& o) {
    Json c = Json::object();
    c["optimizer"] = o.optimizer.object ? o.optimizer.object->serialize() : o.optimizer.id;
    switch (o.loss.kind) {
        case LossArg::Kind::None: c["loss"] = nullptr; break;
        case LossArg::Kind::Single: c["loss"] = serializeLoss(o.loss.single); break;
        case LossArg::Kind::List: {
            Json a = Json::array();
            for (const auto& l : o.loss.list) a.push_back(serializeLoss(l));
            c["loss"] = a;
            break;
        }
        case LossArg::Kind::Map: {
            Json m = Json::object();
            for (const auto& [k, l] : o.loss.map) m[k] = serializeLoss(l);
            c["loss"] = m;
            break;
        }
    }
    switch (o.lossWeights.kind) {
        case LossWeights::Kind::None: c["loss_weights"] = nullptr; break;
        case LossWeights::Kind::Scalar: c["loss_weights"] = o.lossWeights.scalar; break;
        case LossWeights::Kind::List: c["loss_weights"] = o.lossWeights.list; break;
        case LossWeights::Kind::Map: c["loss_weights"] = o.lossWeights.map; break;
    }
    switch (o.metrics.kind) {
        case MetricArg::Kind::None: c["metrics"] = nullptr; break;
        case MetricArg::Kind::Flat: c["metrics"] = serializeMetricList(o.metrics.flat); break;
        case MetricArg::Kind::PerOutput: {
            Json a = Json::array();
            for (const auto& l : o.metrics.perOutput) a.push_back(serializeMetricList(l));
            c["metrics"] = a;
            break;
        }
        case MetricArg::Kind::Map: {
            Json m = Json::object();
            for (const auto& [k, l] : o.metrics.map) m[k] = serializeMetricList(l);
            c["metrics"] = m;
            break;
        }
    }
    c["weighted_metrics"] = nullptr;
    c["run_eagerly"] = false;
    c["steps_per_execution"] = 1;
    c["jit_compile"] = false;
    return c;
}

CompileOptions compileOptionsFromConfig(const Json& c) {
    if (!c.is_object()) throw ValueError("compile_config must be a JSON object, got " + c.dump());
    CompileOptions o;
    if (c.contains("optimizer") && !c["optimizer"].is_null())
        o.optimizer = c["optimizer"].is_string() ? OptimizerArg(c["optimizer"].get<std::string>()) : OptimizerArg(c["optimizer"]);
    const Json loss = c.value("loss", Json());
    if (loss.is_array()) {
        LossList l;
        for (const auto& e : loss) l.push_back(lossFromJson(e));
        o.loss = l;
    } else if (loss.is_object() && !isSerializedObject(loss)) {
        LossMap m;
        for (auto it = loss.begin(); it != loss.end(); ++it) m[it.key()] = lossFromJson(it.value());
        o.loss = m;
    } else {
        o.loss = LossArg(lossFromJson(loss));
    }
    const Json lw = c.value("loss_weights", Json());
    if (lw.is_number()) o.lossWeights = lw.get<double>();
    else if (lw.is_array()) o.lossWeights = lw.get<std::vector<double>>();
    else if (lw.is_object()) o.lossWeights = lw.get<std::map<std::string, double>>();
    const Json m = c.value("metrics", Json());
    if (m.is_array()) {
        bool nested = std::any_of(m.begin(), m.end(), [](const Json& e) { return e.is_array(); });
        if (nested) {
            std::vector<MetricList> per;
            for (const auto& e : m) per.push_back(metricListFromJson(e));
            o.metrics = per;
        } else {
            o.metrics = metricListFromJson(m);
        }
    } else if (m.is_object() && !isSerializedObject(m)) {
        MetricMap mm;
        for (auto it = m.begin(); it != m.end(); ++it) mm[it.key()] = metricListFromJson(it.value());
        o.metrics = mm;
    } else if (!m.is_null()) {
        o.metrics = metricListFromJson(m);
    }
    return o;
}

// ---- GradientTape -------------------------------------------------------------------------------

GradientTape::GradientTape(Model& model) : model_(model) {
    ctx_.cacheSlot = &slot_;
    ctx_.losses = &addedLosses_;
}

GradientTape::~GradientTape() = default;

void GradientTape::refreshWeights() { collected_ = false; }

void GradientTape::collectWeights() {
    trainable_ = model_.trainableWeights();
    all_ = model_.weights();
    grads_.clear();
    regularized_.clear();
    for (Variable* v : trainable_) {
        grads_.push_back(&v->grad);
        if (!v->regularizer.is_null()) {
            RegularizerSpec r = parseRegularizer(v->regularizer);
            if (r.active()) regularized_.emplace_back(v, r);
        }
    }
    for (Variable* v : all_)
        if (v->grad.shape() != v->value.shape()) v->grad.resize(v->value.shape(), 0.0f);
    collected_ = true;
}

const std::vector<Variable*>& GradientTape::trainableWeights() {
    if (!collected_) collectWeights();
    return trainable_;
}

const Tensors& GradientTape::call(const std::vector<const Tensor*>& inputs, bool training) {
    inputs_.assign(inputs.begin(), inputs.end());
    addedLosses_.clear();
    ctx_.training = training;
    ctx_.recordForBackward = true;
    model_.call(inputs_, outputs_, ctx_);
    if (!collected_) collectWeights();
    return outputs_;
}

const Tensors& GradientTape::call(const Tensor& input, bool training) {
    std::vector<const Tensor*> v{&input};
    return call(v, training);
}

float GradientTape::regularizationLoss() {
    if (!collected_) collectWeights();
    double s = 0;
    for (const auto& [v, r] : regularized_) s += regularizationPenalty(r, v->value);
    return static_cast<float>(s);
}

float GradientTape::extraLosses() {
    double s = regularizationLoss();
    for (float l : addedLosses_) s += l;
    return static_cast<float>(s);
}

const std::vector<Tensor*>& GradientTape::gradient(const std::vector<const Tensor*>& outputGrads,
                                                   bool includeRegularization) {
    if (!collected_) collectWeights();
    if (outputs_.empty()) throw ValueError("GradientTape::gradient() needs a call() first");
    if (outputGrads.size() != outputs_.size())
        throw ValueError("GradientTape::gradient(): the model has " + std::to_string(outputs_.size()) +
                         " output(s), got " + std::to_string(outputGrads.size()) + " output gradient(s)");
    for (size_t k = 0; k < outputGrads.size(); ++k)
        if (outputGrads[k] && outputGrads[k]->shape() != outputs_[k].shape())
            throw ShapeError("GradientTape::gradient(): gradient of output " + std::to_string(k) + " has shape " +
                             outputGrads[k]->shapeString() + ", the output has shape " + outputs_[k].shapeString());
    for (Variable* v : trainable_) {
        if (v->grad.shape() != v->value.shape()) v->grad.resize(v->value.shape());
        v->grad.setZero();
    }
    ctx_.inputGradsUnneeded = ~uint64_t{0};  // only weight gradients leave the tape
    model_.backward(inputs_, outputs_, outputGrads, inputGrads_, ctx_);
    if (includeRegularization)
        for (const auto& [v, r] : regularized_) addRegularizationGradient(r, v->value, v->grad);
    return grads_;
}

// ---- Trainer: compile ---------------------------------------------------------------------------

Trainer::Trainer(Model& model, const CompileOptions& options)
    : model_(model), options_(options), tape_(std::make_unique<GradientTape>(model)) {
    optimizer_ = options.optimizer.object ? options.optimizer.object : makeOptimizer(options.optimizer.id);
    lossTracker_ = std::make_shared<Mean>("loss");
    outputNames_ = model.outputNames();
    collectMetrics();
}

Trainer::~Trainer() = default;

std::vector<std::string> Trainer::targetNames() const {
    if (!outputNames_.empty()) return outputNames_;
    return model_.outputNames();
}

namespace {

void classifyShapes(const Tensor& yt, const Tensor& yp, bool& binary, bool& sparse) {
    binary = yp.rank() > 0 && yp.dim(-1) == 1;
    sparse = yt.rank() > 0 && yp.rank() > 0 && (yt.rank() < yp.rank() || (yt.dim(-1) == 1 && yp.dim(-1) > 1));
}

LossPtr resolveLoss(const LossSpec& spec, const Tensor* yt, const Tensor& yp) {
    if (spec.object) return spec.object;
    if (spec.id.is_string()) {
        std::string id = spec.id.get<std::string>(), lower = id;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if ((lower == "crossentropy" || lower == "ce") && yt) {
            bool binary = false, sparse = false;
            classifyShapes(*yt, yp, binary, sparse);
            LossPtr l = makeLoss(binary ? "binary_crossentropy" : sparse ? "sparse_categorical_crossentropy"
                                                                         : "categorical_crossentropy");
            l->setName(id);
            return l;
        }
    }
    return makeLoss(spec.id);
}

MetricPtr resolveMetric(const MetricSpec& spec, const Tensor* yt, const Tensor& yp) {
    if (spec.object) return spec.object;
    return makeMetric(spec.id, yt ? yt->shape() : std::vector<int64_t>{}, yp.shape());
}

}  // namespace

void Trainer::build(const StepData& data, const Tensors& yPred) {
    if (built_) return;
    if (outputNames_.size() != yPred.size()) outputNames_ = model_.outputNames();
    const size_t K = yPred.size();
    if (outputNames_.size() != K) {
        outputNames_.clear();
        for (size_t k = 0; k < K; ++k) outputNames_.push_back("output_" + std::to_string(k));
    }
    auto yOf = [&](size_t k) -> const Tensor* { return k < data.y.size() ? data.y[k] : nullptr; };
    auto outputIndex = [&](const std::string& name, const char* arg) -> size_t {
        auto it = std::find(outputNames_.begin(), outputNames_.end(), name);
        if (it == outputNames_.end())
            throw ValueError(std::string("In the dict argument `") + arg + "`, key '" + name +
                             "' does not correspond to any model output (outputs: " + joinNames(outputNames_) + ")");
        return static_cast<size_t>(it - outputNames_.begin());
    };

    // Losses.
    std::vector<OutputLoss> losses(K);
    const LossArg& la = options_.loss;
    switch (la.kind) {
        case LossArg::Kind::None: break;
        case LossArg::Kind::Single:
            for (size_t k = 0; k < K; ++k) losses[k].loss = resolveLoss(la.single, yOf(k), yPred[k]);
            break;
        case LossArg::Kind::List:
            if (la.list.size() != K)
                throw ValueError("For a model with " + std::to_string(K) + " output(s), the `loss` list must have " +
                                 std::to_string(K) + " entries, got " + std::to_string(la.list.size()));
            for (size_t k = 0; k < K; ++k)
                if (!la.list[k].empty()) losses[k].loss = resolveLoss(la.list[k], yOf(k), yPred[k]);
            break;
        case LossArg::Kind::Map:
            for (const auto& [name, spec] : la.map) {
                size_t k = outputIndex(name, "loss");
                if (!spec.empty()) losses[k].loss = resolveLoss(spec, yOf(k), yPred[k]);
            }
            break;
    }
    size_t numLosses = 0;
    for (size_t k = 0; k < K; ++k) {
        losses[k].name = outputNames_[k];
        if (losses[k].loss) ++numLosses;
    }
    // Loss weights.
    const LossWeights& lw = options_.lossWeights;
    switch (lw.kind) {
        case LossWeights::Kind::None: break;
        case LossWeights::Kind::Scalar:
            if (K != 1)
                throw ValueError("a scalar `loss_weights` needs a single-output model; this one has " +
                                 std::to_string(K) + " outputs (pass a list or a map)");
            losses[0].weight = lw.scalar;
            break;
        case LossWeights::Kind::List:
            if (lw.list.size() != K)
                throw ValueError("`loss_weights` must match the number of outputs: got " +
                                 std::to_string(lw.list.size()) + " weights for " + std::to_string(K) + " outputs");
            for (size_t k = 0; k < K; ++k) losses[k].weight = lw.list[k];
            break;
        case LossWeights::Kind::Map:
            for (const auto& [name, w] : lw.map) losses[outputIndex(name, "loss_weights")].weight = w;
            break;
    }
    if (numLosses > 1)
        for (auto& l : losses)
            if (l.loss) l.tracker = std::make_shared<Mean>(l.name + "_loss");

    // Metrics (Keras's CompileMetrics: prefixed with the output name for multi-output models).
    std::vector<OutputMetric> compiled;
    std::vector<std::string> used;
    auto add = [&](size_t k, const MetricSpec& spec, bool prefix) {
        MetricPtr m = resolveMetric(spec, yOf(k), yPred[k]);
        std::string name = prefix ? outputNames_[k] + "_" + m->name() : m->name();
        if (std::find(used.begin(), used.end(), name) != used.end()) {
            int idx = 1;
            while (std::find(used.begin(), used.end(), name + "_" + std::to_string(idx)) != used.end()) ++idx;
            name += "_" + std::to_string(idx);
        }
        used.push_back(name);
        compiled.push_back({k, m, name});
    };
    const MetricArg& ma = options_.metrics;
    if (K == 1) {
        switch (ma.kind) {
            case MetricArg::Kind::None: break;
            case MetricArg::Kind::Flat:
                for (const auto& s : ma.flat) add(0, s, false);
                break;
            case MetricArg::Kind::PerOutput:
                for (const auto& l : ma.perOutput)
                    for (const auto& s : l) add(0, s, false);
                break;
            case MetricArg::Kind::Map:
                for (const auto& [name, l] : ma.map) {
                    outputIndex(name, "metrics");
                    for (const auto& s : l) add(0, s, false);
                }
                break;
        }
    } else {
        switch (ma.kind) {
            case MetricArg::Kind::None: break;
            case MetricArg::Kind::Flat:
                if (ma.flat.size() != K)
                    throw ValueError("For a model with multiple outputs, when providing the `metrics` argument as a "
                                     "list, it should have as many entries as the model has outputs (" +
                                     std::to_string(K) + "), got " + std::to_string(ma.flat.size()) +
                                     "; use one list per output or a map by output name");
                for (size_t k = 0; k < K; ++k) add(k, ma.flat[k], true);
                break;
            case MetricArg::Kind::PerOutput:
                if (ma.perOutput.size() != K)
                    throw ValueError("For a model with multiple outputs, the `metrics` lists must have one entry per "
                                     "output (" + std::to_string(K) + "), got " + std::to_string(ma.perOutput.size()));
                for (size_t k = 0; k < K; ++k)
                    for (const auto& s : ma.perOutput[k]) add(k, s, true);
                break;
            case MetricArg::Kind::Map:
                for (const auto& [name, l] : ma.map) outputIndex(name, "metrics");
                for (size_t k = 0; k < K; ++k) {
                    auto it = ma.map.find(outputNames_[k]);
                    if (it != ma.map.end())
                        for (const auto& s : it->second) add(k, s, true);
                }
                break;
        }
    }
    losses_ = std::move(losses);
    compiled_ = std::move(compiled);
    lossGrads_.resize(K);
    outputGradPtrs_.assign(K, nullptr);
    built_ = true;
    collectMetrics();
}

void Trainer::collectMetrics() {
    metricPtrs_.clear();
    logOrder_.clear();
    metricPtrs_.push_back(lossTracker_.get());
    logOrder_.emplace_back("loss", lossTracker_.get());
    for (auto& c : compiled_) {
        metricPtrs_.push_back(c.metric.get());
        logOrder_.emplace_back(c.logName, c.metric.get());
    }
    for (auto& l : losses_)
        if (l.tracker) {
            metricPtrs_.push_back(l.tracker.get());
            logOrder_.emplace_back(l.tracker->name(), l.tracker.get());
        }
    std::stable_sort(logOrder_.begin(), logOrder_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

std::vector<Metric*> Trainer::metrics() { return metricPtrs_; }

Metric* Trainer::findMetric(const std::string& name) {
    for (auto& c : compiled_)
        if (c.metric->name() == name || c.logName == name) return c.metric.get();
    return nullptr;
}

void Trainer::resetMetrics() {
    for (Metric* m : metricPtrs_) m->resetState();
}

void Trainer::metricsResult(Logs& logs) {
    for (const auto& [name, m] : logOrder_) logs.set(name, double(static_cast<float>(m->result())));
}

// ---- Trainer: steps -----------------------------------------------------------------------------

float Trainer::computeLoss(const StepData& data, const Tensors& yPred, bool withGrads) {
    return computeLossImpl(data, yPred, withGrads, tape_->addedLosses());
}

float Trainer::computeLossImpl(const StepData& data, const Tensors& yPred, bool withGrads,
                               const std::vector<float>& added) {
    if (!built_) build(data, yPred);
    const size_t K = yPred.size();
    if (losses_.size() != K)
        throw ValueError("the model returned " + std::to_string(K) + " output(s) but was compiled for " +
                         std::to_string(losses_.size()));
    double total = 0;
    bool any = false;
    for (size_t k = 0; k < K; ++k) {
        outputGradPtrs_[k] = nullptr;
        OutputLoss& l = losses_[k];
        if (!l.loss) continue;
        const Tensor* yt = k < data.y.size() ? data.y[k] : nullptr;
        if (!yt)
            throw ValueError("no target array for output '" + l.name + "', which has the loss '" + l.loss->name() + "'");
        float v = l.loss->compute(*yt, yPred[k], withGrads ? &lossGrads_[k] : nullptr, data.sampleWeight);
        if (l.tracker) l.tracker->update(v, double(data.batchSize));
        double w = l.weight.value_or(1.0);
        total += double(v) * w;
        if (withGrads) {
            if (w != 1.0) lossGrads_[k].vector() *= static_cast<float>(w);
            outputGradPtrs_[k] = &lossGrads_[k];
        }
        any = true;
    }
    const float reg = tape_->regularizationLoss();
    bool extra = !added.empty() || reg != 0.0f;
    for (float a : added) total += a;
    total += reg;
    if (!any && !extra) throw ValueError("No loss to compute. Provide a `loss` argument in `compile()`.");
    return static_cast<float>(total);
}

void Trainer::updateMetrics(float loss, const StepData& data, const Tensors& yPred) {
    lossTracker_->update(loss, double(data.batchSize));
    for (auto& c : compiled_) {
        const Tensor* yt = c.output < data.y.size() ? data.y[c.output] : nullptr;
        if (!yt) throw ValueError("no target array for output '" + outputNames_[c.output] + "' (metric '" + c.logName + "')");
        c.metric->updateState(*yt, yPred[c.output]);
    }
}

void Trainer::defaultTrainStep(const StepData& data, Logs& logs) {
    const Tensors& out = tape_->call(data.x, true);
    const float loss = computeLoss(data, out, true);
    const auto& weights = tape_->trainableWeights();
    if (!weights.empty()) {
        const auto& grads = tape_->gradient(outputGradPtrs_);
        optimizer_->apply(grads, weights);
    }
    updateMetrics(loss, data, out);
    metricsResult(logs);
}

void Trainer::defaultTestStep(const StepData& data, Logs& logs) {
    CallContext ctx;
    ctx.cacheSlot = &evalSlot_;
    evalLosses_.clear();
    ctx.losses = &evalLosses_;
    model_.call(data.x, evalOut_, ctx);
    const float loss = computeLossImpl(data, evalOut_, false, evalLosses_);
    updateMetrics(loss, data, evalOut_);
    metricsResult(logs);
}

// ---- Trainer: data ------------------------------------------------------------------------------

namespace {

int64_t checkSamples(const std::vector<const Tensor*>& xs, const std::vector<const Tensor*>& ys, const Tensor* sw) {
    int64_t n = -1;
    std::string sizes;
    bool bad = false;
    auto visit = [&](const Tensor* t) {
        if (!t) return;
        if (t->rank() == 0) throw ValueError("arrays need a sample (first) dimension; got a scalar");
        if (n < 0) n = t->dim(0);
        else if (t->dim(0) != n) bad = true;
    };
    for (auto* t : xs) visit(t);
    for (auto* t : ys) visit(t);
    visit(sw);
    if (bad) {
        auto list = [](const std::vector<const Tensor*>& v) {
            std::string s;
            for (auto* t : v)
                if (t) s += (s.empty() ? "" : ", ") + std::to_string(t->dim(0));
            return s;
        };
        throw ValueError("Data cardinality is ambiguous: make sure all arrays contain the same number of samples. "
                         "'x' sizes: " + list(xs) + "; 'y' sizes: " + list(ys) +
                         (sw ? "; 'sample_weight' size: " + std::to_string(sw->dim(0)) : std::string()));
    }
    if (n < 0) throw ValueError("no input arrays given");
    return n;
}

void gatherRows(const Tensor& src, const int64_t* rows, int64_t first, int64_t count, Tensor& dst,
                std::vector<int64_t>& shape) {
    shape.assign(src.shape().begin(), src.shape().end());
    shape[0] = count;
    dst.resize(shape);
    dst.setDType(src.dtype());
    const int64_t n0 = src.dim(0);
    const int64_t row = n0 ? src.size() / n0 : 0;
    if (!rows) {
        std::memcpy(dst.data(), src.data() + first * row, sizeof(float) * size_t(count * row));
        return;
    }
    for (int64_t i = 0; i < count; ++i)
        std::memcpy(dst.data() + i * row, src.data() + rows[i] * row, sizeof(float) * size_t(row));
}

void shuffle(std::vector<int64_t>& order) {
    Rng& rng = globalRng();
    for (int64_t i = static_cast<int64_t>(order.size()) - 1; i > 0; --i) {
        const uint64_t r = rng.next();
        const int64_t j = static_cast<int64_t>((static_cast<unsigned __int128>(r) * uint64_t(i + 1)) >> 64);
        std::swap(order[size_t(i)], order[size_t(j)]);
    }
}

Tensor classWeightsToSampleWeights(const Tensor& y, const std::map<int64_t, double>& classWeight) {
    const int64_t n = y.dim(0);
    Tensor sw({n}, 1.0f);
    const int64_t row = n ? y.size() / n : 0;
    for (int64_t i = 0; i < n; ++i) {
        const float* r = y.data() + i * row;
        int64_t label;
        if (row > 1) label = std::max_element(r, r + row) - r;
        else label = static_cast<int64_t>(std::lround(r[0]));
        auto it = classWeight.find(label);
        sw[i] = it == classWeight.end() ? 1.0f : static_cast<float>(it->second);
    }
    return sw;
}

}  // namespace

void Trainer::gatherBatch(const std::vector<const Tensor*>& xs, const std::vector<const Tensor*>& ys, const Tensor* sw,
                          const int64_t* rows, int64_t first, int64_t count, StepData& step) {
    xb_.resize(xs.size());
    yb_.resize(ys.size());
    step.x.resize(xs.size());
    step.y.resize(ys.size());
    for (size_t i = 0; i < xs.size(); ++i) {
        gatherRows(*xs[i], rows, first, count, xb_[i], shapeScratch_);
        step.x[i] = &xb_[i];
    }
    for (size_t i = 0; i < ys.size(); ++i) {
        if (!ys[i]) {
            step.y[i] = nullptr;
            continue;
        }
        gatherRows(*ys[i], rows, first, count, yb_[i], shapeScratch_);
        step.y[i] = &yb_[i];
    }
    if (sw) {
        gatherRows(*sw, rows, first, count, swb_, shapeScratch_);
        step.sampleWeight = &swb_;
    } else {
        step.sampleWeight = nullptr;
    }
    step.batchSize = count;
}

// ---- Trainer: loops -----------------------------------------------------------------------------

History Trainer::fit(const ArrayData& x, const ArrayData& y, const FitOptions& o) {
    if (o.batchSize <= 0) throw ValueError("fit: batch_size must be positive, got " + std::to_string(o.batchSize));
    if (o.validationFreq <= 0) throw ValueError("fit: validation_freq must be positive");
    if (o.validationSplit < 0 || o.validationSplit >= 1)
        throw ValueError("fit: validation_split must be in [0, 1), got " + std::to_string(o.validationSplit));
    const auto xs = x.resolve(model_.inputNames(), "input");
    const auto ys = y.resolve(targetNames(), "target");
    if (o.sampleWeight && !o.classWeight.empty())
        throw ValueError("fit: sample_weight and class_weight cannot be given together");
    Tensor classSw;
    const Tensor* sw = o.sampleWeight ? &*o.sampleWeight : nullptr;
    if (!o.classWeight.empty()) {
        if (ys.size() != 1 || !ys[0]) throw ValueError("fit: class_weight is only supported for single-output models");
        classSw = classWeightsToSampleWeights(*ys[0], o.classWeight);
        sw = &classSw;
    }
    const int64_t n = checkSamples(xs, ys, sw);

    // Validation data: given arrays, or the last fraction of the samples (before shuffling).
    std::vector<const Tensor*> vxs, vys;
    const Tensor* vsw = nullptr;
    int64_t vBegin = 0, vEnd = 0, trainN = n;
    bool validate = false;
    if (o.validationData) {
        vxs = o.validationData->x.resolve(model_.inputNames(), "input");
        vys = o.validationData->y.resolve(targetNames(), "target");
        vsw = o.validationData->sampleWeight ? &*o.validationData->sampleWeight : nullptr;
        vEnd = checkSamples(vxs, vys, vsw);
        validate = true;
    } else if (o.validationSplit > 0) {
        const int64_t splitAt = static_cast<int64_t>(std::floor(double(n) * (1.0 - o.validationSplit)));
        if (splitAt == 0 || splitAt == n)
            throw ValueError("Training data contains " + std::to_string(n) +
                             " samples, which is not sufficient to split it into a validation and training set as "
                             "specified by `validation_split=" + pythonRepr(o.validationSplit) +
                             "`. Either provide more data, or a different value for the `validation_split` argument.");
        vxs = xs;
        vys = ys;
        vsw = sw;
        vBegin = splitAt;
        vEnd = n;
        trainN = splitAt;
        validate = true;
    }
    if (trainN <= 0) throw ValueError("fit: no training samples");

    int64_t steps = (trainN + o.batchSize - 1) / o.batchSize;
    if (o.stepsPerEpoch > 0) steps = std::min(steps, o.stepsPerEpoch);
    order_.resize(size_t(trainN));
    std::iota(order_.begin(), order_.end(), int64_t(0));

    CallbackParams params{o.verbose, o.epochs, steps};
    CallbackList callbacks(o.callbacks, true, o.verbose != 0, &model_, params, o.progressOut);
    model_.stopTraining = false;
    Logs trainingLogs;
    emptyLogs_.clear();
    callbacks.onTrainBegin(emptyLogs_);
    for (int epoch = o.initialEpoch; epoch < o.epochs; ++epoch) {
        resetMetrics();
        emptyLogs_.clear();
        callbacks.onEpochBegin(epoch, emptyLogs_);
        if (o.shuffle) {
            // A fresh permutation of the sample indices each epoch, as Keras draws one: the order
            // then depends only on the RNG, so fit(epochs=1) three times equals fit(epochs=3).
            std::iota(order_.begin(), order_.end(), int64_t(0));
            shuffle(order_);
        }
        for (int64_t s = 0; s < steps; ++s) {
            const int64_t begin = s * o.batchSize;
            const int64_t count = std::min(o.batchSize, trainN - begin);
            emptyLogs_.clear();
            callbacks.onTrainBatchBegin(s, emptyLogs_);
            gatherBatch(xs, ys, sw, order_.data() + begin, 0, count, step_);
            model_.trainStep(step_, batchLogs_);
            callbacks.onTrainBatchEnd(s, batchLogs_);
            if (model_.stopTraining) break;
        }
        // The model's metrics, unless a custom step logs other names (Keras's
        // _get_metrics_result_or_logs).
        Logs epochLogs;
        metricsResult(epochLogs);
        bool sameKeys = epochLogs.size() == batchLogs_.size();
        for (const auto& [k, v] : batchLogs_.items()) sameKeys = sameKeys && epochLogs.contains(k);
        if (!sameKeys && !batchLogs_.empty()) epochLogs = batchLogs_;
        if (validate && (epoch + 1) % o.validationFreq == 0) {
            const int64_t vb = o.validationBatchSize > 0 ? o.validationBatchSize : o.batchSize;
            Logs val = runEvaluate(vxs, vys, vsw, vBegin, vEnd, vb, o.validationSteps, callbacks);
            epochLogs.update(val, "val_");
        }
        callbacks.onEpochEnd(epoch, epochLogs);
        trainingLogs = epochLogs;
        if (model_.stopTraining) break;
    }
    callbacks.onTrainEnd(trainingLogs);
    return *callbacks.history();
}

Logs Trainer::runEvaluate(const std::vector<const Tensor*>& xs, const std::vector<const Tensor*>& ys, const Tensor* sw,
                          int64_t begin, int64_t end, int64_t batchSize, int64_t steps, CallbackList& callbacks) {
    resetMetrics();
    emptyLogs_.clear();
    callbacks.onTestBegin(emptyLogs_);
    const int64_t n = end - begin;
    int64_t batches = (n + batchSize - 1) / batchSize;
    if (steps > 0) batches = std::min(batches, steps);
    Logs logs;
    for (int64_t s = 0; s < batches; ++s) {
        const int64_t first = begin + s * batchSize;
        const int64_t count = std::min(batchSize, end - first);
        emptyLogs_.clear();
        callbacks.onTestBatchBegin(s, emptyLogs_);
        gatherBatch(xs, ys, sw, nullptr, first, count, step_);
        model_.testStep(step_, logs);
        callbacks.onTestBatchEnd(s, logs);
    }
    Logs result;
    metricsResult(result);
    bool sameKeys = result.size() == logs.size();
    for (const auto& [k, v] : logs.items()) sameKeys = sameKeys && result.contains(k);
    if (!sameKeys && !logs.empty()) result = logs;
    callbacks.onTestEnd(result);
    return result;
}

Logs Trainer::evaluate(const ArrayData& x, const ArrayData& y, const EvaluateOptions& o) {
    if (o.batchSize <= 0) throw ValueError("evaluate: batch_size must be positive, got " + std::to_string(o.batchSize));
    const auto xs = x.resolve(model_.inputNames(), "input");
    const auto ys = y.resolve(targetNames(), "target");
    const Tensor* sw = o.sampleWeight ? &*o.sampleWeight : nullptr;
    const int64_t n = checkSamples(xs, ys, sw);
    int64_t steps = (n + o.batchSize - 1) / o.batchSize;
    if (o.steps > 0) steps = std::min(steps, o.steps);
    CallbackList callbacks(o.callbacks, false, o.verbose != 0, &model_, {o.verbose, 1, steps}, o.progressOut);
    return runEvaluate(xs, ys, sw, 0, n, o.batchSize, o.steps, callbacks);
}

Logs Trainer::trainOnBatch(const ArrayData& x, const ArrayData& y, const Tensor* sampleWeight) {
    const auto xs = x.resolve(model_.inputNames(), "input");
    const auto ys = y.resolve(targetNames(), "target");
    StepData step;
    step.x = xs;
    step.y = ys;
    step.sampleWeight = sampleWeight;
    step.batchSize = checkSamples(xs, ys, sampleWeight);
    resetMetrics();
    Logs logs;
    model_.trainStep(step, logs);
    return logs;
}

Logs Trainer::testOnBatch(const ArrayData& x, const ArrayData& y, const Tensor* sampleWeight) {
    const auto xs = x.resolve(model_.inputNames(), "input");
    const auto ys = y.resolve(targetNames(), "target");
    StepData step;
    step.x = xs;
    step.y = ys;
    step.sampleWeight = sampleWeight;
    step.batchSize = checkSamples(xs, ys, sampleWeight);
    resetMetrics();
    Logs logs;
    model_.testStep(step, logs);
    return logs;
}

std::vector<Tensor> Trainer::predict(Model& model, const ArrayData& x, const PredictOptions& o) {
    if (o.batchSize <= 0) throw ValueError("predict: batch_size must be positive, got " + std::to_string(o.batchSize));
    const auto xs = x.resolve(model.inputNames(), "input");
    const int64_t n = checkSamples(xs, {}, nullptr);
    int64_t steps = (n + o.batchSize - 1) / o.batchSize;
    if (o.steps > 0) steps = std::min(steps, o.steps);
    CallbackList callbacks(o.callbacks, false, o.verbose != 0, &model, {o.verbose, 1, steps}, o.progressOut);
    Logs empty;
    callbacks.onPredictBegin(empty);
    std::unique_ptr<LayerCache> slot;
    std::vector<Tensor> xb(xs.size());
    std::vector<const Tensor*> ptrs(xs.size());
    std::vector<int64_t> shape;
    Tensors out;
    std::vector<Tensor> results;
    const int64_t total = std::min(n, steps * o.batchSize);
    for (int64_t s = 0; s < steps; ++s) {
        const int64_t first = s * o.batchSize;
        const int64_t count = std::min(o.batchSize, n - first);
        empty.clear();
        callbacks.onPredictBatchBegin(s, empty);
        for (size_t i = 0; i < xs.size(); ++i) {
            gatherRows(*xs[i], nullptr, first, count, xb[i], shape);
            ptrs[i] = &xb[i];
        }
        CallContext ctx;
        ctx.cacheSlot = &slot;
        model.call(ptrs, out, ctx);
        if (s == 0) {
            results.resize(out.size());
            for (size_t j = 0; j < out.size(); ++j) {
                auto sh = out[j].shape();
                sh[0] = total;
                results[j] = Tensor(sh, 0.0f, out[j].dtype());
            }
        }
        for (size_t j = 0; j < out.size(); ++j) {
            const int64_t row = out[j].dim(0) ? out[j].size() / out[j].dim(0) : 0;
            std::memcpy(results[j].data() + first * row, out[j].data(), sizeof(float) * size_t(out[j].size()));
        }
        empty.clear();
        callbacks.onPredictBatchEnd(s, empty, out);
    }
    empty.clear();
    callbacks.onPredictEnd(empty);
    return results;
}

std::vector<Tensor> Trainer::predictOnBatch(Model& model, const ArrayData& x) {
    const auto xs = x.resolve(model.inputNames(), "input");
    checkSamples(xs, {}, nullptr);
    std::unique_ptr<LayerCache> slot;
    CallContext ctx;
    ctx.cacheSlot = &slot;
    Tensors out;
    model.call(xs, out, ctx);
    return out;
}

}  // namespace strata
