// The canvas while training: clicking a node selects it and shows that layer's weight and gradient
// histograms and norms (during and after training); dragging, wiring, Delete, double clicks and
// the Edit actions are refused with a message; the middle button still pans. After training the
// canvas edits again.
#include <QAction>
#include <QDockWidget>
#include <QLabel>
#include <QMenuBar>
#include <QScrollBar>
#include <QStatusBar>
#include <QtTest>

#include "app/studio/main_window.h"
#include "app/studio/training/canvas_guard.h"
#include "app/studio/training/data_dock.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/training_dock.h"
#include "app/studio/training/training_workbench.h"
#include "editor/document/graph_document.h"
#include "editor/scene/graph_scene.h"
#include "editor/scene/graph_view.h"
#include "editor/scene/node_item.h"
#include "plotting/histogram_widget.h"
#include "plotting/layer_norms_table.h"

using namespace strata;
using namespace strata::studio;

namespace {

QAction* editAction(MainWindow& w, const QString& text) {
    for (QAction* m : w.menuBar()->actions())
        if (m->text() == "&Edit")
            for (QAction* a : m->menu()->actions())
                if (a->text() == text) return a;
    return nullptr;
}

QPoint centerOf(MainWindow& w, const QString& id) {
    return w.view()->mapFromScene(w.scene()->nodeItem(id)->sceneBoundingRect().center());
}

void drag(QWidget* viewport, QPoint from, QPoint to, Qt::MouseButton button) {
    QTest::mousePress(viewport, button, {}, from);
    for (int i = 1; i <= 4; ++i) {
        const QPoint p = from + (to - from) * i / 4;
        QMouseEvent move(QEvent::MouseMove, p, viewport->mapToGlobal(p), Qt::NoButton, button, {});
        QApplication::sendEvent(viewport, &move);
    }
    QTest::mouseRelease(viewport, button, {}, to);
}

}  // namespace

class TestTrainingCanvas : public QObject {
    Q_OBJECT

private slots:
    void inspectButNotEditWhileTraining() {
        MainWindow window;
        window.setErrorReporter([](const QString& t, const QString& m) { qWarning("%s: %s", qPrintable(t), qPrintable(m)); });
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openFile(STRATA_SOURCE_DIR "/examples/models/09_fashion_mnist_mlp.json"));
        TrainingWorkbench* bench = window.trainer();
        DataSourceSpec spec;
        spec.maxTrain = 1000;
        spec.maxTest = 100;
        bench->dataDock()->setDataset(loadDataset(spec));
        TrainingSettings s = bench->trainingDock()->settings();
        s.epochs = 1000;  // stopped by the test
        s.batchSize = 50;
        bench->trainingDock()->setSettings(s);
        editor::GraphDocument* doc = window.document();
        const QString dense = doc->nodeOfLayer("dense"), head = doc->nodeOfLayer("dense_1");
        QVERIFY(!dense.isEmpty() && !head.isEmpty());
        QWidget* viewport = window.view()->viewport();

        QVERIFY(bench->startTraining());
        QVERIFY(window.canvasGuard()->active());
        // A node clicked before the first epoch ends is shown when its diagnostics arrive.
        QTest::mouseClick(viewport, Qt::LeftButton, {}, centerOf(window, head));
        QCOMPARE(window.scene()->selectedNodeIds(), QStringList{head});
        QTRY_VERIFY_WITH_TIMEOUT(bench->histograms()->layers().contains("dense_1"), 60000);
        QTRY_COMPARE(bench->shownLayer(), QString("dense_1"));
        QCOMPARE(bench->gradientHistograms()->layer(), QString("dense_1"));

        // Clicking another node shows its weight and gradient histograms and its norms, in front.
        QTest::mouseClick(viewport, Qt::LeftButton, {}, centerOf(window, dense));
        QCOMPARE(window.scene()->selectedNodeIds(), QStringList{dense});
        QCOMPARE(bench->shownLayer(), QString("dense"));
        QCOMPARE(bench->histograms()->layer(), QString("dense"));
        QCOMPARE(bench->histograms()->kind(), plotting::HistogramKind::Weights);
        QCOMPARE(bench->gradientHistograms()->layer(), QString("dense"));
        QCOMPARE(bench->gradientHistograms()->kind(), plotting::HistogramKind::Gradients);
        QVERIFY2(bench->layerSummary()->text().contains("gradient norm"), qPrintable(bench->layerSummary()->text()));
        QTRY_VERIFY(bench->normsTable()->isVisible());  // the Layer Health dock was raised
        const int row = bench->normsTable()->currentIndex().row();
        QCOMPARE(bench->normsTable()->model()->data(bench->normsTable()->model()->index(row, 0)).toString(), QString("dense"));

