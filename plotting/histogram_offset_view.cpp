#include "plotting/histogram_offset_view.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

#include "plotting/training_metric_chart.h"  // niceTickStep

namespace strata::plotting {

namespace {

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t), float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

QString tickLabel(double v, double step) {
    if (std::abs(v) < step * 1e-6) return QStringLiteral("0");
    const double mag = std::max(std::abs(v), step);
    if (mag >= 1e4 || mag < 1e-3) return QString::number(v, 'e', 1);
    const int decimals = std::clamp(int(-std::floor(std::log10(step) + 1e-9)), 0, 6);
    return QString::number(v, 'f', decimals);
}

}  // namespace

HistogramOffsetView::HistogramOffsetView(QWidget* parent) : QWidget(parent), emptyText_(tr("No data yet")) {
    setAutoFillBackground(true);
    QPalette pal = palette();
    pal.setColor(QPalette::Window, Qt::white);
    setPalette(pal);
}

void HistogramOffsetView::setSlices(std::vector<HistogramSlice> slices) {
    slices_ = std::move(slices);
    update();
}

void HistogramOffsetView::setTitle(const QString& title) {
    title_ = title;
    update();
}

void HistogramOffsetView::setEmptyText(const QString& text) {
    emptyText_ = text;
    update();
}

void HistogramOffsetView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), Qt::white);

    QFont titleFont = font();
    titleFont.setPointSizeF(11.5);
    titleFont.setWeight(QFont::DemiBold);
    QFont labelFont = font();
    labelFont.setPointSizeF(9);
    const QColor text(0x20, 0x21, 0x24), axisText(0x5f, 0x63, 0x68), axisLine(0xda, 0xdc, 0xe0);

    p.setFont(titleFont);
    p.setPen(text);
    const int titleH = QFontMetrics(titleFont).height();
    p.drawText(QRect(12, 8, width() - 24, titleH), Qt::AlignLeft | Qt::AlignVCenter, title_);

    p.setFont(labelFont);
    const QFontMetrics fm(labelFont);
    std::vector<const HistogramSlice*> shown;
    for (const auto& s : slices_)
        if (!s.histogram.empty()) shown.push_back(&s);
    if (shown.empty()) {
        p.setPen(QColor(0x80, 0x86, 0x8b));
        p.drawText(rect(), Qt::AlignCenter, emptyText_);
        return;
    }

    const int right = fm.horizontalAdvance(QStringLiteral("epoch 0000")) + 12;
    const QRectF plot(16, 16 + titleH, width() - 16 - right, height() - (16 + titleH) - (fm.height() + 14));
    if (plot.width() < 20 || plot.height() < 20) return;

    double lo = shown.front()->histogram.min, hi = shown.front()->histogram.max, peak = 0.0;
    for (const auto* s : shown) {
        const Histogram& h = s->histogram;
        lo = std::min(lo, h.min);
        hi = std::max(hi, h.max);
        const double w = h.binWidth();
        for (double c : h.counts) peak = std::max(peak, c / (double(h.total) * w));
    }
    if (hi - lo < 1e-12) hi = lo + 1.0;
    auto xOf = [&](double v) { return plot.left() + (v - lo) / (hi - lo) * plot.width(); };

    const int n = int(shown.size());
    const double sliceH = n == 1 ? plot.height() : plot.height() * 0.45;
    const double offset = n > 1 ? (plot.height() - sliceH) / (n - 1) : 0.0;
    const QColor oldest(0xff, 0xe0, 0xb2), newest(0xe6, 0x51, 0x00);

    // Label every k-th slice so the epoch labels never overlap.
    const int labelEvery = std::max(1, int(std::ceil((fm.height() + 2) / std::max(1.0, offset))));
    for (int i = 0; i < n; ++i) {
        const Histogram& h = shown[size_t(i)]->histogram;
        const double base = plot.bottom() - (n - 1 - i) * offset;
        const double t = n > 1 ? double(i) / (n - 1) : 1.0;
        const QColor fill = mix(oldest, newest, t);
        const double w = h.binWidth();
        QPainterPath path;
        path.moveTo(xOf(h.min), base);
        for (size_t b = 0; b < h.counts.size(); ++b) {
            const double density = h.counts[b] / (double(h.total) * w);
            const double y = base - (peak > 0 ? density / peak : 0.0) * sliceH;
            path.lineTo(xOf(h.min + (double(b) + 0.5) * w), y);
        }
        path.lineTo(xOf(h.max), base);
        path.closeSubpath();
        p.setPen(QPen(fill.darker(135), 1.0));
        p.setBrush(fill);
        p.drawPath(path);
        if ((n - 1 - i) % labelEvery == 0) {
            p.setPen(axisText);
            p.drawText(QRectF(plot.right() + 8, base - fm.height() / 2.0, right - 8, fm.height()),
                       Qt::AlignLeft | Qt::AlignVCenter,
                       tr("epoch %1").arg(shown[size_t(i)]->epoch + 1));
        }
    }

    p.setPen(QPen(axisLine, 1.0));
    p.drawLine(QPointF(plot.left(), plot.bottom() + 0.5), QPointF(plot.right(), plot.bottom() + 0.5));
    const double step = niceTickStep(hi - lo, std::max(2, int(plot.width() / 90)));
    p.setPen(axisText);
    for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
        const double x = xOf(v);
        p.setPen(QPen(axisLine, 1.0));
        p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4));
        p.setPen(axisText);
        const QString label = tickLabel(v, step);
        const double lw = fm.horizontalAdvance(label);
        p.drawText(QRectF(x - lw / 2 - 2, plot.bottom() + 6, lw + 4, fm.height()), Qt::AlignCenter, label);
    }
}

}  // namespace strata::plotting
