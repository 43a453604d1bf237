// TrainingSession / TrainingWorker: fit in a training thread on a snapshot, progress and chart
// signals, pause/resume/stop/continue, NaN losses and errors reported as outcomes, weights export.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include "app/studio/training/data_mapping.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/training_session.h"
#include "app/studio/training/training_worker.h"
#include "engine/graph/model_config.h"
#include "engine/io/model_io.h"
#include "engine/io/weights_io.h"
#include "plotting/training_charts_widget.h"

using namespace strata;
using namespace strata::studio;

class TestTrainingSession : public QObject {
    Q_OBJECT

    Dataset data_;
    std::string config_;

    TrainingJob job(int epochs, int64_t trainSamples = 2000) {
        TrainingJob j;
        j.model = ModelSnapshot::ofConfig(config_);
        j.settings.epochs = epochs;
        j.settings.batchSize = 32;
        j.settings.validationSplit = 0.1;
        ModelPtr m = j.model.build();
        j.data = prepareTrainingData(*m, {firstSamples(data_, trainSamples, 500)}, {}, j.settings);
        return j;
    }

    static void waitUntil(const std::function<bool()>& cond, int ms = 60000) {
        QElapsedTimer t;
        t.start();
        while (!cond() && t.elapsed() < ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }

private slots:
    void initTestCase() {
        DataSourceSpec spec;
        spec.maxTrain = 4000;
        spec.maxTest = 500;
        data_ = loadDataset(spec);
        QCOMPARE(data_.trainCount(), 4000);
        QVERIFY(data_.scaled);
        config_ = readTextFile(STRATA_SOURCE_DIR "/examples/models/09_fashion_mnist_mlp.json");
    }

    void oneEpochSendsProgressAndChartPoints() {
        TrainingSession session;
        plotting::TrainingChartsWidget charts;
        connect(&session, &TrainingSession::runStarting, &charts,
                [&](plotting::TrainingFeed* feed, const QString& name) { charts.connectFeed(feed, name); });
        QSignalSpy progress(&session, &TrainingSession::progressChanged);
        QSignalSpy finished(&session, &TrainingSession::finished);
        QSignalSpy states(&session, &TrainingSession::stateChanged);
        session.setProgressInterval(5);
        QVERIFY(session.start(job(1), "run 1"));
        QCOMPARE(session.state(), TrainingSession::State::Running);
        QVERIFY(!session.start(job(1)));  // one run at a time
        QVERIFY(session.waitForFinished());
        QCOMPARE(finished.count(), 1);
        const TrainingOutcome& o = session.lastOutcome();
        QVERIFY2(o.end == TrainingOutcome::End::Finished, qPrintable(o.message));
        QVERIFY(o.hasWeights);
        QCOMPARE(o.epochsCompleted, 1);
        QCOMPARE(o.steps, int64_t(57));  // 1800 training samples / 32
        QVERIFY(o.history.find("loss") && o.history.find("val_accuracy"));
        QVERIFY(o.evaluation.valid());
        QVERIFY(o.evaluation.metrics.at("accuracy") > 0.5);  // one epoch of an MLP on Fashion-MNIST
        QCOMPARE(o.evaluation.predictions.dim(0), int64_t(500));
        QVERIFY(progress.count() >= 3);
        const auto last = progress.last().at(0).value<TrainingProgress>();
        QCOMPARE(last.step, int64_t(57));
        QCOMPARE(last.totalSteps, int64_t(57));
        QVERIFY(last.samplesPerSecond > 0);
        QVERIFY(last.etaSeconds >= 0 && last.etaSeconds < 1.0);
        QCOMPARE(session.state(), TrainingSession::State::Idle);
        QVERIFY(states.count() >= 2);
        // The charts got the batch and epoch points through the feed's queued signals.
        QCoreApplication::processEvents();
        QCOMPARE(charts.runCount(), 1);
        const auto* batchLoss = charts.run(0).series("loss", plotting::SeriesKind::TrainBatch);
        QVERIFY(batchLoss && batchLoss->size() >= 2);
        const auto* val = charts.run(0).series("loss", plotting::SeriesKind::Validation);
        QVERIFY(val && val->size() == 1);
    }

    void pauseResumeStopAndContinue() {
        TrainingSession session;
        session.setProgressInterval(1);
        QVERIFY(session.start(job(4, 4000)));
        waitUntil([&] { return session.lastProgress().step >= 5; });
        session.pause();
        QCOMPARE(session.state(), TrainingSession::State::Paused);
        waitUntil([&] { return session.lastProgress().paused; }, 5000);
        QVERIFY(session.lastProgress().paused);
        const int64_t pausedAt = session.lastProgress().step;
        QTest::qWait(300);
        QCOMPARE(session.lastProgress().step, pausedAt);  // no steps while paused
        session.resume();
        waitUntil([&] { return session.lastProgress().step >= pausedAt + 5; });
        QVERIFY(session.lastProgress().step >= pausedAt + 5);
        session.stop();
        QCOMPARE(session.state(), TrainingSession::State::Stopping);
        QVERIFY(session.waitForFinished());
        const TrainingOutcome stopped = session.lastOutcome();
        QVERIFY2(stopped.end == TrainingOutcome::End::Stopped, qPrintable(stopped.message));
        QVERIFY(stopped.hasWeights);
        QVERIFY(stopped.steps < 4 * 113);
        QVERIFY(stopped.message.contains("last finished step"));

        // The stopped weights are the model's: continue from them at the epoch training ended in.
        TrainingJob more = job(stopped.lastEpoch + 1, 4000);
        more.model = stopped.model;
        more.initialEpoch = stopped.lastEpoch;
        QVERIFY(session.start(std::move(more), "continued"));
        QVERIFY(session.waitForFinished());
        const TrainingOutcome& cont = session.lastOutcome();
        QVERIFY2(cont.end == TrainingOutcome::End::Finished, qPrintable(cont.message));
        QCOMPARE(cont.history.epochs.front(), stopped.lastEpoch);
        QVERIFY(cont.evaluation.metrics.at("accuracy") > 0.5);
    }

    void stopWhilePausedEnds() {
        TrainingSession session;
        session.setProgressInterval(1);
        QVERIFY(session.start(job(3)));
        waitUntil([&] { return session.lastProgress().step >= 2; });
        session.pause();
        waitUntil([&] { return session.lastProgress().paused; }, 5000);
        session.stop();
        QVERIFY(session.waitForFinished(20000));
        QCOMPARE(session.lastOutcome().end, TrainingOutcome::End::Stopped);
    }

    void nanLossStopsNamingEpochAndStep() {
        TrainingSession session;
        TrainingJob j = job(2);
        j.settings.optimizer = "sgd";
        j.settings.learningRate = 1e30;
        QSignalSpy finished(&session, &TrainingSession::finished);
        QVERIFY(session.start(std::move(j)));
        QVERIFY(session.waitForFinished());
        const TrainingOutcome& o = session.lastOutcome();
        QCOMPARE(o.end, TrainingOutcome::End::NonFiniteLoss);
        QVERIFY(!o.hasWeights);
        QVERIFY2(o.message.contains(QRegularExpression("at epoch 1, step \\d+")), qPrintable(o.message));
        QVERIFY(o.steps < 57);  // stopped early, not after the epoch
        // The application is still alive and answering.
        bool answered = false;
        QTimer::singleShot(0, this, [&] { answered = true; });
        QTRY_VERIFY(answered);
    }

    void exceptionInTrainingIsReported() {
        TrainingSession session;
        TrainingJob j = job(1);
        j.model.configJson = "{ \"class_name\": \"Functional\", \"config\": {\"layers\": [";  // broken
        QVERIFY(session.start(std::move(j)));
        QVERIFY(session.waitForFinished());
        QCOMPARE(session.lastOutcome().end, TrainingOutcome::End::Failed);
        QVERIFY(session.lastOutcome().message.startsWith("Training failed while preparing the model"));

        // Labels the loss cannot take fail inside fit(): reported with the epoch and step.
        TrainingJob bad = job(1);
        for (float& v : bad.data.y.begin()->second.values()) v = 42;
        QVERIFY(session.start(std::move(bad)));
        QVERIFY(session.waitForFinished());
        QCOMPARE(session.lastOutcome().end, TrainingOutcome::End::Failed);
        QVERIFY2(session.lastOutcome().message.contains("at epoch 1, step 1"), qPrintable(session.lastOutcome().message));
    }

    void exportedWeightsReloadWithEqualPredictions() {
        TrainingControl control;
        TrainingWorker worker(control, {});
        TrainingJob j = job(1);
        TrainingOutcome o = worker.run(j);
        QVERIFY2(o.succeeded(), qPrintable(o.message));
        QTemporaryDir dir;
        const std::string path = dir.filePath("mlp.weights.h5").toStdString();
        ModelPtr trained = o.model.build();
        saveWeightsFile(*trained, path);
        ModelPtr fresh = modelFromJsonString(config_);
        loadWeightsFile(*fresh, path);
        const Tensor& x = j.data.xTest.begin()->second;
        const Tensor a = trained->predict(x, 128);
        const Tensor b = fresh->predict(x, 128);
        QVERIFY(allClose(a, b, 0, 0));
        QVERIFY(allClose(a, o.evaluation.predictions, 1e-5f, 1e-6f));
        // A model with other weights predicts differently (the comparison is not vacuous).
        ModelPtr untrained = modelFromJsonString(config_);
        QVERIFY(!allClose(untrained->predict(x, 128), a, 1e-3f, 1e-4f));
    }

    void destroyingARunningSessionStopsIt() {
        auto* session = new TrainingSession;
        QVERIFY(session->start(job(20, 4000)));
        QTest::qWait(100);
        QElapsedTimer t;
        t.start();
        delete session;  // must join the thread after the current batch
        QVERIFY(t.elapsed() < 5000);
    }
};

QTEST_MAIN(TestTrainingSession)
#include "test_training_session.moc"
