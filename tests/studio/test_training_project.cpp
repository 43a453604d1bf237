// The trainer inside the Studio window: open the Fashion-MNIST MLP example, train from the
// Training menu's workbench, save the project, reopen it in a fresh window: settings, runs and the
// trained weights come back (equal predictions); the graph is read-only while training.
#include <QMenuBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

#include "app/studio/main_window.h"
#include "app/studio/training/canvas_guard.h"
#include "app/studio/training/data_dock.h"
#include "app/studio/training/training_dock.h"
#include "app/studio/training/training_panel.h"
#include "app/studio/training/training_project.h"
#include "app/studio/training/training_workbench.h"
#include "editor/document/graph_document.h"
#include "editor/scene/graph_view.h"
#include "editor/widgets/palette_widget.h"
#include "plotting/training_charts_widget.h"

using namespace strata;
using namespace strata::studio;

class TestTrainingProject : public QObject {
    Q_OBJECT
private slots:
    void trainSaveReopen() {
        QStringList errors;
        MainWindow window;
        window.setErrorReporter([&](const QString& t, const QString& m) { errors << t + ": " + m; });
        window.show();
        QVERIFY(window.openFile(STRATA_SOURCE_DIR "/examples/models/09_fashion_mnist_mlp.json"));
        TrainingWorkbench* bench = window.trainer();
        QVERIFY(bench);
        bool hasMenu = false;
        for (QAction* a : window.menuBar()->actions()) hasMenu |= a->text() == "&Training";
        QVERIFY(hasMenu);
        DataSourceSpec spec;
        spec.maxTrain = 2000;
        spec.maxTest = 200;
        bench->dataDock()->setSpec(spec);
        TrainingSettings s = bench->trainingDock()->settings();
        s.epochs = 1;
        s.learningRate = 0.002;
        bench->trainingDock()->setSettings(s);

        QVERIFY(bench->startTraining());
        QVERIFY(window.canvasGuard()->active());  // edits refused while training
        QVERIFY(!window.palette()->isEnabled());
        QVERIFY(bench->session()->waitForFinished());
        QVERIFY2(bench->session()->lastOutcome().end == TrainingOutcome::End::Finished,
                 qPrintable(bench->session()->lastOutcome().message));
        QVERIFY(!window.canvasGuard()->active());
        QVERIFY(bench->hasTrainedWeights());
        QVERIFY(window.weightsSource());  // Save/Export carry the trained weights
        QVERIFY(allClose(window.weightsSource()->getLayer("dense")->getWeights()[0],
                         bench->trainedModel().build()->getLayer("dense")->getWeights()[0], 0, 0));

        // After an edit the next run keeps the weights of the layers that did not change.
        const QString dropout = window.document()->nodeOfLayer("dropout");
        QVERIFY(!dropout.isEmpty());
        QVERIFY(window.document()->setParameter(dropout, "rate", Json(0.3)));
        QString why;
        auto edited = bench->makeJob(&why);
        QVERIFY2(edited.has_value(), qPrintable(why));
        QVERIFY(edited->model.configJson != bench->trainedModel().configJson);
        QVERIFY(allClose(edited->model.build()->getLayer("dense_1")->getWeights()[0],
                         bench->trainedModel().build()->getLayer("dense_1")->getWeights()[0], 0, 0));
        window.document()->undoStack()->undo();

        QTemporaryDir dir;
        const QString project = dir.filePath("mlp.keras");
        QVERIFY(window.saveTo(project));
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join("\n")));
        const auto state = loadTrainingFromProject(project);
        QVERIFY(state.has_value());
        QCOMPARE((*state)["runs"].size(), size_t(1));

        MainWindow reopened;
        reopened.setErrorReporter([&](const QString& t, const QString& m) { errors << t + ": " + m; });
        QVERIFY(reopened.openFile(project));
        TrainingWorkbench* again = reopened.trainer();
        QCOMPARE(again->runs()->rowCount(), 1);
        QCOMPARE(again->trainingDock()->settings().learningRate, 0.002);
        QCOMPARE(again->dataDock()->spec().maxTrain, int64_t(2000));
        QCOMPARE(again->panel()->charts()->runCount(), 1);  // the history is re-plotted
        QVERIFY(again->hasTrainedWeights());
        Tensor x({16, 784}, 0.5f);
        QVERIFY(allClose(again->trainedModel().build()->predict(x), bench->trainedModel().build()->predict(x), 0, 0));
        // Opening another document while training stops the run first, then starts clean.
        QVERIFY(again->startTraining());
        QVERIFY(reopened.openFile(STRATA_SOURCE_DIR "/examples/models/10_fashion_mnist_cnn.json"));
        QVERIFY(!again->session()->isActive());
        QCOMPARE(again->runs()->rowCount(), 0);
        // A new document starts without runs.
        reopened.newDocument();
        QCOMPARE(again->runs()->rowCount(), 0);
        QVERIFY(!again->hasTrainedWeights());
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join("\n")));
    }
};

QTEST_MAIN(TestTrainingProject)
#include "test_training_project.moc"
