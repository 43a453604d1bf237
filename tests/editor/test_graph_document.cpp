// GraphDocument without any graphics: every edit is one undo step that undoes exactly, wires that
// would loop are refused, shared layers (call again / make independent) keep one config, names are
// checked, removing a node restores its wires on undo, moves merge, and validation follows edits.
#include <QSignalSpy>
#include <QtTest/QtTest>

#include "editor/document/graph_commands.h"
#include "editor/document/graph_document.h"
#include "editor/document/model_nesting.h"

using namespace strata;
using namespace strata::editor;

static QString problemText(const GraphDocument& doc) {
    QStringList out;
    for (const auto& p : doc.check().problems) out << qs(p.message);
    return out.join(" | ");
}

class TestGraphDocument : public QObject {
    Q_OBJECT

    /// Input 8 -> Dense 4: the smallest valid model.
    struct Small {
        QString in, dense;
    };
    Small small(GraphDocument& doc) {
        Small s;
        s.in = doc.addLayer("InputLayer", {0, 0});
        s.dense = doc.addLayer("Dense", {0, 100});
        doc.setParameter(s.in, "shape", Json::array({8}));
        doc.setParameter(s.dense, "units", 4);
        doc.connectPorts(s.in, 0, s.dense, 0);
        doc.setOutput(s.dense, true);
        return s;
    }

private slots:
    void addNodesWithFreshNamesAndDefaults() {
        GraphDocument doc;
        QString a = doc.addLayer("Dense", {10, 20});
        QString b = doc.addLayer("Dense", {10, 120});
        QVERIFY(!a.isEmpty() && a != b);
        QCOMPARE(qs(doc.node(a)->layerName), QString("dense"));
        QCOMPARE(qs(doc.node(b)->layerName), QString("dense_1"));
        QVERIFY(doc.node(a)->config.contains("activation"));  // defaults filled by the registry
        QCOMPARE(doc.position(a), QPointF(10, 20));
        QString why;
        QVERIFY(doc.addLayer("NoSuchLayer", {}, &why).isEmpty());
        QVERIFY(why.contains("NoSuchLayer"));
        QCOMPARE(doc.undoStack()->count(), 2);
    }

    void smallModelValidatesAndUndoesStepByStep() {
        GraphDocument doc;
        QSignalSpy validated(&doc, &GraphDocument::validated);
        Small s = small(doc);
        QVERIFY2(doc.check().ok(), qPrintable(problemText(doc)));
        QCOMPARE(doc.check().node(s.dense.toStdString())->outputShapes.at(0).toString(), std::string("(None, 4)"));
        QVERIFY(validated.count() >= 6);
        // Undo the output mark: "no output" comes back.
        doc.undoStack()->undo();
        QVERIFY(problemText(doc).contains("no output"));
        doc.undoStack()->undo();  // the wire
        QVERIFY(problemText(doc).contains("input 0 is not connected"));
        doc.undoStack()->redo();
        doc.undoStack()->redo();
        QVERIFY(doc.check().ok());
        // All the way back and forward again.
        while (doc.undoStack()->canUndo()) doc.undoStack()->undo();
        QVERIFY(doc.spec().nodes.empty());
        while (doc.undoStack()->canRedo()) doc.undoStack()->redo();
        QVERIFY(doc.check().ok());
        QCOMPARE(int(doc.spec().nodes.size()), 2);
    }

    void cyclesAndBadPortsAreRefused() {
        GraphDocument doc;
        Small s = small(doc);
        QString d2 = doc.addLayer("Dense", {0, 200});
        QVERIFY(doc.connectPorts(s.dense, 0, d2, 0));
        int steps = doc.undoStack()->count();
        QString why;
        QVERIFY(!doc.connectPorts(d2, 0, s.dense, 0, &why));
        QVERIFY2(why.contains("cycle"), qPrintable(why));
        QVERIFY(!doc.connectPorts(d2, 0, d2, 0, &why));
        QVERIFY(!doc.connectPorts(s.dense, 0, d2, 3, &why));  // Dense has one input
        QCOMPARE(doc.undoStack()->count(), steps);
        QVERIFY(doc.wouldCreateCycle(d2, s.in));
        QVERIFY(!doc.wouldCreateCycle(s.in, d2));
    }

