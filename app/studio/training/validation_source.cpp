#include "app/studio/training/validation_source.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QToolButton>
#include <functional>

#include "engine/core/errors.h"

namespace strata::studio {

using Kind = DataSourceSpec::Kind;

Json ValidationSpec::toJson() const { return Json{{"separate", separate}, {"source", source.toJson()}}; }

ValidationSpec ValidationSpec::fromJson(const Json& j) {
    if (!j.is_object()) throw ConfigError("validation data: expected an object, got " + j.dump());
    ValidationSpec s;
    if (j.contains("separate")) {
        if (!j["separate"].is_boolean())
            throw ConfigError("validation data: 'separate' must be true or false, got " + j["separate"].dump());
        s.separate = j["separate"].get<bool>();
    }
    if (j.contains("source")) s.source = DataSourceSpec::fromJson(j["source"]);
    return s;
}

std::string ValidationSpec::describe() const {
    if (!separate) return "validation split";
    if (source.kind == Kind::FashionMnist) return "Fashion-MNIST test split";
    return source.describe();
}

Dataset loadValidationData(const ValidationSpec& spec, const DataSourceSpec& training) {
    if (!spec.separate) throw ValueError("validation data: no separate source is set (the validation split is used)");
    DataSourceSpec s = spec.source;
    // Shared with the training source, so the samples come out alike.
    s.scaleTo01 = training.scaleTo01;
    s.imageWidth = training.imageWidth;
    s.imageHeight = training.imageHeight;
    s.imageRgb = training.imageRgb;
    if (s.kind == Kind::Csv) s.labelColumn = training.labelColumn;
    s.testFraction = 0;
    if (s.kind == Kind::FashionMnist) {
        // The built-in set's test split, as validation data.
        s.maxTest = spec.source.maxTrain;
        s.maxTrain = 1;
        Dataset d = loadDataset(s);
        d.xTrain = std::move(d.xTest);
        d.yTrain = std::move(d.yTest);
        d.xTest = Tensor();
        d.yTest = Tensor();
        d.name = spec.describe();
        return d;
    }
    s.testImages.clear();
    s.testLabels.clear();
    s.maxTest = 0;
    Dataset d = loadDataset(s);
    d.name = "validation: " + d.name;
    return d;
}

namespace {

/// A line edit with a browse button; `folder` says, when clicked, whether to choose a folder.
QWidget* fileRow(QWidget* owner, QLineEdit* edit, std::function<bool()> folder) {
    auto* w = new QWidget;
    auto* h = new QHBoxLayout(w);
    h->setContentsMargins(0, 0, 0, 0);
    auto* browse = new QToolButton;
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(QObject::tr("Browse"));
    h->addWidget(edit, 1);
    h->addWidget(browse);
    QObject::connect(browse, &QToolButton::clicked, owner, [owner, edit, folder] {
        const QString path = folder() ? QFileDialog::getExistingDirectory(owner, QObject::tr("Choose a folder"), edit->text())
                                     : QFileDialog::getOpenFileName(owner, QObject::tr("Choose a file"), edit->text());
        if (!path.isEmpty()) edit->setText(path);
    });
    return w;
}

}  // namespace

ValidationBox::ValidationBox(QWidget* parent) : QGroupBox(tr("Validation data"), parent) {
    auto* form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    mode_ = new QComboBox;
    mode_->addItem(tr("Split of the training data (Training dock)"), false);
    mode_->addItem(tr("Separate data"), true);
    mode_->setToolTip(tr("Separate validation data replaces the Training dock's validation split (Keras's "
                         "validation_data); it is mapped to the model like the training data"));
    form->addRow(tr("Validate on"), mode_);

    details_ = new QWidget;
    auto* d = new QFormLayout(details_);
    d->setContentsMargins(0, 0, 0, 0);
    d->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    kind_ = new QComboBox;
    kind_->addItem(tr("NumPy .npy files"), int(Kind::Npy));
    kind_->addItem(tr("IDX images + labels"), int(Kind::Idx));
    kind_->addItem(tr("NumPy .npz archive"), int(Kind::Npz));
    kind_->addItem(tr("CSV file"), int(Kind::Csv));
    kind_->addItem(tr("Image folder (a sub-folder per class)"), int(Kind::ImageFolder));
    kind_->addItem(tr("Fashion-MNIST test split (built in)"), int(Kind::FashionMnist));
    d->addRow(tr("Source"), kind_);
    features_ = new QLineEdit;
    labels_ = new QLineEdit;
    featuresLabel_ = new QLabel(tr("Features"));
    labelsLabel_ = new QLabel(tr("Labels"));
    // The features row browses for a folder for image folders (and Fashion-MNIST's folder).
    d->addRow(featuresLabel_, fileRow(this, features_, [this] {
        const auto k = Kind(kind_->currentData().toInt());
        return k == Kind::ImageFolder || k == Kind::FashionMnist;
    }));
    d->addRow(labelsLabel_, fileRow(this, labels_, [] { return false; }));
    keysLabel_ = new QLabel(tr("Arrays"));
    npzKeys_ = new QLineEdit(QStringLiteral("x_val, y_val"));
    npzKeys_->setToolTip(tr("Array names in the archive: features, labels"));
    d->addRow(keysLabel_, npzKeys_);
    max_ = new QSpinBox;
    max_->setRange(0, 100000000);
    max_->setSpecialValueText(tr("all"));
    d->addRow(tr("Samples"), max_);
    form->addRow(details_);

    connect(mode_, &QComboBox::currentIndexChanged, this, [this] {
        updateRows();
        emit specChanged();
    });
    connect(kind_, &QComboBox::currentIndexChanged, this, [this] {
        updateRows();
        emit specChanged();
    });
    for (QLineEdit* e : {features_, labels_, npzKeys_}) connect(e, &QLineEdit::editingFinished, this, &ValidationBox::specChanged);
    connect(max_, &QSpinBox::valueChanged, this, &ValidationBox::specChanged);
    updateRows();
}

void ValidationBox::updateRows() {
    const bool separate = mode_->currentData().toBool();
    details_->setVisible(separate);
    const auto k = Kind(kind_->currentData().toInt());
    const bool pair = k == Kind::Npy || k == Kind::Idx;
    featuresLabel_->setText(pair ? tr("Features") : k == Kind::ImageFolder || k == Kind::FashionMnist ? tr("Folder") : tr("File"));
    features_->setPlaceholderText(k == Kind::FashionMnist ? tr("default: /usr/share/datasets/fashion-mnist") : QString());
    labelsLabel_->setVisible(pair);
    labels_->parentWidget()->setVisible(pair);
    keysLabel_->setVisible(k == Kind::Npz);
    npzKeys_->setVisible(k == Kind::Npz);
}

void ValidationBox::setSpec(const ValidationSpec& v) {
    const DataSourceSpec& s = v.source;
    mode_->setCurrentIndex(v.separate ? 1 : 0);
    kind_->setCurrentIndex(std::max(0, kind_->findData(int(s.kind))));
    switch (s.kind) {
    case Kind::Npy:
    case Kind::Idx:
        features_->setText(QString::fromStdString(s.trainImages));
        labels_->setText(QString::fromStdString(s.trainLabels));
        break;
    case Kind::Npz:
    case Kind::Csv: features_->setText(QString::fromStdString(s.path)); break;
    case Kind::ImageFolder:
    case Kind::FashionMnist: features_->setText(QString::fromStdString(s.dir)); break;
    }
    npzKeys_->setText(QString::fromStdString(s.xTrainKey + ", " + s.yTrainKey));
    max_->setValue(s.maxTrain < 0 ? 0 : int(s.maxTrain));
    updateRows();
}

ValidationSpec ValidationBox::spec() const {
    ValidationSpec v;
    v.separate = mode_->currentData().toBool();
    DataSourceSpec& s = v.source;
    s.kind = Kind(kind_->currentData().toInt());
    const std::string f = features_->text().trimmed().toStdString();
    switch (s.kind) {
    case Kind::Npy:
    case Kind::Idx:
        s.trainImages = f;
        s.trainLabels = labels_->text().trimmed().toStdString();
        break;
    case Kind::Npz:
    case Kind::Csv: s.path = f; break;
    case Kind::ImageFolder:
    case Kind::FashionMnist: s.dir = f; break;
    }
    if (s.kind == Kind::Npz) {
        const QStringList keys = npzKeys_->text().split(',', Qt::SkipEmptyParts);
        if (keys.size() > 0) s.xTrainKey = keys[0].trimmed().toStdString();
        if (keys.size() > 1) s.yTrainKey = keys[1].trimmed().toStdString();
    }
    s.maxTrain = max_->value() == 0 ? -1 : max_->value();
    return v;
}

}  // namespace strata::studio
