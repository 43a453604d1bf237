#pragma once
/// EvaluationView: what a finished run did on the test data. Three tabs: the test metrics
/// (evaluate()), a grid of test images with true and predicted labels (mistakes highlighted, a
/// "mistakes only" filter), and the confusion matrix for classifiers.
#include <QWidget>

#include "app/studio/training/confusion_matrix.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/training_job.h"

class QCheckBox;
class QLabel;
class QTableView;
class QTableWidget;
class QTabWidget;

namespace strata::studio {

class SampleGrid;

class EvaluationView : public QWidget {
    Q_OBJECT
public:
    explicit EvaluationView(QWidget* parent = nullptr);

    /// Shows `evaluation` of a model on `test` (features and labels as the data source gave them:
    /// images stay images even when the model took them flattened).
    void setResult(const EvaluationData& evaluation, const Dataset& test);
    void clear();

    QTableWidget* metricsTable() const { return metrics_; }
    SampleGrid* predictionsGrid() const { return grid_; }
    const ConfusionMatrixModel& confusion() const { return confusion_; }
    QTabWidget* tabs() const { return tabs_; }
    void setMistakesOnly(bool on);
    /// Number of samples in the grid (default 48).
    void setGridSamples(int n);

private:
    void fillGrid();

    EvaluationData eval_;
    Dataset test_;
    int gridSamples_ = 48;
    QTabWidget* tabs_ = nullptr;
    QTableWidget* metrics_ = nullptr;
    SampleGrid* grid_ = nullptr;
    QCheckBox* mistakesOnly_ = nullptr;
    QLabel* gridSummary_ = nullptr;
    QTableView* matrixView_ = nullptr;
    QLabel* matrixSummary_ = nullptr;
    ConfusionMatrixModel confusion_;
};

}  // namespace strata::studio
