#pragma once
/// Validation data for fit(): the Training dock's validation split (the last fraction of the
/// training samples, Keras's validation_split) or a separate source (Keras's validation_data),
/// described like the training source and mapped to the model the same way (the same input and
/// output binding, the same reshaping and label checks).
///
/// ValidationSpec is the plain description saved in the project; ValidationBox is the Data dock's
/// "Validation data" group that edits it.
#include <QGroupBox>
#include <optional>

#include "app/studio/training/data_source.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QStackedWidget;

namespace strata::studio {

struct ValidationSpec {
    /// False: the validation split of the Training settings; true: `source`.
    bool separate = false;
    /// Its training arrays are the validation arrays (for Fashion-MNIST: its test split).
    DataSourceSpec source;

    bool operator==(const ValidationSpec&) const = default;
    Json toJson() const;
    /// Throws ConfigError naming the key.
    static ValidationSpec fromJson(const Json& json);
    /// "validation split", "NPY x_val.npy".
    std::string describe() const;
};

/// The validation arrays of `spec.source` as a Dataset whose train arrays are the validation
/// samples. `training` gives the options the validation source shares with the training one
/// (scaling, image size, CSV label column). Throws strata::Error as loadDataset.
Dataset loadValidationData(const ValidationSpec& spec, const DataSourceSpec& training);

class ValidationBox : public QGroupBox {
    Q_OBJECT
public:
    explicit ValidationBox(QWidget* parent = nullptr);

    void setSpec(const ValidationSpec& spec);
    ValidationSpec spec() const;

    QComboBox* modeBox() const { return mode_; }
    QComboBox* kindBox() const { return kind_; }
    QLineEdit* featuresEdit() const { return features_; }
    QLineEdit* labelsEdit() const { return labels_; }

signals:
    void specChanged();

private:
    void updateRows();
    QComboBox* mode_;
    QComboBox* kind_;
    QWidget* details_;
    QLabel* featuresLabel_;
    QLineEdit* features_;
    QLabel* labelsLabel_;
    QLineEdit* labels_;
    QLabel* keysLabel_;
    QLineEdit* npzKeys_;
    QSpinBox* max_;
};

}  // namespace strata::studio
