#pragma once
/// DataDock: chooses the data source (built-in Fashion-MNIST, IDX pair, NPY, NPZ, CSV), loads it,
/// binds it to a model input and output by name, previews a few samples (images with their
/// labels, or the first CSV rows) and checks the arrays against the model before a run, showing
/// the mismatch (which input, expected vs actual) where the user is looking.
#include <QWidget>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/studio/training/data_mapping.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/validation_source.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableWidget;

namespace strata::studio {

class SampleGrid;

class DataDock : public QWidget {
    Q_OBJECT
public:
    explicit DataDock(QWidget* parent = nullptr);
    ~DataDock() override;

    void setSpec(const DataSourceSpec& spec);
    DataSourceSpec spec() const;
    /// The validation data: the Training dock's split, or a separate source (saved in the project).
    void setValidationSpec(const ValidationSpec& spec);
    ValidationSpec validationSpec() const;
    ValidationBox* validationBox() const { return validation_; }
    /// Loads the chosen source (synchronously; the built-in set takes well under a second). On
    /// failure shows the error in the dock and returns false; the previous data is dropped.
    bool loadData();
    bool hasData() const { return data_ != nullptr; }
    const Dataset* dataset() const { return data_.get(); }
    /// Uses already loaded arrays (tests, the command line).
    void setDataset(Dataset data);

    /// The model's input and output names, offered in the binding combos.
    void setModelNames(const std::vector<std::string>& inputs, const std::vector<std::string>& outputs);
    DataBinding binding() const;

    /// Checks the loaded data (and the separate validation data, loaded when needed) against
    /// `model` and adapts it. On a mismatch the message is shown
    /// in the dock, written to `error`, and nullopt is returned.
    std::optional<PreparedData> prepareFor(const Model& model, const TrainingSettings& settings, QString* error);

    QLabel* statusLabel() const { return status_; }
    SampleGrid* preview() const { return preview_; }
    void setEditable(bool editable);

signals:
    void datasetChanged();

private:
    void buildUi();
    void showStatus(const QString& text, bool error);
    void showPreview();
    QWidget* fileRow(QLineEdit*& edit, const QString& filter, bool folder = false);

    std::unique_ptr<Dataset> data_;
    ValidationBox* validation_ = nullptr;
    std::unique_ptr<Dataset> validationData_;  // loaded from validationLoaded_
    ValidationSpec validationLoaded_;
    DataSourceSpec validationFor_;  // the training source it was loaded alongside
    QComboBox* kind_ = nullptr;
    QStackedWidget* pages_ = nullptr;
    QLineEdit* fashionDir_ = nullptr;
    QLineEdit* xTrain_ = nullptr;
    QLineEdit* yTrain_ = nullptr;
    QLineEdit* xTest_ = nullptr;
    QLineEdit* yTest_ = nullptr;
    QLineEdit* npzPath_ = nullptr;
    QLineEdit* npzKeys_ = nullptr;
    QLineEdit* csvPath_ = nullptr;
    QLineEdit* csvLabel_ = nullptr;
    QLineEdit* imageDir_ = nullptr;
    QSpinBox* imageWidth_ = nullptr;
    QSpinBox* imageHeight_ = nullptr;
    QCheckBox* imageRgb_ = nullptr;
    QDoubleSpinBox* testFraction_ = nullptr;
    QSpinBox* maxTrain_ = nullptr;
    QSpinBox* maxTest_ = nullptr;
    QCheckBox* scale_ = nullptr;
    QComboBox* input_ = nullptr;
    QComboBox* output_ = nullptr;
    QPushButton* load_ = nullptr;
    QLabel* status_ = nullptr;
    SampleGrid* preview_ = nullptr;
    QTableWidget* rows_ = nullptr;
    QWidget* editor_ = nullptr;
};

}  // namespace strata::studio
