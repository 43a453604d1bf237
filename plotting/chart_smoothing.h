#pragma once
/// TensorBoard's scalar smoothing: an exponential moving average debiased like Adam's moments, so
/// the first points are not dragged towards zero (tensorboard/webapp/widgets/line_chart_v2/
/// data_transformer.ts, classicSmoothing). Non-finite values pass through and do not disturb the
/// average, so a NaN loss stays visible as a gap instead of poisoning the rest of the curve.
#include <cstddef>
#include <vector>

namespace strata::plotting {

/// Incremental form: feed values one by one (appending a point stays O(1)).
class EmaSmoother {
public:
    /// weight in [0, 1): 0 = no smoothing; TensorBoard's slider goes up to 0.999.
    explicit EmaSmoother(double weight = 0.0) : weight_(weight) {}
    double weight() const { return weight_; }
    /// The smoothed value after `value`: last = last*w + (1-w)*value, divided by 1 - w^n.
    double next(double value);
    void reset() { last_ = 0.0, count_ = 0, debiasPow_ = 1.0; }

private:
    double weight_;
    double last_ = 0.0;
    std::size_t count_ = 0;
    double debiasPow_ = 1.0;  // w^count_, kept as a running product
};

/// The smoothed series of `values` (same length).
std::vector<double> smoothEma(const std::vector<double>& values, double weight);

}  // namespace strata::plotting
