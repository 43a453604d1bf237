#pragma once
/// Keras metrics (keras/src/metrics/*): stateful accumulators with updateState / result /
/// resetState, subclassable like keras.metrics.Metric.
///
/// Per-sample metrics (accuracies, errors) are weighted means of one value per row of the
/// predictions, exactly like keras.metrics.MeanMetricWrapper; RootMeanSquaredError averages every
/// element; AUC, Precision and Recall accumulate confusion counts. updateState allocates nothing once
/// its scratch buffer has grown to the batch size.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/json.h"
#include "engine/core/tensor.h"
#include "engine/training/losses.h"

namespace strata {

/// Whether larger is better (Keras's Metric._direction), for EarlyStopping/ModelCheckpoint "auto".
enum class MetricDirection { Unknown, Up, Down };

class Metric {
public:
    explicit Metric(std::string name) : name_(std::move(name)) {}
    virtual ~Metric() = default;

    const std::string& name() const { return name_; }
    void setName(std::string name) { name_ = std::move(name); }

    /// Accumulates one batch. `sampleWeight` (optional): one weight per sample or per row.
    virtual void updateState(const Tensor& yTrue, const Tensor& yPred, const Tensor* sampleWeight = nullptr) = 0;
    /// The metric's value from the accumulated state.
    virtual double result() const = 0;
    virtual void resetState() = 0;
    virtual MetricDirection direction() const { return MetricDirection::Unknown; }
    virtual std::string className() const { return "Metric"; }
    virtual Json getConfig() const { return Json{{"name", name_}, {"dtype", "float32"}}; }

private:
    std::string name_;
};

using MetricPtr = std::shared_ptr<Metric>;

/// keras.metrics.Mean: weighted mean of values.
class Mean : public Metric {
public:
    explicit Mean(std::string name = "mean") : Metric(std::move(name)) {}
    /// Adds `value` with `weight` (Keras: update_state(value, sample_weight=weight)).
    void update(double value, double weight = 1.0) {
        total_ += value * weight;
        count_ += weight;
    }
    /// Averages the elements of yPred (yTrue is ignored), weighted per sample if given.
    void updateState(const Tensor& yTrue, const Tensor& yPred, const Tensor* sampleWeight = nullptr) override;
    double result() const override { return count_ != 0 ? total_ / count_ : 0.0; }
    void resetState() override { total_ = count_ = 0; }
    std::string className() const override { return "Mean"; }
    double total() const { return total_; }
    double count() const { return count_; }

protected:
    /// Adds rows with optional sample weights (per sample or per row of `rowsPerSample`).
    void addRows(const float* values, int64_t rows, const Tensor* sampleWeight, int64_t batch);
    double total_ = 0, count_ = 0;
};

/// keras.metrics.MeanMetricWrapper: mean of a per-row function. Subclasses implement rowValues.
class MeanMetricWrapper : public Mean {
public:
    /// fn(yTrue, yPred, out) fills `out` (resized by fn) with one value per row of yPred.
    using RowFn = std::function<void(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out)>;
    MeanMetricWrapper(std::string name, RowFn fn, MetricDirection direction = MetricDirection::Unknown);
    void updateState(const Tensor& yTrue, const Tensor& yPred, const Tensor* sampleWeight = nullptr) override;
    MetricDirection direction() const override { return direction_; }
    std::string className() const override { return "MeanMetricWrapper"; }

protected:
    /// For subclasses that override rowValues instead of passing a function.
    explicit MeanMetricWrapper(std::string name, MetricDirection direction);
    virtual void rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out);
    std::vector<float> rows_;

private:
    RowFn fn_;
    MetricDirection direction_;
};

// ---- accuracy -----------------------------------------------------------------------------------

class BinaryAccuracy : public MeanMetricWrapper {
public:
    explicit BinaryAccuracy(std::string name = "binary_accuracy", double threshold = 0.5);
    std::string className() const override { return "BinaryAccuracy"; }
    Json getConfig() const override;
protected:
    void rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) override;
private:
    float threshold_;
};

class CategoricalAccuracy : public MeanMetricWrapper {
public:
    explicit CategoricalAccuracy(std::string name = "categorical_accuracy");
    std::string className() const override { return "CategoricalAccuracy"; }
protected:
    void rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) override;
};

class SparseCategoricalAccuracy : public MeanMetricWrapper {
public:
    explicit SparseCategoricalAccuracy(std::string name = "sparse_categorical_accuracy");
    std::string className() const override { return "SparseCategoricalAccuracy"; }
protected:
    void rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) override;
};

