#include "plotting/training_charts_widget.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QSlider>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

#include "plotting/training_metric_chart.h"

namespace strata::plotting {

namespace {

// Train and validation of the first run in TensorBoard's classic orange and blue; further runs
// take one hue each, validation dashed.
const QColor kFirstTrain(0xf5, 0x7c, 0x00);
const QColor kFirstValidation(0x19, 0x76, 0xd2);
const QColor kRunPalette[] = {QColor(0xd8, 0x1b, 0x60), QColor(0x43, 0xa0, 0x47), QColor(0x8e, 0x24, 0xaa),
                              QColor(0x00, 0x89, 0x7b), QColor(0x6d, 0x4c, 0x41), QColor(0x54, 0x6e, 0x7a)};

QString fileSafe(const std::string& tag) {
    QString s = QString::fromStdString(tag);
    for (QChar& c : s)
        if (!c.isLetterOrNumber() && c != '_' && c != '-' && c != '.') c = '_';
    return s;
}

}  // namespace

TrainingChartsWidget::TrainingChartsWidget(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(6);
    buildToolbar(layout);

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    content_ = new QWidget;
    content_->setObjectName(QStringLiteral("chartsContent"));
    content_->setStyleSheet(QStringLiteral("#chartsContent { background: white; }"));
    contentLayout_ = new QVBoxLayout(content_);
    contentLayout_->setContentsMargins(0, 0, 0, 0);
    contentLayout_->setSpacing(8);
    scroll->setWidget(content_);
    layout->addWidget(scroll, 1);
    setAutoFillBackground(true);
    QPalette pal = palette();
    pal.setColor(QPalette::Window, Qt::white);
    setPalette(pal);
    relayout();
}

TrainingChartsWidget::~TrainingChartsWidget() = default;

void TrainingChartsWidget::buildToolbar(QVBoxLayout* layout) {
    auto* bar = new QHBoxLayout;
    bar->setSpacing(10);
    bar->addWidget(new QLabel(tr("X axis"), this));
    xAxisBox_ = new QComboBox(this);
    xAxisBox_->addItem(tr("Step"));
    xAxisBox_->addItem(tr("Epoch"));
    bar->addWidget(xAxisBox_);
    bar->addSpacing(8);
    bar->addWidget(new QLabel(tr("Train curve"), this));
    granularityBox_ = new QComboBox(this);
    granularityBox_->addItem(tr("Per batch"));
    granularityBox_->addItem(tr("Per epoch"));
    bar->addWidget(granularityBox_);
    bar->addSpacing(8);
    bar->addWidget(new QLabel(tr("Smoothing"), this));
    smoothingSlider_ = new QSlider(Qt::Horizontal, this);
    smoothingSlider_->setRange(0, 999);
    smoothingSlider_->setValue(int(smoothing_ * 1000));
    smoothingSlider_->setMinimumWidth(140);
    smoothingSlider_->setToolTip(tr("Exponential moving average, debiased (as TensorBoard)"));
    bar->addWidget(smoothingSlider_);
    smoothingLabel_ = new QLabel(QString::number(smoothing_, 'f', 3), this);
    smoothingLabel_->setMinimumWidth(smoothingLabel_->fontMetrics().horizontalAdvance(QStringLiteral("0.000")) + 4);
    bar->addWidget(smoothingLabel_);
    bar->addSpacing(8);
    logBox_ = new QCheckBox(tr("Log scale"), this);
    bar->addWidget(logBox_);
    bar->addStretch(1);
    layout->addLayout(bar);

    connect(xAxisBox_, &QComboBox::currentIndexChanged, this,
            [this](int i) { setXAxisMode(i == 0 ? XAxisMode::Step : XAxisMode::Epoch); });
    connect(granularityBox_, &QComboBox::currentIndexChanged, this,
            [this](int i) { setTrainGranularity(i == 0 ? SeriesKind::TrainBatch : SeriesKind::TrainEpoch); });
    connect(smoothingSlider_, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 1000.0); });
    connect(logBox_, &QCheckBox::toggled, this, &TrainingChartsWidget::setLogScale);
}

