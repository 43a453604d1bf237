#include "plotting/chart_view.h"

#include <QGraphicsLineItem>
#include <QMouseEvent>
#include <QtCharts/QAbstractSeries>
#include <QtCharts/QChart>

namespace strata::plotting {

ChartView::ChartView(QChart* chart, QWidget* parent) : QChartView(chart, parent) {
    // Hover read-outs need move events without a pressed button, which arrive on the viewport.
    setMouseTracking(true);
    viewport()->setMouseTracking(true);
    setRenderHint(QPainter::Antialiasing);
    setFrameShape(QFrame::NoFrame);
    guide_ = new QGraphicsLineItem(chart);
    guide_->setPen(QPen(QColor(0x9a, 0xa0, 0xa6), 1, Qt::DashLine));
    guide_->setZValue(100);
    guide_->hide();
}

void ChartView::setGuide(std::optional<double> x) {
    guideX_ = x;
    QChart* c = chart();
    if (!x || c->series().isEmpty()) {
        guide_->hide();
        return;
    }
    const QRectF area = c->plotArea();
    const double px = c->mapToPosition(QPointF(*x, 0.0), c->series().front()).x();
    if (px < area.left() - 0.5 || px > area.right() + 0.5) {
        guide_->hide();
        return;
    }
    guide_->setLine(px, area.top(), px, area.bottom());
    guide_->show();
}

void ChartView::mouseMoveEvent(QMouseEvent* event) {
    QChart* c = chart();
    const QPointF scenePos = mapToScene(event->position().toPoint());
    const QPointF chartPos = c->mapFromScene(scenePos);
    if (!c->series().isEmpty() && c->plotArea().contains(chartPos))
        emit hoveredAt(c->mapToValue(chartPos, c->series().front()).x());
    else
        emit hoverLeft();
    QChartView::mouseMoveEvent(event);
}

void ChartView::leaveEvent(QEvent* event) {
    emit hoverLeft();
    QChartView::leaveEvent(event);
}

void ChartView::resizeEvent(QResizeEvent* event) {
    QChartView::resizeEvent(event);
    setGuide(guideX_);
}

}  // namespace strata::plotting
