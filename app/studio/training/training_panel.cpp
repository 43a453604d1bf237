#include "app/studio/training/training_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QStyle>
#include <QVBoxLayout>
#include <cmath>

#include "app/studio/training/gradient_tint.h"
#include "plotting/training_charts_widget.h"
#include "plotting/training_metric_chart.h"

namespace strata::studio {

TrainingPanel::TrainingPanel(TrainingSession* session, QWidget* parent) : QWidget(parent), session_(session) {
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    start_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Start"));
    start_->setToolTip(tr("Train the model with the Training and Data settings"));
    continue_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Continue"));
    continue_->setToolTip(tr("Continue the last run up to the Epochs setting, from the epoch it reached, with its "
                             "optimizer state (as Keras's fit(initial_epoch=...) on the same model)"));
    pause_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPause), tr("Pause"));
    stop_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"));
    stop_->setToolTip(tr("Stop after the current batch and keep its weights"));
    bar_ = new QProgressBar;
    bar_->setRange(0, 1000);
    bar_->setValue(0);
    bar_->setTextVisible(true);
    bar_->setFormat(QStringLiteral("%p%"));
    bar_->setMinimumWidth(160);
    bar->addWidget(start_);
    bar->addWidget(continue_);
    bar->addWidget(pause_);
    bar->addWidget(stop_);
    bar->addSpacing(8);
    bar->addWidget(bar_, 1);
    layout->addLayout(bar);
    detail_ = new QLabel(tr("Ready to train."));
    detail_->setStyleSheet(QStringLiteral("font-family: monospace;"));
    layout->addWidget(detail_);
    message_ = new QLabel;
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    message_->hide();
    layout->addWidget(message_);
    tintLegend_ = new QLabel(gradientTintLegend());
    tintLegend_->setTextFormat(Qt::RichText);
    tintLegend_->setWordWrap(true);
    tintLegend_->hide();
    layout->addWidget(tintLegend_);
    charts_ = new plotting::TrainingChartsWidget;
    layout->addWidget(charts_, 1);

    connect(start_, &QPushButton::clicked, this, [this] { startTraining(); });
    connect(continue_, &QPushButton::clicked, this, [this] { continueTraining(); });
    connect(pause_, &QPushButton::clicked, this, [this] {
        if (session_->state() == TrainingSession::State::Paused) session_->resume();
        else session_->pause();
    });
    connect(stop_, &QPushButton::clicked, session_, &TrainingSession::stop);
    connect(session_, &TrainingSession::runStarting, this,
            [this](plotting::TrainingFeed* feed, const QString& name) { charts_->connectFeed(feed, name); });
    connect(session_, &TrainingSession::stateChanged, this, [this] { updateButtons(); });
    connect(session_, &TrainingSession::progressChanged, this, &TrainingPanel::showProgress);
    connect(session_, &TrainingSession::finished, this, &TrainingPanel::showOutcome);
    updateButtons();
    // QtCharts pays a one-time cost (fonts, themes, first paint) of a few hundred ms on its first
    // chart. Pay it now, when the panel is built, rather than when the first batch of a run
    // arrives, when the event loop must keep answering.
    plotting::TrainingMetricChart warmUp(QStringLiteral("loss"));
    warmUp.resize(320, 200);
    warmUp.grab();
}

bool TrainingPanel::startTraining() { return startJob(provider_, tr("run %1").arg(runsStarted_ + 1)); }

bool TrainingPanel::continueTraining() {
    return startJob(continueProvider_, tr("run %1 (continued)").arg(runsStarted_ + 1));
}

void TrainingPanel::setContinueAvailable(bool on) {
    continueAvailable_ = on;
    updateButtons();
}

bool TrainingPanel::startJob(const JobProvider& provider, const QString& runName) {
    if (session_->isActive()) return false;
    if (!provider) {
        showMessage(tr("Nothing to train: open a model first."), true);
        return false;
    }
    QString error;
    std::optional<TrainingJob> job = provider(&error);
    if (!job) {
        showMessage(error.isEmpty() ? tr("Training could not start.") : error, true);
        return false;
    }
    ++runsStarted_;
    message_->hide();
    bar_->setValue(0);
    detail_->setText(tr("Starting…"));
    return session_->start(std::move(*job), runName);
}

void TrainingPanel::updateButtons() {
    const auto s = session_->state();
    start_->setEnabled(s == TrainingSession::State::Idle);
    continue_->setEnabled(s == TrainingSession::State::Idle && continueAvailable_);
    pause_->setEnabled(s == TrainingSession::State::Running || s == TrainingSession::State::Paused);
    stop_->setEnabled(s == TrainingSession::State::Running || s == TrainingSession::State::Paused);
    const bool paused = s == TrainingSession::State::Paused;
    pause_->setText(paused ? tr("Resume") : tr("Pause"));
    pause_->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    if (s == TrainingSession::State::Stopping) detail_->setText(tr("Stopping after the current batch…"));
}

QString TrainingPanel::durationText(double seconds) {
    if (seconds < 0) return QStringLiteral("–");
    const qint64 s = qint64(std::llround(seconds));
    if (s < 60) return QStringLiteral("%1 s").arg(s);
    if (s < 3600) return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
    return QStringLiteral("%1:%2:%3").arg(s / 3600).arg((s / 60) % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'));
}

QString TrainingPanel::progressText(const TrainingProgress& p) {
    const QLocale loc;
    QString t = tr("Epoch %1/%2 · step %3/%4 · ETA %5 · %6 samples/s · loss %7")
                    .arg(p.epoch + 1)
                    .arg(p.epochs)
                    .arg(p.step)
                    .arg(p.totalSteps)
                    .arg(durationText(p.etaSeconds))
                    .arg(loc.toString(qint64(std::llround(p.samplesPerSecond))))
                    .arg(p.loss, 0, 'f', 4);
    if (p.paused) t = tr("Paused · ") + t;
    return t;
}

void TrainingPanel::showProgress(const TrainingProgress& p) {
    bar_->setValue(int(std::lround(p.fraction() * 1000)));
    detail_->setText(progressText(p));
}

void TrainingPanel::showOutcome(const TrainingOutcome& o) {
    if (o.end == TrainingOutcome::End::Finished) bar_->setValue(1000);
    QString text = o.message;
    if (o.evaluation.valid()) {
        QStringList parts;
        for (const auto& [k, v] : o.evaluation.metrics.items())
            parts << QStringLiteral("%1 %2").arg(QString::fromStdString(k)).arg(v, 0, 'f', 4);
        text += tr(" Test: %1.").arg(parts.join(", "));
    }
    detail_->setText(progressText(session_->lastProgress()).replace(QRegularExpression(" · ETA [^·]*· "), QStringLiteral(" · ")) +
                     tr(" · %1").arg(durationText(o.seconds)));
    showMessage(text, !o.succeeded());
    updateButtons();
}

void TrainingPanel::showMessage(const QString& text, bool error) {
    message_->setText(text);
    message_->setStyleSheet(error ? QStringLiteral("color: #b00020; font-weight: bold;") : QStringLiteral("color: #1b5e20;"));
    message_->show();
}

}  // namespace strata::studio
