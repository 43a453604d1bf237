// Per-layer costs of the summary dock: the engine's modelCost against hand counts (Dense 784→512 is
// 784·512 multiply-adds per sample; Conv2D is out_h·out_w·out_c·k_h·k_w·in_c), every call of a
// shared layer with its own shape, nested models, and the dock's table fed from a document.
#include <QTreeWidget>
#include <QtTest/QtTest>

#include "editor/document/graph_document.h"
#include "editor/widgets/model_cost_widget.h"
#include "editor/widgets/summary_widget.h"
#include "engine/graph/model_cost.h"
#include "engine/strata.h"

using namespace strata;
using namespace strata::editor;
namespace L = strata::layers;

namespace {
const LayerCost& layerNamed(const ModelCost& c, const std::string& name) {
    for (const auto& l : c.layers)
        if (l.name == name) return l;
    throw std::runtime_error("no layer " + name);
}
}  // namespace

class TestModelCost : public QObject {
    Q_OBJECT

private slots:
    void init() { clearSession(); }

    void denseMlpMatchesHandCount() {
        auto in = Input({784});
        auto h = L::Dense(512, {{"activation", "relu"}, {"name", "hidden"}})(in);
        auto out = L::Dense(10, {{"name", "logits"}})(h);
        ModelCost c = modelCost(*makeModel(in, out));
        QCOMPARE(layerNamed(c, "hidden").macs, int64_t(784 * 512));
        QCOMPARE(layerNamed(c, "logits").macs, int64_t(512 * 10));
        QCOMPARE(layerNamed(c, "hidden").params, int64_t(784 * 512 + 512));
        QCOMPARE(layerNamed(c, "hidden").weightBytes, int64_t(4 * (784 * 512 + 512)));
        QCOMPARE(c.macs, int64_t(784 * 512 + 512 * 10));
        QCOMPARE(c.params, int64_t(401920 + 5130));
        QVERIFY(c.macsComplete);
    }

    void convolutionsMatchHandCount() {
        auto in = Input({28, 28, 1});
        auto a = L::Conv2D(32, 3, {{"name", "c1"}})(in);                 // 26x26x32
        auto b = L::Conv2D(64, 3, {{"name", "c2"}})(a);                  // 24x24x64
        auto p = L::MaxPooling2D(2, {{"name", "pool"}})(b);  // 12x12x64
        auto s = L::Conv2D(16, 3, {{"strides", 2}, {"padding", "same"}, {"name", "c3"}})(p);  // 6x6x16
        ModelCost c = modelCost(*makeModel(in, s));
        QCOMPARE(layerNamed(c, "c1").macs, int64_t(26 * 26 * 32 * 3 * 3 * 1));
        QCOMPARE(layerNamed(c, "c2").macs, int64_t(24 * 24 * 64 * 3 * 3 * 32));
        QCOMPARE(layerNamed(c, "pool").macs, int64_t(0));
        QCOMPARE(layerNamed(c, "c3").macs, int64_t(6 * 6 * 16 * 3 * 3 * 64));
    }

    void otherConvolutionKinds() {
        auto in = Input({10, 10, 4});
        auto sep = L::SeparableConv2D(8, 3, {{"name", "sep"}})(in);  // 8x8: depthwise 3·3·4, pointwise 4·8
        auto dw = L::DepthwiseConv2D(3, {{"depth_multiplier", 2}, {"name", "dw"}})(in);  // 8x8x8
        auto in2 = Input({5, 5, 2});
        auto tr = L::Conv2DTranspose(6, 3, {{"name", "tr"}})(in2);  // every input pixel: 3·3·6·2
        ModelCost c = modelCost(*makeModel({in, in2}, {sep, dw, tr}));
        QCOMPARE(layerNamed(c, "sep").macs, int64_t(8 * 8 * (3 * 3 * 4 + 4 * 8)));
        QCOMPARE(layerNamed(c, "dw").macs, int64_t(8 * 8 * 8 * 3 * 3));
        QCOMPARE(layerNamed(c, "tr").macs, int64_t(5 * 5 * 3 * 3 * 6 * 2));
    }

    void recurrentAndNormalization() {
        auto in = Input({28, 28});
        auto x = L::LSTM(128, {{"name", "lstm"}})(in);
        auto y = L::BatchNormalization({{"name", "bn"}})(x);
        ModelCost c = modelCost(*makeModel(in, y));
        QCOMPARE(layerNamed(c, "lstm").macs, int64_t(28) * 4 * (28 * 128 + 128 * 128));
        QCOMPARE(layerNamed(c, "bn").macs, int64_t(128));
        // Non-trainable moving statistics are params but not trainable ones.
        QCOMPARE(layerNamed(c, "bn").params, int64_t(4 * 128));
        QCOMPARE(layerNamed(c, "bn").trainableParams, int64_t(2 * 128));
    }

