#include "app/studio/training/training_runs.h"

#include <QBrush>
#include <QColor>
#include <cmath>
#include <limits>
#include <sstream>

#include "app/studio/training/training_panel.h"
#include "engine/core/errors.h"
#include "engine/graph/model_config.h"
#include "engine/training/callbacks.h"

namespace strata::studio {

namespace {

TrainingOutcome::End endFromName(const std::string& s) {
    for (auto e : {TrainingOutcome::End::Finished, TrainingOutcome::End::Stopped, TrainingOutcome::End::NonFiniteLoss,
                   TrainingOutcome::End::Failed})
        if (endName(e).toStdString() == s) return e;
    throw ConfigError("training run: unknown result '" + s + "'");
}

/// The test metric shown in the table: accuracy if there is one, else the loss.
std::pair<std::string, double> headlineMetric(const Logs& logs) {
    for (const auto& [k, v] : logs.items())
        if (k.find("accuracy") != std::string::npos) return {k, v};
    if (auto l = logs.get("loss")) return {"loss", *l};
    return {"", std::numeric_limits<double>::quiet_NaN()};
}

}  // namespace

double TrainingRunRecord::finalValue(const std::string& key) const {
    const auto* v = history.find(key);
    return v && !v->empty() ? v->back() : std::numeric_limits<double>::quiet_NaN();
}

Json TrainingRunRecord::toJson() const {
    Json hist = Json::object();
    for (const auto& [k, v] : history.series) {
        Json values = Json::array();
        for (double x : v) values.push_back(std::isfinite(x) ? Json(x) : Json(nullptr));  // JSON has no NaN
        hist[k] = values;
    }
    Json metrics = Json::object();
    for (const auto& [k, v] : testMetrics.items()) metrics[k] = std::isfinite(v) ? Json(v) : Json(nullptr);
    // Keep the history keys' order (Json objects sort keys).
    Json order = Json::array();
    for (const auto& [k, v] : history.series) order.push_back(k);
    return Json{{"name", name.toStdString()},
                {"started", started.toString(Qt::ISODate).toStdString()},
                {"settings", settings.toJson()},
                {"data", dataSource},
                {"result", endName(end).toStdString()},
                {"message", message.toStdString()},
                {"epochs", history.epochs},
                {"history_keys", order},
                {"history", hist},
                {"test_metrics", metrics},
                {"steps", steps},
                {"seconds", seconds},
                {"shown", shown}};
}

TrainingRunRecord TrainingRunRecord::fromJson(const Json& j) {
    if (!j.is_object()) throw ConfigError("training run: expected an object, got " + j.dump().substr(0, 40));
    TrainingRunRecord r;
    try {
        r.name = QString::fromStdString(j.value("name", std::string()));
        r.started = QDateTime::fromString(QString::fromStdString(j.value("started", std::string())), Qt::ISODate);
        if (j.contains("settings")) r.settings = TrainingSettings::fromJson(j["settings"]);
        r.dataSource = j.value("data", std::string());
        r.end = endFromName(j.value("result", std::string("finished")));
        r.message = QString::fromStdString(j.value("message", std::string()));
        r.history.epochs = j.value("epochs", std::vector<int>{});
        const Json hist = j.value("history", Json::object());
        const auto value = [](const Json& v) { return v.is_number() ? v.get<double>() : std::nan(""); };
        for (const auto& k : j.value("history_keys", std::vector<std::string>{})) {
            std::vector<double> values;
            if (hist.contains(k))
                for (const Json& v : hist[k]) values.push_back(value(v));
            r.history.series.emplace_back(k, std::move(values));
        }
        const Json metrics = j.value("test_metrics", Json::object());
        for (const auto& [k, v] : metrics.items()) r.testMetrics.set(k, value(v));
        r.steps = j.value("steps", int64_t(0));
        r.seconds = j.value("seconds", 0.0);
        r.shown = j.value("shown", true);
    } catch (const Json::exception& e) {
        throw ConfigError("training run '" + r.name.toStdString() + "': " + e.what());
    }
    return r;
}

TrainingRunRecord makeRunRecord(const QString& name, const TrainingSettings& settings, const std::string& dataSource,
                                const TrainingOutcome& o) {
    TrainingRunRecord r;
    r.name = name;
    r.started = QDateTime::currentDateTime().addMSecs(-qint64(o.seconds * 1000));
    r.settings = settings;
    r.dataSource = dataSource;
    r.end = o.end;
    r.message = o.message;
    r.history = o.history;
    r.testMetrics = o.evaluation.metrics;
    r.steps = o.steps;
    r.seconds = o.seconds;
    return r;
}

TrainingRunsModel::TrainingRunsModel(QObject* parent) : QAbstractTableModel(parent) {}

void TrainingRunsModel::addRun(TrainingRunRecord run) {
    beginInsertRows({}, int(runs_.size()), int(runs_.size()));
    runs_.push_back(std::move(run));
    endInsertRows();
}

void TrainingRunsModel::clear() {
    beginResetModel();
    runs_.clear();
    endResetModel();
}

std::string TrainingRunsModel::historiesCsv() const {
    std::vector<std::string> keys;
    for (const auto& r : runs_)
        for (const auto& [k, v] : r.history.series)
            if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    const auto field = [](const std::string& s) {
        if (s.find_first_of(",\"\n") == std::string::npos) return s;
        std::string q = "\"";
        for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
        return q + "\"";
    };
    std::ostringstream out;
    out << "run,epoch";
    for (const auto& k : keys) out << ',' << field(k);
    out << '\n';
    for (const auto& r : runs_) {
        for (size_t e = 0; e < r.history.epochs.size(); ++e) {
            out << field(r.name.toStdString()) << ',' << r.history.epochs[e];
            for (const auto& k : keys) {
                out << ',';
                const auto* v = r.history.find(k);
                if (v && e < v->size()) out << pythonRepr((*v)[e]);
            }
            out << '\n';
        }
    }
    return out.str();
}

void TrainingRunsModel::exportHistoriesCsv(const QString& path) const { writeFileAtomic(path.toStdString(), historiesCsv()); }

Json TrainingRunsModel::toJson() const {
    Json a = Json::array();
    for (const auto& r : runs_) a.push_back(r.toJson());
    return a;
}

void TrainingRunsModel::loadJson(const Json& json) {
    if (!json.is_array()) throw ConfigError("training runs: expected a list, got " + json.dump().substr(0, 40));
    std::vector<TrainingRunRecord> runs;
    for (const Json& j : json) runs.push_back(TrainingRunRecord::fromJson(j));
    beginResetModel();
    runs_ = std::move(runs);
    endResetModel();
}

int TrainingRunsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(runs_.size()); }
int TrainingRunsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant TrainingRunsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || size_t(index.row()) >= runs_.size()) return {};
    const TrainingRunRecord& r = runs_[size_t(index.row())];
    const auto num = [](double v) { return std::isfinite(v) ? QVariant(QString::number(v, 'f', 4)) : QVariant(QStringLiteral("–")); };
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Name: return r.name;
        case Result: return endName(r.end);
        case Epochs: return int(r.history.epochs.size());
        case Loss: return num(r.finalValue("loss"));
        case ValLoss: return num(r.finalValue("val_loss"));
        case TestMetric: {
            const auto [k, v] = headlineMetric(r.testMetrics);
            return k.empty() ? QVariant(QStringLiteral("–")) : QVariant(QStringLiteral("%1 %2").arg(QString::fromStdString(k)).arg(v, 0, 'f', 4));
        }
        case Duration: return TrainingPanel::durationText(r.seconds);
        }
    }
    if (role == Qt::CheckStateRole && index.column() == Name) return r.shown ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::ToolTipRole) {
        return QStringLiteral("%1\n%2 · %3 · lr %4 · batch %5\n%6")
            .arg(r.message, QString::fromStdString(r.dataSource), QString::fromStdString(r.settings.optimizer))
            .arg(r.settings.learningRate)
            .arg(r.settings.batchSize)
            .arg(r.started.toString(Qt::ISODate));
    }
    if (role == Qt::ForegroundRole && index.column() == Result &&
        (r.end == TrainingOutcome::End::Failed || r.end == TrainingOutcome::End::NonFiniteLoss))
        return QBrush(QColor(176, 0, 32));
    return {};
}

void TrainingRunsModel::setShown(int row, bool shown) {
    if (row < 0 || size_t(row) >= runs_.size() || runs_[size_t(row)].shown == shown) return;
    runs_[size_t(row)].shown = shown;
    const QModelIndex i = index(row, Name);
    emit dataChanged(i, i, {Qt::CheckStateRole});
    emit runShownChanged(row, shown);
}

Qt::ItemFlags TrainingRunsModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == Name) f |= Qt::ItemIsUserCheckable;
    return f;
}

bool TrainingRunsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::CheckStateRole || !index.isValid() || index.column() != Name) return false;
    setShown(index.row(), value.toInt() == Qt::Checked);
    return true;
}

QVariant TrainingRunsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == Name)
        return tr("Tick the runs whose curves the charts overlay");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Name: return tr("Run");
    case Result: return tr("Result");
    case Epochs: return tr("Epochs");
    case Loss: return tr("Loss");
    case ValLoss: return tr("Val loss");
    case TestMetric: return tr("Test");
    case Duration: return tr("Time");
    }
    return {};
}

}  // namespace strata::studio
