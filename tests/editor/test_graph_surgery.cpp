// Replacing a layer and cutting a model, as the Keras guides do by hand: "Replace layer…" keeps the
// node's wires, position and outputs and the settings both types share, in one undo step, and the
// canvas shows the new type; "New model from here" makes the part from a tensor to the outputs a
// model of its own whose Input has that tensor's shape.
#include <QtTest/QtTest>

#include "editor/document/graph_document.h"
#include "editor/document/model_extraction.h"
#include "editor/scene/graph_scene.h"
#include "editor/scene/node_item.h"

using namespace strata;
using namespace strata::editor;

namespace {
QString problemText(const GraphDocument& doc) {
    QStringList out;
    for (const auto& p : doc.check().problems) out << qs(p.message);
    return out.join(" | ");
}
}  // namespace

class TestGraphSurgery : public QObject {
    Q_OBJECT

    /// Input(28, 28, 3) -> Conv2D(8, 3, relu) -> Flatten -> Dense(10), output.
    struct Net {
        QString in, conv, flat, dense;
    };
    Net net(GraphDocument& doc) {
        Net n;
        n.in = doc.addLayer("InputLayer", {0, 0});
        n.conv = doc.addLayer("Conv2D", {0, 110});
        n.flat = doc.addLayer("Flatten", {0, 220});
        n.dense = doc.addLayer("Dense", {0, 330});
        doc.setParameter(n.in, "shape", Json::array({28, 28, 3}));
        doc.setParameter(n.conv, "filters", 8);
        doc.setParameter(n.conv, "kernel_size", Json::array({3, 3}));
        doc.setParameter(n.conv, "activation", "relu");
        doc.setParameter(n.dense, "units", 10);
        doc.connectPorts(n.in, 0, n.conv, 0);
        doc.connectPorts(n.conv, 0, n.flat, 0);
        doc.connectPorts(n.flat, 0, n.dense, 0);
        doc.setOutput(n.dense, true);
        return n;
    }

private slots:
    void replaceKeepsWiresPositionAndSharedSettings() {
        GraphDocument doc;
        GraphScene scene(&doc);
        Net n = net(doc);
        QVERIFY2(doc.check().ok(), qPrintable(problemText(doc)));
        const int steps = doc.undoStack()->count();
        const QPointF pos = doc.position(n.conv);

        QVERIFY(doc.replacementClasses(n.conv).contains("SeparableConv2D"));
        QVERIFY(!doc.replacementClasses(n.conv).contains("InputLayer"));
        QString why;
        QVERIFY2(doc.replaceLayer(n.conv, "SeparableConv2D", &why), qPrintable(why));
        QCOMPARE(doc.undoStack()->count(), steps + 1);
        const GraphNode* r = doc.node(n.conv);
        QCOMPARE(qs(r->className), QString("SeparableConv2D"));
        QCOMPARE(qs(r->layerName), QString("separable_conv2d"));  // a generated name follows the type
        QCOMPARE(r->config["filters"].get<int>(), 8);
        QCOMPARE(r->config["kernel_size"], Json::array({3, 3}));
        QCOMPARE(r->config["activation"].get<std::string>(), std::string("relu"));
        QCOMPARE(doc.position(n.conv), pos);
        QCOMPARE(doc.node(n.flat)->inbound.at(0).node, n.conv.toStdString());
        QCOMPARE(doc.node(n.conv)->inbound.at(0).node, n.in.toStdString());
        QVERIFY2(doc.check().ok(), qPrintable(problemText(doc)));  // re-validated: (26, 26, 8) still
        QCOMPARE(doc.check().node(n.conv.toStdString())->outputShapes.at(0), Shape({kNone, 26, 26, 8}));
        QVERIFY(scene.nodeItem(n.conv)->settingsText().startsWith("SeparableConv2D"));

        doc.undoStack()->undo();
        QCOMPARE(qs(doc.node(n.conv)->className), QString("Conv2D"));
        QCOMPARE(qs(doc.node(n.conv)->layerName), QString("conv2d"));
        QVERIFY(scene.nodeItem(n.conv)->settingsText().startsWith("Conv2D"));
        QVERIFY(doc.check().ok());
    }

