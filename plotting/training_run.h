#pragma once
/// TrainingRun: every scalar of one training run, as ChartSeries keyed by log tag ("loss",
/// "accuracy", "department_loss"; validation keys are stored under the same tag without "val_"),
/// fed from TrainingFeed records or from a finished History. Several runs side by side make a
/// run comparison.
#include <QString>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/training/callbacks.h"
#include "plotting/chart_series.h"
#include "plotting/training_feed.h"

namespace strata::plotting {

/// The three curves a tag can have.
enum class SeriesKind {
    TrainBatch,  ///< batch logs: Keras's running averages within each epoch
    TrainEpoch,  ///< epoch logs of the training data
    Validation,  ///< epoch logs' "val_" keys
};
QString seriesKindName(SeriesKind kind);  ///< "train (batch)", "train", "validation"

/// "val_department_loss" -> {"department_loss", true}.
std::pair<std::string, bool> splitValidationKey(const std::string& key);
/// The output a tag belongs to: the longest output name that prefixes it followed by "_"
/// ("department_loss" -> "department"), or "" for model-wide tags ("loss", "learning_rate").
std::string outputGroupOf(const std::string& tag, const std::vector<std::string>& outputNames);

class TrainingRun {
public:
    explicit TrainingRun(QString name) : name_(std::move(name)) {}
    const QString& name() const { return name_; }

    void start(const TrainingStart& start);
    /// Returns the tags that received points (in first-seen order).
    std::vector<std::string> addBatches(const QVector<BatchRecord>& batches);
    std::vector<std::string> addEpoch(const EpochRecord& epoch);
    /// A finished run: one epoch point per History entry; `stepsPerEpoch` (if known) places them on
    /// the step axis, else epoch e sits at step e + 1.
    void addHistory(const History& history, int64_t stepsPerEpoch = 0);

    /// Tags in first-seen order ("loss" first if present).
    const std::vector<std::string>& tags() const { return tags_; }
    const std::vector<std::string>& outputNames() const { return outputNames_; }
    void setOutputNames(std::vector<std::string> names) { outputNames_ = std::move(names); }
    /// Null if this run has no such curve.
    const ChartSeries* series(const std::string& tag, SeriesKind kind) const;
    bool hasBatchData() const { return hasBatches_; }
    /// Applies a smoothing weight to every curve.
    void setSmoothing(double weight);

private:
    ChartSeries& seriesFor(const std::string& tag, SeriesKind kind, std::vector<std::string>& touched);
    QString name_;
    std::vector<std::string> outputNames_;
    int64_t stepsPerEpoch_ = 0;
    bool hasBatches_ = false;
    double smoothing_ = 0.0;
    std::vector<std::string> tags_;
    std::map<std::pair<std::string, SeriesKind>, std::unique_ptr<ChartSeries>> series_;
};

}  // namespace strata::plotting
