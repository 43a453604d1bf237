#include "app/studio/training/training_dock.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>
#include <limits>

namespace strata::studio {

namespace {

QComboBox* namesCombo(const std::vector<std::string>& names, bool editable) {
    auto* box = new QComboBox;
    box->setEditable(editable);
    for (const auto& n : names) box->addItem(QString::fromStdString(n));
    return box;
}

void setComboText(QComboBox* box, const std::string& text) {
    const QString t = QString::fromStdString(text);
    const int i = box->findText(t);
    if (i >= 0) box->setCurrentIndex(i);
    else if (box->isEditable()) box->setEditText(t);
}

std::string comboText(const QComboBox* box) { return box->currentText().trimmed().toStdString(); }

QString joinMetrics(const std::vector<std::string>& metrics) {
    QStringList l;
    for (const auto& m : metrics) l << QString::fromStdString(m);
    return l.join(", ");
}

std::vector<std::string> splitMetrics(const QString& text) {
    std::vector<std::string> out;
    for (const QString& part : text.split(',', Qt::SkipEmptyParts))
        if (!part.trimmed().isEmpty()) out.push_back(part.trimmed().toStdString());
    return out;
}

QDoubleSpinBox* doubleBox(double min, double max, int decimals, double step) {
    auto* b = new QDoubleSpinBox;
    b->setRange(min, max);
    b->setDecimals(decimals);
    b->setSingleStep(step);
    return b;
}

QSpinBox* intBox(int min, int max) {
    auto* b = new QSpinBox;
    b->setRange(min, max);
    return b;
}

}  // namespace

TrainingDock::TrainingDock(QWidget* parent) : QWidget(parent) {
    buildForm();
    setOutputNames({});
    load();
    showProblems();
}

QGroupBox* TrainingDock::callbackGroup(const QString& title, QFormLayout*& form) {
    auto* g = new QGroupBox(title);
    g->setCheckable(true);
    form = new QFormLayout(g);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    connect(g, &QGroupBox::toggled, this, [this] { store(); });
    return g;
}

void TrainingDock::buildForm() {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    outer->addWidget(scroll);
    content_ = new QWidget;
    scroll->setWidget(content_);
    auto* layout = new QVBoxLayout(content_);

    const auto changed = [this] { store(); };

    // Optimizer.
    auto* optGroup = new QGroupBox(tr("Optimizer"));
    auto* opt = new QFormLayout(optGroup);
    optimizer_ = namesCombo(optimizerNames(), false);
    lr_ = doubleBox(1e-8, 1e30, 6, 0.0005);
    lr_->setToolTip(tr("Learning rate (the schedule's initial rate)"));
    schedule_ = namesCombo(scheduleKinds(), false);
    decaySteps_ = doubleBox(1, 1e9, 0, 100);
    decayRate_ = doubleBox(0.0001, 1.0, 4, 0.01);
    alpha_ = doubleBox(0, 1, 4, 0.01);
    staircase_ = new QCheckBox(tr("Staircase"));
    opt->addRow(tr("Optimizer"), optimizer_);
    opt->addRow(tr("Learning rate"), lr_);
    opt->addRow(tr("Schedule"), schedule_);
    opt->addRow(tr("Decay steps"), decaySteps_);
    opt->addRow(tr("Decay rate"), decayRate_);
    opt->addRow(tr("Final fraction (α)"), alpha_);
    opt->addRow(QString(), staircase_);
    layout->addWidget(optGroup);
    connect(optimizer_, &QComboBox::currentIndexChanged, this, changed);
    connect(lr_, &QDoubleSpinBox::valueChanged, this, changed);
    connect(schedule_, &QComboBox::currentIndexChanged, this, changed);
    connect(decaySteps_, &QDoubleSpinBox::valueChanged, this, changed);
    connect(decayRate_, &QDoubleSpinBox::valueChanged, this, changed);
    connect(alpha_, &QDoubleSpinBox::valueChanged, this, changed);
    connect(staircase_, &QCheckBox::toggled, this, changed);

    // Loss and metrics per output.
    auto* outGroup = new QGroupBox(tr("Loss and metrics"));
    outputsBox_ = outGroup;
    outputsForm_ = new QFormLayout(outGroup);
    outputsForm_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    layout->addWidget(outGroup);

    // Fit.
    auto* fitGroup = new QGroupBox(tr("Fit"));
    auto* fit = new QFormLayout(fitGroup);
    batch_ = intBox(1, 1 << 20);
    epochs_ = intBox(1, 100000);
    valSplit_ = doubleBox(0, 0.95, 2, 0.05);
    shuffle_ = new QCheckBox(tr("Shuffle every epoch"));
    seed_ = intBox(0, std::numeric_limits<int>::max());
    fit->addRow(tr("Batch size"), batch_);
    fit->addRow(tr("Epochs"), epochs_);
    fit->addRow(tr("Validation split"), valSplit_);
    fit->addRow(QString(), shuffle_);
    fit->addRow(tr("Seed"), seed_);
    layout->addWidget(fitGroup);
    connect(batch_, &QSpinBox::valueChanged, this, changed);
    connect(epochs_, &QSpinBox::valueChanged, this, changed);
    connect(valSplit_, &QDoubleSpinBox::valueChanged, this, changed);
    connect(shuffle_, &QCheckBox::toggled, this, changed);
    connect(seed_, &QSpinBox::valueChanged, this, changed);

    // Callbacks.
    QFormLayout* f = nullptr;
    es_ = callbackGroup(tr("EarlyStopping"), f);
    esMonitor_ = new QLineEdit;
    esPatience_ = intBox(0, 10000);
    esMinDelta_ = doubleBox(0, 1e6, 5, 0.001);
    esRestore_ = new QCheckBox(tr("Restore best weights"));
    f->addRow(tr("Monitor"), esMonitor_);
    f->addRow(tr("Patience"), esPatience_);
    f->addRow(tr("Min delta"), esMinDelta_);
    f->addRow(QString(), esRestore_);
    layout->addWidget(es_);
    rl_ = callbackGroup(tr("ReduceLROnPlateau"), f);
    rlMonitor_ = new QLineEdit;
    rlFactor_ = doubleBox(0.001, 0.999, 3, 0.05);
    rlPatience_ = intBox(0, 10000);
    rlMinLr_ = doubleBox(0, 1, 8, 1e-6);
    f->addRow(tr("Monitor"), rlMonitor_);
    f->addRow(tr("Factor"), rlFactor_);
    f->addRow(tr("Patience"), rlPatience_);
    f->addRow(tr("Min learning rate"), rlMinLr_);
    layout->addWidget(rl_);
    mc_ = callbackGroup(tr("ModelCheckpoint"), f);
    mcPath_ = new QLineEdit;
    mcMonitor_ = new QLineEdit;
    mcBest_ = new QCheckBox(tr("Save best only"));
    mcWeightsOnly_ = new QCheckBox(tr("Weights only (.weights.h5)"));
    f->addRow(tr("File"), mcPath_);
    f->addRow(tr("Monitor"), mcMonitor_);
    f->addRow(QString(), mcBest_);
    f->addRow(QString(), mcWeightsOnly_);
    layout->addWidget(mc_);
    csv_ = callbackGroup(tr("CSVLogger"), f);
    csvPath_ = new QLineEdit;
    csvAppend_ = new QCheckBox(tr("Append"));
    f->addRow(tr("File"), csvPath_);
    f->addRow(QString(), csvAppend_);
    layout->addWidget(csv_);
    nan_ = new QCheckBox(tr("TerminateOnNaN (the Studio always stops on a NaN loss)"));
    layout->addWidget(nan_);
    for (QLineEdit* e : {esMonitor_, rlMonitor_, mcPath_, mcMonitor_, csvPath_})
        connect(e, &QLineEdit::editingFinished, this, changed);
    for (QCheckBox* c : {esRestore_, mcBest_, mcWeightsOnly_, csvAppend_, nan_}) connect(c, &QCheckBox::toggled, this, changed);
    connect(esPatience_, &QSpinBox::valueChanged, this, changed);
    connect(esMinDelta_, &QDoubleSpinBox::valueChanged, this, changed);
    connect(rlFactor_, &QDoubleSpinBox::valueChanged, this, changed);
    connect(rlPatience_, &QSpinBox::valueChanged, this, changed);
    connect(rlMinLr_, &QDoubleSpinBox::valueChanged, this, changed);

    problems_ = new QLabel;
    problems_->setWordWrap(true);
    problems_->setStyleSheet(QStringLiteral("color: #b00020;"));
    layout->addWidget(problems_);
    layout->addStretch(1);
}

QComboBox* TrainingDock::lossBox(int output) const {
    return output >= 0 && size_t(output) < rows_.size() ? rows_[size_t(output)].loss : nullptr;
}

void TrainingDock::setOutputNames(const std::vector<std::string>& names) {
    outputNames_ = names;
    rebuildOutputs();
    load();
    store();
}

void TrainingDock::rebuildOutputs() {
    while (outputsForm_->rowCount() > 0) outputsForm_->removeRow(0);
    rows_.clear();
    std::vector<std::string> names = outputNames_;
    if (names.empty()) names.push_back(std::string());
    const bool several = names.size() > 1;
    for (const auto& n : names) {
        OutputRow r;
        r.name = n;
        r.loss = namesCombo(commonLossNames(), true);
        r.metrics = new QLineEdit;
        r.metrics->setPlaceholderText(tr("accuracy, mae, ..."));
        r.weight = doubleBox(0, 1000, 3, 0.1);
        const QString prefix = several ? QString::fromStdString(n) + ": " : QString();
        outputsForm_->addRow(prefix + tr("Loss"), r.loss);
        outputsForm_->addRow(prefix + tr("Metrics"), r.metrics);
        if (several) outputsForm_->addRow(prefix + tr("Loss weight"), r.weight);
        else r.weight->hide();
        connect(r.loss, &QComboBox::currentTextChanged, this, [this] { store(); });
        connect(r.metrics, &QLineEdit::editingFinished, this, [this] { store(); });
        connect(r.weight, &QDoubleSpinBox::valueChanged, this, [this] { store(); });
        rows_.push_back(r);
    }
}

void TrainingDock::setSettings(const TrainingSettings& settings) {
    settings_ = settings;
    load();
    showProblems();
}

void TrainingDock::load() {
    loading_ = true;
    const TrainingSettings& s = settings_;
    setComboText(optimizer_, s.optimizer);
    lr_->setValue(s.learningRate);
    setComboText(schedule_, s.schedule.kind);
    decaySteps_->setValue(s.schedule.decaySteps);
    decayRate_->setValue(s.schedule.decayRate);
    alpha_->setValue(s.schedule.alpha);
    staircase_->setChecked(s.schedule.staircase);
    for (auto& r : rows_) {
        const OutputSettings o = s.outputFor(r.name);
        setComboText(r.loss, o.loss);
        r.metrics->setText(joinMetrics(o.metrics));
        r.weight->setValue(o.lossWeight);
    }
    batch_->setValue(int(s.batchSize));
    epochs_->setValue(s.epochs);
    valSplit_->setValue(s.validationSplit);
    shuffle_->setChecked(s.shuffle);
    seed_->setValue(int(s.seed));
    const CallbackSettings& c = s.callbacks;
    es_->setChecked(c.earlyStopping);
    esMonitor_->setText(QString::fromStdString(c.earlyStoppingMonitor));
    esPatience_->setValue(c.earlyStoppingPatience);
    esMinDelta_->setValue(c.earlyStoppingMinDelta);
    esRestore_->setChecked(c.earlyStoppingRestoreBest);
    rl_->setChecked(c.reduceLrOnPlateau);
    rlMonitor_->setText(QString::fromStdString(c.reduceLrMonitor));
    rlFactor_->setValue(c.reduceLrFactor);
    rlPatience_->setValue(c.reduceLrPatience);
    rlMinLr_->setValue(c.reduceLrMinLr);
    mc_->setChecked(c.modelCheckpoint);
    mcPath_->setText(QString::fromStdString(c.checkpointPath));
    mcMonitor_->setText(QString::fromStdString(c.checkpointMonitor));
    mcBest_->setChecked(c.checkpointBestOnly);
    mcWeightsOnly_->setChecked(c.checkpointWeightsOnly);
    csv_->setChecked(c.csvLogger);
    csvPath_->setText(QString::fromStdString(c.csvLoggerPath));
    csvAppend_->setChecked(c.csvLoggerAppend);
    nan_->setChecked(c.terminateOnNaN);
    updateEnabled();
    loading_ = false;
}

void TrainingDock::updateEnabled() {
    const std::string& kind = settings_.schedule.kind;
    decaySteps_->setEnabled(kind != "constant");
    decayRate_->setEnabled(kind == "exponential_decay");
    staircase_->setEnabled(kind == "exponential_decay");
    alpha_->setEnabled(kind == "cosine_decay");
}

void TrainingDock::store() {
    if (loading_) return;
    TrainingSettings& s = settings_;
    s.optimizer = comboText(optimizer_);
    s.learningRate = lr_->value();
    s.schedule.kind = comboText(schedule_);
    s.schedule.decaySteps = decaySteps_->value();
    s.schedule.decayRate = decayRate_->value();
    s.schedule.alpha = alpha_->value();
    s.schedule.staircase = staircase_->isChecked();
    if (rows_.size() == 1 && rows_[0].name.empty()) {
        s.defaultOutput.loss = comboText(rows_[0].loss);
        s.defaultOutput.metrics = splitMetrics(rows_[0].metrics->text());
    } else {
        s.outputs.clear();
        for (const auto& r : rows_) {
            OutputSettings o;
            o.name = r.name;
            o.loss = comboText(r.loss);
            o.metrics = splitMetrics(r.metrics->text());
            o.lossWeight = r.weight->value();
            s.outputs.push_back(o);
        }
        if (rows_.size() == 1) s.defaultOutput = {std::string(), s.outputs[0].loss, 1.0, s.outputs[0].metrics};
    }
    s.batchSize = batch_->value();
    s.epochs = epochs_->value();
    s.validationSplit = valSplit_->value();
    s.shuffle = shuffle_->isChecked();
    s.seed = uint64_t(seed_->value());
    CallbackSettings& c = s.callbacks;
    c.earlyStopping = es_->isChecked();
    c.earlyStoppingMonitor = esMonitor_->text().trimmed().toStdString();
    c.earlyStoppingPatience = esPatience_->value();
    c.earlyStoppingMinDelta = esMinDelta_->value();
    c.earlyStoppingRestoreBest = esRestore_->isChecked();
    c.reduceLrOnPlateau = rl_->isChecked();
    c.reduceLrMonitor = rlMonitor_->text().trimmed().toStdString();
    c.reduceLrFactor = rlFactor_->value();
    c.reduceLrPatience = rlPatience_->value();
    c.reduceLrMinLr = rlMinLr_->value();
    c.modelCheckpoint = mc_->isChecked();
    c.checkpointPath = mcPath_->text().trimmed().toStdString();
    c.checkpointMonitor = mcMonitor_->text().trimmed().toStdString();
    c.checkpointBestOnly = mcBest_->isChecked();
    c.checkpointWeightsOnly = mcWeightsOnly_->isChecked();
    c.csvLogger = csv_->isChecked();
    c.csvLoggerPath = csvPath_->text().trimmed().toStdString();
    c.csvLoggerAppend = csvAppend_->isChecked();
    c.terminateOnNaN = nan_->isChecked();
    updateEnabled();
    showProblems();
    emit settingsChanged(settings_);
}

void TrainingDock::showProblems() {
    const auto p = problems();
    QStringList lines;
    for (const auto& s : p) lines << QStringLiteral("• ") + QString::fromStdString(s);
    problems_->setText(lines.join('\n'));
    problems_->setVisible(!p.empty());
}

void TrainingDock::setEditable(bool editable) { content_->setEnabled(editable); }

}  // namespace strata::studio