// ---- runs -----------------------------------------------------------------------------------------

int TrainingChartsWidget::addRun(const QString& runName) {
    runs_.push_back(std::make_unique<TrainingRun>(runName));
    runs_.back()->setSmoothing(smoothing_);
    // Labels and colours of existing lines depend on the number of runs.
    structureDirty_ = true;
    for (const auto& t : tags_) dirty_.insert(t);
    scheduleRefresh();
    return int(runs_.size()) - 1;
}

int TrainingChartsWidget::connectFeed(TrainingFeed* feed, const QString& runName) {
    const int index = addRun(runName);
    feedConnections_.push_back(connect(feed, &TrainingFeed::trainingStarted, this,
                                       [this, index](const TrainingStart& s) { startRun(index, s); }));
    feedConnections_.push_back(connect(feed, &TrainingFeed::batchesReady, this,
                                       [this, index](const QVector<BatchRecord>& b) { addBatches(index, b); }));
    feedConnections_.push_back(connect(feed, &TrainingFeed::epochEnded, this,
                                       [this, index](const EpochRecord& e) { addEpoch(index, e); }));
    return index;
}

int TrainingChartsWidget::addHistory(const History& history, const QString& runName, int64_t stepsPerEpoch) {
    const int index = addRun(runName);
    runs_.back()->addHistory(history, stepsPerEpoch);
    touch(index, runs_.back()->tags());
    return index;
}

void TrainingChartsWidget::setRunVisible(int index, bool visible) {
    if (index < 0 || size_t(index) >= runs_.size() || runVisible(index) == visible) return;
    if (visible) hiddenRuns_.erase(index);
    else hiddenRuns_.insert(index);
    // Every chart's lines (and the run prefixes of their labels) change.
    for (const auto& t : tags_) dirty_.insert(t);
    structureDirty_ = true;
    scheduleRefresh();
}

void TrainingChartsWidget::clearRuns() {
    // Run indices restart from 0: feeds still training must not write into the new runs.
    for (const auto& c : feedConnections_) disconnect(c);
    feedConnections_.clear();
    runs_.clear();
    hiddenRuns_.clear();
    tags_.clear();
    for (auto& [tag, chart] : charts_) chart->deleteLater();
    charts_.clear();
    dirty_.clear();
    relayout();
}

void TrainingChartsWidget::startRun(int run, const TrainingStart& start) {
    if (run < 0 || run >= runCount()) return;
    runs_[size_t(run)]->start(start);
    structureDirty_ = true;
    scheduleRefresh();
}

void TrainingChartsWidget::addBatches(int run, const QVector<BatchRecord>& batches) {
    if (run < 0 || run >= runCount()) return;
    touch(run, runs_[size_t(run)]->addBatches(batches));
}

void TrainingChartsWidget::addEpoch(int run, const EpochRecord& epoch) {
    if (run < 0 || run >= runCount()) return;
    touch(run, runs_[size_t(run)]->addEpoch(epoch));
}

void TrainingChartsWidget::touch(int, const std::vector<std::string>& tags) {
    for (const auto& t : tags) {
        if (!charts_.count(t)) structureDirty_ = true;
        dirty_.insert(t);
    }
    scheduleRefresh();
}

void TrainingChartsWidget::scheduleRefresh() {
    if (refreshPending_) return;
    refreshPending_ = true;
    QTimer::singleShot(0, this, &TrainingChartsWidget::refreshNow);
}

// ---- charts -----------------------------------------------------------------------------------

std::string TrainingChartsWidget::sectionOf(const std::string& tag) const {
    for (const auto& r : runs_) {
        std::string g = outputGroupOf(tag, r->outputNames());
        if (!g.empty()) return g;
    }
    return {};
}

QColor TrainingChartsWidget::trainColor(int run) const {
    if (run == 0) return kFirstTrain;
    return kRunPalette[size_t(run - 1) % std::size(kRunPalette)];
}

QColor TrainingChartsWidget::validationColor(int run) const {
    if (run == 0) return kFirstValidation;
    return kRunPalette[size_t(run - 1) % std::size(kRunPalette)];
}

