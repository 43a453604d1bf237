// Nodes with more than one output tensor (a nested model with two outputs): "New Model from Here"
// on its second output takes only what depends on that tensor (no Input invented for the branch
// fed by the first output), and each output tensor can be marked as a model output on its own.
#include <QtTest/QtTest>

#include "editor/document/graph_document.h"
#include "editor/document/model_extraction.h"
#include "editor/document/model_nesting.h"
#include "engine/strata.h"

using namespace strata;
using namespace strata::editor;

class TestMultiOutputCuts : public QObject {
    Q_OBJECT

    /// Input(8) -> pair[Dense(4) a, Dense(6) b] -> x = Dense(2)(a), y = Dense(3)(b); outputs x, y.
    QString in, pair, x, y;
    void build(GraphDocument& doc) {
        in = doc.addLayer("InputLayer", {0, 0});
        doc.setParameter(in, "shape", Json::array({8}));
        QString a = doc.addLayer("Dense", {-100, 110}), b = doc.addLayer("Dense", {100, 110});
        x = doc.addLayer("Dense", {-100, 220});
        y = doc.addLayer("Dense", {100, 220});
        doc.setParameter(a, "units", 4);
        doc.setParameter(b, "units", 6);
        doc.setParameter(x, "units", 2);
        doc.setParameter(y, "units", 3);
        doc.connectPorts(in, 0, a, 0);
        doc.connectPorts(in, 0, b, 0);
        doc.connectPorts(a, 0, x, 0);
        doc.connectPorts(b, 0, y, 0);
        doc.setOutput(x, true);
        doc.setOutput(y, true);
        QString why;
        pair = groupIntoModel(doc, {a, b}, "pair", &why);
        QVERIFY2(!pair.isEmpty(), qPrintable(why));
        QVERIFY(doc.check().ok());
        QCOMPARE(doc.outputCount(pair), 2);
    }

private slots:
    void init() { clearSession(); }

    void cutAtTheSecondOutputTakesOnlyWhatDependsOnIt() {
        GraphDocument doc;
        build(doc);
        QString why;
        auto part = modelFromTensor(doc, pair, 1, &why);
        QVERIFY2(part, qPrintable(why));
        QVERIFY2(part->extraInputs.isEmpty(), qPrintable(part->extraInputs.join(", ")));
        QCOMPARE(int(part->spec.outputs.size()), 1);
        QCOMPARE(part->spec.outputs[0].node, y.toStdString());
        ModelPtr m = buildModel(part->spec);
        QCOMPARE(int(m->inputs().size()), 1);
        QCOMPARE(QString::fromStdString(m->inputs()[0].shape().toString()), QString("(None, 6)"));
        QCOMPARE(QString::fromStdString(m->outputs()[0].shape().toString()), QString("(None, 3)"));
        // The first output still cuts to x alone.
        auto first = modelFromTensor(doc, pair, 0, &why);
        QVERIFY(first);
        QCOMPARE(first->spec.outputs[0].node, x.toStdString());
        QVERIFY(first->extraInputs.isEmpty());
        // An output the node does not have is refused with a reason.
        QVERIFY(!modelFromTensor(doc, pair, 2, &why));
        QVERIFY(!why.isEmpty());
    }

    void eachOutputTensorCanBeAModelOutput() {
        GraphDocument doc;
        build(doc);
        doc.setOutput(pair, 1, true);
        QVERIFY(doc.isOutput(pair, 1));
        QVERIFY(!doc.isOutput(pair, 0));
        QVERIFY(doc.isOutput(pair));
        QCOMPARE(doc.spec().outputs.back().output, 1);
        ModelPtr m = buildModel(doc.spec());
        QCOMPARE(int(m->outputs().size()), 3);
        QCOMPARE(QString::fromStdString(m->outputs()[2].shape().toString()), QString("(None, 6)"));
        doc.undoStack()->undo();
        QVERIFY(!doc.isOutput(pair));
        // Marking the node marks every output tensor of it; unmarking removes them all.
        doc.setOutput(pair, true);
        QVERIFY(doc.isOutput(pair, 0) && doc.isOutput(pair, 1));
        QCOMPARE(int(buildModel(doc.spec())->outputs().size()), 4);
        doc.setOutput(pair, false);
        QVERIFY(!doc.isOutput(pair));
        // Output indices the node does not have are ignored.
        const int steps = doc.undoStack()->count();
        doc.setOutput(pair, 5, true);
        QCOMPARE(doc.undoStack()->count(), steps);
    }
};

QTEST_MAIN(TestMultiOutputCuts)
#include "test_multi_output_cuts.moc"
