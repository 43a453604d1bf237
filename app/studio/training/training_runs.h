#pragma once
/// Runs: every training run of a session kept with its settings, epoch history, test metrics and
/// how it ended (TrainingRunRecord), listed in a table model (TrainingRunsModel) that saves to
/// and loads from JSON (for the project) and exports all histories to one CSV.
#include <QAbstractTableModel>
#include <QDateTime>
#include <QString>
#include <vector>

#include "app/studio/training/training_job.h"
#include "app/studio/training/training_settings.h"

namespace strata::studio {

struct TrainingRunRecord {
    QString name;
    QDateTime started;
    TrainingSettings settings;
    std::string dataSource;  ///< describe() of the data
    TrainingOutcome::End end = TrainingOutcome::End::Finished;
    QString message;
    HistoryData history;
    Logs testMetrics;
    int64_t steps = 0;
    double seconds = 0;
    /// Ticked in the Runs list: its curves are overlaid on the charts.
    bool shown = true;

    /// The last epoch's value of `key`, or NaN.
    double finalValue(const std::string& key) const;
    Json toJson() const;
    static TrainingRunRecord fromJson(const Json& json);  ///< throws ConfigError naming the key
};

/// A record of a finished run.
TrainingRunRecord makeRunRecord(const QString& name, const TrainingSettings& settings, const std::string& dataSource,
                                const TrainingOutcome& outcome);

class TrainingRunsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Result, Epochs, Loss, ValLoss, TestMetric, Duration, ColumnCount };
    explicit TrainingRunsModel(QObject* parent = nullptr);

    void addRun(TrainingRunRecord run);
    void clear();
    const std::vector<TrainingRunRecord>& runs() const { return runs_; }
    const TrainingRunRecord& run(int row) const { return runs_.at(size_t(row)); }
    /// Ticks or unticks a run (its check box in the Name column); emits runShownChanged.
    void setShown(int row, bool shown);

    /// One CSV: "run,epoch,<every history key in first-seen order>", one row per run and epoch,
    /// empty cells where a run lacks a key. Throws IoError naming the file if it cannot be written.
    void exportHistoriesCsv(const QString& path) const;
    std::string historiesCsv() const;

    Json toJson() const;
    void loadJson(const Json& json);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

signals:
    /// A run was ticked or unticked (the charts show or hide its curves).
    void runShownChanged(int row, bool shown);

private:
    std::vector<TrainingRunRecord> runs_;
};

}  // namespace strata::studio
