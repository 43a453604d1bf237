#pragma once
/// Export of any chart widget (TrainingMetricChart, HistogramWidget, a whole TrainingChartsWidget)
/// as it is drawn on screen: PNG through QWidget::render into an image, SVG through QSvgGenerator
/// (vector output: QtCharts and QPainter drawing stay paths and text). The widget needs no window:
/// it is laid out at its current size.
#include <QString>

class QWidget;

namespace strata::plotting {

/// `scale` renders at that many device pixels per widget pixel (2: crisp on high-dpi screens and in
/// documents). Returns false if the file cannot be written.
bool exportWidgetPng(QWidget* widget, const QString& path, qreal scale = 1.0);
bool exportWidgetSvg(QWidget* widget, const QString& path, const QString& title = {});

/// Makes an unshown widget lay itself out at `size` (offscreen rendering, tests, --plot-dir):
/// shows it with Qt::WA_DontShowOnScreen so resize and layout events run, without a window.
void prepareOffscreen(QWidget* widget, int width, int height);

}  // namespace strata::plotting
