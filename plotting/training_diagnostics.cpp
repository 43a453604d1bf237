#include "plotting/training_diagnostics.h"

#include <algorithm>
#include <cmath>

#include "engine/graph/model.h"
#include "engine/layers/layer.h"

namespace strata::plotting {

// ---- histograms -------------------------------------------------------------------------------

Histogram makeHistogram(const std::vector<const std::vector<float>*>& arrays, int bins) {
    Histogram h;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto* a : arrays)
        for (float v : *a) {
            if (!std::isfinite(v)) {
                ++h.nonFinite;
                continue;
            }
            lo = std::min(lo, double(v));
            hi = std::max(hi, double(v));
            ++h.total;
        }
    if (h.total == 0) return h;
    // A constant array (zero-initialised biases) still gets a visible bar of some width.
    if (hi - lo < 1e-12) {
        const double pad = std::max(1e-3, std::abs(lo) * 1e-3);
        lo -= pad;
        hi += pad;
    }
    h.min = lo;
    h.max = hi;
    h.counts.assign(size_t(std::max(1, bins)), 0.0);
    const double scale = double(h.counts.size()) / (hi - lo);
    for (const auto* a : arrays)
        for (float v : *a) {
            if (!std::isfinite(v)) continue;
            const auto b = std::min(h.counts.size() - 1, size_t((double(v) - lo) * scale));
            h.counts[b] += 1.0;
        }
    return h;
}

Histogram makeHistogram(const std::vector<float>& values, int bins) { return makeHistogram({&values}, bins); }

const LayerDiagnostics* EpochDiagnostics::find(const std::string& layer) const {
    for (const auto& l : layers)
        if (l.layer == layer) return &l;
    return nullptr;
}

// ---- collector --------------------------------------------------------------------------------

namespace {

bool isReluLayer(const Layer& layer) {
    if (layer.className() == "ReLU") return true;
    const Json& c = layer.config();
    return c.is_object() && c.contains("activation") && c["activation"].is_string() &&
           c["activation"].get<std::string>() == "relu";
}

void collectLayers(const Model& model, const std::string& prefix, std::vector<Layer*>& out,
                   std::vector<std::string>& names) {
    for (const auto& l : model.layers()) {
        if (l->isModel()) {
            collectLayers(static_cast<const Model&>(*l), prefix + l->name() + "/", out, names);
            continue;
        }
        if (l->trainableWeights().empty()) continue;
        out.push_back(l.get());
        names.push_back(prefix + l->name());
    }
}

double sumSquares(const std::vector<float>& v) {
    double s = 0.0;
    for (float x : v) s += double(x) * double(x);
    return s;
}

}  // namespace

DiagnosticsCollector::DiagnosticsCollector() = default;
DiagnosticsCollector::~DiagnosticsCollector() = default;

void DiagnosticsCollector::setActivationProbe(std::vector<Tensor> inputs) { probeInputs_ = std::move(inputs); }

void DiagnosticsCollector::begin(Model& model) {
    model_ = &model;
    tracked_.clear();
    probe_.reset();
    std::vector<Layer*> layers;
    std::vector<std::string> names;
    collectLayers(model, "", layers, names);
    for (size_t i = 0; i < layers.size(); ++i)
        tracked_.push_back({layers[i], names[i], layers[i]->trainableWeights(), {}, -1});
    if (!probeInputs_.empty()) buildProbe(model);
}

void DiagnosticsCollector::buildProbe(Model& model) {
    // One extra functional model from the model's inputs to every top-level tracked layer's
    // output, sharing the weights: a single forward pass gives all activations. Layers called more
    // than once have no single output to probe and are skipped.
    std::vector<KerasTensor> outputs;
    for (auto& t : tracked_) {
        if (t.name.find('/') != std::string::npos) continue;
        try {
            KerasTensor out = t.layer->output();
            if (!model.containsNode(out.node())) continue;
            t.probeOutput = int(outputs.size());
            outputs.push_back(out);
        } catch (const std::exception&) {
        }
    }
    if (outputs.empty()) return;
    try {
        probe_ = makeModel(model.inputs(), outputs, "strata_activation_probe");
    } catch (const std::exception&) {
        probe_.reset();
        for (auto& t : tracked_) t.probeOutput = -1;
    }
}

