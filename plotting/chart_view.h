#pragma once
/// ChartView: a QChartView that reports where the mouse is in chart (value) coordinates and draws
/// a vertical guide line there, for TensorBoard-style hover read-outs.
#include <QtCharts/QChartView>
#include <optional>

class QGraphicsLineItem;

namespace strata::plotting {

class ChartView : public QChartView {
    Q_OBJECT
public:
    explicit ChartView(QChart* chart, QWidget* parent = nullptr);
    /// Shows the guide at this x (value coordinates), or hides it.
    void setGuide(std::optional<double> x);

signals:
    void hoveredAt(double x);
    void hoverLeft();

protected:
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    QGraphicsLineItem* guide_;
    std::optional<double> guideX_;
};

}  // namespace strata::plotting
