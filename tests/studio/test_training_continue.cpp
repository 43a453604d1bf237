// Continue after a run goes on as Keras's fit(initial_epoch=k) called again on the same compiled
// model: the epoch counter, the optimizer's state (Adam's moments and iteration count) and the
// random sequence (shuffling, dropout) carry over, so one epoch + Continue to three gives the loss
// curve of three epochs in one go (unshuffled; see setEpochs); after Stop it starts again at the
// interrupted epoch.
#include <QMainWindow>
#include <QLabel>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/main_window.h"
#include "app/studio/training/data_dock.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/training_dock.h"
#include "app/studio/training/training_panel.h"
#include "app/studio/training/training_workbench.h"
#include "engine/graph/model_config.h"
#include "engine/io/model_io.h"

using namespace strata;
using namespace strata::studio;

class TestTrainingContinue : public QObject {
    Q_OBJECT

    std::string config_;
    Dataset data_;

    std::unique_ptr<TrainingWorkbench> makeBench(QMainWindow& window, int epochs) {
        auto bench = std::make_unique<TrainingWorkbench>([this] { return modelFromJsonString(config_); });
        bench->install(&window);
        bench->documentReset();
        bench->dataDock()->setDataset(data_);
        setEpochs(*bench, epochs);
        window.show();
        return bench;
    }

    static void setEpochs(TrainingWorkbench& bench, int epochs) {
        TrainingSettings s = bench.trainingDock()->settings();
        s.epochs = epochs;
        s.batchSize = 32;
        s.validationSplit = 0.1;
        // Unshuffled, as the engine's own resume test: the engine shuffles each epoch's order from
        // the previous epoch's, which a new fit() call starts afresh, so shuffled batches differ
        // after a continue (as in Keras, where each epoch's order is a new draw anyway). The
        // random sequence still has to carry over: the MLP's Dropout masks come from it.
        s.shuffle = false;
        bench.trainingDock()->setSettings(s);
    }

    // The parallel GEMM's summation order follows the machine's load, so two equal runs agree to
    // float rounding, not bit for bit; a fresh optimizer or other dropout masks differ by ~1e-2.
    static bool close(double a, double b) { return std::fabs(a - b) <= 1e-5 * std::max(1.0, std::fabs(b)); }

private slots:
    void initTestCase() {
        // The MLP has a Dropout layer: dropout masks come from the run's generator as well.
        config_ = readTextFile(STRATA_SOURCE_DIR "/examples/models/09_fashion_mnist_mlp.json");
        DataSourceSpec spec;
        spec.maxTrain = 800;
        spec.maxTest = 100;
        data_ = loadDataset(spec);
    }

    void continuedRunMatchesAnUninterruptedOne() {
        QMainWindow w1;
        auto straight = makeBench(w1, 3);
        QVERIFY(!straight->panel()->continueButton()->isEnabled());  // nothing to continue yet
        QVERIFY(straight->startTraining());
        QVERIFY(straight->session()->waitForFinished());
        QCOMPARE(straight->session()->lastOutcome().end, TrainingOutcome::End::Finished);
        const HistoryData uninterrupted = straight->runs()->run(0).history;
        QCOMPARE(uninterrupted.epochs, (std::vector<int>{0, 1, 2}));
        const int64_t iterations = straight->trainedModel().optimizerIterations;
        QCOMPARE(iterations, int64_t(3 * 23));  // 720 training samples in batches of 32

        QMainWindow w2;
        auto bench = makeBench(w2, 1);
        QTest::mouseClick(bench->panel()->startButton(), Qt::LeftButton);
        QVERIFY(bench->session()->waitForFinished());
        QCOMPARE(bench->nextEpoch(), 1);
        QCOMPARE(bench->trainedModel().optimizerIterations, int64_t(23));
        QVERIFY(bench->panel()->continueButton()->isEnabled());
        // Epochs must be above the epochs done.
        QVERIFY(!bench->continueTraining());
        QVERIFY(bench->panel()->messageLabel()->text().contains("set Epochs above 1"));

        setEpochs(*bench, 3);
        QTest::mouseClick(bench->panel()->continueButton(), Qt::LeftButton);
        QVERIFY(bench->session()->isActive());
        QVERIFY(bench->session()->waitForFinished());
        const TrainingOutcome& o = bench->session()->lastOutcome();
        QCOMPARE(o.end, TrainingOutcome::End::Finished);
        QVERIFY(o.optimizerResumed);
        QCOMPARE(o.initialEpoch, 1);
        QCOMPARE(bench->runs()->rowCount(), 2);
        QCOMPARE(bench->session()->runName(), QString("run 2 (continued)"));
        const HistoryData& continued = bench->runs()->run(1).history;
        QCOMPARE(continued.epochs, (std::vector<int>{1, 2}));  // Keras's epoch numbers go on
        QVERIFY(close(bench->runs()->run(0).history.find("loss")->at(0), uninterrupted.find("loss")->at(0)));
        for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy"})
            for (int e = 1; e < 3; ++e) {
                const double got = continued.find(key)->at(size_t(e - 1)), want = uninterrupted.find(key)->at(size_t(e));
                QVERIFY2(close(got, want), qPrintable(QString("%1 at epoch %2: continued %3, uninterrupted %4")
                                                          .arg(key).arg(e + 1).arg(got, 0, 'g', 10).arg(want, 0, 'g', 10)));
            }
        QCOMPARE(bench->trainedModel().optimizerIterations, iterations);
        QCOMPARE(bench->nextEpoch(), 3);
        // The model is the uninterrupted run's: the same predictions. (Weights are not compared
        // element by element: Adam turns rounding-level differences in near-zero gradients into
        // steps of the learning rate's size.)
        const Tensor x = data_.xTest.slice0(0, 50).reshaped({50, 784});
        QVERIFY(allClose(bench->trainedModel().build()->predict(x), straight->trainedModel().build()->predict(x), 1e-3, 1e-4));
    }

