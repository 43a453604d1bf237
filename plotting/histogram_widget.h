#pragma once
/// HistogramWidget: distributions over time of one layer's weights, biases, gradients or
/// activations (TensorBoard's histogram dashboard, offset mode), with a layer and a quantity picker
/// above a HistogramOffsetView. Fed by TrainingFeed::diagnosticsReady (one EpochDiagnostics per
/// epoch) or by a recorded list.
#include <QString>
#include <QStringList>
#include <QWidget>
#include <vector>

#include "plotting/histogram_offset_view.h"
#include "plotting/training_diagnostics.h"

class QComboBox;

namespace strata::plotting {

class TrainingFeed;

enum class HistogramKind { Weights, Biases, Gradients, Activations };
QString histogramKindName(HistogramKind kind);  ///< "weights", "biases", "gradients", "activations"
const Histogram& histogramOf(const LayerDiagnostics& layer, HistogramKind kind);
/// The slices of one layer and quantity over the recorded epochs.
std::vector<HistogramSlice> histogramSlices(const std::vector<EpochDiagnostics>& epochs, const std::string& layer,
                                            HistogramKind kind);

class HistogramWidget : public QWidget {
    Q_OBJECT
public:
    explicit HistogramWidget(QWidget* parent = nullptr);

    void connectFeed(TrainingFeed* feed);
    void setDiagnostics(std::vector<EpochDiagnostics> epochs);
    const std::vector<EpochDiagnostics>& diagnostics() const { return epochs_; }
    void clear();

    QStringList layers() const;
    void setLayer(const QString& layer);
    QString layer() const;
    void setKind(HistogramKind kind);
    HistogramKind kind() const { return kind_; }
    HistogramOffsetView* view() const { return view_; }

public slots:
    void addDiagnostics(const strata::plotting::EpochDiagnostics& epoch);

private:
    void updateLayers();
    void updateView();
    std::vector<EpochDiagnostics> epochs_;
    HistogramKind kind_ = HistogramKind::Weights;
    QComboBox* layerBox_;
    QComboBox* kindBox_;
    HistogramOffsetView* view_;
};

}  // namespace strata::plotting