    void mergeLayersGrowAndCloseGaps() {
        GraphDocument doc;
        Small s = small(doc);
        QString cat = doc.addLayer("Concatenate", {0, 300});
        QCOMPARE(doc.inputPortCount(cat), 2);
        QVERIFY(doc.connectPorts(s.dense, 0, cat, 0));
        QVERIFY(doc.connectPorts(s.in, 0, cat, 1));
        QCOMPARE(doc.inputPortCount(cat), 3);  // one free port to add more
        QVERIFY(doc.connectPorts(s.dense, 0, cat, 2));
        QVERIFY(doc.disconnectPort(cat, 0));
        QCOMPARE(int(doc.node(cat)->inbound.size()), 2);
        QCOMPARE(doc.node(cat)->inbound[0].node, s.in.toStdString());
    }

    void removingANodeRestoresWiresOnUndo() {
        GraphDocument doc;
        Small s = small(doc);
        QString d2 = doc.addLayer("Dense", {0, 200});
        doc.connectPorts(s.dense, 0, d2, 0);
        Json before = graphSpecToJson(doc.spec());
        doc.removeNodes({s.dense});
        QVERIFY(!doc.node(s.dense));
        QVERIFY(doc.node(d2)->inbound.empty());
        QVERIFY(doc.spec().outputs.empty());
        doc.undoStack()->undo();
        QCOMPARE(graphSpecToJson(doc.spec()), before);
        QCOMPARE(doc.position(s.dense), QPointF(0, 100));
        // Removing an Input takes it out of the model inputs too.
        doc.removeNodes({s.in});
        QVERIFY(doc.spec().inputs.empty());
        doc.undoStack()->undo();
        QCOMPARE(graphSpecToJson(doc.spec()), before);
    }

    void parametersAreCheckedBeforeTheyApply() {
        GraphDocument doc;
        Small s = small(doc);
        int steps = doc.undoStack()->count();
        QString why;
        QVERIFY(!doc.setParameter(s.dense, "units", -5, &why));
        QVERIFY2(why.contains("units"), qPrintable(why));
        QVERIFY(!doc.setParameter(s.dense, "activation", "nonsense", &why));
        QCOMPARE(doc.undoStack()->count(), steps);
        QVERIFY(doc.setParameter(s.dense, "units", 6));
        QVERIFY(doc.setParameter(s.dense, "units", 7));  // merges with the previous step
        QCOMPARE(doc.undoStack()->count(), steps + 1);
        QCOMPARE(doc.check().node(s.dense.toStdString())->outputShapes.at(0).toString(), std::string("(None, 7)"));
        doc.undoStack()->undo();
        QCOMPARE(doc.node(s.dense)->config["units"].get<int>(), 4);
    }

    void freezingAndInputDTypes() {
        GraphDocument doc;
        Small s = small(doc);
        QCOMPARE(buildModel(doc.spec())->trainableWeights().size(), size_t(2));
        QVERIFY(doc.setParameter(s.dense, "trainable", false));
        ModelPtr m = buildModel(doc.spec());
        QCOMPARE(m->trainableWeights().size(), size_t(0));
        QCOMPARE(m->countParams(), int64_t(8 * 4 + 4));  // frozen, still counted
        QVERIFY(doc.setParameter(s.in, "dtype", "int32"));
        QCOMPARE(doc.node(s.in)->config["dtype"], Json("int32"));
        doc.undoStack()->undo();
        QVERIFY(!doc.node(s.in)->config.contains("dtype") || doc.node(s.in)->config["dtype"] == Json("float32"));
        doc.undoStack()->redo();
        QCOMPARE(buildModel(doc.spec())->inputs().at(0).dtype(), DType::Int32);
    }

    void namesAreUnique() {
        GraphDocument doc;
        Small s = small(doc);
        QString why;
        QVERIFY(!doc.renameLayer(s.dense, qs(doc.node(s.in)->layerName), &why));
        QVERIFY(why.contains("already used"));
        QVERIFY(!doc.renameLayer(s.dense, "  ", &why));
        QVERIFY(doc.renameLayer(s.dense, "classifier"));
        QCOMPARE(qs(doc.node(s.dense)->layerName), QString("classifier"));
        QVERIFY(doc.check().ok());
        doc.undoStack()->undo();
        QCOMPARE(qs(doc.node(s.dense)->layerName), QString("dense"));
    }

