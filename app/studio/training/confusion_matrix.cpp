#include "app/studio/training/confusion_matrix.h"

#include <QBrush>
#include <QColor>
#include <algorithm>

#include "app/studio/training/sample_image.h"

namespace strata::studio {

ConfusionMatrixModel::ConfusionMatrixModel(QObject* parent) : QAbstractTableModel(parent) {}

void ConfusionMatrixModel::setData(const Tensor& labels, const Tensor& predictions,
                                   const std::vector<std::string>& classNames) {
    beginResetModel();
    names_.clear();
    counts_.clear();
    rowTotals_.clear();
    const int64_t n = std::min(labels.rank() ? labels.dim(0) : 0, predictions.rank() ? predictions.dim(0) : 0);
    int k = predictions.rank() >= 2 ? int(std::max<int64_t>(predictions.dim(-1), 2)) : 2;
    k = std::max<int>(k, int(classNames.size()));
    for (int i = 0; i < k; ++i)
        names_ << (size_t(i) < classNames.size() ? QString::fromStdString(classNames[size_t(i)]) : QString::number(i));
    counts_.assign(size_t(k) * size_t(k), 0);
    rowTotals_.assign(size_t(k), 0);
    for (int64_t i = 0; i < n; ++i) {
        const int t = trueClass(labels, i), p = predictedClass(predictions, i);
        if (t < 0 || t >= k || p < 0 || p >= k) continue;
        ++counts_[size_t(t) * size_t(k) + size_t(p)];
        ++rowTotals_[size_t(t)];
    }
    endResetModel();
}

void ConfusionMatrixModel::clear() {
    beginResetModel();
    names_.clear();
    counts_.clear();
    rowTotals_.clear();
    endResetModel();
}

int64_t ConfusionMatrixModel::count(int t, int p) const {
    if (t < 0 || p < 0 || t >= classes() || p >= classes()) return 0;
    return counts_[size_t(t) * size_t(classes()) + size_t(p)];
}

double ConfusionMatrixModel::accuracy() const {
    int64_t right = 0, all = 0;
    for (int i = 0; i < classes(); ++i) {
        right += count(i, i);
        all += rowTotals_[size_t(i)];
    }
    return all ? double(right) / double(all) : 0.0;
}

int ConfusionMatrixModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : classes(); }
int ConfusionMatrixModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : classes(); }

QVariant ConfusionMatrixModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const int64_t c = count(index.row(), index.column());
    const int64_t total = rowTotals_[size_t(index.row())];
    const double share = total ? double(c) / double(total) : 0.0;
    switch (role) {
    case Qt::DisplayRole: return QVariant::fromValue<qlonglong>(c);
    case Qt::TextAlignmentRole: return int(Qt::AlignCenter);
    case Qt::ToolTipRole:
        return tr("%1 of %2 '%3' samples predicted as '%4' (%5%)")
            .arg(c)
            .arg(total)
            .arg(names_[index.row()], names_[index.column()])
            .arg(share * 100, 0, 'f', 1);
    case Qt::BackgroundRole: {
        if (c == 0) return {};
        // The diagonal in green, confusions in red; stronger for a larger share of the row.
        const int a = 30 + int(share * 200);
        return QBrush(index.row() == index.column() ? QColor(46, 125, 50, a) : QColor(198, 40, 40, a));
    }
    case Qt::ForegroundRole: return share > 0.6 ? QBrush(Qt::white) : QVariant();
    }
    return {};
}

QVariant ConfusionMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (section < 0 || section >= classes()) return {};
    if (role == Qt::DisplayRole) return names_[section];
    if (role == Qt::ToolTipRole)
        return orientation == Qt::Vertical ? tr("true class: %1").arg(names_[section])
                                           : tr("predicted class: %1").arg(names_[section]);
    return {};
}

}  // namespace strata::studio
