// Runs: ticking a run in the Runs list overlays its curves on the charts (unticking hides them);
// the ticks are kept in the project; all runs' histories export to one CSV.
#include <QFile>
#include <QMainWindow>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/training/data_dock.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/training_dock.h"
#include "app/studio/training/training_panel.h"
#include "app/studio/training/training_workbench.h"
#include "engine/graph/model_config.h"
#include "engine/io/model_io.h"
#include "plotting/training_charts_widget.h"

using namespace strata;
using namespace strata::studio;

namespace {

QStringList lineLabels(TrainingWorkbench& bench, const char* tag) {
    bench.panel()->charts()->refreshNow();
    QStringList labels;
    if (auto* chart = bench.panel()->charts()->chart(tag))
        for (const auto& l : chart->lines()) labels << l.label;
    return labels;
}

/// Toggles a run's box in the Runs table with the keyboard, as a user does (Space on the cell).
void toggleRun(TrainingWorkbench& bench, int row) {
    QTableView* view = bench.runsView();
    view->setFocus();
    view->setCurrentIndex(bench.runs()->index(row, TrainingRunsModel::Name));
    QTest::keyClick(view, Qt::Key_Space);
}

}  // namespace

class TestTrainingRuns : public QObject {
    Q_OBJECT

    std::string config_;
    Dataset data_;

    std::unique_ptr<TrainingWorkbench> makeBench(QMainWindow& window) {
        auto bench = std::make_unique<TrainingWorkbench>([this] { return modelFromJsonString(config_); });
        bench->install(&window);
        bench->documentReset();
        bench->dataDock()->setDataset(data_);
        TrainingSettings s = bench->trainingDock()->settings();
        s.epochs = 2;
        s.batchSize = 50;
        bench->trainingDock()->setSettings(s);
        window.resize(1200, 800);
        window.show();
        return bench;
    }

private slots:
    void initTestCase() {
        config_ = readTextFile(STRATA_SOURCE_DIR "/examples/models/09_fashion_mnist_mlp.json");
        DataSourceSpec spec;
        spec.maxTrain = 300;
        spec.maxTest = 50;
        data_ = loadDataset(spec);
    }

    void tickedRunsAreOverlaidAndExported() {
        QMainWindow window;
        auto bench = makeBench(window);
        for (int i = 0; i < 2; ++i) {
            if (i == 1) {  // a second run with another learning rate, to compare
                TrainingSettings s = bench->trainingDock()->settings();
                s.learningRate = 0.01;
                s.epochs = 3;
                bench->trainingDock()->setSettings(s);
            }
            QVERIFY(bench->startTraining());
            QVERIFY(bench->session()->waitForFinished());
        }
        QCOMPARE(bench->runs()->rowCount(), 2);
        QCOMPARE(bench->panel()->charts()->runCount(), 2);

        // Both ticked: both runs' curves on the loss chart.
        QCOMPARE(bench->runs()->data(bench->runs()->index(0, 0), Qt::CheckStateRole).toInt(), int(Qt::Checked));
        QVERIFY(bench->runs()->flags(bench->runs()->index(0, 0)) & Qt::ItemIsUserCheckable);
        QStringList labels = lineLabels(*bench, "loss");
        QVERIFY2(labels.contains("run 1 · validation") && labels.contains("run 2 · validation"), qPrintable(labels.join("; ")));

        // Unticking run 1 leaves run 2 alone on every chart.
        toggleRun(*bench, 0);
        QVERIFY(!bench->runs()->run(0).shown);
        QVERIFY(!bench->panel()->charts()->runVisible(0));
        labels = lineLabels(*bench, "loss");
        QVERIFY2(!labels.isEmpty() && std::none_of(labels.begin(), labels.end(), [](const QString& l) { return l.startsWith("run 1"); }),
                 qPrintable(labels.join("; ")));
        for (const auto& l : bench->panel()->charts()->chart("accuracy")->lines()) QCOMPARE(l.run, &bench->panel()->charts()->run(1));
        // What the user sees: the Runs list with run 1 unticked, and the charts with run 2 alone.
        const QString shots = qEnvironmentVariable("STRATA_SCREENSHOT_DIR", STRATA_BINARY_DIR);
        QWidget* runsBox = bench->runsView()->parentWidget();
        QVERIFY(runsBox->grab().save(shots + "/studio_runs_list.png"));
        bench->panel()->charts()->refreshNow();
        QVERIFY(bench->panel()->charts()->grab().save(shots + "/studio_runs_charts.png"));
        // Unticking both leaves the charts empty; ticking run 1 brings it back.
        toggleRun(*bench, 1);
        QVERIFY(lineLabels(*bench, "loss").isEmpty());
        toggleRun(*bench, 0);
        labels = lineLabels(*bench, "loss");
        QVERIFY(!labels.isEmpty());
        for (const auto& l : bench->panel()->charts()->chart("loss")->lines()) QCOMPARE(l.run, &bench->panel()->charts()->run(0));

        // The ticks are kept in the project: reopened, run 2 is still hidden.
        QMainWindow other;
        auto again = makeBench(other);
        again->loadProjectState(Json::parse(bench->projectState().dump()));
        QCOMPARE(again->panel()->charts()->runCount(), 2);
        QVERIFY(again->panel()->charts()->runVisible(0));
        QVERIFY(!again->panel()->charts()->runVisible(1));
        QVERIFY(again->runs()->run(0).shown && !again->runs()->run(1).shown);

        // One CSV with every run's history (hidden runs too): 2 + 3 epoch rows under one header.
        QTemporaryDir dir;
        QString error;
        const QString csv = dir.filePath("histories.csv");
        QVERIFY2(bench->exportHistories(csv, &error), qPrintable(error));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList rows = QString::fromUtf8(f.readAll()).trimmed().split('\n');
        QCOMPARE(rows.size(), 1 + 2 + 3);
        QVERIFY2(rows[0].startsWith("run,epoch,") && rows[0].contains("val_loss") && rows[0].contains("accuracy"), qPrintable(rows[0]));
        QVERIFY(rows[1].startsWith("run 1,0,"));
        QVERIFY(rows[2].startsWith("run 1,1,"));
        QVERIFY(rows[3].startsWith("run 2,0,"));
        QVERIFY(rows[5].startsWith("run 2,2,"));
        const int lossCol = rows[0].split(',').indexOf("loss");
        QVERIFY(std::fabs(rows[4].split(',')[lossCol].toDouble() - bench->runs()->run(1).history.find("loss")->at(1)) < 1e-9);
    }
};

QTEST_MAIN(TestTrainingRuns)
#include "test_training_runs.moc"
