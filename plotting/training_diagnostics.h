#pragma once
/// Per-layer diagnostics of a training run, computed in the training thread at each epoch end and
/// held by value, so they can cross threads and outlive the model: histograms of weights, biases,
/// gradients and (optionally) activations, and the norms that say whether a layer still learns.
///
/// No Qt here: the command line (`strata train --plot-dir`) records these with
/// DiagnosticsRecorder and hands them to writeTrainingPlots; the Studio gets them through
/// TrainingFeed's signals.
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/training/callbacks.h"

namespace strata {
class Layer;
class Model;
struct Variable;
}  // namespace strata

namespace strata::plotting {

/// Equal-width bins over [min, max] of the finite values; non-finite values are counted apart.
struct Histogram {
    double min = 0.0, max = 0.0;
    std::vector<double> counts;
    int64_t total = 0;      ///< finite values binned
    int64_t nonFinite = 0;  ///< NaN/inf values seen (not binned)
    bool empty() const { return total == 0; }
    double binWidth() const { return counts.empty() ? 0.0 : (max - min) / double(counts.size()); }
};

/// TensorBoard uses 30 buckets for its histogram dashboard; so do we.
constexpr int kHistogramBins = 30;

/// Histogram of the values of several arrays (e.g. every kernel of a layer) taken together.
Histogram makeHistogram(const std::vector<const std::vector<float>*>& arrays, int bins = kHistogramBins);
Histogram makeHistogram(const std::vector<float>& values, int bins = kHistogramBins);

constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();

/// Thresholds of the health flags (LayerNormsModel shows them; tests use them).
struct HealthThresholds {
    double vanishingGradNorm = 1e-7;
    double explodingGradNorm = 1e3;
    double deadUnitFraction = 0.5;  ///< flag a ReLU layer when more of its units never fire
};

struct LayerDiagnostics {
    std::string layer;      ///< "dense_1", or "encoder/dense" inside a nested model
    std::string className;  ///< "Dense"
    int64_t params = 0;     ///< trainable parameters
    Histogram weights;      ///< every trainable variable except biases
    Histogram biases;       ///< variables named "bias"
    Histogram gradients;    ///< gradients of every trainable variable (last batch of the epoch)
    Histogram activations;  ///< outputs on the probe batch (empty without a probe)
    double weightNorm = 0.0;         ///< L2 norm over the layer's trainable variables
    double gradNorm = 0.0;           ///< L2 norm of their gradients (last batch)
    double updateRatio = kNotMeasured;  ///< |W after - W before| / |W before| of the epoch's last step
    bool gradFinite = true;
    bool isRelu = false;                      ///< the layer's output goes through a ReLU
    double zeroActivationFraction = kNotMeasured;  ///< fraction of exact zeros on the probe batch
    double deadUnitFraction = kNotMeasured;  ///< fraction of units (last axis) zero for every probe sample

    bool vanishing(const HealthThresholds& t = {}) const { return gradFinite && gradNorm < t.vanishingGradNorm; }
    bool exploding(const HealthThresholds& t = {}) const { return !gradFinite || gradNorm > t.explodingGradNorm; }
    bool deadRelu(const HealthThresholds& t = {}) const {
        return isRelu && std::isfinite(deadUnitFraction) && deadUnitFraction > t.deadUnitFraction;
    }
};

struct EpochDiagnostics {
    int epoch = 0;     ///< 0-based, as in the callbacks
    int64_t step = 0;  ///< optimizer steps done when taken
    std::vector<LayerDiagnostics> layers;  ///< layers with trainable weights, in model order
    const LayerDiagnostics* find(const std::string& layer) const;
};

/// The stateful part: which layers to look at, the weights before the epoch's last step (for the
/// update ratio) and the activation probe model. Lives in the training thread.
class DiagnosticsCollector {
public:
    DiagnosticsCollector();
    ~DiagnosticsCollector();
    /// Inputs (model input order) run through the model at each epoch end for activation
    /// histograms and dead-ReLU detection. Keep it small (a few hundred samples).
    void setActivationProbe(std::vector<Tensor> inputs);
    /// At training start: finds the layers and builds the probe (skipped if the graph does not allow
    /// it, e.g. layers called several times).
    void begin(Model& model);
    /// Before every training batch: remembers the weights when this is the epoch's last batch
    /// (`stepsPerEpoch` 0 = unknown: every batch).
    void beforeBatch(int64_t batch, int64_t stepsPerEpoch);
    EpochDiagnostics collect(int epoch, int64_t step);
    void end();

private:
    struct Tracked {
        Layer* layer;
        std::string name;
        std::vector<Variable*> variables;
        std::vector<std::vector<float>> before;
        int probeOutput = -1;
    };
    void buildProbe(Model& model);
    Model* model_ = nullptr;
    std::vector<Tracked> tracked_;
    std::vector<Tensor> probeInputs_;
    std::shared_ptr<Model> probe_;
};

/// Records every epoch's diagnostics (for the command line, which has no event loop).
class DiagnosticsRecorder : public Callback {
public:
    void setActivationProbe(std::vector<Tensor> inputs) { collector_.setActivationProbe(std::move(inputs)); }
    void onTrainBegin(Logs& logs) override;
    void onTrainBatchBegin(int64_t batch, Logs& logs) override;
    void onTrainBatchEnd(int64_t batch, Logs& logs) override { ++step_; }
    void onEpochEnd(int epoch, Logs& logs) override;
    void onTrainEnd(Logs& logs) override { collector_.end(); }
    const std::vector<EpochDiagnostics>& epochs() const { return epochs_; }

private:
    DiagnosticsCollector collector_;
    std::vector<EpochDiagnostics> epochs_;
    int64_t step_ = 0;
};

}  // namespace strata::plotting