void DiagnosticsCollector::beforeBatch(int64_t batch, int64_t stepsPerEpoch) {
    if (stepsPerEpoch > 0 && batch != stepsPerEpoch - 1) return;
    for (auto& t : tracked_) {
        t.before.resize(t.variables.size());
        for (size_t i = 0; i < t.variables.size(); ++i) t.before[i] = t.variables[i]->value.values();
    }
}

EpochDiagnostics DiagnosticsCollector::collect(int epoch, int64_t step) {
    EpochDiagnostics d;
    d.epoch = epoch;
    d.step = step;
    std::vector<Tensor> activations;
    if (probe_) {
        try {
            activations = probe_->predict(probeInputs_, 256);
        } catch (const std::exception&) {
            activations.clear();
        }
    }
    for (auto& t : tracked_) {
        LayerDiagnostics l;
        l.layer = t.name;
        l.className = t.layer->className();
        l.isRelu = isReluLayer(*t.layer);
        std::vector<const std::vector<float>*> weights, biases, grads;
        double w2 = 0.0, g2 = 0.0, d2 = 0.0, before2 = 0.0;
        bool haveBefore = t.before.size() == t.variables.size();
        for (size_t i = 0; i < t.variables.size(); ++i) {
            const Variable& v = *t.variables[i];
            l.params += v.value.size();
            (v.name == "bias" ? biases : weights).push_back(&v.value.values());
            w2 += sumSquares(v.value.values());
            if (v.grad.size() == v.value.size()) {
                grads.push_back(&v.grad.values());
                g2 += sumSquares(v.grad.values());
            }
            if (haveBefore && t.before[i].size() == v.value.values().size()) {
                const auto& b = t.before[i];
                const auto& now = v.value.values();
                for (size_t k = 0; k < b.size(); ++k) {
                    const double diff = double(now[k]) - double(b[k]);
                    d2 += diff * diff;
                }
                before2 += sumSquares(b);
            } else {
                haveBefore = false;
            }
        }
        l.weights = makeHistogram(weights);
        l.biases = makeHistogram(biases);
        l.gradients = makeHistogram(grads);
        l.weightNorm = std::sqrt(w2);
        l.gradNorm = std::sqrt(g2);
        l.gradFinite = std::isfinite(l.gradNorm) && l.gradients.nonFinite == 0;
        if (haveBefore && before2 > 0.0) l.updateRatio = std::sqrt(d2) / std::sqrt(before2);
        if (t.probeOutput >= 0 && size_t(t.probeOutput) < activations.size()) {
            const Tensor& a = activations[size_t(t.probeOutput)];
            l.activations = makeHistogram(a.values());
            if (a.size() > 0) {
                const int64_t units = a.rank() > 0 ? a.dim(-1) : 1;
                const int64_t rows = a.size() / std::max<int64_t>(1, units);
                std::vector<char> alive(size_t(units), 0);
                int64_t zeros = 0;
                for (int64_t r = 0; r < rows; ++r)
                    for (int64_t u = 0; u < units; ++u) {
                        if (a[r * units + u] == 0.0f)
                            ++zeros;
                        else
                            alive[size_t(u)] = 1;
                    }
                l.zeroActivationFraction = double(zeros) / double(a.size());
                l.deadUnitFraction =
                    double(std::count(alive.begin(), alive.end(), char(0))) / double(std::max<int64_t>(1, units));
            }
        }
        d.layers.push_back(std::move(l));
    }
    return d;
}

void DiagnosticsCollector::end() {
    probe_.reset();
    for (auto& t : tracked_) t.before.clear();
}

// ---- recorder ---------------------------------------------------------------------------------

void DiagnosticsRecorder::onTrainBegin(Logs&) {
    epochs_.clear();
    step_ = 0;
    if (model()) collector_.begin(*model());
}

void DiagnosticsRecorder::onTrainBatchBegin(int64_t batch, Logs&) { collector_.beforeBatch(batch, params().steps); }

void DiagnosticsRecorder::onEpochEnd(int epoch, Logs&) { epochs_.push_back(collector_.collect(epoch, step_)); }

}  // namespace strata::plotting
