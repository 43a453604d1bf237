#include "plotting/histogram_widget.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include "plotting/training_feed.h"

namespace strata::plotting {

QString histogramKindName(HistogramKind kind) {
    switch (kind) {
    case HistogramKind::Weights: return QStringLiteral("weights");
    case HistogramKind::Biases: return QStringLiteral("biases");
    case HistogramKind::Gradients: return QStringLiteral("gradients");
    case HistogramKind::Activations: return QStringLiteral("activations");
    }
    return {};
}

const Histogram& histogramOf(const LayerDiagnostics& layer, HistogramKind kind) {
    switch (kind) {
    case HistogramKind::Weights: return layer.weights;
    case HistogramKind::Biases: return layer.biases;
    case HistogramKind::Gradients: return layer.gradients;
    case HistogramKind::Activations: return layer.activations;
    }
    return layer.weights;
}

std::vector<HistogramSlice> histogramSlices(const std::vector<EpochDiagnostics>& epochs, const std::string& layer,
                                            HistogramKind kind) {
    std::vector<HistogramSlice> out;
    for (const auto& e : epochs)
        if (const LayerDiagnostics* l = e.find(layer); l && !histogramOf(*l, kind).empty())
            out.push_back({e.epoch, histogramOf(*l, kind)});
    return out;
}

HistogramWidget::HistogramWidget(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Layer"), this));
    layerBox_ = new QComboBox(this);
    layerBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    bar->addWidget(layerBox_);
    bar->addSpacing(8);
    bar->addWidget(new QLabel(tr("Show"), this));
    kindBox_ = new QComboBox(this);
    for (auto k : {HistogramKind::Weights, HistogramKind::Biases, HistogramKind::Gradients, HistogramKind::Activations})
        kindBox_->addItem(histogramKindName(k));
    bar->addWidget(kindBox_);
    bar->addStretch(1);
    layout->addLayout(bar);
    view_ = new HistogramOffsetView(this);
    layout->addWidget(view_, 1);
    connect(layerBox_, &QComboBox::currentIndexChanged, this, &HistogramWidget::updateView);
    connect(kindBox_, &QComboBox::currentIndexChanged, this, [this](int i) { setKind(HistogramKind(i)); });
    updateView();
}

void HistogramWidget::connectFeed(TrainingFeed* feed) {
    connect(feed, &TrainingFeed::trainingStarted, this, &HistogramWidget::clear);
    connect(feed, &TrainingFeed::diagnosticsReady, this, &HistogramWidget::addDiagnostics);
}

void HistogramWidget::addDiagnostics(const EpochDiagnostics& epoch) {
    epochs_.push_back(epoch);
    updateLayers();
    updateView();
}

void HistogramWidget::setDiagnostics(std::vector<EpochDiagnostics> epochs) {
    epochs_ = std::move(epochs);
    updateLayers();
    updateView();
}

void HistogramWidget::clear() { setDiagnostics({}); }

void HistogramWidget::updateLayers() {
    QStringList names;
    for (const auto& e : epochs_)
        for (const auto& l : e.layers)
            if (!names.contains(QString::fromStdString(l.layer))) names << QString::fromStdString(l.layer);
    QStringList current;
    for (int i = 0; i < layerBox_->count(); ++i) current << layerBox_->itemText(i);
    if (names == current) return;
    const QString keep = layerBox_->currentText();
    const QSignalBlocker block(layerBox_);
    layerBox_->clear();
    layerBox_->addItems(names);
    const int i = names.indexOf(keep);
    layerBox_->setCurrentIndex(i >= 0 ? i : 0);
}

QStringList HistogramWidget::layers() const {
    QStringList out;
    for (int i = 0; i < layerBox_->count(); ++i) out << layerBox_->itemText(i);
    return out;
}

void HistogramWidget::setLayer(const QString& layer) {
    const int i = layerBox_->findText(layer);
    if (i >= 0) layerBox_->setCurrentIndex(i);
}

QString HistogramWidget::layer() const { return layerBox_->currentText(); }

void HistogramWidget::setKind(HistogramKind kind) {
    kind_ = kind;
    const QSignalBlocker block(kindBox_);
    kindBox_->setCurrentIndex(int(kind));
    updateView();
}

void HistogramWidget::updateView() {
    const QString layer = layerBox_->currentText();
    view_->setTitle(layer.isEmpty() ? tr("Histograms") : layer + QStringLiteral(" · ") + histogramKindName(kind_));
    view_->setEmptyText(epochs_.empty() ? tr("Histograms appear at the end of the first epoch")
                        : kind_ == HistogramKind::Activations
                            ? tr("No activations: set an activation probe on the feed")
                            : tr("This layer has no %1").arg(histogramKindName(kind_)));
    view_->setSlices(histogramSlices(epochs_, layer.toStdString(), kind_));
}

}  // namespace strata::plotting
