#include "editor/widgets/diagram_widget.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPixmap>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QShowEvent>
#include <QVBoxLayout>

#include "editor/document/graph_document.h"

namespace strata::editor {

DiagramWidget::DiagramWidget(QWidget* parent) : QWidget(parent) {
    auto box = [this](const QString& text, const char* name, bool on, const QString& tip) {
        auto* c = new QCheckBox(text, this);
        c->setObjectName(QString::fromLatin1(name));
        c->setChecked(on);
        c->setToolTip(tip);
        connect(c, &QCheckBox::toggled, this, &DiagramWidget::scheduleRefresh);
        return c;
    };
    shapes_ = box(tr("Shapes"), "show_shapes", true, tr("show_shapes: input and output shapes of each layer"));
    dtype_ = box(tr("Dtype"), "show_dtype", false, tr("show_dtype: output dtype of each layer"));
    names_ = box(tr("Names"), "show_layer_names", true, tr("show_layer_names: \"name (Type)\" instead of the type"));
    trainable_ = box(tr("Trainable"), "show_trainable", false, tr("show_trainable: whether each layer's weights train"));
    nested_ = box(tr("Expand nested"), "expand_nested", false, tr("expand_nested: nested models as clusters of their layers"));
    // Fit changes only how the picture is shown, not what is drawn.
    fit_ = new QCheckBox(tr("Fit"), this);
    fit_->setObjectName("fit");
    fit_->setChecked(true);
    fit_->setToolTip(tr("Scale the diagram down to fit the dock (off: 100%)"));
    connect(fit_, &QCheckBox::toggled, this, &DiagramWidget::showPixmap);
    rankdir_ = new QComboBox(this);
    rankdir_->setObjectName("rankdir");
    rankdir_->addItem(tr("Top to bottom"), "TB");
    rankdir_->addItem(tr("Left to right"), "LR");
    rankdir_->setToolTip(tr("rankdir"));
    connect(rankdir_, &QComboBox::currentIndexChanged, this, &DiagramWidget::scheduleRefresh);
    export_ = new QPushButton(tr("Export…"), this);
    export_->setToolTip(tr("Save the diagram as PNG, SVG, PDF or Graphviz DOT"));
    connect(export_, &QPushButton::clicked, this, &DiagramWidget::exportInteractively);

    auto* options = new QHBoxLayout;
    for (QWidget* w : std::initializer_list<QWidget*>{shapes_, dtype_, names_, trainable_, nested_, rankdir_}) options->addWidget(w);
    options->addStretch(1);
    options->addWidget(fit_);
    options->addWidget(export_);

    image_ = new QLabel(this);
    image_->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    image_->setWordWrap(true);
    image_->setObjectName("diagramImage");
    scroll_ = new QScrollArea(this);
    scroll_->setWidget(image_);
    scroll_->setWidgetResizable(true);
    scroll_->setBackgroundRole(QPalette::Base);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(options);
    layout->addWidget(scroll_, 1);

    timer_.setSingleShot(true);
    timer_.setInterval(300);
    connect(&timer_, &QTimer::timeout, this, &DiagramWidget::refreshNow);
    showMessage(tr("The graph is not a model yet."));
}

QCheckBox* DiagramWidget::option(const char* name) const { return findChild<QCheckBox*>(QString::fromLatin1(name)); }

void DiagramWidget::setRenderer(DiagramRenderer renderer) {
    renderer_ = std::move(renderer);
    scheduleRefresh();
}

DiagramRequest DiagramWidget::request() const {
    DiagramRequest r;
    r.showShapes = shapes_->isChecked();
    r.showDType = dtype_->isChecked();
    r.showLayerNames = names_->isChecked();
    r.showTrainable = trainable_->isChecked();
    r.expandNested = nested_->isChecked();
    r.rankdir = rankdir_->currentData().toString();
    r.dpi = qRound(96 * devicePixelRatioF());
    return r;
}

void DiagramWidget::setRequest(const DiagramRequest& r) {
    {
        const QSignalBlocker b1(shapes_), b2(dtype_), b3(names_), b4(trainable_), b5(nested_), b6(rankdir_);
        shapes_->setChecked(r.showShapes);
        dtype_->setChecked(r.showDType);
        names_->setChecked(r.showLayerNames);
        trainable_->setChecked(r.showTrainable);
        nested_->setChecked(r.expandNested);
        rankdir_->setCurrentIndex(std::max(0, rankdir_->findData(r.rankdir)));
    }
    scheduleRefresh();
}

void DiagramWidget::setModel(const ModelPtr& model) {
    model_ = model;
    scheduleRefresh();
}

void DiagramWidget::scheduleRefresh() {
    dirty_ = true;
    // Drawing a large model takes a while: only for a dock someone can see.
    if (isVisible()) timer_.start();
}

void DiagramWidget::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (dirty_) timer_.start();
}

