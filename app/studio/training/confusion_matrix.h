#pragma once
/// ConfusionMatrixModel: counts of (true class, predicted class) over the test data, as a table
/// model (rows: true, columns: predicted) whose cells are shaded by their share of the row, so the
/// classes a classifier confuses stand out.
#include <QAbstractTableModel>
#include <QStringList>
#include <vector>

#include "engine/core/tensor.h"

namespace strata::studio {

class ConfusionMatrixModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit ConfusionMatrixModel(QObject* parent = nullptr);

    /// `labels`: class ids (or one-hot rows); `predictions`: scores per class.
    void setData(const Tensor& labels, const Tensor& predictions, const std::vector<std::string>& classNames);
    void clear();
    int classes() const { return int(names_.size()); }
    int64_t count(int trueClass, int predictedClass) const;
    double accuracy() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QStringList names_;
    std::vector<int64_t> counts_;  // row-major, true x predicted
    std::vector<int64_t> rowTotals_;
};

}  // namespace strata::studio
