#pragma once
/// LayerNormsModel: the per-layer health table of the latest epoch, as a Qt item model. Columns:
/// layer, type, parameters, weight norm, gradient norm, update/weight ratio, zero activations,
/// dead units, status. Rows that need attention are tinted and their status says why:
///   - "exploding gradients": gradient norm > 1e3 or not finite,
///   - "vanishing gradients": gradient norm < 1e-7,
///   - "dead ReLUs": more than half of a ReLU layer's units output zero for the whole probe batch
///     (needs TrainingFeed::setActivationProbe; without activations this check is skipped).
/// A healthy update/weight ratio is around 1e-3 (Karpathy's rule of thumb); it is shown, not flagged.
#include <QAbstractTableModel>
#include <QStringList>

#include "plotting/training_diagnostics.h"

namespace strata::plotting {

class TrainingFeed;

class LayerNormsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Layer, Type, Params, WeightNorm, GradNorm, UpdateRatio, ZeroActivations, DeadUnits, Status, ColumnCount };
    /// Qt::UserRole: the row's flags as a QStringList ("exploding gradients", ...).
    static constexpr int FlagsRole = Qt::UserRole + 1;

    explicit LayerNormsModel(QObject* parent = nullptr);
    void connectFeed(TrainingFeed* feed);
    void setThresholds(const HealthThresholds& t);
    const EpochDiagnostics& diagnostics() const { return current_; }
    /// The flags of a row, in severity order.
    QStringList flags(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

public slots:
    void setDiagnostics(const strata::plotting::EpochDiagnostics& diagnostics);
    void clear();

private:
    EpochDiagnostics current_;
    HealthThresholds thresholds_;
};

}  // namespace strata::plotting
