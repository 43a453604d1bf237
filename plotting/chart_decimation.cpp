#include "plotting/chart_decimation.h"

#include <algorithm>
#include <cmath>

namespace strata::plotting {

namespace {

bool usable(double y, bool positiveOnly) { return std::isfinite(y) && (!positiveOnly || y > 0.0); }

}  // namespace

QList<QPointF> decimateMinMax(const double* x, const double* y, std::size_t n, const DecimationOptions& options) {
    QList<QPointF> out;
    const int buckets = std::max(1, options.buckets);
    if (n <= std::size_t(4) * std::size_t(buckets)) {
        out.reserve(qsizetype(n));
        for (std::size_t i = 0; i < n; ++i)
            if (usable(y[i], options.positiveOnly)) out.append(QPointF(x[i], y[i]));
        return out;
    }
    out.reserve(4 * buckets);
    const double x0 = x[0], span = x[n - 1] - x[0];
    const double scale = span > 0.0 ? buckets / span : 0.0;

    std::size_t i = 0;
    while (i < n) {
        const int bucket = std::min(buckets - 1, int((x[i] - x0) * scale));
        // Indices of the first, lowest, highest and last usable point of this bucket.
        std::size_t first = n, lo = n, hi = n, last = n;
        for (; i < n && std::min(buckets - 1, int((x[i] - x0) * scale)) == bucket; ++i) {
            if (!usable(y[i], options.positiveOnly)) continue;
            if (first == n) first = lo = hi = i;
            if (y[i] < y[lo]) lo = i;
            if (y[i] > y[hi]) hi = i;
            last = i;
        }
        if (first == n) continue;
        std::size_t picks[4] = {first, std::min(lo, hi), std::max(lo, hi), last};
        std::size_t prev = n;
        for (std::size_t p : picks) {
            if (p == prev) continue;
            out.append(QPointF(x[p], y[p]));
            prev = p;
        }
    }
    return out;
}

}  // namespace strata::plotting
