// Nodes on the canvas are tinted by their layer's gradient norm while training: a layer whose
// gradients vanish (here, ReLUs pushed dead by a bias of -100, and the layer under them) is purple,
// the layer that learns most is green; the tooltip and the legend say what the colour means; an
// edit of the graph clears the tints (they describe the model that was trained).
#include <QLabel>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/main_window.h"
#include "app/studio/training/data_dock.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/gradient_tint.h"
#include "app/studio/training/training_dock.h"
#include "app/studio/training/training_panel.h"
#include "app/studio/training/training_workbench.h"
#include "editor/document/graph_document.h"
#include "editor/scene/graph_scene.h"
#include "editor/scene/node_item.h"
#include "editor/widgets/summary_widget.h"
#include "engine/graph/input_layer.h"
#include "engine/graph/model_config.h"
#include "engine/layers/layer_factory.h"

using namespace strata;
using namespace strata::studio;

namespace {

plotting::LayerDiagnostics layer(const std::string& name, double gradNorm) {
    plotting::LayerDiagnostics d;
    d.layer = name;
    d.className = "Dense";
    d.gradNorm = gradNorm;
    d.gradFinite = std::isfinite(gradNorm);
    return d;
}

QString nodeIdOf(editor::GraphDocument* doc, const std::string& layerName) {
    for (const auto& n : doc->spec().nodes)
        if (n.layerName == layerName) return QString::fromStdString(n.id);
    return {};
}

}  // namespace

class TestGradientTint : public QObject {
    Q_OBJECT

private slots:
    void colourFollowsTheNormRelativeToTheLargest() {
        plotting::EpochDiagnostics d;
        d.epoch = 2;
        d.layers = {layer("big", 1.0), layer("weak", 1e-2), layer("gone", 1e-9), layer("nan", std::nan("")),
                    layer("encoder/a", 0.3), layer("encoder/b", 0.4)};
        const auto tints = gradientTints(d);
        QCOMPARE(int(tints.size()), 5);  // the nested model's two layers tint one node
        QCOMPARE(tints[0].layer, QString("big"));
        QCOMPARE(tints[0].color, tintLearning());
        QCOMPARE(tints[1].color, tintWeak());  // two decades below: the middle of the scale
        QCOMPARE(tints[2].color, tintNotLearning());
        QVERIFY(tints[2].note.contains("not learning"));
        QCOMPARE(tints[3].color, tintExploding());
        QCOMPARE(tints[4].layer, QString("encoder"));
        QVERIFY(std::fabs(tints[4].gradNorm - 0.5) < 1e-12);
        QVERIFY(std::fabs(tints[4].relative - 0.5) < 1e-12);
        QVERIFY(tints[4].note.contains("epoch 3"));
        QVERIFY(tints[4].note.contains("2 layers inside"));
        // Between the ends the colour moves with the norm.
        QVERIFY(tints[4].color != tints[0].color && tints[4].color != tints[1].color);
    }

    void trainingTintsTheCanvasByGradientNorm() {
        // Input → hidden (learns only through dead) → dead (ReLU under a -100 bias: no gradient)
        // → head (its bias still learns).
        clearSession();
        auto in = Input({784});
        auto h = makeLayer("Dense", {{"units", 16}, {"activation", "relu"}, {"name", "hidden"}})(in);
        auto d = makeLayer("Dense", {{"units", 16},
                                     {"activation", "relu"},
                                     {"name", "dead"},
                                     {"bias_initializer", {{"class_name", "Constant"}, {"config", {{"value", -100.0}}}}}})(h);
        auto out = makeLayer("Dense", {{"units", 10}, {"activation", "softmax"}, {"name", "head"}})(d);
        ModelPtr model = makeModel(in, out);
        QTemporaryDir dir;
        const QString file = dir.filePath("dead.json");
        saveModelConfigFile(*model, file.toStdString());

        MainWindow window;
        window.setErrorReporter([](const QString& t, const QString& m) { QFAIL(qPrintable(t + ": " + m)); });
        window.show();
        QVERIFY(window.openFile(file));
        TrainingWorkbench* bench = window.trainer();
        DataSourceSpec spec;
        spec.maxTrain = 600;
        spec.maxTest = 100;
        bench->dataDock()->setDataset(loadDataset(spec));
        TrainingSettings s = bench->trainingDock()->settings();
        s.epochs = 1;
        s.batchSize = 50;
        s.validationSplit = 0;
        bench->trainingDock()->setSettings(s);
        QSignalSpy tinted(bench, &TrainingWorkbench::gradientTintsChanged);

        editor::GraphScene* scene = window.scene();
        editor::NodeItem* hidden = scene->nodeItem(nodeIdOf(window.document(), "hidden"));
        editor::NodeItem* dead = scene->nodeItem(nodeIdOf(window.document(), "dead"));
        editor::NodeItem* head = scene->nodeItem(nodeIdOf(window.document(), "head"));
        editor::NodeItem* input = scene->nodeItem(window.document()->spec().inputs.empty()
                                                      ? nodeIdOf(window.document(), "input_layer")
                                                      : QString::fromStdString(window.document()->spec().inputs[0]));
        QVERIFY(hidden && dead && head && input);
        QVERIFY(!head->tint().isValid());

        QVERIFY(bench->startTraining());
        QVERIFY(bench->session()->waitForFinished());
        QCOMPARE(bench->session()->lastOutcome().end, TrainingOutcome::End::Finished);
        QCoreApplication::processEvents();
        QVERIFY(tinted.count() >= 2);  // cleared at the start, tinted after the epoch

        // The layer that learns is green, the two that do not are purple; layers without
        // weights are not tinted.
        QCOMPARE(head->tint(), tintLearning());
        QCOMPARE(dead->tint(), tintNotLearning());
        QCOMPARE(hidden->tint(), tintNotLearning());
        QVERIFY(!input->tint().isValid());
        QVERIFY(head->toolTip().contains("Gradient norm after epoch 1"));
        QVERIFY(dead->toolTip().contains("not learning"));
        QVERIFY(!bench->panel()->tintLegend()->isHidden());
        QVERIFY(bench->panel()->tintLegend()->text().contains("gradient norm"));
        window.resize(1300, 800);
        window.fitView();
        window.summary()->refreshNow();
        QCoreApplication::processEvents();
        QVERIFY(window.grab().save(qEnvironmentVariable("STRATA_SCREENSHOT_DIR", STRATA_BINARY_DIR) + "/studio_gradient_tint.png"));
        // The tints carry the norms of the Layer Health table.
        const auto& tints = bench->gradientTints();
        QCOMPARE(int(tints.size()), 3);
        QVERIFY(tints[2].gradNorm > 0);
        QVERIFY(tints[1].gradNorm < 1e-7);

        // Kept after training; the menu toggles them; an edit of the graph clears them.
        bench->setTintEnabled(false);
        QVERIFY(!head->tint().isValid());
        QVERIFY(bench->panel()->tintLegend()->isHidden());
        bench->setTintEnabled(true);
        QCOMPARE(head->tint(), tintLearning());
        window.document()->setOutput(nodeIdOf(window.document(), "dead"), true);
        QVERIFY(!head->tint().isValid());
        QVERIFY(!dead->toolTip().contains("Gradient norm"));
        QVERIFY(bench->gradientTints().empty());
        QVERIFY(bench->panel()->tintLegend()->isHidden());
        bench->setTintEnabled(false);
        bench->setTintEnabled(true);  // stale tints do not come back
        QVERIFY(!head->tint().isValid());
    }
};

QTEST_MAIN(TestGradientTint)
#include "test_gradient_tint.moc"
