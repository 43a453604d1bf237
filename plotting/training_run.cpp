#include "plotting/training_run.h"

#include <algorithm>

namespace strata::plotting {

QString seriesKindName(SeriesKind kind) {
    switch (kind) {
    case SeriesKind::TrainBatch: return QStringLiteral("train (batch)");
    case SeriesKind::TrainEpoch: return QStringLiteral("train");
    case SeriesKind::Validation: return QStringLiteral("validation");
    }
    return {};
}

std::pair<std::string, bool> splitValidationKey(const std::string& key) {
    if (key.rfind("val_", 0) == 0) return {key.substr(4), true};
    return {key, false};
}

std::string outputGroupOf(const std::string& tag, const std::vector<std::string>& outputNames) {
    if (outputNames.size() < 2) return {};
    std::string best;
    for (const auto& out : outputNames)
        if (out.size() > best.size() && tag.size() > out.size() + 1 && tag.compare(0, out.size(), out) == 0 &&
            tag[out.size()] == '_')
            best = out;
    return best;
}

void TrainingRun::start(const TrainingStart& start) {
    outputNames_ = start.outputNames;
    stepsPerEpoch_ = start.stepsPerEpoch;
}

ChartSeries& TrainingRun::seriesFor(const std::string& tag, SeriesKind kind, std::vector<std::string>& touched) {
    if (std::find(tags_.begin(), tags_.end(), tag) == tags_.end()) {
        // "loss" leads, as in Keras's progress bar and TensorBoard's default sort.
        if (tag == "loss")
            tags_.insert(tags_.begin(), tag);
        else
            tags_.push_back(tag);
    }
    if (std::find(touched.begin(), touched.end(), tag) == touched.end()) touched.push_back(tag);
    auto& slot = series_[{tag, kind}];
    if (!slot) {
        slot = std::make_unique<ChartSeries>();
        slot->setSmoothing(smoothing_);
    }
    return *slot;
}

std::vector<std::string> TrainingRun::addBatches(const QVector<BatchRecord>& batches) {
    std::vector<std::string> touched;
    for (const auto& b : batches) {
        hasBatches_ = true;
        for (const auto& [key, value] : b.logs.items()) {
            auto [tag, val] = splitValidationKey(key);
            if (val) continue;  // batch logs have no validation values
            seriesFor(tag, SeriesKind::TrainBatch, touched).append(double(b.step), b.epochPos, value);
        }
    }
    return touched;
}

std::vector<std::string> TrainingRun::addEpoch(const EpochRecord& e) {
    std::vector<std::string> touched;
    for (const auto& [key, value] : e.logs.items()) {
        auto [tag, val] = splitValidationKey(key);
        seriesFor(tag, val ? SeriesKind::Validation : SeriesKind::TrainEpoch, touched)
            .append(double(e.step), double(e.epoch + 1), value);
    }
    return touched;
}

void TrainingRun::addHistory(const History& history, int64_t stepsPerEpoch) {
    std::vector<std::string> touched;
    for (const auto& [key, values] : history.items()) {
        auto [tag, val] = splitValidationKey(key);
        auto& s = seriesFor(tag, val ? SeriesKind::Validation : SeriesKind::TrainEpoch, touched);
        for (size_t i = 0; i < values.size(); ++i) {
            const int epoch = i < history.epoch.size() ? history.epoch[i] : int(i);
            const double step = stepsPerEpoch > 0 ? double((epoch + 1) * stepsPerEpoch) : double(epoch + 1);
            s.append(step, double(epoch + 1), values[i]);
        }
    }
}

const ChartSeries* TrainingRun::series(const std::string& tag, SeriesKind kind) const {
    auto it = series_.find({tag, kind});
    return it == series_.end() ? nullptr : it->second.get();
}

void TrainingRun::setSmoothing(double weight) {
    smoothing_ = weight;
    for (auto& [k, s] : series_) s->setSmoothing(weight);
}

}  // namespace strata::plotting