    void sharedLayersKeepOneConfig() {
        GraphDocument doc;
        QString in = doc.addLayer("InputLayer", {0, 0});
        doc.setParameter(in, "shape", Json::array({16}));
        QString a = doc.addLayer("Dense", {0, 100});
        doc.setParameter(a, "units", 16);
        doc.connectPorts(in, 0, a, 0);
        QString b = doc.callAgain(a);
        QVERIFY(!b.isEmpty());
        QCOMPARE(doc.node(b)->layerName, doc.node(a)->layerName);
        QCOMPARE(doc.callCount(a), 2);
        doc.connectPorts(a, 0, b, 0);
        doc.setOutput(b, true);
        QVERIFY2(doc.check().ok(), qPrintable(problemText(doc)));
        ModelPtr m = buildModel(doc.spec());
        QCOMPARE(m->countParams(), int64_t(16 * 16 + 16));
        // Editing one call edits the layer, so both calls.
        QVERIFY(doc.setParameter(b, "activation", "relu"));
        QCOMPARE(doc.node(a)->config["activation"], Json("relu"));
        // Renaming renames the layer.
        QVERIFY(doc.renameLayer(b, "shared"));
        QCOMPARE(qs(doc.node(a)->layerName), QString("shared"));
        // Deleting one call keeps the layer.
        doc.removeNodes({b});
        QCOMPARE(doc.callCount(a), 1);
        doc.undoStack()->undo();
        QCOMPARE(doc.callCount(a), 2);
        // Make independent: a copy with its own name and weights.
        QVERIFY(doc.makeIndependent(b));
        QVERIFY(doc.node(b)->layerName != doc.node(a)->layerName);
        QCOMPARE(doc.callCount(a), 1);
        QCOMPARE(buildModel(doc.spec())->countParams(), int64_t(2 * (16 * 16 + 16)));
        doc.undoStack()->undo();
        QCOMPARE(doc.callCount(a), 2);
        QString why;
        QVERIFY(doc.callAgain(in, &why).isEmpty());  // Inputs are not layers one calls
    }

    void movesMergeIntoOneStep() {
        GraphDocument doc;
        QString a = doc.addLayer("Dense", {0, 0});
        int steps = doc.undoStack()->count();
        QSignalSpy moved(&doc, &GraphDocument::nodeMoved);
        doc.moveNodes({{a, QPointF(10, 0)}});
        doc.moveNodes({{a, QPointF(20, 0)}});
        doc.moveNodes({{a, QPointF(30, 5)}});
        QCOMPARE(doc.undoStack()->count(), steps + 1);
        QCOMPARE(moved.count(), 3);
        doc.undoStack()->undo();
        QCOMPARE(doc.position(a), QPointF(0, 0));
        doc.undoStack()->redo();
        QCOMPARE(doc.position(a), QPointF(30, 5));
    }

    void duplicateKeepsInnerWiresWithFreshNames() {
        GraphDocument doc;
        Small s = small(doc);
        QString d2 = doc.addLayer("Dense", {0, 200});
        doc.connectPorts(s.dense, 0, d2, 0);
        QString again = doc.callAgain(d2);
        doc.connectPorts(d2, 0, again, 0);
        int steps = doc.undoStack()->count();
        int before = int(doc.spec().nodes.size());
        QStringList copies = doc.duplicateNodes({s.dense, d2, again}, QPointF(300, 0));
        QCOMPARE(copies.size(), 3);
        QCOMPARE(doc.undoStack()->count(), steps + 1);  // one step
        const GraphNode* c0 = doc.node(copies[0]);
        const GraphNode* c1 = doc.node(copies[1]);
        const GraphNode* c2 = doc.node(copies[2]);
        QVERIFY(c0->layerName != doc.node(s.dense)->layerName);
        QVERIFY(c0->inbound.empty());  // the wire from the Input was outside the selection
        QCOMPARE(c1->inbound.at(0).node, c0->id);  // inner wire kept, to the copy
        QCOMPARE(c2->layerName, c1->layerName);    // the copied calls share their own new layer
        QVERIFY(c1->layerName != doc.node(d2)->layerName);
        QCOMPARE(doc.position(copies[0]), doc.position(s.dense) + QPointF(300, 0));
        QCOMPARE(doc.callCount(d2), 2);
        doc.undoStack()->undo();
        QCOMPARE(int(doc.spec().nodes.size()), before);
        QString why;
        QVERIFY(doc.pasteFragment(Json{{"format", "other"}}, {}, &why).isEmpty());
        QVERIFY(why.contains("Cannot paste"));
    }