/// Target class among the k largest predictions (ties count against it, as in_top_k does).
class TopKCategoricalAccuracy : public MeanMetricWrapper {
public:
    explicit TopKCategoricalAccuracy(int k = 5, std::string name = "top_k_categorical_accuracy");
    std::string className() const override { return "TopKCategoricalAccuracy"; }
    Json getConfig() const override;
protected:
    void rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) override;
private:
    int k_;
};

class SparseTopKCategoricalAccuracy : public MeanMetricWrapper {
public:
    explicit SparseTopKCategoricalAccuracy(int k = 5, std::string name = "sparse_top_k_categorical_accuracy");
    std::string className() const override { return "SparseTopKCategoricalAccuracy"; }
    Json getConfig() const override;
protected:
    void rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) override;
private:
    int k_;
};

// ---- regression ---------------------------------------------------------------------------------

/// Mean over rows of a loss function's per-row values (keras.metrics.MeanSquaredError, ...,
/// and metrics given as loss names such as "binary_crossentropy").
class LossMetric : public MeanMetricWrapper {
public:
    LossMetric(std::string name, LossPtr loss, std::string className, MetricDirection direction = MetricDirection::Down);
    std::string className() const override { return className_; }
protected:
    void rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) override;
private:
    LossPtr loss_;
    std::string className_;
};

std::shared_ptr<LossMetric> MeanSquaredErrorMetric(std::string name = "mean_squared_error");
std::shared_ptr<LossMetric> MeanAbsoluteErrorMetric(std::string name = "mean_absolute_error");
std::shared_ptr<LossMetric> MeanAbsolutePercentageErrorMetric(std::string name = "mean_absolute_percentage_error");

/// sqrt(mean of squared errors over every element).
class RootMeanSquaredError : public Mean {
public:
    explicit RootMeanSquaredError(std::string name = "root_mean_squared_error") : Mean(std::move(name)) {}
    void updateState(const Tensor& yTrue, const Tensor& yPred, const Tensor* sampleWeight = nullptr) override;
    double result() const override;
    MetricDirection direction() const override { return MetricDirection::Down; }
    std::string className() const override { return "RootMeanSquaredError"; }
};

// ---- classification counts ----------------------------------------------------------------------

/// Precision / Recall at one threshold (default 0.5), optionally for one class column.
class Precision : public Metric {
public:
    explicit Precision(double threshold = 0.5, int classId = -1, std::string name = "precision");
    void updateState(const Tensor& yTrue, const Tensor& yPred, const Tensor* sampleWeight = nullptr) override;
    double result() const override;
    void resetState() override { tp_ = fp_ = fn_ = 0; }
    MetricDirection direction() const override { return MetricDirection::Up; }
    std::string className() const override { return "Precision"; }
    Json getConfig() const override;

protected:
    double tp_ = 0, fp_ = 0, fn_ = 0;
    float threshold_;
    int classId_;
};

class Recall : public Precision {
public:
    explicit Recall(double threshold = 0.5, int classId = -1, std::string name = "recall");
    double result() const override;
    std::string className() const override { return "Recall"; }
};

/// keras.metrics.AUC: ROC or PR area from a histogram over `numThresholds` evenly spaced
/// thresholds (Keras's thresholds_distributed_evenly path), summation "interpolation",
/// "minoring" or "majoring". Predictions must lie in [0, 1].
class AUC : public Metric {
public:
    enum class Curve { ROC, PR };
    enum class Summation { Interpolation, Minoring, Majoring };
    explicit AUC(int numThresholds = 200, Curve curve = Curve::ROC, Summation summation = Summation::Interpolation,
                 std::string name = "auc", bool fromLogits = false);
    void updateState(const Tensor& yTrue, const Tensor& yPred, const Tensor* sampleWeight = nullptr) override;
    double result() const override;
    void resetState() override;
    MetricDirection direction() const override { return MetricDirection::Up; }
    std::string className() const override { return "AUC"; }
    Json getConfig() const override;

private:
    int n_;
    Curve curve_;
    Summation summation_;
    bool fromLogits_;
    std::vector<double> pos_, neg_;  // weighted label counts per bucket
};

// ---- lookup -------------------------------------------------------------------------------------

/// Resolves a metric identifier as compile() does: "accuracy"/"acc" become Binary-, Sparse- or
/// CategoricalAccuracy from the target/prediction shapes (Keras's is_binary_or_sparse_categorical),
/// "crossentropy"/"ce" likewise; other names ("mae", "auc", "top_k_categorical_accuracy", loss
/// names, class names) map to their metric; Json {"class_name", "config"} works too. The metric is
/// named by the identifier string. Throws ValueError listing the names.
MetricPtr makeMetric(const Json& identifier, const std::vector<int64_t>& yTrueShape = {},
                     const std::vector<int64_t>& yPredShape = {});
std::vector<std::string> metricNames();

}  // namespace strata
