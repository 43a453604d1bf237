#pragma once
/// TrainingMetricChart: one scalar tag ("loss", "val_accuracy" next to "accuracy", ...) of one or
/// several runs, drawn with QtCharts the way TensorBoard draws scalars: the EMA-smoothed curve in
/// full colour over the raw curve in a faint tint, validation dashed, a hover read-out under the
/// chart, clickable legend entries, linear or log y axis, step or epoch x axis.
///
/// The chart never owns data: lines refer to ChartSeries inside TrainingRun objects (kept by the
/// caller, e.g. TrainingChartsWidget). refresh() rebuilds what is drawn: each line decimated to
/// the plot's pixel width (decimateMinMax) and handed over with QXYSeries::replace, so drawing
/// cost depends on the chart's width, not on the length of the run.
#include <QColor>
#include <QString>
#include <QWidget>
#include <string>
#include <vector>

#include "plotting/chart_series.h"
#include "plotting/training_run.h"

class QLabel;
QT_BEGIN_NAMESPACE
class QChart;
class QLineSeries;
class QValueAxis;
class QAbstractAxis;
QT_END_NAMESPACE

namespace strata::plotting {

class ChartView;

/// What one line of a chart shows and how.
struct ChartLineSpec {
    const TrainingRun* run = nullptr;
    std::string tag;
    SeriesKind kind = SeriesKind::TrainEpoch;
    QString label;  ///< legend text ("train", "validation", "adam · validation")
    QColor color;
    bool dashed = false;
    bool operator==(const ChartLineSpec& o) const {
        return run == o.run && tag == o.tag && kind == o.kind && label == o.label && color == o.color &&
               dashed == o.dashed;
    }
};

class TrainingMetricChart : public QWidget {
    Q_OBJECT
public:
    explicit TrainingMetricChart(const QString& title, QWidget* parent = nullptr);
    ~TrainingMetricChart() override;

    QString title() const { return title_; }
    QSize sizeHint() const override { return {520, 340}; }
    /// Sets the lines (kept if unchanged, so legend toggles survive updates).
    void setLines(const std::vector<ChartLineSpec>& lines);
    const std::vector<ChartLineSpec>& lines() const { return specs_; }

    void setXAxisMode(XAxisMode mode);
    XAxisMode xAxisMode() const { return mode_; }
    void setLogScale(bool on);
    bool logScale() const { return logScale_; }
    /// Draw the faint raw curve behind the smoothed one (only meaningful when smoothing > 0).
    void setShowRaw(bool on);

    /// Re-decimates every line and fits the axes to the data. Cheap enough to call on each update.
    void refresh();

    /// The hover read-out for x (value coordinates): nearest point of every visible line. Also
    /// moves the guide line and fills the label under the chart. Returns the plain text.
    QString hoverAt(double x);
    void clearHover();
    QString readoutText() const;

    /// Legend toggles (also by clicking the legend).
    void setLineVisible(int line, bool visible);
    bool lineVisible(int line) const;

    /// Long-format CSV of the raw data (every point, not the decimated ones):
    /// run,series,step,epoch,value,smoothed
    QString csv() const;
    bool exportCsv(const QString& path) const;
    bool exportPng(const QString& path, qreal scale = 1.0);
    bool exportSvg(const QString& path);

    // ---- introspection (tests, benchmark) -----------------------------------------------------
    QChart* chart() const { return chart_; }
    ChartView* view() const { return view_; }
    /// The drawn (smoothed) and faint raw QLineSeries of a line.
    QLineSeries* drawnSeries(int line) const;
    QLineSeries* rawSeries(int line) const;
    /// Pixel columns used for decimation (the plot area's width).
    int drawBuckets() const;

private:
    struct Line {
        ChartLineSpec spec;
        QLineSeries* smooth = nullptr;
        QLineSeries* raw = nullptr;
        bool visible = true;
    };
    void rebuildSeries();
    void installYAxis();
    void styleAxis(QAbstractAxis* axis);
    void onLegendClicked();
    /// Right-click on the chart: save as PNG / SVG / CSV.
    void showExportMenu(const QPoint& pos);
    const ChartSeries* data(const Line& line) const;

    QString title_;
    QChart* chart_;
    ChartView* view_;
    QLabel* readout_;
    QValueAxis* xAxis_;
    QAbstractAxis* yAxis_ = nullptr;
    std::vector<ChartLineSpec> specs_;
    std::vector<Line> lines_;
    XAxisMode mode_ = XAxisMode::Step;
    bool logScale_ = false;
    bool showRaw_ = true;
    int decimatedWidth_ = -1;  ///< plot width the drawn points were decimated for
};

/// Values to label on a log axis spanning [lo, hi] decades (log10 units): 1-2-5 style mantissas
/// per decade, or linear nice ticks when the span is under half a decade.
std::vector<double> logTicks(double lo, double hi);

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `ticks` intervals over `range`.
double niceTickStep(double range, int ticks);

}  // namespace strata::plotting