void DiagramWidget::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (fit_->isChecked()) showPixmap();
}

void DiagramWidget::showPixmap() {
    if (pixmap_.isNull()) return;
    const QSize room = scroll_->viewport()->size() * devicePixelRatioF() - QSize(8, 8);
    const bool shrink = fit_->isChecked() && (pixmap_.width() > room.width() || pixmap_.height() > room.height()) &&
                        room.width() > 16 && room.height() > 16;
    QPixmap shown = shrink ? pixmap_.scaled(room, Qt::KeepAspectRatio, Qt::SmoothTransformation) : pixmap_;
    shown.setDevicePixelRatio(devicePixelRatioF());
    image_->setPixmap(shown);
}

void DiagramWidget::showMessage(const QString& text) {
    png_.clear();
    pixmap_ = QPixmap();
    image_->setPixmap(QPixmap());
    image_->setText(text);
}

QString DiagramWidget::message() const { return image_->text(); }

void DiagramWidget::refreshNow() {
    timer_.stop();
    dirty_ = false;
    export_->setEnabled(model_ != nullptr && static_cast<bool>(renderer_));
    if (!model_) {
        showMessage(tr("The graph is not a model yet (see Problems)."));
        return;
    }
    if (!renderer_) {
        showMessage(tr("No diagram renderer."));
        return;
    }
    ++renders_;
    try {
        QByteArray png = renderer_(*model_, request(), QStringLiteral("png"));
        QPixmap pixmap;
        if (!pixmap.loadFromData(png, "PNG")) throw std::runtime_error("the renderer's PNG does not decode");
        pixmap.setDevicePixelRatio(devicePixelRatioF());
        image_->setText({});
        pixmap_ = pixmap;
        png_ = png;
        showPixmap();
    } catch (const std::exception& e) {
        showMessage(tr("Cannot draw the diagram: %1").arg(qs(e.what())));
    }
}

bool DiagramWidget::exportTo(const QString& path, QString* why) {
    auto fail = [why](const QString& m) {
        if (why) *why = m;
        return false;
    };
    if (!model_) return fail(tr("The graph is not a model yet; fix the problems first"));
    if (!renderer_) return fail(tr("No diagram renderer"));
    const QString ext = QFileInfo(path).suffix().toLower();
    QString format = ext == "gv" ? QStringLiteral("dot") : ext;
    if (!QStringList{"png", "svg", "pdf", "dot"}.contains(format))
        return fail(tr("%1: unknown diagram format '.%2' (use .png, .svg, .pdf or .dot)").arg(QFileInfo(path).fileName(), ext));
    DiagramRequest r = request();
    r.dpi = 200;  // plot_model's default; vector formats ignore it
    QByteArray data;
    try {
        data = renderer_(*model_, r, format);
    } catch (const std::exception& e) {
        return fail(qs(e.what()));
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit())
        return fail(tr("Cannot write %1: %2").arg(path, file.errorString()));
    return true;
}

void DiagramWidget::exportInteractively() {
    QString path = QFileDialog::getSaveFileName(this, tr("Export diagram"), QStringLiteral("model.png"),
                                                tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf);;Graphviz (*.dot)"));
    if (path.isEmpty()) return;
    QString why;
    if (!exportTo(path, &why)) QMessageBox::warning(this, tr("Cannot export the diagram"), why);
}

}  // namespace strata::editor
