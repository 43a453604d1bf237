#pragma once
/// TrainingChartsWidget: TensorBoard's scalars dashboard for Strata runs. One TrainingMetricChart
/// per log tag (loss first, then each metric), train and validation on the same chart; for
/// multi-output models the per-output tags ("department_loss", "department_accuracy") are grouped
/// in a section per output, after the model-wide ones. A toolbar sets, for every chart at once,
/// the x axis (step or epoch), the train curve granularity (per batch or per epoch), the EMA
/// smoothing weight (TensorBoard's slider, debiased), and the log scale.
///
/// Data comes from TrainingFeed signals (queued from the training thread) or from a finished
/// History; several runs can be shown together for comparison. Updates are coalesced: a burst of
/// signals marks charts dirty and they are redrawn once when the event loop is next idle.
#include <QString>
#include <QStringList>
#include <QWidget>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/training/callbacks.h"
#include "plotting/chart_series.h"
#include "plotting/training_feed.h"
#include "plotting/training_metric_chart.h"
#include "plotting/training_run.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QVBoxLayout;
class QGridLayout;

namespace strata::plotting {


class TrainingChartsWidget : public QWidget {
    Q_OBJECT
public:
    explicit TrainingChartsWidget(QWidget* parent = nullptr);
    ~TrainingChartsWidget() override;

    /// A new run named `runName`, fed by the feed's signals (queued if the feed's callbacks run in
    /// another thread). Returns the run's index.
    int connectFeed(TrainingFeed* feed, const QString& runName);
    /// A new, empty run fed through the slots below. Returns its index.
    int addRun(const QString& runName);
    /// A finished run from its History (epoch points only).
    int addHistory(const History& history, const QString& runName, int64_t stepsPerEpoch = 0);
    /// Removes every run and chart, and disconnects the feeds given to connectFeed.
    void clearRuns();
    int runCount() const { return int(runs_.size()); }
    /// Shows or hides run `index`'s lines on every chart (the Studio's Runs list ticks runs to
    /// overlay them). Runs are shown when added; colours stay with the run either way.
    void setRunVisible(int index, bool visible);
    bool runVisible(int index) const { return !hiddenRuns_.count(index); }
    const TrainingRun& run(int index) const { return *runs_.at(size_t(index)); }

    void setXAxisMode(XAxisMode mode);
    XAxisMode xAxisMode() const { return mode_; }
    /// 0 (off) .. 0.999; TensorBoard's default is 0.6.
    void setSmoothing(double weight);
    double smoothing() const { return smoothing_; }
    void setLogScale(bool on);
    bool logScale() const { return logScale_; }
    /// SeriesKind::TrainBatch (per-batch curve when the run has one) or SeriesKind::TrainEpoch.
    void setTrainGranularity(SeriesKind kind);
    SeriesKind trainGranularity() const { return granularity_; }
    /// Charts per row (default 2).
    void setColumns(int columns);

    /// Tags with a chart, in display order (sections in order, "loss" first in each).
    QStringList chartTags() const;
    TrainingMetricChart* chart(const QString& tag) const;
    /// Output sections: "" for model-wide tags, then the output names of multi-output models.
    QStringList sections() const;
    /// Writes every chart as <dir>/<tag>.png (and .svg / .csv when asked). Returns the files.
    QStringList exportCharts(const QString& dir, bool svg = false, bool csv = false, qreal scale = 1.0);

    /// Redraws dirty charts now (otherwise done when the event loop is idle).
    void refreshNow();

public slots:
    void startRun(int run, const strata::plotting::TrainingStart& start);
    void addBatches(int run, const QVector<strata::plotting::BatchRecord>& batches);
    void addEpoch(int run, const strata::plotting::EpochRecord& epoch);

signals:
    /// A chart was added (new tag, new section).
    void chartsChanged();
    /// Points were drawn (after coalescing).
    void refreshed();

private:
    void buildToolbar(QVBoxLayout* layout);
    void touch(int run, const std::vector<std::string>& tags);
    void scheduleRefresh();
    void syncCharts();
    std::vector<ChartLineSpec> linesFor(const std::string& tag) const;
    void relayout();
    QColor trainColor(int run) const;
    QColor validationColor(int run) const;
    std::string sectionOf(const std::string& tag) const;

    std::vector<std::unique_ptr<TrainingRun>> runs_;
    std::set<int> hiddenRuns_;
    std::vector<QMetaObject::Connection> feedConnections_;
    std::vector<std::string> tags_;  // display order
    std::map<std::string, TrainingMetricChart*> charts_;
    std::set<std::string> dirty_;
    bool refreshPending_ = false;
    bool structureDirty_ = false;

    XAxisMode mode_ = XAxisMode::Step;
    double smoothing_ = 0.6;
    bool logScale_ = false;
    SeriesKind granularity_ = SeriesKind::TrainBatch;
    int columns_ = 2;

    QComboBox* xAxisBox_ = nullptr;
    QComboBox* granularityBox_ = nullptr;
    QSlider* smoothingSlider_ = nullptr;
    QLabel* smoothingLabel_ = nullptr;
    QCheckBox* logBox_ = nullptr;
    QWidget* content_ = nullptr;
    QVBoxLayout* contentLayout_ = nullptr;
    QLabel* emptyLabel_ = nullptr;
};

}  // namespace strata::plotting
