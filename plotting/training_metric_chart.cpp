#include "plotting/training_metric_chart.h"

#include <QFile>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QLabel>
#include <QTextDocument>
#include <QTextStream>
#include <QVBoxLayout>
#include <QGraphicsLayout>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <cmath>
#include <limits>

#include "plotting/chart_export.h"
#include "plotting/chart_view.h"

namespace strata::plotting {

namespace {

const QColor kText(0x20, 0x21, 0x24);
const QColor kAxisText(0x5f, 0x63, 0x68);
const QColor kGrid(0xe8, 0xea, 0xed);
const QColor kAxisLine(0xda, 0xdc, 0xe0);

/// Validation curves have few points; show them as dots while they can be told apart.
constexpr size_t kMaxMarkedPoints = 40;

QString fmt(double v) {
    if (!std::isfinite(v)) return std::isnan(v) ? QStringLiteral("NaN") : (v > 0 ? "inf" : "-inf");
    return QString::number(v, 'g', 4);
}

QString csvField(const QString& s) {
    if (!s.contains(',') && !s.contains('"') && !s.contains('\n')) return s;
    QString q = s;
    q.replace('"', "\"\"");
    return '"' + q + '"';
}

int decimalsFor(double step) { return std::clamp(int(-std::floor(std::log10(step) + 1e-9)), 0, 8); }

/// Dynamic ticks every `interval` from 0. Setters are skipped when nothing changes: each one
/// re-lays out the chart, which a live update 25 times a second should not pay for.
void setTicks(QValueAxis* axis, double interval, int decimals) {
    if (axis->tickType() != QValueAxis::TicksDynamic) axis->setTickType(QValueAxis::TicksDynamic);
    if (axis->tickAnchor() != 0.0) axis->setTickAnchor(0.0);
    if (axis->tickInterval() != interval) axis->setTickInterval(interval);
    const QString format = QStringLiteral("%.") + QString::number(decimals) + QStringLiteral("f");
    if (axis->labelFormat() != format) axis->setLabelFormat(format);
}

void toLog10(QList<QPointF>& pts) {
    for (auto& p : pts) p.setY(std::log10(p.y()));
}

}  // namespace

std::vector<double> logTicks(double lo, double hi) {
    std::vector<double> out;
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return out;
    const double vlo = std::pow(10.0, lo), vhi = std::pow(10.0, hi);
    if (hi - lo < 0.5) {
        // Less than a factor of ~3: plain linear ticks read best.
        const double step = niceTickStep(vhi - vlo, 4);
        for (double k = std::ceil(vlo / step); k * step <= vhi * (1 + 1e-12); k += 1.0)
            if (k > 0) out.push_back(std::stod(QString::number(k * step, 'g', 12).toStdString()));  // 0.3, not 0.30000000000000004
        return out;
    }
    // Mantissas per decade, finest first; the first set giving at most 7 ticks wins.
    const std::vector<std::vector<double>> sets{{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 5}, {1, 3}, {1}};
    for (const auto& mantissas : sets) {
        out.clear();
        for (int d = int(std::floor(lo)); d <= int(std::ceil(hi)); ++d)
            for (double m : mantissas) {
                const double v = m * std::pow(10.0, d);
                if (v >= vlo && v <= vhi) out.push_back(v);
            }
        if (out.size() <= 7) return out;
    }
    // Many decades: every k-th power of ten.
    const int k = int(std::ceil((hi - lo) / 6.0));
    out.clear();
    for (int d = int(std::ceil(lo)); d <= int(std::floor(hi)); ++d)
        if (d % k == 0) out.push_back(std::pow(10.0, d));
    return out;
}

double niceTickStep(double range, int ticks) {
    if (!(range > 0) || !std::isfinite(range)) return 1.0;
    const double raw = range / std::max(1, ticks);
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / p;
    const double nice = f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0;
    return nice * p;
}

TrainingMetricChart::TrainingMetricChart(const QString& title, QWidget* parent) : QWidget(parent), title_(title) {
    chart_ = new QChart;
    chart_->setTitle(title);
    QFont titleFont = font();
    titleFont.setPointSizeF(11.5);
    titleFont.setWeight(QFont::DemiBold);
    chart_->setTitleFont(titleFont);
    chart_->setTitleBrush(kText);
    chart_->setBackgroundRoundness(0);
    chart_->setBackgroundBrush(Qt::white);
    chart_->setMargins(QMargins(4, 2, 8, 2));
    chart_->setAnimationOptions(QChart::NoAnimation);
    QLegend* legend = chart_->legend();
    legend->setAlignment(Qt::AlignTop);
    QFont legendFont = font();
    legendFont.setPointSizeF(9.5);
    legend->setFont(legendFont);
    legend->setLabelColor(kAxisText);
    legend->setMarkerShape(QLegend::MarkerShapeRectangle);

    xAxis_ = new QValueAxis;
    styleAxis(xAxis_);
    chart_->addAxis(xAxis_, Qt::AlignBottom);
    installYAxis();

    chart_->layout()->setContentsMargins(0, 0, 0, 0);
    view_ = new ChartView(chart_, this);
    view_->setBackgroundBrush(Qt::white);
    view_->setMinimumSize(320, 220);
    readout_ = new QLabel(this);
    readout_->setTextFormat(Qt::RichText);
    readout_->setMinimumHeight(readout_->fontMetrics().height() + 4);
    readout_->setStyleSheet(QStringLiteral("color: #5f6368; padding-left: 8px;"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(view_, 1);
    layout->addWidget(readout_);
    setAutoFillBackground(true);
    QPalette pal = palette();
    pal.setColor(QPalette::Window, Qt::white);
    setPalette(pal);

    view_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(view_, &QWidget::customContextMenuRequested, this, &TrainingMetricChart::showExportMenu);
    connect(view_, &ChartView::hoveredAt, this, [this](double x) { hoverAt(x); });
    connect(view_, &ChartView::hoverLeft, this, &TrainingMetricChart::clearHover);
    // Decimation depends on the plot's width: redo it when the width changes (queued, as this
    // fires in the middle of the chart's layout).
    connect(chart_, &QChart::plotAreaChanged, this, [this](const QRectF& area) {
        if (int(area.width()) != decimatedWidth_) refresh();
    }, Qt::QueuedConnection);
}

TrainingMetricChart::~TrainingMetricChart() = default;

void TrainingMetricChart::styleAxis(QAbstractAxis* axis) {
    QFont f = font();
    f.setPointSizeF(9);
    axis->setLabelsFont(f);
    axis->setLabelsColor(kAxisText);
    axis->setGridLineColor(kGrid);
    axis->setLinePenColor(kAxisLine);
    axis->setMinorGridLineVisible(false);
    QFont tf = f;
    tf.setPointSizeF(8.5);
    axis->setTitleFont(tf);
    axis->setTitleBrush(kAxisText);
}

void TrainingMetricChart::installYAxis() {
    if (yAxis_) {
        for (auto* s : chart_->series()) s->detachAxis(yAxis_);
        chart_->removeAxis(yAxis_);
        delete yAxis_;
    }
    if (logScale_) {
        // Log scale is drawn as log10(y) on a linear axis whose labels are placed at the values
        // they name: QLogValueAxis only labels powers of ten, so a loss going from 0.6 to 0.3
        // would get no label at all.
        auto* log = new QCategoryAxis;
        log->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
        yAxis_ = log;
    } else {
        yAxis_ = new QValueAxis;
    }
    styleAxis(yAxis_);
    chart_->addAxis(yAxis_, Qt::AlignLeft);
    for (auto* s : chart_->series()) s->attachAxis(yAxis_);
}

void TrainingMetricChart::setLines(const std::vector<ChartLineSpec>& lines) {
    if (lines == specs_) return;
    // Keep the visibility the user chose for lines that stay.
    std::vector<std::pair<ChartLineSpec, bool>> previous;
    for (const auto& l : lines_) previous.emplace_back(l.spec, l.visible);
    specs_ = lines;
    lines_.clear();
    for (const auto& spec : specs_) {
        Line l;
        l.spec = spec;
        for (const auto& [p, vis] : previous)
            if (p == spec) l.visible = vis;
        lines_.push_back(l);
    }
    rebuildSeries();
}

void TrainingMetricChart::rebuildSeries() {
    chart_->removeAllSeries();
    // Raw curves first so the smoothed ones are drawn over them.
    for (auto& l : lines_) {
        l.raw = new QLineSeries;
        QColor faint = l.spec.color;
        faint.setAlphaF(0.25);
        QPen pen(faint, 0.0);  // cosmetic: one device pixel, the raster engine's fast path
        pen.setStyle(l.spec.dashed ? Qt::DashLine : Qt::SolidLine);
        l.raw->setPen(pen);
        l.raw->setName(l.spec.label + QStringLiteral(" (raw)"));
        chart_->addSeries(l.raw);
    }
    for (auto& l : lines_) {
        l.smooth = new QLineSeries;
        QPen pen(l.spec.color, 2.0);
        pen.setStyle(l.spec.dashed ? Qt::DashLine : Qt::SolidLine);
        pen.setCapStyle(Qt::RoundCap);
        pen.setJoinStyle(Qt::RoundJoin);
        l.smooth->setPen(pen);
        l.smooth->setBrush(l.spec.color);
        l.smooth->setMarkerSize(5.0);
        l.smooth->setName(l.spec.label);
        chart_->addSeries(l.smooth);
    }
    for (auto* s : chart_->series()) {
        s->attachAxis(xAxis_);
        s->attachAxis(yAxis_);
    }
    QLegend* legend = chart_->legend();
    for (auto& l : lines_) {
        for (auto* m : legend->markers(l.raw)) m->setVisible(false);
        for (auto* m : legend->markers(l.smooth))
            connect(m, &QLegendMarker::clicked, this, &TrainingMetricChart::onLegendClicked);
    }
    for (int i = 0; i < int(lines_.size()); ++i) setLineVisible(i, lines_[size_t(i)].visible);
    refresh();
}

const ChartSeries* TrainingMetricChart::data(const Line& line) const {
    return line.spec.run ? line.spec.run->series(line.spec.tag, line.spec.kind) : nullptr;
}

void TrainingMetricChart::setXAxisMode(XAxisMode mode) {
    if (mode == mode_) return;
    mode_ = mode;
    refresh();
}

void TrainingMetricChart::setLogScale(bool on) {
    if (on == logScale_) return;
    logScale_ = on;
    installYAxis();
    refresh();
}

void TrainingMetricChart::setShowRaw(bool on) {
    if (on == showRaw_) return;
    showRaw_ = on;
    refresh();
}

int TrainingMetricChart::drawBuckets() const {
    const int w = int(chart_->plotArea().width());
    return std::max(100, w > 0 ? w : 800);
}

void TrainingMetricChart::refresh() {
    // Wide anti-aliased pens are stroked segment by segment (QPainterPath stroker) and are what a
    // repaint costs, so the 2 px main curve gets few points:
    //   - smoothing on: the EMA curve, one mean point per 2 px; the raw data is the faint 1 px
    //     cosmetic curve (rasterised directly, cheap) with the min/max envelope per 2 px;
    //   - smoothing off: the main curve is the raw data, min/max per 8 px (up to 4 points each),
    //     so spikes survive.
    const int px = drawBuckets();
    decimatedWidth_ = int(chart_->plotArea().width());
    const DecimationOptions rawOptions{std::max(50, px / 2), logScale_, DecimationMethod::MinMax};
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
    auto extend = [&](const QList<QPointF>& pts) {
        for (const auto& p : pts) {
            xmin = std::min(xmin, p.x());
            xmax = std::max(xmax, p.x());
            ymin = std::min(ymin, p.y());
            ymax = std::max(ymax, p.y());
        }
    };
    for (auto& l : lines_) {
        const ChartSeries* d = data(l);
        if (!d || d->empty()) {
            l.smooth->clear();
            l.raw->clear();
            continue;
        }
        const bool smoothing = d->smoothing() > 0.0;
        const DecimationOptions options = smoothing
                                              ? DecimationOptions{std::max(50, px / 2), logScale_, DecimationMethod::Mean}
                                              : DecimationOptions{std::max(50, px / 8), logScale_, DecimationMethod::MinMax};
        QList<QPointF> pts = d->drawPoints(mode_, true, options);
        if (logScale_) toLog10(pts);
        l.smooth->setPointsVisible(l.spec.kind != SeriesKind::TrainBatch && d->size() <= kMaxMarkedPoints);
        if (showRaw_ && smoothing) {
            QList<QPointF> raw = d->drawPoints(mode_, false, rawOptions);
            if (logScale_) toLog10(raw);
            if (l.visible) extend(raw);
            l.raw->replace(raw);
            l.raw->setVisible(l.visible);
        } else {
            l.raw->clear();
            l.raw->setVisible(false);
        }
        // QtCharts shows a series' legend marker again whenever the series is shown.
        for (auto* m : chart_->legend()->markers(l.raw)) m->setVisible(false);
        if (l.visible) extend(pts);
        l.smooth->replace(pts);
    }
    if (!std::isfinite(xmin)) {
        xmin = 0, xmax = 1, ymin = logScale_ ? -1.0 : 0.0, ymax = logScale_ ? 0.0 : 1.0;
    }
    if (xmax - xmin < 1e-12) {
        xmin -= 0.5;
        xmax += 0.5;
    } else {
        // A little air so end markers are not cut in half by the plot's edge.
        const double pad = 0.015 * (xmax - xmin);
        xmin -= pad;
        xmax += pad;
    }
    xAxis_->setRange(xmin, xmax);
    const double xStep = niceTickStep(xmax - xmin, 6);
    setTicks(xAxis_, mode_ == XAxisMode::Step ? std::max(1.0, xStep) : xStep,
             mode_ == XAxisMode::Step ? 0 : decimalsFor(xStep));
    const QString xTitle = mode_ == XAxisMode::Step ? QStringLiteral("step") : QStringLiteral("epoch");
    if (xAxis_->titleText() != xTitle) xAxis_->setTitleText(xTitle);

    if (logScale_) {
        auto* log = static_cast<QCategoryAxis*>(yAxis_);
        const double pad = std::max(0.02, 0.05 * (ymax - ymin));  // in decades
        const double lo = ymin - pad, hi = ymax + pad;
        log->setRange(lo, hi);
        const std::vector<double> ticks = logTicks(lo, hi);
        QStringList labels;
        for (double v : ticks) labels << QString::number(v, 'g', 3);
        if (labels != log->categoriesLabels()) {
            for (const QString& old : log->categoriesLabels()) log->remove(old);
            log->setStartValue(lo);
            for (size_t i = 0; i < ticks.size(); ++i) log->append(labels[qsizetype(i)], std::log10(ticks[i]));
        }
    } else {
        auto* lin = static_cast<QValueAxis*>(yAxis_);
        double span = ymax - ymin;
        if (span < 1e-12) span = std::max(1e-3, std::abs(ymax) * 0.1);
        const double lo = ymin - 0.05 * span, hi = ymax + 0.05 * span;
        const double step = niceTickStep(hi - lo, 5);
        lin->setRange(lo, hi);
        setTicks(lin, step, decimalsFor(step));
    }
}

QString TrainingMetricChart::hoverAt(double x) {
    QStringList plain, rich;
    bool header = false;
    for (const auto& l : lines_) {
        const ChartSeries* d = data(l);
        if (!l.visible || !d || d->empty()) continue;
        const size_t i = d->nearestIndex(mode_, x);
        if (!header) {
            const QString where = mode_ == XAxisMode::Step
                                      ? QStringLiteral("step %1").arg(qint64(d->x(XAxisMode::Step)[i]))
                                      : QStringLiteral("epoch %1").arg(d->x(XAxisMode::Epoch)[i], 0, 'f', 2);
            plain << where;
            rich << QStringLiteral("<b>%1</b>").arg(where);
            header = true;
        }
        const double value = d->values()[i], smooth = d->smoothed()[i];
        QString text = QStringLiteral("%1 %2").arg(l.spec.label, fmt(smooth));
        if (d->smoothing() > 0.0) text += QStringLiteral(" (raw %1)").arg(fmt(value));
        plain << text;
        rich << QStringLiteral("<span style=\"color:%1\">&#9632;</span> %2").arg(l.spec.color.name(), text.toHtmlEscaped());
    }
    readout_->setText(rich.join(QStringLiteral("&nbsp;&nbsp;&nbsp;")));
    view_->setGuide(plain.isEmpty() ? std::nullopt : std::optional<double>(x));
    return plain.join(QStringLiteral(" | "));
}

void TrainingMetricChart::clearHover() {
    readout_->clear();
    view_->setGuide(std::nullopt);
}

QString TrainingMetricChart::readoutText() const {
    QTextDocument doc;
    doc.setHtml(readout_->text());
    return doc.toPlainText();
}

void TrainingMetricChart::setLineVisible(int line, bool visible) {
    if (line < 0 || line >= int(lines_.size())) return;
    Line& l = lines_[size_t(line)];
    l.visible = visible;
    l.smooth->setVisible(visible);
    l.raw->setVisible(visible && showRaw_ && data(l) && data(l)->smoothing() > 0.0);
    for (auto* m : chart_->legend()->markers(l.raw)) m->setVisible(false);
    // QtCharts hides the legend marker with its series; keep it, dimmed, so it can be clicked back.
    for (auto* m : chart_->legend()->markers(l.smooth)) {
        m->setVisible(true);
        QColor c = l.spec.color;
        c.setAlphaF(visible ? 1.0 : 0.25);
        m->setBrush(c);
        m->setPen(QPen(c));
        m->setLabelBrush(visible ? kAxisText : QColor(0xbd, 0xc1, 0xc6));
    }
    refresh();
}

bool TrainingMetricChart::lineVisible(int line) const {
    return line >= 0 && line < int(lines_.size()) && lines_[size_t(line)].visible;
}

void TrainingMetricChart::onLegendClicked() {
    auto* marker = qobject_cast<QLegendMarker*>(sender());
    if (!marker) return;
    for (int i = 0; i < int(lines_.size()); ++i)
        if (lines_[size_t(i)].smooth == marker->series()) setLineVisible(i, !lines_[size_t(i)].visible);
}

QLineSeries* TrainingMetricChart::drawnSeries(int line) const {
    return line >= 0 && line < int(lines_.size()) ? lines_[size_t(line)].smooth : nullptr;
}

QLineSeries* TrainingMetricChart::rawSeries(int line) const {
    return line >= 0 && line < int(lines_.size()) ? lines_[size_t(line)].raw : nullptr;
}

QString TrainingMetricChart::csv() const {
    QString out;
    QTextStream s(&out);
    s << "run,series,step,epoch,value,smoothed\n";
    for (const auto& l : lines_) {
        const ChartSeries* d = data(l);
        if (!d) continue;
        const QString run = csvField(l.spec.run->name());
        const QString kind = seriesKindName(l.spec.kind);
        for (size_t i = 0; i < d->size(); ++i)
            s << run << ',' << kind << ',' << QString::number(d->x(XAxisMode::Step)[i], 'g', 12) << ','
              << QString::number(d->x(XAxisMode::Epoch)[i], 'g', 12) << ',' << QString::number(d->values()[i], 'g', 9)
              << ',' << QString::number(d->smoothed()[i], 'g', 9) << '\n';
    }
    return out;
}

void TrainingMetricChart::showExportMenu(const QPoint& pos) {
    QMenu menu(this);
    QAction* png = menu.addAction(tr("Save as PNG…"));
    QAction* svg = menu.addAction(tr("Save as SVG…"));
    menu.addAction(tr("Save data as CSV…"));
    QAction* chosen = menu.exec(view_->mapToGlobal(pos));
    if (!chosen) return;
    const QString ext = chosen == png ? "png" : chosen == svg ? "svg" : "csv";
    const QString path = QFileDialog::getSaveFileName(this, chosen->text(), title_ + '.' + ext,
                                                      ext.toUpper() + QStringLiteral(" (*.") + ext + ')');
    if (path.isEmpty()) return;
    const bool ok = chosen == png ? exportPng(path, devicePixelRatioF()) : chosen == svg ? exportSvg(path) : exportCsv(path);
    if (!ok) QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1").arg(path));
}

bool TrainingMetricChart::exportCsv(const QString& path) const {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
    const QByteArray bytes = csv().toUtf8();
    return f.write(bytes) == bytes.size();
}

bool TrainingMetricChart::exportPng(const QString& path, qreal scale) {
    clearHover();
    return exportWidgetPng(this, path, scale);
}

bool TrainingMetricChart::exportSvg(const QString& path) {
    clearHover();
    return exportWidgetSvg(this, path, title_);
}

}  // namespace strata::plotting