    void groupIntoModelAndExpandAgain() {
        GraphSpec spec;
        auto node = [](std::string id, std::string cls, Json cfg, std::vector<TensorRef> in) {
            return GraphNode{id, cls, id, cfg, in};
        };
        spec.nodes = {node("in", "InputLayer", {{"shape", {784}}}, {}),
                      node("d1", "Dense", {{"units", 128}, {"activation", "relu"}}, {{"in", 0}}),
                      node("d2", "Dense", {{"units", 128}, {"activation", "tanh"}}, {{"in", 0}}),
                      node("cat", "Concatenate", Json::object(), {{"d1", 0}, {"d2", 0}}),
                      node("d3", "Dense", {{"units", 64}, {"activation", "relu"}}, {{"cat", 0}}),
                      node("d4", "Dense", {{"units", 10}}, {{"d3", 0}}),
                      node("sm", "Softmax", Json::object(), {{"d4", 0}})};
        spec.outputs = {{"sm", 0}};
        GraphDocument doc;
        QHash<QString, QPointF> pos;
        for (const auto& n : spec.nodes) pos[qs(n.id)] = QPointF(0, 100 * pos.size());
        doc.reset(spec, pos);
        QVERIFY(doc.check().ok());
        const Json original = graphSpecToJson(doc.spec());

        QString why;
        QString g = groupIntoModel(doc, {"d1", "d2", "cat"}, "branches", &why);
        QVERIFY2(!g.isEmpty(), qPrintable(why));
        QCOMPARE(int(doc.spec().nodes.size()), 5);
        QCOMPARE(doc.node(g)->className, std::string("Functional"));
        QCOMPARE(doc.node(g)->inbound.at(0).node, std::string("in"));
        QCOMPARE(doc.node("d3")->inbound.at(0).node, g.toStdString());
        QVERIFY2(doc.check().ok(), qPrintable(problemText(doc)));
        QCOMPARE(doc.check().node(g.toStdString())->outputShapes.at(0).toString(), std::string("(None, 256)"));
        ModelPtr m = buildModel(doc.spec());
        QCOMPARE(m->countParams(), int64_t(218058));
        QCOMPARE(m->getLayer("branches")->className(), std::string("Functional"));
        // One undo step back to the flat graph.
        doc.undoStack()->undo();
        QCOMPARE(graphSpecToJson(doc.spec()), original);
        doc.undoStack()->redo();
        QVERIFY(doc.check().ok());

        QStringList inlined = expandModel(doc, g, &why);
        QVERIFY2(!inlined.isEmpty(), qPrintable(why));
        QCOMPARE(inlined.size(), 3);
        QVERIFY(!doc.node(g));
        QVERIFY2(doc.check().ok(), qPrintable(problemText(doc)));
        QCOMPARE(buildModel(doc.spec())->countParams(), int64_t(218058));
        QCOMPARE(int(doc.spec().nodes.size()), 7);
        doc.undoStack()->undo();
        QVERIFY(doc.node(g));

        // Refusals say why.
        QVERIFY(groupIntoModel(doc, {"in"}, {}, &why).isEmpty());
        QVERIFY(why.contains("Inputs"));
        QVERIFY(expandModel(doc, "d3", &why).isEmpty());
        QVERIFY(why.contains("not a nested model"));
        QVERIFY(groupIntoModel(doc, {"sm"}, {}, &why).isEmpty() == false);  // the output moves into the group
        QVERIFY(doc.check().ok());
    }

    void outputsAndInputsCanBeReordered() {
        GraphDocument doc;
        Small s = small(doc);
        QString other = doc.addLayer("Dense", {100, 100});
        doc.connectPorts(s.in, 0, other, 0);
        doc.setOutput(other, true);
        QCOMPARE(doc.spec().outputs.at(1).node, other.toStdString());
        QVERIFY(doc.moveOutput(1, -1));
        QCOMPARE(doc.spec().outputs.at(0).node, other.toStdString());
        QCOMPARE(buildModel(doc.spec())->outputNames().at(0), doc.node(other)->layerName);
        QString in2 = doc.addLayer("InputLayer", {200, 0});
        QVERIFY(doc.moveInput(1, -1));
        QCOMPARE(modelInputIds(doc.spec()).at(0), in2.toStdString());
        QVERIFY(!doc.moveInput(0, -1));
    }
};

QTEST_MAIN(TestGraphDocument)
#include "test_graph_document.moc"