    void continueAfterReopeningTheProject() {
        // One epoch, saved; reopened in a new window, Continue to three epochs gives the curve of
        // three epochs in one go: the project keeps the optimizer state, epoch and random state.
        QMainWindow w1;
        auto straight = makeBench(w1, 3);
        QVERIFY(straight->startTraining());
        QVERIFY(straight->session()->waitForFinished());
        const HistoryData uninterrupted = straight->runs()->run(0).history;

        QTemporaryDir dir;
        const QString model = dir.filePath("mlp.json"), project = dir.filePath("mlp.keras");
        saveModelConfigFile(*modelFromJsonString(config_), model.toStdString());
        const auto reporter = [](const QString& t, const QString& m) { qWarning("%s: %s", qPrintable(t), qPrintable(m)); };
        {
            MainWindow window;
            window.setErrorReporter(reporter);
            QVERIFY(window.openFile(model));
            window.trainer()->dataDock()->setDataset(data_);
            setEpochs(*window.trainer(), 1);
            QVERIFY(window.trainer()->startTraining());
            QVERIFY(window.trainer()->session()->waitForFinished());
            QVERIFY(window.saveTo(project));
        }
        MainWindow window;
        window.setErrorReporter(reporter);
        QVERIFY(window.openFile(project));
        TrainingWorkbench* bench = window.trainer();
        QVERIFY(bench->hasTrainedWeights());
        QCOMPARE(bench->nextEpoch(), 1);
        QCOMPARE(bench->trainedModel().optimizerIterations, int64_t(23));
        QVERIFY(bench->panel()->continueButton()->isEnabled());
        bench->dataDock()->setDataset(data_);
        setEpochs(*bench, 3);
        QVERIFY(bench->continueTraining());
        QVERIFY(bench->session()->waitForFinished());
        QVERIFY(bench->session()->lastOutcome().optimizerResumed);
        const HistoryData& continued = bench->session()->lastOutcome().history;
        QCOMPARE(continued.epochs, (std::vector<int>{1, 2}));
        for (int e = 1; e < 3; ++e)
            QVERIFY2(close(continued.find("loss")->at(size_t(e - 1)), uninterrupted.find("loss")->at(size_t(e))),
                     qPrintable(QString("epoch %1").arg(e + 1)));
        QCOMPARE(bench->projectState()["resume"]["next_epoch"].get<int>(), 3);
    }

    void stopThenContinueStartsAtTheInterruptedEpoch() {
        QMainWindow window;
        auto bench = makeBench(window, 200);
        QVERIFY(bench->startTraining());
        // Past the first epoch, then Stop.
        QTRY_VERIFY_WITH_TIMEOUT(bench->session()->lastProgress().step > 30, 60000);
        QTest::mouseClick(bench->panel()->stopButton(), Qt::LeftButton);
        QVERIFY(bench->session()->waitForFinished());
        const TrainingOutcome first = bench->session()->lastOutcome();
        QCOMPARE(first.end, TrainingOutcome::End::Stopped);
        QVERIFY(first.lastEpoch >= 1);
        QCOMPARE(bench->nextEpoch(), first.lastEpoch);  // the interrupted epoch is run again
        QCOMPARE(bench->trainedModel().optimizerIterations, first.steps);

        // Every batch reports (no 50 ms throttle), so the first report is the run's first batch:
        // reading lastProgress() after a wait would race an epoch that ends within the wait.
        bench->session()->setProgressInterval(0);
        QSignalSpy progress(bench->session(), &TrainingSession::progressChanged);
        QVERIFY(bench->continueTraining());
        QTRY_VERIFY_WITH_TIMEOUT(progress.count() > 2, 60000);
        QCOMPARE(progress.first().first().value<TrainingProgress>().epoch, first.lastEpoch);
        bench->session()->stop();
        QVERIFY(bench->session()->waitForFinished());
        const TrainingOutcome second = bench->session()->lastOutcome();
        QCOMPARE(second.end, TrainingOutcome::End::Stopped);
        QVERIFY(second.optimizerResumed);
        QCOMPARE(second.initialEpoch, first.lastEpoch);
        QCOMPARE(bench->runs()->run(1).history.epochs.front(), first.lastEpoch);
        // Adam's step count goes on from where Stop left it.
        QCOMPARE(bench->trainedModel().optimizerIterations, first.steps + second.steps);

        // Another optimizer setting starts a fresh optimizer (its state would not fit).
        TrainingSettings s = bench->trainingDock()->settings();
        s.optimizer = "sgd";
        s.epochs = bench->nextEpoch() + 1;
        bench->trainingDock()->setSettings(s);
        QVERIFY(bench->continueTraining());
        QVERIFY(bench->session()->waitForFinished());
        QVERIFY(!bench->session()->lastOutcome().optimizerResumed);
    }
};

QTEST_MAIN(TestTrainingContinue)
#include "test_training_continue.moc"
