#include "app/studio/training/data_dock.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include "app/studio/training/sample_grid.h"
#include "app/studio/training/sample_image.h"

namespace strata::studio {

namespace {
constexpr int kPreviewSamples = 16;

QString shapeText(const std::vector<int64_t>& dims) {
    QStringList l;
    for (auto d : dims) l << QString::number(d);
    return "(" + l.join(", ") + (dims.size() == 1 ? ",)" : ")");
}

std::string text(const QLineEdit* e) { return e->text().trimmed().toStdString(); }
}  // namespace

DataDock::DataDock(QWidget* parent) : QWidget(parent) { buildUi(); }
DataDock::~DataDock() = default;

QWidget* DataDock::fileRow(QLineEdit*& edit, const QString& filter, bool folder) {
    auto* w = new QWidget;
    auto* h = new QHBoxLayout(w);
    h->setContentsMargins(0, 0, 0, 0);
    edit = new QLineEdit;
    auto* browse = new QToolButton;
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(tr("Browse"));
    h->addWidget(edit, 1);
    h->addWidget(browse);
    QLineEdit* target = edit;
    connect(browse, &QToolButton::clicked, this, [this, target, filter, folder] {
        const QString path = folder ? QFileDialog::getExistingDirectory(this, tr("Choose a folder"), target->text())
                                    : QFileDialog::getOpenFileName(this, tr("Choose a file"), target->text(), filter);
        if (!path.isEmpty()) target->setText(path);
    });
    return w;
}

void DataDock::buildUi() {
    auto* layout = new QVBoxLayout(this);
    editor_ = new QWidget;
    auto* form = new QFormLayout(editor_);
    form->setContentsMargins(0, 0, 0, 0);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    kind_ = new QComboBox;
    kind_->addItem(tr("Fashion-MNIST (built in)"), int(DataSourceSpec::Kind::FashionMnist));
    kind_->addItem(tr("IDX images + labels"), int(DataSourceSpec::Kind::Idx));
    kind_->addItem(tr("NumPy .npy files"), int(DataSourceSpec::Kind::Npy));
    kind_->addItem(tr("NumPy .npz archive"), int(DataSourceSpec::Kind::Npz));
    kind_->addItem(tr("CSV file"), int(DataSourceSpec::Kind::Csv));
    kind_->addItem(tr("Image folder (a sub-folder per class)"), int(DataSourceSpec::Kind::ImageFolder));
    form->addRow(tr("Source"), kind_);

    pages_ = new QStackedWidget;
    // Fashion-MNIST.
    auto* fm = new QWidget;
    auto* fmForm = new QFormLayout(fm);
    fmForm->setContentsMargins(0, 0, 0, 0);
    fmForm->addRow(tr("Folder"), fileRow(fashionDir_, {}, true));
    fashionDir_->setPlaceholderText(tr("default: /usr/share/datasets/fashion-mnist"));
    pages_->addWidget(fm);
    // IDX and NPY share the four-file page.
    auto* files = new QWidget;
    auto* fForm = new QFormLayout(files);
    fForm->setContentsMargins(0, 0, 0, 0);
    const QString arrays = tr("Arrays (*.npy *idx*-ubyte *idx*-ubyte.gz *.idx *.gz);;All files (*)");
    fForm->addRow(tr("Train features"), fileRow(xTrain_, arrays));
    fForm->addRow(tr("Train labels"), fileRow(yTrain_, arrays));
    fForm->addRow(tr("Test features"), fileRow(xTest_, arrays));
    fForm->addRow(tr("Test labels"), fileRow(yTest_, arrays));
    pages_->addWidget(files);
    // NPZ.
    auto* npz = new QWidget;
    auto* nForm = new QFormLayout(npz);
    nForm->setContentsMargins(0, 0, 0, 0);
    nForm->addRow(tr("Archive"), fileRow(npzPath_, tr("NumPy archives (*.npz)")));
    npzKeys_ = new QLineEdit(QStringLiteral("x_train, y_train, x_test, y_test"));
    npzKeys_->setToolTip(tr("Array names: train features, train labels, test features, test labels"));
    nForm->addRow(tr("Arrays"), npzKeys_);
    pages_->addWidget(npz);
    // CSV.
    auto* csv = new QWidget;
    auto* cForm = new QFormLayout(csv);
    cForm->setContentsMargins(0, 0, 0, 0);
    cForm->addRow(tr("File"), fileRow(csvPath_, tr("CSV files (*.csv);;All files (*)")));
    csvLabel_ = new QLineEdit(QStringLiteral("-1"));
    csvLabel_->setToolTip(tr("Label column: a header name or an index (-1: the last column)"));
    cForm->addRow(tr("Label column"), csvLabel_);
    pages_->addWidget(csv);
    // Image folder.
    auto* images = new QWidget;
    auto* iForm = new QFormLayout(images);
    iForm->setContentsMargins(0, 0, 0, 0);
    iForm->addRow(tr("Folder"), fileRow(imageDir_, {}, true));
    imageWidth_ = new QSpinBox;
    imageWidth_->setRange(1, 4096);
    imageWidth_->setValue(28);
    imageHeight_ = new QSpinBox;
    imageHeight_->setRange(1, 4096);
    imageHeight_->setValue(28);
    imageRgb_ = new QCheckBox(tr("Colour (RGB)"));
    iForm->addRow(tr("Width"), imageWidth_);
    iForm->addRow(tr("Height"), imageHeight_);
    iForm->addRow(QString(), imageRgb_);
    pages_->addWidget(images);
    form->addRow(pages_);

    testFraction_ = new QDoubleSpinBox;
    testFraction_->setRange(0, 0.9);
    testFraction_->setSingleStep(0.05);
    testFraction_->setToolTip(tr("Rows held out as test data when the source has no test arrays"));
    form->addRow(tr("Test hold-out"), testFraction_);
    maxTrain_ = new QSpinBox;
    maxTrain_->setRange(0, 100000000);
    maxTrain_->setSpecialValueText(tr("all"));
    maxTest_ = new QSpinBox;
    maxTest_->setRange(0, 100000000);
    maxTest_->setSpecialValueText(tr("all"));
    form->addRow(tr("Train samples"), maxTrain_);
    form->addRow(tr("Test samples"), maxTest_);
    scale_ = new QCheckBox(tr("Scale 8-bit pixels to [0, 1]"));
    scale_->setChecked(true);
    form->addRow(QString(), scale_);
    input_ = new QComboBox;
    output_ = new QComboBox;
    form->addRow(tr("Features → input"), input_);
    form->addRow(tr("Labels → output"), output_);
    layout->addWidget(editor_);
    validation_ = new ValidationBox;
    layout->addWidget(validation_);

    load_ = new QPushButton(tr("Load data"));
    layout->addWidget(load_);
    status_ = new QLabel(tr("No data loaded."));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(status_);
    preview_ = new SampleGrid;
    preview_->setCellSize(40);
    layout->addWidget(preview_);
    rows_ = new QTableWidget;
    rows_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    rows_->hide();
    layout->addWidget(rows_, 1);
    layout->addStretch(0);

    connect(kind_, &QComboBox::currentIndexChanged, this, [this](int i) {
        const auto k = DataSourceSpec::Kind(kind_->itemData(i).toInt());
        pages_->setCurrentIndex(k == DataSourceSpec::Kind::FashionMnist ? 0
                                : k == DataSourceSpec::Kind::Npz       ? 2
                                : k == DataSourceSpec::Kind::Csv       ? 3
                                : k == DataSourceSpec::Kind::ImageFolder ? 4
                                                                       : 1);
    });
    connect(load_, &QPushButton::clicked, this, [this] { loadData(); });
}

void DataDock::setSpec(const DataSourceSpec& s) {
    kind_->setCurrentIndex(std::max(0, kind_->findData(int(s.kind))));
    fashionDir_->setText(QString::fromStdString(s.dir));
    imageDir_->setText(QString::fromStdString(s.dir));
    imageWidth_->setValue(s.imageWidth);
    imageHeight_->setValue(s.imageHeight);
    imageRgb_->setChecked(s.imageRgb);
    if (s.kind == DataSourceSpec::Kind::Npz || s.kind == DataSourceSpec::Kind::Csv) {
        npzPath_->setText(QString::fromStdString(s.path));
        csvPath_->setText(QString::fromStdString(s.path));
    }
    xTrain_->setText(QString::fromStdString(s.trainImages));
    yTrain_->setText(QString::fromStdString(s.trainLabels));
    xTest_->setText(QString::fromStdString(s.testImages));
    yTest_->setText(QString::fromStdString(s.testLabels));
    npzKeys_->setText(QString::fromStdString(s.xTrainKey + ", " + s.yTrainKey + ", " + s.xTestKey + ", " + s.yTestKey));
    csvLabel_->setText(QString::fromStdString(s.labelColumn));
    testFraction_->setValue(s.testFraction);
    maxTrain_->setValue(s.maxTrain < 0 ? 0 : int(s.maxTrain));
    maxTest_->setValue(s.maxTest < 0 ? 0 : int(s.maxTest));
    scale_->setChecked(s.scaleTo01);
}

DataSourceSpec DataDock::spec() const {
    DataSourceSpec s;
    s.kind = DataSourceSpec::Kind(kind_->currentData().toInt());
    s.dir = text(fashionDir_);
    if (s.kind == DataSourceSpec::Kind::ImageFolder) {
        s.dir = text(imageDir_);
        s.imageWidth = imageWidth_->value();
        s.imageHeight = imageHeight_->value();
        s.imageRgb = imageRgb_->isChecked();
    }
    if (s.kind == DataSourceSpec::Kind::Idx || s.kind == DataSourceSpec::Kind::Npy) {
        s.trainImages = text(xTrain_);
        s.trainLabels = text(yTrain_);
        s.testImages = text(xTest_);
        s.testLabels = text(yTest_);
    }
    if (s.kind == DataSourceSpec::Kind::Npz) {
        s.path = text(npzPath_);
        const QStringList keys = npzKeys_->text().split(',', Qt::SkipEmptyParts);
        std::string* out[] = {&s.xTrainKey, &s.yTrainKey, &s.xTestKey, &s.yTestKey};
        for (int i = 0; i < 4 && i < keys.size(); ++i) *out[i] = keys[i].trimmed().toStdString();
    }
    if (s.kind == DataSourceSpec::Kind::Csv) {
        s.path = text(csvPath_);
        s.labelColumn = text(csvLabel_);
    }
    s.testFraction = testFraction_->value();
    s.maxTrain = maxTrain_->value() == 0 ? -1 : maxTrain_->value();
    s.maxTest = maxTest_->value() == 0 ? -1 : maxTest_->value();
    s.scaleTo01 = scale_->isChecked();
    return s;
}

void DataDock::setValidationSpec(const ValidationSpec& spec) { validation_->setSpec(spec); }

ValidationSpec DataDock::validationSpec() const { return validation_->spec(); }

bool DataDock::loadData() {
    QApplication::setOverrideCursor(Qt::WaitCursor);
    bool ok = false;
    try {
        setDataset(loadDataset(spec()));
        ok = true;
    } catch (const std::exception& e) {
        data_.reset();
        showPreview();
        showStatus(tr("Could not load the data: %1").arg(QString::fromUtf8(e.what())), true);
        emit datasetChanged();
    }
    QApplication::restoreOverrideCursor();
    return ok;
}

void DataDock::setDataset(Dataset data) {
    data_ = std::make_unique<Dataset>(std::move(data));
    const Dataset& d = *data_;
    QString s = tr("%1: %2 training samples of shape %3")
                    .arg(QString::fromStdString(d.name))
                    .arg(d.trainCount())
                    .arg(shapeText(d.sampleShape()));
    s += d.hasTest() ? tr(", %1 test samples").arg(d.testCount()) : tr(", no test data");
    if (!d.classNames.empty()) s += tr(", %1 classes").arg(d.classNames.size());
    if (d.scaled) s += tr("; pixels scaled to [0, 1]");
    showStatus(s + ".", false);
    showPreview();
    emit datasetChanged();
}

void DataDock::showPreview() {
    std::vector<SampleGrid::Cell> cells;
    rows_->clear();
    const bool images = data_ && data_->images && drawableAsImage(data_->xTrain);
    if (data_ && images) {
        const int64_t n = std::min<int64_t>(kPreviewSamples, data_->trainCount());
        for (int64_t i = 0; i < n; ++i) {
            SampleGrid::Cell c;
            c.image = sampleImage(data_->xTrain, i);
            if (!data_->yTrain.empty()) c.caption = labelText(float(trueClass(data_->yTrain, i)), data_->classNames);
            cells.push_back(std::move(c));
        }
    } else if (data_) {
        // Tabular data: the first rows, features then label.
        const Dataset& d = *data_;
        const int64_t n = std::min<int64_t>(8, d.trainCount());
        const int64_t nf = d.xTrain.rank() == 2 ? d.xTrain.dim(1) : 0;
        rows_->setRowCount(int(n));
        rows_->setColumnCount(int(std::min<int64_t>(nf, 20) + (d.yTrain.empty() ? 0 : 1)));
        QStringList headers;
        for (int64_t j = 0; j < std::min<int64_t>(nf, 20); ++j)
            headers << (size_t(j) < d.featureNames.size() ? QString::fromStdString(d.featureNames[size_t(j)])
                                                          : QString::number(j));
        if (!d.yTrain.empty()) headers << tr("label");
        rows_->setHorizontalHeaderLabels(headers);
        for (int64_t i = 0; i < n; ++i) {
            for (int64_t j = 0; j < std::min<int64_t>(nf, 20); ++j)
                rows_->setItem(int(i), int(j), new QTableWidgetItem(QString::number(double(d.xTrain[i * nf + j]), 'g', 5)));
            if (!d.yTrain.empty())
                rows_->setItem(int(i), int(std::min<int64_t>(nf, 20)),
                               new QTableWidgetItem(QString::number(double(d.yTrain[i * (d.yTrain.size() / d.trainCount())]))));
        }
        rows_->resizeColumnsToContents();
    }
    preview_->setCells(std::move(cells));
    preview_->setVisible(images || !data_);
    rows_->setVisible(data_ && !images);
}

void DataDock::setModelNames(const std::vector<std::string>& inputs, const std::vector<std::string>& outputs) {
    const QString in = input_->currentText(), out = output_->currentText();
    input_->clear();
    output_->clear();
    for (const auto& n : inputs) input_->addItem(QString::fromStdString(n));
    for (const auto& n : outputs) output_->addItem(QString::fromStdString(n));
    output_->addItem(tr("(none: no labels)"), QStringLiteral("-"));
    if (input_->findText(in) >= 0) input_->setCurrentText(in);
    if (output_->findText(out) >= 0) output_->setCurrentText(out);
}

DataBinding DataDock::binding() const {
    DataBinding b;
    b.input = input_->currentText().toStdString();
    b.output = output_->currentData().toString() == QStringLiteral("-") ? std::string("-")
                                                                        : output_->currentText().toStdString();
    return b;
}

std::optional<PreparedData> DataDock::prepareFor(const Model& model, const TrainingSettings& settings, QString* error) {
    if (!data_) {
        const QString msg = tr("Load a data source in the Data dock first.");
        showStatus(msg, true);
        if (error) *error = msg;
        return std::nullopt;
    }
    try {
        PreparedData p = prepareTrainingData(model, {*data_}, {binding()}, settings);
        QString s = tr("Ready: %1 training and %2 test samples fit the model.").arg(p.trainCount).arg(p.testCount);
        const ValidationSpec v = validationSpec();
        if (v.separate) {
            try {
                // Loaded again only when the validation source or the options it shares with the
                // training source changed.
                if (!validationData_ || !(validationLoaded_ == v) || !(validationFor_ == spec())) {
                    validationData_.reset();
                    validationData_ = std::make_unique<Dataset>(loadValidationData(v, spec()));
                    validationLoaded_ = v;
                    validationFor_ = spec();
                }
                // Mapped as the training data: the same binding, reshaping and label checks.
                PreparedData vp = prepareTrainingData(model, {*validationData_}, {binding()}, settings);
                p.xVal = std::move(vp.x);
                p.yVal = std::move(vp.y);
                p.valCount = vp.trainCount;
            } catch (const std::exception& e) {
                throw ValueError("validation data (" + v.describe() + "): " + e.what());
            }
            s += tr(" Validation: %1 samples (%2).").arg(p.valCount).arg(QString::fromStdString(v.describe()));
        }
        for (const auto& n : p.notes) s += "\n• " + QString::fromStdString(n);
        showStatus(s, false);
        return p;
    } catch (const std::exception& e) {
        const QString msg = tr("The data does not fit the model: %1").arg(QString::fromUtf8(e.what()));
        showStatus(msg, true);
        if (error) *error = msg;
        return std::nullopt;
    }
}

void DataDock::showStatus(const QString& text, bool error) {
    status_->setText(text);
    status_->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
}

void DataDock::setEditable(bool editable) {
    editor_->setEnabled(editable);
    validation_->setEnabled(editable);
    load_->setEnabled(editable);
}

}  // namespace strata::studio