std::vector<ChartLineSpec> TrainingChartsWidget::linesFor(const std::string& tag) const {
    std::vector<ChartLineSpec> lines;
    const bool several = runs_.size() - hiddenRuns_.size() > 1;
    for (size_t i = 0; i < runs_.size(); ++i) {
        if (hiddenRuns_.count(int(i))) continue;
        const TrainingRun& r = *runs_[i];
        const QString prefix = several ? r.name() + QStringLiteral(" · ") : QString();
        SeriesKind train = SeriesKind::TrainEpoch;
        if (granularity_ == SeriesKind::TrainBatch && r.series(tag, SeriesKind::TrainBatch))
            train = SeriesKind::TrainBatch;
        if (r.series(tag, train)) lines.push_back({&r, tag, train, prefix + tr("train"), trainColor(int(i)), false});
        if (r.series(tag, SeriesKind::Validation))
            lines.push_back({&r, tag, SeriesKind::Validation, prefix + tr("validation"), validationColor(int(i)), true});
    }
    return lines;
}

void TrainingChartsWidget::syncCharts() {
    // Display order: sections (model-wide first, then outputs in model order), tags first-seen
    // within each, "loss" leading.
    std::vector<std::string> all;
    for (const auto& r : runs_)
        for (const auto& t : r->tags())
            if (std::find(all.begin(), all.end(), t) == all.end()) all.push_back(t);
    std::vector<std::string> sectionOrder{""};
    for (const auto& r : runs_)
        for (const auto& o : r->outputNames())
            if (std::find(sectionOrder.begin(), sectionOrder.end(), o) == sectionOrder.end()) sectionOrder.push_back(o);
    std::vector<std::string> ordered;
    for (const auto& s : sectionOrder) {
        std::vector<std::string> in;
        for (const auto& t : all)
            if (sectionOf(t) == s) in.push_back(t);
        std::stable_partition(in.begin(), in.end(), [&](const std::string& t) {
            return t == "loss" || (!s.empty() && t == s + "_loss");
        });
        ordered.insert(ordered.end(), in.begin(), in.end());
    }
    const bool changed = ordered != tags_;
    tags_ = ordered;
    for (const auto& t : tags_) {
        auto& chart = charts_[t];
        if (!chart) {
            chart = new TrainingMetricChart(QString::fromStdString(t), content_);
            chart->setXAxisMode(mode_);
            chart->setLogScale(logScale_);
        }
        chart->setLines(linesFor(t));
    }
    if (changed) {
        relayout();
        emit chartsChanged();
    }
}

void TrainingChartsWidget::relayout() {
    // Rebuild the section headers and grids; the chart widgets themselves are kept.
    while (QLayoutItem* item = contentLayout_->takeAt(0)) {
        if (auto* l = item->layout()) {
            while (QLayoutItem* inner = l->takeAt(0)) delete inner;
        }
        if (QWidget* w = item->widget(); w && !qobject_cast<TrainingMetricChart*>(w)) {
            w->hide();  // deleteLater() leaves it painted until the event loop runs (a grab showed it)
            w->deleteLater();
        }
        delete item;
    }
    if (tags_.empty()) {
        auto* empty = new QLabel(tr("No training data yet. Charts appear with the first batch."), content_);
        empty->setAlignment(Qt::AlignCenter);
        empty->setStyleSheet(QStringLiteral("color: #80868b; padding: 40px;"));
        contentLayout_->addWidget(empty);
        contentLayout_->addStretch(1);
        return;
    }
    const QStringList secs = sections();
    const bool headers = secs.size() > 1;
    for (const QString& sec : secs) {
        if (headers) {
            auto* header = new QLabel(sec.isEmpty() ? tr("Model") : tr("Output: %1").arg(sec), content_);
            QFont f = header->font();
            f.setPointSizeF(f.pointSizeF() + 1.5);
            f.setWeight(QFont::DemiBold);
            header->setFont(f);
            header->setStyleSheet(QStringLiteral("color: #3c4043; padding: 6px 4px 0 4px;"));
            contentLayout_->addWidget(header);
        }
        auto* grid = new QGridLayout;
        grid->setSpacing(8);
        int n = 0;
        for (const auto& t : tags_) {
            if (QString::fromStdString(sectionOf(t)) != sec) continue;
            TrainingMetricChart* c = charts_.at(t);
            grid->addWidget(c, n / columns_, n % columns_);
            c->show();
            ++n;
        }
        for (int col = 0; col < columns_; ++col) grid->setColumnStretch(col, 1);
        contentLayout_->addLayout(grid);
    }
}