        // What the user sees (README material): the window with Layer Health on the clicked layer.
        QTRY_VERIFY_WITH_TIMEOUT(bench->histograms()->diagnostics().size() >= 2, 60000);
        QVERIFY(window.grab().save(qEnvironmentVariable("STRATA_SCREENSHOT_DIR", STRATA_BINARY_DIR) + "/studio_layer_health.png"));

        // Edits are refused with a message: dragging a node, starting a wire, Delete, double click.
        const int undoBefore = doc->undoStack()->count();
        const QPointF posBefore = doc->positions().value(dense);
        const int refused = window.canvasGuard()->refusals();
        drag(viewport, centerOf(window, dense), centerOf(window, dense) + QPoint(120, 60), Qt::LeftButton);
        QCOMPARE(doc->positions().value(dense), posBefore);
        QCOMPARE(window.scene()->nodeItem(dense)->pos(), posBefore);
        QCOMPARE(window.canvasGuard()->refusals(), refused + 1);
        QVERIFY(window.statusBar()->currentMessage().contains("read-only"));
        const QPoint port = window.view()->mapFromScene(window.scene()->outputPortPos(dense));
        drag(viewport, port, centerOf(window, head), Qt::LeftButton);
        QCOMPARE(window.canvasGuard()->refusals(), refused + 2);
        window.view()->setFocus();
        QTest::mouseClick(viewport, Qt::LeftButton, {}, centerOf(window, dense));
        QTest::keyClick(window.view(), Qt::Key_Delete);
        QTest::keyClick(window.view(), Qt::Key_V, Qt::ControlModifier);
        QCOMPARE(window.canvasGuard()->refusals(), refused + 4);
        QTest::mouseDClick(viewport, Qt::LeftButton, {}, centerOf(window, dense));
        QCOMPARE(window.canvasGuard()->refusals(), refused + 5);
        QVERIFY(doc->node(dense));
        QCOMPARE(doc->undoStack()->count(), undoBefore);
        // The Edit menu's edits are off; looking (Select All, Find) is not.
        QVERIFY(!editAction(window, "&Delete")->isEnabled());
        QVERIFY(!editAction(window, "Toggle Model &Output")->isEnabled());
        QVERIFY(!editAction(window, "Paste")->isEnabled());
        QVERIFY(editAction(window, "Find Layer")->isEnabled());
        QVERIFY(editAction(window, "Select &All")->isEnabled());

        // The middle button pans.
        window.view()->zoomBy(2.0);
        QScrollBar* h = window.view()->horizontalScrollBar();
        QScrollBar* v = window.view()->verticalScrollBar();
        const int h0 = h->value(), v0 = v->value();
        drag(viewport, QPoint(300, 200), QPoint(200, 120), Qt::MiddleButton);
        QCOMPARE(h->value(), h0 + 100);
        QCOMPARE(v->value(), v0 + 80);
        QVERIFY(bench->session()->isActive());

        bench->session()->stop();
        QVERIFY(bench->session()->waitForFinished());
        QVERIFY(!window.canvasGuard()->active());
        // After training a click still shows the layer, and the canvas edits again.
        QTest::mouseClick(viewport, Qt::LeftButton, {}, centerOf(window, head));
        QCOMPARE(bench->shownLayer(), QString("dense_1"));
        QVERIFY(editAction(window, "&Delete")->isEnabled());
        drag(viewport, centerOf(window, dense), centerOf(window, dense) + QPoint(80, 0), Qt::LeftButton);
        QVERIFY(doc->positions().value(dense) != posBefore);
        QCOMPARE(doc->undoStack()->count(), undoBefore + 1);
    }
};

QTEST_MAIN(TestTrainingCanvas)
#include "test_training_canvas.moc"
