// The trainer in a window: the workbench's docks and menu, Start/Pause/Stop through the panel's
// buttons, progress and chart points arriving, the event loop answering while a worker trains,
// evaluation and runs afterwards, export, and a screenshot of the panel.
#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <set>

#include "app/studio/training/data_dock.h"
#include "app/studio/training/evaluation_view.h"
#include "app/studio/training/sample_grid.h"
#include "app/studio/training/training_dock.h"
#include "app/studio/training/training_panel.h"
#include "app/studio/training/training_workbench.h"
#include "engine/graph/model_config.h"
#include "engine/io/weights_io.h"
#include "plotting/histogram_widget.h"
#include "plotting/layer_norms_table.h"
#include "plotting/training_charts_widget.h"

using namespace strata;
using namespace strata::studio;

class TestTrainingPanel : public QObject {
    Q_OBJECT

    std::string config_;
    Dataset data_;

    std::unique_ptr<TrainingWorkbench> makeBench(QMainWindow& window, int epochs, int64_t samples) {
        auto bench = std::make_unique<TrainingWorkbench>([this] { return modelFromJsonString(config_); });
        bench->install(&window);
        bench->documentReset();
        bench->dataDock()->setDataset(firstSamples(data_, samples, 1000));
        TrainingSettings s = bench->trainingDock()->settings();
        s.epochs = epochs;
        s.batchSize = 32;
        bench->trainingDock()->setSettings(s);
        window.resize(1400, 900);
        window.show();
        return bench;
    }

private slots:
    void initTestCase() {
        config_ = readTextFile(STRATA_SOURCE_DIR "/examples/models/09_fashion_mnist_mlp.json");
        DataSourceSpec spec;
        spec.maxTrain = 12000;
        spec.maxTest = 1000;
        data_ = loadDataset(spec);
    }

    void installsDocksAndMenu() {
        QMainWindow window;
        auto bench = makeBench(window, 1, 100);
        QStringList docks;
        for (auto* d : window.findChildren<QDockWidget*>()) docks << d->objectName();
        for (const char* n : {"TrainingDock", "DataDock", "TrainingRunDock", "EvaluationDock", "LayerHealthDock", "RunsDock"})
            QVERIFY2(docks.contains(n), n);
        QVERIFY(bench->menu());
        QStringList actions;
        for (auto* a : bench->menu()->actions()) actions << a->text();
        QVERIFY(actions.contains("&Start Training"));
        QVERIFY(actions.contains("S&top"));
        QVERIFY(!bench->hasTrainedWeights());
        QString error;
        QVERIFY(!bench->exportTrained(QDir::temp().filePath("x.weights.h5"), &error));
        QVERIFY(error.contains("no trained weights"));
    }

    void noModelOrBadDataIsAMessageNotACrash() {
        QMainWindow window;
        TrainingWorkbench bench([]() -> ModelPtr { throw GraphError("dense_3 has no input"); });
        bench.install(&window);
        QVERIFY(!bench.startTraining());
        QVERIFY(bench.panel()->messageLabel()->text().contains("dense_3 has no input"));
        QCOMPARE(bench.session()->state(), TrainingSession::State::Idle);

        TrainingWorkbench cnn([] {
            return modelFromJsonString(readTextFile(STRATA_SOURCE_DIR "/examples/models/06_toy_resnet.json"));
        });
        cnn.install(&window);
        cnn.documentReset();
        cnn.dataDock()->setDataset(firstSamples(data_, 100, 10));
        QVERIFY(!cnn.startTraining());
        QVERIFY2(cnn.panel()->messageLabel()->text().contains("input 'img' expects samples of shape (32, 32, 3)"),
                 qPrintable(cnn.panel()->messageLabel()->text()));
    }