    void replaceKeepsAChosenNameAndRevalidates() {
        GraphDocument doc;
        Net n = net(doc);
        QVERIFY(doc.renameLayer(n.dense, "classifier"));
        // Dense -> Activation: units is not an Activation setting; the node stays wired.
        QString why;
        QVERIFY2(doc.replaceLayer(n.dense, "Activation", &why), qPrintable(why));
        QCOMPARE(qs(doc.node(n.dense)->layerName), QString("classifier"));
        QVERIFY(!doc.node(n.dense)->config.contains("units"));
        QVERIFY(doc.isOutput(n.dense));
        QVERIFY(doc.check().ok());
        // Flatten -> Dense on a 4-D tensor: valid too (Dense works on the last axis); Conv2D ->
        // Dense(1) gives (None, 26, 26, 1) so the model still checks.
        QVERIFY(doc.replaceLayer(n.conv, "Dense", &why));
        QCOMPARE(doc.node(n.conv)->config["activation"].get<std::string>(), std::string("relu"));
        QVERIFY(doc.check().ok());
    }

    void replaceRefusesInputsAndUnknownTypes() {
        GraphDocument doc;
        Net n = net(doc);
        const int steps = doc.undoStack()->count();
        QString why;
        QVERIFY(!doc.replaceLayer(n.in, "Dense", &why));
        QVERIFY(why.contains("Input"));
        QVERIFY(!doc.replaceLayer(n.conv, "InputLayer", &why));
        QVERIFY(!doc.replaceLayer(n.conv, "NoSuchLayer", &why));
        QVERIFY(why.contains("NoSuchLayer"));
        QCOMPARE(doc.undoStack()->count(), steps);
    }

    void replaceUnwiresInputsBeyondTheNewArity() {
        GraphDocument doc;
        QString a = doc.addLayer("InputLayer", {0, 0});
        QString b = doc.addLayer("InputLayer", {200, 0});
        doc.setParameter(a, "shape", Json::array({4}));
        doc.setParameter(b, "shape", Json::array({4}));
        QString add = doc.addLayer("Add", {100, 110});
        doc.connectPorts(a, 0, add, 0);
        doc.connectPorts(b, 0, add, 1);
        doc.setOutput(add, true);
        QVERIFY(doc.check().ok());
        QVERIFY(doc.replaceLayer(add, "Concatenate"));
        QCOMPARE(int(doc.node(add)->inbound.size()), 2);  // merge to merge: both wires stay
        QVERIFY(doc.replaceLayer(add, "Dense"));
        QCOMPARE(int(doc.node(add)->inbound.size()), 1);
        QVERIFY(doc.check().ok());
        doc.undoStack()->undo();
        QCOMPARE(int(doc.node(add)->inbound.size()), 2);
    }

    void everyCallOfASharedLayerIsReplaced() {
        GraphDocument doc;
        Net n = net(doc);
        QString again = doc.callAgain(n.dense);
        QVERIFY(doc.replaceLayer(n.dense, "Activation"));
        QCOMPARE(qs(doc.node(again)->className), QString("Activation"));
        QCOMPARE(doc.node(again)->layerName, doc.node(n.dense)->layerName);
        QCOMPARE(doc.callCount(again), 2);
    }

