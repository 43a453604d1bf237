#pragma once
/// Decimation of long series for drawing: QtCharts draws every point it is given, so a 100,000
/// point curve is cut down to what the plot's pixels can show. Per pixel column (bucket) we keep
/// the first, lowest, highest and last point (the "M4" scheme), in x order, which draws exactly
/// the same line at that width: spikes (a loss blowing up for one batch) are never averaged away.
#include <QList>
#include <QPointF>
#include <cstddef>

namespace strata::plotting {

enum class DecimationMethod {
    MinMax,  ///< first, lowest, highest, last per bucket: exact envelope, for raw data
    Mean,    ///< one averaged point per bucket: for curves that are already smooth (EMA)
};

struct DecimationOptions {
    int buckets = 800;          ///< usually the plot area's width in pixels
    bool positiveOnly = false;  ///< drop y <= 0 (log-scale axes cannot show them)
    DecimationMethod method = DecimationMethod::MinMax;
};

/// Points (x[i], y[i]) with x non-decreasing, decimated to at most 4 per bucket over
/// [x.front(), x.back()]. Non-finite y are dropped. Series short enough to draw as they are
/// (n <= 4 * buckets) are returned whole.
QList<QPointF> decimateMinMax(const double* x, const double* y, std::size_t n, const DecimationOptions& options);
/// One point per bucket at the mean x and mean y of its usable points, plus the first and last
/// points (series of n <= buckets are returned whole). Min/max decimation of an already smoothed curve draws the bucket's spread as
/// a zigzag; the mean draws the curve.
QList<QPointF> decimateMean(const double* x, const double* y, std::size_t n, const DecimationOptions& options);
/// decimateMinMax or decimateMean, as options.method says.
QList<QPointF> decimate(const double* x, const double* y, std::size_t n, const DecimationOptions& options);

}  // namespace strata::plotting
