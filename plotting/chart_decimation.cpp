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

QList<QPointF> decimateMean(const double* x, const double* y, std::size_t n, const DecimationOptions& options) {
    const int buckets = std::max(1, options.buckets);
    if (n <= std::size_t(buckets)) return decimateMinMax(x, y, n, options);  // whole
    QList<QPointF> out;
    out.reserve(buckets);
    const double x0 = x[0], span = x[n - 1] - x[0];
    const double scale = span > 0.0 ? buckets / span : 0.0;
    std::size_t i = 0;
    while (i < n) {
        const int bucket = std::min(buckets - 1, int((x[i] - x0) * scale));
        double sx = 0.0, sy = 0.0;
        std::size_t count = 0;
        for (; i < n && std::min(buckets - 1, int((x[i] - x0) * scale)) == bucket; ++i) {
            if (!usable(y[i], options.positiveOnly)) continue;
            sx += x[i];
            sy += y[i];
            ++count;
        }
        if (count) out.append(QPointF(sx / double(count), sy / double(count)));
    }
    // The curve still starts and ends at the data's first and last points.
    std::size_t first = 0, last = n;
    while (first < n && !usable(y[first], options.positiveOnly)) ++first;
    while (last > first && !usable(y[last - 1], options.positiveOnly)) --last;
    if (first < last) {
        if (out.isEmpty() || out.front().x() > x[first]) out.prepend(QPointF(x[first], y[first]));
        if (out.back().x() < x[last - 1]) out.append(QPointF(x[last - 1], y[last - 1]));
    }
    return out;
}

QList<QPointF> decimate(const double* x, const double* y, std::size_t n, const DecimationOptions& options) {
    return options.method == DecimationMethod::Mean ? decimateMean(x, y, n, options)
                                                    : decimateMinMax(x, y, n, options);
}

}  // namespace strata::plotting
