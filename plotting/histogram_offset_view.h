#pragma once
/// HistogramOffsetView: TensorBoard's "offset" histogram view, drawn with QPainter. One
/// distribution per epoch, oldest at the back (top, light), newest at the front (bottom, dark),
/// each slice shifted down by a constant offset so the stack reads like a ridge plot: a drifting
/// mean moves the ridges sideways, a widening or collapsing distribution changes their width.
/// All slices share one value axis and one density scale, so shrinking gradients look shrunk.
#include <QString>
#include <QWidget>
#include <vector>

#include "plotting/training_diagnostics.h"

namespace strata::plotting {

struct HistogramSlice {
    int epoch = 0;  ///< 0-based; labelled epoch + 1
    Histogram histogram;
};

class HistogramOffsetView : public QWidget {
    Q_OBJECT
public:
    explicit HistogramOffsetView(QWidget* parent = nullptr);
    void setSlices(std::vector<HistogramSlice> slices);
    const std::vector<HistogramSlice>& slices() const { return slices_; }
    void setTitle(const QString& title);
    QString title() const { return title_; }
    /// Shown when there are no slices ("no biases", ...).
    void setEmptyText(const QString& text);
    QSize sizeHint() const override { return {520, 360}; }
    QSize minimumSizeHint() const override { return {240, 180}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<HistogramSlice> slices_;
    QString title_;
    QString emptyText_;
};

}  // namespace strata::plotting