    void trainStopAndEvaluateThroughTheButtons() {
        QMainWindow window;
        auto bench = makeBench(window, 1, 2000);
        TrainingPanel* panel = bench->panel();
        QSignalSpy progress(bench->session(), &TrainingSession::progressChanged);
        QSignalSpy finished(bench.get(), &TrainingWorkbench::runFinished);
        QSignalSpy active(bench.get(), &TrainingWorkbench::trainingActiveChanged);
        QVERIFY(panel->startButton()->isEnabled());
        QTest::mouseClick(panel->startButton(), Qt::LeftButton);
        QCOMPARE(bench->session()->state(), TrainingSession::State::Running);
        QVERIFY(!panel->startButton()->isEnabled());
        QVERIFY(panel->stopButton()->isEnabled());
        QTRY_VERIFY(!bench->trainingDock()->optimizerBox()->isEnabled());  // settings are locked during a run
        QVERIFY(bench->session()->waitForFinished());
        QCOMPARE(finished.count(), 1);
        QVERIFY(progress.count() >= 1);
        QCOMPARE(panel->progressBar()->value(), 1000);
        QVERIFY(panel->progressLabel()->text().contains("Epoch 1/1"));
        QVERIFY(panel->messageLabel()->text().contains("Finished 1 epochs"));
        QCOMPARE(active.count(), 2);
        // Charts, evaluation, runs.
        QCoreApplication::processEvents();
        QCOMPARE(panel->charts()->runCount(), 1);
        QVERIFY(panel->charts()->chartTags().contains("loss"));
        QVERIFY(panel->charts()->chartTags().contains("accuracy"));
        EvaluationView* eval = bench->evaluationView();
        QVERIFY(eval->metricsTable()->rowCount() >= 2);
        QCOMPARE(eval->metricsTable()->item(0, 0)->text(), QString("accuracy"));
        QCOMPARE(eval->predictionsGrid()->cells().size(), size_t(48));
        QVERIFY(eval->predictionsGrid()->mistakeCount() > 0);
        QCOMPARE(eval->confusion().classes(), 10);
        QVERIFY(eval->confusion().accuracy() > 0.5);
        eval->setMistakesOnly(true);
        const auto& cells = eval->predictionsGrid()->cells();
        QVERIFY(std::all_of(cells.begin(), cells.end(), [](const SampleGrid::Cell& c) { return c.mistake; }));
        QCOMPARE(bench->runs()->rowCount(), 1);
        QVERIFY(bench->hasTrainedWeights());
        // Layer health: one norms row per layer with weights, histograms per layer, activations probed.
        QVERIFY(bench->normsTable()->normsModel()->rowCount() >= 2);
        QVERIFY(bench->histograms()->layers().contains("dense_1"));
        bench->showLayer("dense_1");
        QCOMPARE(bench->histograms()->layer(), QString("dense_1"));
        QVERIFY(!bench->histograms()->diagnostics().empty());

        // Evaluating the trained model again gives the run's test metrics and adds no run.
        const double runAccuracy = bench->runs()->run(0).testMetrics.at("accuracy");
        QVERIFY(bench->evaluateModel());
        QVERIFY(bench->session()->waitForFinished());
        QCOMPARE(bench->runs()->rowCount(), 1);
        QCOMPARE(bench->session()->lastOutcome().evaluation.metrics.at("accuracy"), runAccuracy);
        QVERIFY(panel->messageLabel()->text().contains("Evaluated on 1000 test samples"));

        // Export the trained weights; a fresh model loads them and predicts the same.
        QTemporaryDir dir;
        QString error;
        const QString path = dir.filePath("trained.weights.h5");
        QVERIFY2(bench->exportTrained(path, &error), qPrintable(error));
        ModelPtr fresh = modelFromJsonString(config_);
        loadWeightsFile(*fresh, path.toStdString());
        ModelPtr trained = bench->trainedModel().build();
        const Tensor x = data_.xTest.slice0(0, 64).reshaped({64, 784});
        QVERIFY(allClose(fresh->predict(x), trained->predict(x), 0, 0));
        QVERIFY(bench->exportHistories(dir.filePath("h.csv"), &error));

        // A second run continues from the trained weights, then Stop keeps the last step's weights.
        TrainingSettings s = bench->trainingDock()->settings();
        s.epochs = 50;
        bench->trainingDock()->setSettings(s);
        QTest::mouseClick(panel->startButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(bench->session()->lastProgress().step > 3, 30000);
        QTest::mouseClick(panel->pauseButton(), Qt::LeftButton);
        QCOMPARE(bench->session()->state(), TrainingSession::State::Paused);
        QCOMPARE(panel->pauseButton()->text(), QString("Resume"));
        QTest::mouseClick(panel->pauseButton(), Qt::LeftButton);
        QCOMPARE(bench->session()->state(), TrainingSession::State::Running);
        QTest::mouseClick(panel->stopButton(), Qt::LeftButton);
        QVERIFY(bench->session()->waitForFinished());
        QCOMPARE(bench->session()->lastOutcome().end, TrainingOutcome::End::Stopped);
        QCOMPARE(bench->runs()->rowCount(), 2);
        QCOMPARE(panel->charts()->runCount(), 2);
        // The second run started from the first run's weights: its first loss is already low.
        const auto* loss = bench->runs()->run(1).history.find("loss");
        QVERIFY(loss && !loss->empty());
        QVERIFY((*loss)[0] < bench->runs()->run(0).history.find("loss")->front() + 0.2);

        // The project state keeps settings, data source and runs; reloading re-plots the runs.
        const Json state = bench->projectState();
        QMainWindow other;
        auto again = makeBench(other, 1, 10);
        again->loadProjectState(Json::parse(state.dump()));
        QCOMPARE(again->runs()->rowCount(), 2);
        QCOMPARE(again->trainingDock()->settings().epochs, 50);
        QCOMPARE(again->panel()->charts()->runCount(), 2);
    }

    /// The worker trains off the GUI thread: while it runs, the event loop keeps answering (zero-delay
    /// timers run between training steps, and progress arrives in between). Counted, not timed: the
    /// 50 ms latency target is measured by bench/event_loop_latency.cpp, because a timing in a unit
    /// test fails whenever the machine is loaded (it did in CI).
    void eventLoopKeepsAnsweringWhileTraining() {
        QMainWindow window;
        auto bench = makeBench(window, 2, 6000);
        QVERIFY(bench->startTraining());
        int answered = 0;
        std::set<int64_t> stepsSeen;
        while (bench->session()->isActive()) {
            QEventLoop loop;
            QTimer::singleShot(0, &loop, &QEventLoop::quit);
            loop.exec();
            if (bench->session()->isActive()) {
                ++answered;
                stepsSeen.insert(bench->session()->lastProgress().step);
            }
            QTest::qWait(2);
        }
        QCOMPARE(bench->session()->lastOutcome().end, TrainingOutcome::End::Finished);
        qInfo("%d round trips, %zu distinct steps seen", answered, stepsSeen.size());
        // Training on the GUI thread would answer once or never before the run ended; 376 steps
        // with progress every 50 ms give many distinct steps seen between round trips.
        QVERIFY2(answered > 20, qPrintable(QString("%1 round trips during training").arg(answered)));
        QVERIFY2(stepsSeen.size() > 5, qPrintable(QString("%1 distinct steps seen").arg(stepsSeen.size())));
    }

    void screenshotOfTheTrainingPanel() {
        QMainWindow window;
        auto bench = makeBench(window, 3, 6000);
        QVERIFY(bench->startTraining());
        QVERIFY(bench->session()->waitForFinished());
        QCOMPARE(bench->session()->lastOutcome().end, TrainingOutcome::End::Finished);
        QCoreApplication::processEvents();
        bench->panel()->charts()->refreshNow();
        QWidget* panel = bench->panel();
        panel->setParent(nullptr);  // grab it at a size of its own, as the README shows it
        panel->resize(1200, 720);
        panel->show();
        QCoreApplication::processEvents();
        bench->panel()->charts()->refreshNow();
        QCoreApplication::processEvents();
        const QString out = qEnvironmentVariable("STRATA_SCREENSHOT_DIR", STRATA_BINARY_DIR) + "/studio_training.png";
        QVERIFY(panel->grab().save(out));
        qInfo("screenshot: %s", qPrintable(out));
        QWidget* eval = bench->evaluationView();
        eval->setParent(nullptr);
        eval->resize(900, 640);
        eval->show();
        bench->evaluationView()->tabs()->setCurrentIndex(1);
        QCoreApplication::processEvents();
        QVERIFY(eval->grab().save(qEnvironmentVariable("STRATA_SCREENSHOT_DIR", STRATA_BINARY_DIR) + "/studio_predictions.png"));
        bench->evaluationView()->tabs()->setCurrentIndex(2);
        QCoreApplication::processEvents();
        QVERIFY(eval->grab().save(qEnvironmentVariable("STRATA_SCREENSHOT_DIR", STRATA_BINARY_DIR) + "/studio_confusion.png"));
        panel->setParent(&window);  // the window deletes them
        eval->setParent(&window);
    }
};

QTEST_MAIN(TestTrainingPanel)
#include "test_training_panel.moc"