void TrainingChartsWidget::refreshNow() {
    refreshPending_ = false;
    if (structureDirty_) {
        structureDirty_ = false;
        syncCharts();
        for (const auto& t : tags_) dirty_.insert(t);
    }
    for (const auto& t : dirty_) {
        auto it = charts_.find(t);
        if (it == charts_.end()) continue;
        // A tag's first validation point adds a line to an existing chart.
        it->second->setLines(linesFor(t));
        it->second->refresh();
    }
    dirty_.clear();
    emit refreshed();
}

QStringList TrainingChartsWidget::chartTags() const {
    QStringList out;
    for (const auto& t : tags_) out << QString::fromStdString(t);
    return out;
}

TrainingMetricChart* TrainingChartsWidget::chart(const QString& tag) const {
    auto it = charts_.find(tag.toStdString());
    return it == charts_.end() ? nullptr : it->second;
}

QStringList TrainingChartsWidget::sections() const {
    QStringList out;
    for (const auto& t : tags_) {
        const QString s = QString::fromStdString(sectionOf(t));
        if (!out.contains(s)) out << s;
    }
    return out;
}

// ---- settings ---------------------------------------------------------------------------------

void TrainingChartsWidget::setXAxisMode(XAxisMode mode) {
    mode_ = mode;
    const QSignalBlocker block(xAxisBox_);
    xAxisBox_->setCurrentIndex(mode == XAxisMode::Step ? 0 : 1);
    for (auto& [t, c] : charts_) c->setXAxisMode(mode);
}

void TrainingChartsWidget::setSmoothing(double weight) {
    weight = std::clamp(weight, 0.0, 0.999);
    smoothing_ = weight;
    {
        const QSignalBlocker block(smoothingSlider_);
        smoothingSlider_->setValue(int(std::lround(weight * 1000)));
    }
    smoothingLabel_->setText(QString::number(weight, 'f', 3));
    for (auto& r : runs_) r->setSmoothing(weight);
    for (const auto& t : tags_) dirty_.insert(t);
    refreshNow();
}

void TrainingChartsWidget::setLogScale(bool on) {
    logScale_ = on;
    const QSignalBlocker block(logBox_);
    logBox_->setChecked(on);
    for (auto& [t, c] : charts_) c->setLogScale(on);
}

void TrainingChartsWidget::setTrainGranularity(SeriesKind kind) {
    granularity_ = kind == SeriesKind::TrainBatch ? SeriesKind::TrainBatch : SeriesKind::TrainEpoch;
    const QSignalBlocker block(granularityBox_);
    granularityBox_->setCurrentIndex(granularity_ == SeriesKind::TrainBatch ? 0 : 1);
    structureDirty_ = true;
    refreshNow();
}

void TrainingChartsWidget::setColumns(int columns) {
    columns_ = std::max(1, columns);
    relayout();
}

QStringList TrainingChartsWidget::exportCharts(const QString& dir, bool svg, bool csv, qreal scale) {
    refreshNow();
    QDir().mkpath(dir);
    QStringList files;
    for (const auto& t : tags_) {
        TrainingMetricChart* c = charts_.at(t);
        const QString base = QDir(dir).filePath(fileSafe(t));
        if (c->exportPng(base + ".png", scale)) files << base + ".png";
        if (svg && c->exportSvg(base + ".svg")) files << base + ".svg";
        if (csv && c->exportCsv(base + ".csv")) files << base + ".csv";
    }
    return files;
}

}  // namespace strata::plotting
