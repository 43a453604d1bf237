#include "plotting/histogram_grid.h"

#include <QGridLayout>
#include <algorithm>

namespace strata::plotting {

HistogramGrid::HistogramGrid(QWidget* parent) : QWidget(parent), grid_(new QGridLayout(this)) {
    grid_->setContentsMargins(8, 8, 8, 8);
    grid_->setSpacing(10);
    setAutoFillBackground(true);
    QPalette pal = palette();
    pal.setColor(QPalette::Window, Qt::white);
    setPalette(pal);
}

void HistogramGrid::setDiagnostics(const std::vector<EpochDiagnostics>& epochs) {
    for (auto* c : cells_) delete c;
    cells_.clear();
    kinds_ = {HistogramKind::Weights, HistogramKind::Biases, HistogramKind::Gradients};
    std::vector<std::string> layers;
    bool activations = false;
    for (const auto& e : epochs)
        for (const auto& l : e.layers) {
            if (std::find(layers.begin(), layers.end(), l.layer) == layers.end()) layers.push_back(l.layer);
            activations = activations || !l.activations.empty();
        }
    if (activations) kinds_.push_back(HistogramKind::Activations);
    rows_ = int(layers.size());
    for (int r = 0; r < rows_; ++r)
        for (int c = 0; c < columns(); ++c) {
            auto* view = new HistogramOffsetView(this);
            const HistogramKind kind = kinds_[size_t(c)];
            view->setTitle(QString::fromStdString(layers[size_t(r)]) + QStringLiteral(" · ") + histogramKindName(kind));
            view->setEmptyText(tr("no %1").arg(histogramKindName(kind)));
            view->setSlices(histogramSlices(epochs, layers[size_t(r)], kind));
            grid_->addWidget(view, r, c);
            cells_.push_back(view);
        }
}

HistogramOffsetView* HistogramGrid::cell(int row, int column) const {
    if (row < 0 || row >= rows_ || column < 0 || column >= columns()) return nullptr;
    return cells_[size_t(row * columns() + column)];
}

}  // namespace strata::plotting
