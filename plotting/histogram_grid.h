#pragma once
/// HistogramGrid: every layer's distributions at a glance, one row per layer and one
/// HistogramOffsetView per quantity (weights, biases, gradients, and activations when any layer
/// has them). Used for the histograms.png of writeTrainingPlots and as an overview page.
#include <QWidget>
#include <vector>

#include "plotting/histogram_widget.h"

class QGridLayout;

namespace strata::plotting {

class HistogramGrid : public QWidget {
    Q_OBJECT
public:
    explicit HistogramGrid(QWidget* parent = nullptr);
    void setDiagnostics(const std::vector<EpochDiagnostics>& epochs);
    int rows() const { return rows_; }
    int columns() const { return int(kinds_.size()); }
    /// The view of layer row `row`, quantity column `column` (null if out of range).
    HistogramOffsetView* cell(int row, int column) const;

private:
    QGridLayout* grid_;
    std::vector<HistogramOffsetView*> cells_;
    std::vector<HistogramKind> kinds_;
    int rows_ = 0;
};

}  // namespace strata::plotting
