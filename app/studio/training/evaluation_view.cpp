#include "app/studio/training/evaluation_view.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include "app/studio/training/sample_grid.h"
#include "app/studio/training/sample_image.h"

namespace strata::studio {

EvaluationView::EvaluationView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    tabs_ = new QTabWidget;
    layout->addWidget(tabs_);

    metrics_ = new QTableWidget(0, 2);
    metrics_->setHorizontalHeaderLabels({tr("Metric"), tr("Test value")});
    metrics_->horizontalHeader()->setStretchLastSection(true);
    metrics_->verticalHeader()->hide();
    metrics_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    tabs_->addTab(metrics_, tr("Metrics"));

    auto* preds = new QWidget;
    auto* pl = new QVBoxLayout(preds);
    mistakesOnly_ = new QCheckBox(tr("Mistakes only"));
    gridSummary_ = new QLabel;
    pl->addWidget(mistakesOnly_);
    pl->addWidget(gridSummary_);
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    grid_ = new SampleGrid;
    grid_->setCellSize(48);
    scroll->setWidget(grid_);
    pl->addWidget(scroll, 1);
    tabs_->addTab(preds, tr("Predictions"));
    connect(mistakesOnly_, &QCheckBox::toggled, this, [this] { fillGrid(); });

    auto* matrix = new QWidget;
    auto* ml = new QVBoxLayout(matrix);
    matrixSummary_ = new QLabel;
    ml->addWidget(matrixSummary_);
    matrixView_ = new QTableView;
    matrixView_->setModel(&confusion_);
    matrixView_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    matrixView_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    ml->addWidget(matrixView_, 1);
    tabs_->addTab(matrix, tr("Confusion matrix"));
    clear();
}

void EvaluationView::clear() {
    eval_ = {};
    test_ = {};
    metrics_->setRowCount(0);
    grid_->setCells({});
    confusion_.clear();
    gridSummary_->setText(tr("Train a model with test data to see its predictions."));
    matrixSummary_->clear();
}

void EvaluationView::setMistakesOnly(bool on) { mistakesOnly_->setChecked(on); }

void EvaluationView::setGridSamples(int n) {
    gridSamples_ = std::max(1, n);
    fillGrid();
}

void EvaluationView::setResult(const EvaluationData& evaluation, const Dataset& test) {
    eval_ = evaluation;
    test_ = test;
    metrics_->setRowCount(int(eval_.metrics.size()));
    int row = 0;
    for (const auto& [k, v] : eval_.metrics.items()) {
        metrics_->setItem(row, 0, new QTableWidgetItem(QString::fromStdString(k)));
        auto* value = new QTableWidgetItem(QString::number(v, 'f', 4));
        value->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        metrics_->setItem(row++, 1, value);
    }
    metrics_->resizeColumnToContents(0);
    // A classifier: predictions with one score per class and integer labels.
    const bool classifier = eval_.predictions.rank() == 2 && eval_.predictions.dim(1) >= 2 && !test_.yTest.empty();
    if (classifier) {
        confusion_.setData(test_.yTest, eval_.predictions, test_.classNames);
        matrixSummary_->setText(tr("Rows: true class, columns: predicted class. Accuracy %1% on %2 samples.")
                                    .arg(confusion_.accuracy() * 100, 0, 'f', 1)
                                    .arg(std::min(test_.testCount(), eval_.predictions.dim(0))));
    } else {
        confusion_.clear();
        matrixSummary_->setText(tr("The confusion matrix is for classifiers (one score per class)."));
    }
    fillGrid();
}

void EvaluationView::fillGrid() {
    std::vector<SampleGrid::Cell> cells;
    const Tensor& x = test_.xTest;
    const Tensor& p = eval_.predictions;
    if (x.rank() == 0 || p.rank() == 0 || test_.yTest.empty() || !drawableAsImage(x)) {
        grid_->setCells({});
        if (eval_.valid()) gridSummary_->setText(tr("The predictions grid shows image data."));
        return;
    }
    const int64_t n = std::min(x.dim(0), p.dim(0));
    int64_t mistakes = 0;
    for (int64_t i = 0; i < n; ++i) mistakes += trueClass(test_.yTest, i) != predictedClass(p, i);
    const bool only = mistakesOnly_->isChecked();
    for (int64_t i = 0; i < n && int(cells.size()) < gridSamples_; ++i) {
        const int t = trueClass(test_.yTest, i), pr = predictedClass(p, i);
        if (only && t == pr) continue;
        SampleGrid::Cell c;
        c.image = sampleImage(x, i);
        c.caption = labelText(float(t), test_.classNames);
        c.subCaption = (t == pr ? QStringLiteral("✓ ") : QStringLiteral("✗ ")) + labelText(float(pr), test_.classNames);
        c.mistake = t != pr;
        cells.push_back(std::move(c));
    }
    grid_->setCells(std::move(cells));
    gridSummary_->setText(tr("%1 mistakes in %2 test samples. Top: true label; bottom: prediction.").arg(mistakes).arg(n));
}

}  // namespace strata::studio
