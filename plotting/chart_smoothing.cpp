#include "plotting/chart_smoothing.h"

#include <cmath>

namespace strata::plotting {

double EmaSmoother::next(double value) {
    if (!std::isfinite(value)) return value;
    if (weight_ <= 0.0) return value;
    last_ = last_ * weight_ + (1.0 - weight_) * value;
    ++count_;
    debiasPow_ *= weight_;
    const double debias = 1.0 - debiasPow_;
    return debias > 0.0 ? last_ / debias : value;
}

std::vector<double> smoothEma(const std::vector<double>& values, double weight) {
    EmaSmoother s(weight);
    std::vector<double> out;
    out.reserve(values.size());
    for (double v : values) out.push_back(s.next(v));
    return out;
}

}  // namespace strata::plotting
