#pragma once
/// ChartSeries: the data of one curve of a training chart (e.g. run "adam", tag "loss", split
/// "validation"), kept outside QtCharts so appending is O(1) amortised and the drawn series can be
/// rebuilt (smoothed, decimated, re-based on another x axis) without touching the raw values.
#include <QList>
#include <QPointF>
#include <cstddef>
#include <vector>

#include "plotting/chart_decimation.h"
#include "plotting/chart_smoothing.h"

namespace strata::plotting {

/// What the x axis counts: optimizer steps (batches seen) or epochs (fractional within an epoch).
enum class XAxisMode { Step, Epoch };

class ChartSeries {
public:
    /// One point: `step` and `epoch` are the same instant on the two axes.
    void append(double step, double epoch, double value);
    void clear();
    std::size_t size() const { return values_.size(); }
    bool empty() const { return values_.empty(); }

    const std::vector<double>& x(XAxisMode mode) const { return mode == XAxisMode::Step ? steps_ : epochs_; }
    const std::vector<double>& values() const { return values_; }
    /// The EMA-smoothed values at the current smoothing weight (kept up to date on append).
    const std::vector<double>& smoothed() const { return smoothed_; }
    void setSmoothing(double weight);
    double smoothing() const { return smoother_.weight(); }

    /// The points to hand to QtCharts: raw or smoothed values, decimated for `options.buckets`.
    QList<QPointF> drawPoints(XAxisMode mode, bool smoothedValues, const DecimationOptions& options) const;
    /// Index of the point whose x is nearest to `xValue` (size() if empty).
    std::size_t nearestIndex(XAxisMode mode, double xValue) const;

private:
    std::vector<double> steps_, epochs_, values_, smoothed_;
    EmaSmoother smoother_;
};

}  // namespace strata::plotting
