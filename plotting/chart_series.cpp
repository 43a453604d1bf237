#include "plotting/chart_series.h"

#include <algorithm>

namespace strata::plotting {

void ChartSeries::append(double step, double epoch, double value) {
    steps_.push_back(step);
    epochs_.push_back(epoch);
    values_.push_back(value);
    smoothed_.push_back(smoother_.next(value));
}

void ChartSeries::clear() {
    steps_.clear();
    epochs_.clear();
    values_.clear();
    smoothed_.clear();
    smoother_.reset();
}

void ChartSeries::setSmoothing(double weight) {
    if (weight == smoother_.weight()) return;
    smoother_ = EmaSmoother(weight);
    smoothed_.clear();
    for (double v : values_) smoothed_.push_back(smoother_.next(v));
}

QList<QPointF> ChartSeries::drawPoints(XAxisMode mode, bool smoothedValues, const DecimationOptions& options) const {
    const auto& xs = x(mode);
    const auto& ys = smoothedValues ? smoothed_ : values_;
    return decimate(xs.data(), ys.data(), ys.size(), options);
}

std::size_t ChartSeries::nearestIndex(XAxisMode mode, double xValue) const {
    const auto& xs = x(mode);
    if (xs.empty()) return 0;
    auto it = std::lower_bound(xs.begin(), xs.end(), xValue);
    if (it == xs.end()) return xs.size() - 1;
    std::size_t i = std::size_t(it - xs.begin());
    if (i > 0 && xValue - xs[i - 1] < xs[i] - xValue) --i;
    return i;
}

}  // namespace strata::plotting
