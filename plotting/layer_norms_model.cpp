#include "plotting/layer_norms_model.h"

#include <QBrush>
#include <QColor>
#include <cmath>

#include "plotting/training_feed.h"

namespace strata::plotting {

namespace {

QString number(double v) {
    if (std::isnan(v)) return QStringLiteral("—");
    if (!std::isfinite(v)) return v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    if (v != 0.0 && (std::abs(v) < 1e-3 || std::abs(v) >= 1e4)) return QString::number(v, 'e', 2);
    return QString::number(v, 'f', 4);
}

QString percent(double v) { return std::isnan(v) ? QStringLiteral("—") : QString::number(100.0 * v, 'f', 1) + '%'; }

}  // namespace

LayerNormsModel::LayerNormsModel(QObject* parent) : QAbstractTableModel(parent) {}

void LayerNormsModel::connectFeed(TrainingFeed* feed) {
    connect(feed, &TrainingFeed::trainingStarted, this, &LayerNormsModel::clear);
    connect(feed, &TrainingFeed::diagnosticsReady, this, &LayerNormsModel::setDiagnostics);
}

void LayerNormsModel::setThresholds(const HealthThresholds& t) {
    thresholds_ = t;
    if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void LayerNormsModel::setDiagnostics(const EpochDiagnostics& d) {
    // Same layers as before (every epoch but the first): update in place so views keep their
    // selection and scroll position.
    bool sameRows = d.layers.size() == current_.layers.size();
    for (size_t i = 0; sameRows && i < d.layers.size(); ++i) sameRows = d.layers[i].layer == current_.layers[i].layer;
    if (sameRows && !d.layers.empty()) {
        current_ = d;
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    current_ = d;
    endResetModel();
}

void LayerNormsModel::clear() {
    beginResetModel();
    current_ = {};
    endResetModel();
}

QStringList LayerNormsModel::flags(int row) const {
    QStringList out;
    if (row < 0 || row >= rowCount()) return out;
    const LayerDiagnostics& l = current_.layers[size_t(row)];
    if (l.exploding(thresholds_)) out << tr("exploding gradients");
    if (l.vanishing(thresholds_)) out << tr("vanishing gradients");
    if (l.deadRelu(thresholds_)) out << tr("dead ReLUs");
    return out;
}

int LayerNormsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(current_.layers.size());
}

int LayerNormsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant LayerNormsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const LayerDiagnostics& l = current_.layers[size_t(index.row())];
    const QStringList f = flags(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Layer: return QString::fromStdString(l.layer);
        case Type: return QString::fromStdString(l.className);
        case Params: return QString::number(l.params);
        case WeightNorm: return number(l.weightNorm);
        case GradNorm: return l.gradFinite ? number(l.gradNorm) : QStringLiteral("non-finite");
        case UpdateRatio: return number(l.updateRatio);
        case ZeroActivations: return percent(l.zeroActivationFraction);
        case DeadUnits: return l.isRelu ? percent(l.deadUnitFraction) : QStringLiteral("—");
        case Status: return f.isEmpty() ? tr("ok") : f.join(QStringLiteral(", "));
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() >= Params && index.column() <= DeadUnits) return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::BackgroundRole:
        if (f.contains(tr("exploding gradients"))) return QBrush(QColor(0xfc, 0xe8, 0xe6));
        if (!f.isEmpty()) return QBrush(QColor(0xfe, 0xf7, 0xe0));
        break;
    case Qt::ForegroundRole:
        if (index.column() == Status)
            return QBrush(f.isEmpty() ? QColor(0x18, 0x80, 0x38) : f.contains(tr("exploding gradients"))
                                                                       ? QColor(0xc5, 0x22, 0x1f)
                                                                       : QColor(0xb0, 0x60, 0x00));
        break;
    case Qt::ToolTipRole:
        if (index.column() == UpdateRatio)
            return tr("|ΔW| / |W| of the epoch's last step; around 1e-3 is healthy");
        if (index.column() == DeadUnits) return tr("Units that output zero for every sample of the probe batch");
        if (!f.isEmpty()) return f.join('\n');
        break;
    case FlagsRole: return f;
    }
    return {};
}

QVariant LayerNormsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal && role == Qt::TextAlignmentRole)
        return int((section >= Params && section <= DeadUnits ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Layer: return tr("Layer");
    case Type: return tr("Type");
    case Params: return tr("Params");
    case WeightNorm: return tr("Weight norm");
    case GradNorm: return tr("Grad norm");
    case UpdateRatio: return tr("Update/weight");
    case ZeroActivations: return tr("Zero act.");
    case DeadUnits: return tr("Dead units");
    case Status: return tr("Status");
    }
    return {};
}

}  // namespace strata::plotting