    void newModelFromATensorToTheOutputs() {
        GraphDocument doc;
        Net n = net(doc);
        QString why;
        auto part = modelFromTensor(doc, n.conv, 0, &why);
        QVERIFY2(part, qPrintable(why));
        // Input(26, 26, 8) -> flatten -> dense; the conv and the old Input are left behind.
        QCOMPARE(int(part->spec.nodes.size()), 3);
        QVERIFY(part->extraInputs.isEmpty());
        const GraphNode& in = part->spec.nodes.front();
        QVERIFY(in.isInput());
        QCOMPARE(in.config["shape"], Json::array({26, 26, 8}));
        QVERIFY(!part->spec.find(n.conv.toStdString()));
        QVERIFY(!part->spec.find(n.in.toStdString()));
        QCOMPARE(part->spec.find(n.flat.toStdString())->inbound.at(0).node, in.id);
        QCOMPARE(part->spec.outputs.size(), size_t(1));
        QCOMPARE(part->spec.outputs[0].node, n.dense.toStdString());
        QCOMPARE(part->positions.value(n.dense), doc.position(n.dense));
        GraphCheck check = validateGraph(part->spec);
        QVERIFY(check.ok());
        ModelPtr m = buildModel(part->spec);
        QCOMPARE(m->countParams(), int64_t(26 * 26 * 8 * 10 + 10));
        // The document itself is untouched.
        QCOMPARE(int(doc.spec().nodes.size()), 4);

        // In a document of its own it validates and edits like any other.
        GraphDocument other;
        other.reset(part->spec, part->positions);
        QVERIFY2(other.check().ok(), qPrintable(problemText(other)));
    }

    void aBranchJoiningFromOutsideGetsItsOwnInput() {
        GraphDocument doc;
        QString a = doc.addLayer("InputLayer", {0, 0});
        QString b = doc.addLayer("InputLayer", {300, 0});
        doc.setParameter(a, "shape", Json::array({8}));
        doc.setParameter(b, "shape", Json::array({3}));
        QString d = doc.addLayer("Dense", {0, 110});
        doc.setParameter(d, "units", 5);
        doc.connectPorts(a, 0, d, 0);
        QString cat = doc.addLayer("Concatenate", {100, 220});
        doc.connectPorts(d, 0, cat, 0);
        doc.connectPorts(b, 0, cat, 1);
        doc.setOutput(cat, true);
        QVERIFY(doc.check().ok());
        auto part = modelFromTensor(doc, d);
        QVERIFY(part);
        QCOMPARE(part->extraInputs.size(), 1);
        QCOMPARE(int(modelInputIds(part->spec).size()), 2);
        // The cut tensor is input 0.
        QCOMPARE(part->spec.find(modelInputIds(part->spec)[0])->config["shape"], Json::array({5}));
        QVERIFY(validateGraph(part->spec).ok());
    }

    void aWireToANodeThatIsGoneIsReportedNotFollowed() {
        // A damaged file: the Concatenate's second wire names a node that does not exist.
        GraphSpec spec;
        spec.nodes.push_back({"in", "InputLayer", "in", {{"shape", Json::array({4})}}, {}});
        spec.nodes.push_back({"d", "Dense", "d", {{"units", 3}}, {{"in", 0}}});
        spec.nodes.push_back({"cat", "Concatenate", "cat", Json::object(), {{"d", 0}, {"ghost", 0}}});
        spec.outputs = {{"cat", 0}};
        GraphDocument doc;
        doc.reset(spec, {});
        QString why;
        QVERIFY(!modelFromTensor(doc, "d", 0, &why));
        QVERIFY2(why.contains("ghost"), qPrintable(why));
    }

    void refusedWithoutAnOutputAfterIt() {
        GraphDocument doc;
        Net n = net(doc);
        QString why;
        QVERIFY(!modelFromTensor(doc, n.dense, 0, &why));
        QVERIFY(why.contains("output"));
        QVERIFY(!modelFromTensor(doc, "nope", 0, &why));
        // Unknown shape (unwired input above): refused, not a crash.
        doc.disconnectPort(n.conv, 0);
        QVERIFY(!modelFromTensor(doc, n.conv, 0, &why));
        QVERIFY(why.contains("not known"));
    }
};

QTEST_MAIN(TestGraphSurgery)
#include "test_graph_surgery.moc"
