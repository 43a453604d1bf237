#pragma once
/// DiagramWidget: the Diagram dock — the current model drawn as keras.utils.plot_model draws it,
/// with plot_model's options (show_shapes, show_dtype, show_layer_names, show_trainable,
/// expand_nested, rankdir), redrawn shortly after each change while the dock is visible, and
/// exported to PNG/SVG/PDF/DOT (atomic saves).
///
/// The drawing itself comes from a DiagramRenderer the app installs (plotting/ through Graphviz);
/// the editor does not depend on plotting.
#include <QByteArray>
#include <QPixmap>
#include <QTimer>
#include <QWidget>
#include <functional>

#include "engine/graph/model.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QScrollArea;

namespace strata::editor {

/// plot_model's options as the dock sets them.
struct DiagramRequest {
    bool showShapes = true;
    bool showDType = false;
    bool showLayerNames = true;
    bool showTrainable = false;
    bool expandNested = false;
    QString rankdir = QStringLiteral("TB");
    int dpi = 96;
};

/// Renders `model` as `format` ("png", "svg", "pdf" or "dot" for the DOT source). Throws on failure.
using DiagramRenderer = std::function<QByteArray(const Model& model, const DiagramRequest& request, const QString& format)>;

class DiagramWidget : public QWidget {
    Q_OBJECT
public:
    explicit DiagramWidget(QWidget* parent = nullptr);

    void setRenderer(DiagramRenderer renderer);
    DiagramRequest request() const;
    void setRequest(const DiagramRequest& r);
    /// Delay between a change and the redraw (edits come in bursts).
    void setDelay(int ms) { timer_.setInterval(ms); }

    /// Redraws now (tests; the timer calls it). Does nothing without a renderer.
    void refreshNow();
    /// Exports the current model with the current options; the format comes from the extension
    /// (.png at 200 dpi, .svg, .pdf, .dot). Written through QSaveFile: a failure leaves any
    /// existing file as it was. Returns false with `why`.
    bool exportTo(const QString& path, QString* why = nullptr);

    /// What is shown: the last PNG drawn (empty if none) and the message instead of it.
    const QByteArray& shownPng() const { return png_; }
    QString message() const;
    /// How many times the diagram was drawn (redraws are debounced and skipped while hidden).
    int renderCount() const { return renders_; }
    bool hasModel() const { return model_ != nullptr; }

    QCheckBox* option(const char* name) const;
    QComboBox* rankdirBox() const { return rankdir_; }

public slots:
    /// The model to draw (null: the graph is not a model yet); redrawn after the delay.
    void setModel(const strata::ModelPtr& model);
    /// Asks for a file and exports (the Export button).
    void exportInteractively();

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void scheduleRefresh();
    /// Shows png_ at 100% or scaled down to fit the view ("Fit").
    void showPixmap();
    void showMessage(const QString& text);

    DiagramRenderer renderer_;
    ModelPtr model_;
    QTimer timer_;
    bool dirty_ = true;
    int renders_ = 0;
    QByteArray png_;
    QCheckBox *shapes_, *dtype_, *names_, *trainable_, *nested_, *fit_;
    QPixmap pixmap_;
    QComboBox* rankdir_;
    QPushButton* export_;
    QScrollArea* scroll_;
    QLabel* image_;
};

}  // namespace strata::editor
