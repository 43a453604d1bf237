#pragma once
/// TrainingDock: the form that edits TrainingSettings (optimizer, learning rate and schedule, loss
/// and metrics per output, fit arguments, callbacks). Every edit updates the settings and emits
/// settingsChanged; problems (an unknown loss typed into the editable combo, a monitor on val_*
/// without a validation split) are listed under the form.
#include <QWidget>
#include <vector>

#include "app/studio/training/training_settings.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QVBoxLayout;

namespace strata::studio {

class TrainingDock : public QWidget {
    Q_OBJECT
public:
    explicit TrainingDock(QWidget* parent = nullptr);

    void setSettings(const TrainingSettings& settings);
    const TrainingSettings& settings() const { return settings_; }
    /// One loss/metrics row per output (names from the model). Keeps settings of known outputs.
    void setOutputNames(const std::vector<std::string>& names);
    const std::vector<std::string>& outputNames() const { return outputNames_; }
    /// The problems currently listed (empty: ready to train).
    std::vector<std::string> problems() const { return settings_.problems(outputNames_); }
    /// Disables editing during a run (the run uses a copy taken at Start).
    void setEditable(bool editable);

    // For tests and the main window's actions.
    QComboBox* optimizerBox() const { return optimizer_; }
    QDoubleSpinBox* learningRateBox() const { return lr_; }
    QSpinBox* epochsBox() const { return epochs_; }
    QSpinBox* batchSizeBox() const { return batch_; }
    QComboBox* lossBox(int output) const;

signals:
    void settingsChanged(const strata::studio::TrainingSettings& settings);

private:
    struct OutputRow {
        std::string name;
        QComboBox* loss = nullptr;
        QLineEdit* metrics = nullptr;
        QDoubleSpinBox* weight = nullptr;
    };
    void buildForm();
    void rebuildOutputs();
    void load();         // settings_ -> widgets
    void store();        // widgets -> settings_
    void showProblems();
    void updateEnabled();  // which schedule fields apply
    QGroupBox* callbackGroup(const QString& title, QFormLayout*& form);

    TrainingSettings settings_;
    std::vector<std::string> outputNames_;
    bool loading_ = false;

    QComboBox* optimizer_ = nullptr;
    QDoubleSpinBox* lr_ = nullptr;
    QComboBox* schedule_ = nullptr;
    QDoubleSpinBox* decaySteps_ = nullptr;
    QDoubleSpinBox* decayRate_ = nullptr;
    QDoubleSpinBox* alpha_ = nullptr;
    QCheckBox* staircase_ = nullptr;
    QFormLayout* outputsForm_ = nullptr;
    QWidget* outputsBox_ = nullptr;
    std::vector<OutputRow> rows_;
    QSpinBox* batch_ = nullptr;
    QSpinBox* epochs_ = nullptr;
    QDoubleSpinBox* valSplit_ = nullptr;
    QCheckBox* shuffle_ = nullptr;
    QSpinBox* seed_ = nullptr;

    QGroupBox* es_ = nullptr;
    QLineEdit* esMonitor_ = nullptr;
    QSpinBox* esPatience_ = nullptr;
    QDoubleSpinBox* esMinDelta_ = nullptr;
    QCheckBox* esRestore_ = nullptr;
    QGroupBox* rl_ = nullptr;
    QLineEdit* rlMonitor_ = nullptr;
    QDoubleSpinBox* rlFactor_ = nullptr;
    QSpinBox* rlPatience_ = nullptr;
    QDoubleSpinBox* rlMinLr_ = nullptr;
    QGroupBox* mc_ = nullptr;
    QLineEdit* mcPath_ = nullptr;
    QLineEdit* mcMonitor_ = nullptr;
    QCheckBox* mcBest_ = nullptr;
    QCheckBox* mcWeightsOnly_ = nullptr;
    QGroupBox* csv_ = nullptr;
    QLineEdit* csvPath_ = nullptr;
    QCheckBox* csvAppend_ = nullptr;
    QCheckBox* nan_ = nullptr;
    QLabel* problems_ = nullptr;
    QWidget* content_ = nullptr;
};

}  // namespace strata::studio
