#include "plotting/chart_export.h"

#include <QApplication>
#include <QImage>
#include <QPainter>
#include <QSvgGenerator>
#include <QWidget>

namespace strata::plotting {

bool exportWidgetPng(QWidget* widget, const QString& path, qreal scale) {
    const QSize size = widget->size();
    QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setRenderHint(QPainter::TextAntialiasing);
        widget->render(&painter, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
    }
    return image.save(path, "PNG");
}

bool exportWidgetSvg(QWidget* widget, const QString& path, const QString& title) {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(widget->size());
    svg.setViewBox(QRect(QPoint(0, 0), widget->size()));
    svg.setTitle(title.isEmpty() ? widget->windowTitle() : title);
    svg.setDescription(QStringLiteral("Strata training chart"));
    QPainter painter;
    if (!painter.begin(&svg)) return false;
    painter.setRenderHint(QPainter::Antialiasing);
    widget->render(&painter, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
    return painter.end();
}

void prepareOffscreen(QWidget* widget, int width, int height) {
    widget->setAttribute(Qt::WA_DontShowOnScreen, true);
    widget->resize(width, height);
    widget->show();
    QApplication::processEvents();
    QApplication::processEvents();
}

}  // namespace strata::plotting
