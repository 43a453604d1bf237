#include "app/studio/training/training_session.h"

#include <QEventLoop>
#include <QTimer>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "app/studio/training/training_worker.h"

namespace strata::studio {

namespace {
const int kProgressTypes = [] {
    qRegisterMetaType<TrainingProgress>();
    qRegisterMetaType<TrainingOutcome>();
    return 0;
}();
}  // namespace

TrainingSession::TrainingSession(QObject* parent) : QObject(parent) { (void)kProgressTypes; }

TrainingSession::~TrainingSession() {
    if (thread_) {
        control_->requestStop();
        thread_->wait();
        delete thread_;
    }
}

bool TrainingSession::start(TrainingJob job, const QString& runName) {
    if (isActive()) return false;
    if (thread_) {  // the previous run's thread has finished; reclaim it
        thread_->wait();
        delete thread_;
        thread_ = nullptr;
    }
    runName_ = runName.isEmpty() ? QStringLiteral("run") : runName;
    control_ = std::make_unique<TrainingControl>();
    feed_ = std::make_shared<plotting::TrainingFeed>();
    progress_ = {};
    progress_.epochs = job.settings.epochs;
    if (job.train) emit runStarting(feed_.get(), runName_);  // an evaluation draws no charts

    TrainingControl* control = control_.get();
    std::shared_ptr<plotting::TrainingFeed> feed = feed_;
    const auto interval = std::chrono::milliseconds(progressIntervalMs_);
    thread_ = QThread::create([this, control, feed, interval, job = std::move(job)]() {
        // Training takes whatever CPU the GUI leaves: a nicer thread (and the engine's pool threads
        // it starts, which inherit the value) lets the event loop run first on a busy machine.
        setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), 10);
        // The sink runs in the training thread: it only posts a copy to the GUI thread.
        auto sink = [this](const TrainingProgress& p) {
            QMetaObject::invokeMethod(this, [this, p] { onProgress(p); }, Qt::QueuedConnection);
        };
        TrainingWorker worker(*control, sink, {feed}, interval);
        TrainingOutcome outcome = worker.run(job);
        QMetaObject::invokeMethod(this, [this, outcome = std::move(outcome)] { onFinished(outcome); },
                                  Qt::QueuedConnection);
    });
    thread_->setObjectName(QStringLiteral("strata-training"));
    setState(State::Running);
    thread_->start();
    return true;
}

void TrainingSession::pause() {
    if (state_ != State::Running) return;
    control_->pause();
    setState(State::Paused);
}

void TrainingSession::resume() {
    if (state_ != State::Paused) return;
    control_->resume();
    setState(State::Running);
}

void TrainingSession::stop() {
    if (state_ != State::Running && state_ != State::Paused) return;
    control_->requestStop();
    setState(State::Stopping);
}

bool TrainingSession::waitForFinished(int timeoutMs) {
    if (!isActive()) return true;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    connect(this, &TrainingSession::finished, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    loop.exec();
    return !isActive();
}

void TrainingSession::setState(State s) {
    if (s == state_) return;
    state_ = s;
    emit stateChanged(s);
}

void TrainingSession::onProgress(const TrainingProgress& p) {
    if (!isActive()) return;  // a late report after the outcome
    progress_ = p;
    emit progressChanged(p);
}

void TrainingSession::onFinished(const TrainingOutcome& o) {
    outcome_ = o;
    if (thread_) thread_->wait();
    setState(State::Idle);
    emit finished(outcome_);
}

}  // namespace strata::studio