    void unknownTimeStepsMakeTheCountUnknown() {
        auto in = Input({kNone, 8});
        auto x = L::LSTM(4, {{"name", "lstm"}})(in);
        ModelCost c = modelCost(*makeModel(in, x));
        QCOMPARE(layerNamed(c, "lstm").macs, kUnknownMacs);
        QVERIFY(!c.macsComplete);
    }

    void everyCallOfASharedLayerHasItsShape() {
        auto a = Input({4}, "a");
        auto b = Input({3, 4}, "b");
        auto shared = L::Dense(8, {{"name", "shared"}});
        auto ya = shared(a);
        auto yb = shared(b);
        ModelCost c = modelCost(*makeModel({a, b}, {ya, yb}));
        const LayerCost& l = layerNamed(c, "shared");
        QCOMPARE(l.calls.size(), size_t(2));
        QCOMPARE(l.calls[0].outputShapes[0], Shape({kNone, 8}));
        QCOMPARE(l.calls[1].outputShapes[0], Shape({kNone, 3, 8}));
        QCOMPARE(l.calls[0].macs, int64_t(4 * 8));
        QCOMPARE(l.calls[1].macs, int64_t(3 * 4 * 8));
        QCOMPARE(l.macs, int64_t(4 * 8 + 3 * 4 * 8));
        QCOMPARE(l.params, int64_t(4 * 8 + 8));  // one set of weights

        ModelCostWidget w;
        w.setModel(makeModel({a, b}, {ya, yb}));
        QTreeWidgetItem* row = w.rowOf("shared");
        QVERIFY(row);
        QCOMPARE(row->childCount(), 2);
        QCOMPARE(row->child(0)->text(ModelCostWidget::ShapeColumn), QString("(None, 8)"));
        QCOMPARE(row->child(1)->text(ModelCostWidget::ShapeColumn), QString("(None, 3, 8)"));
        QCOMPARE(row->child(1)->text(ModelCostWidget::MacsColumn), QString("96"));
        QCOMPARE(row->child(1)->text(ModelCostWidget::NameColumn), QString("call 2 ← b"));  // which tensor it took
        QCOMPARE(row->text(ModelCostWidget::ParamsColumn), QString("40"));
    }

    void nestedModelCountsOncePerCall() {
        auto ii = Input({10});
        auto inner = makeModel(ii, L::Dense(5, {{"name", "inner_dense"}})(ii), "block");
        auto a = Input({10}), b = Input({10});
        auto outer = makeModel({a, b}, {(*inner)(a), (*inner)(b)});
        ModelCost c = modelCost(*outer);
        const LayerCost& l = layerNamed(c, "block");
        QCOMPARE(l.calls.size(), size_t(2));
        QCOMPARE(l.macs, int64_t(2 * 10 * 5));
        QCOMPARE(l.params, int64_t(55));
        QCOMPARE(l.nested.size(), size_t(2));  // its InputLayer and Dense
        QCOMPARE(c.params, int64_t(55));
    }

    void dockFollowsTheDocument() {
        GraphDocument doc;
        SummaryWidget summary(&doc);
        ModelCostWidget costs;
        connect(&summary, &SummaryWidget::modelRebuilt, &costs, &ModelCostWidget::setModel);
        QString in = doc.addLayer("InputLayer", {0, 0});
        QVERIFY(doc.setParameter(in, "shape", Json::array({784})));
        QString d = doc.addLayer("Dense", {0, 100});
        QVERIFY(doc.setParameter(d, "units", 512));
        QVERIFY(doc.connectPorts(in, 0, d, 0));
        doc.setOutput(d, true);
        summary.refreshNow();
        QCOMPARE(costs.cost().macs, int64_t(784 * 512));
        QVERIFY2(costs.totalsText().contains("401,408 MACs"), qPrintable(costs.totalsText()));
        QVERIFY(costs.rowOf(qs(doc.node(d)->layerName)));
        QCOMPARE(costs.rowOf(qs(doc.node(d)->layerName))->text(ModelCostWidget::MacsColumn), QString("401,408"));
        // A wiring error: no model, no table.
        doc.undoStack()->undo();  // unmark the output
        summary.refreshNow();
        QCOMPARE(costs.tree()->topLevelItemCount(), 0);
        QVERIFY(costs.totalsText().contains("not a model"));
    }
};

QTEST_MAIN(TestModelCost)
#include "test_model_cost.moc"
