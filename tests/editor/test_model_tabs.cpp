// Nested models in their own tab: double-clicking a grouped model's node opens it with a breadcrumb
// back to the parent; edits inside become one undo step each of the parent's sub-model (shapes in
// the parent follow), undo in the parent reloads the tab, an invalid inner graph is not applied,
// and deleting the node closes its tab.
#include <QLabel>
#include <QToolButton>
#include <QtTest/QtTest>

#include "editor/document/graph_document.h"
#include "editor/document/model_nesting.h"
#include "editor/document/submodel_link.h"
#include "editor/scene/graph_scene.h"
#include "editor/scene/graph_view.h"
#include "editor/scene/node_item.h"
#include "editor/widgets/model_tabs.h"
#include "editor/widgets/inspector_widget.h"
#include "editor/widgets/problems_widget.h"
#include "engine/strata.h"

using namespace strata;
using namespace strata::editor;

class TestModelTabs : public QObject {
    Q_OBJECT

    GraphDocument* doc = nullptr;
    GraphScene* scene = nullptr;
    GraphView* view = nullptr;
    ModelTabs* tabs = nullptr;
    QString in, group;

    /// Input(8) -> [Dense 4 -> Dense 2] grouped as "block" (output).
    void build() {
        doc = new GraphDocument(this);
        in = doc->addLayer("InputLayer", {0, 0});
        QString a = doc->addLayer("Dense", {0, 110});
        QString b = doc->addLayer("Dense", {0, 220});
        doc->setParameter(in, "shape", Json::array({8}));
        doc->setParameter(a, "units", 4);
        doc->setParameter(b, "units", 2);
        doc->connectPorts(in, 0, a, 0);
        doc->connectPorts(a, 0, b, 0);
        doc->setOutput(b, true);
        QString why;
        group = groupIntoModel(*doc, {a, b}, "block", &why);
        QVERIFY2(!group.isEmpty(), qPrintable(why));
        scene = new GraphScene(doc, this);
        view = new GraphView(scene);
        tabs = new ModelTabs(doc, scene, view);
        tabs->setRootTitle("main");
        tabs->resize(900, 600);
        tabs->show();
        QVERIFY(QTest::qWaitForWindowExposed(tabs));
    }

    void doubleClick(GraphScene* s, GraphView* v, const QString& id) {
        NodeItem* n = s->nodeItem(id);
        QPointF p = n->scenePos() + QPointF(n->size().width() / 2, 12);
        v->centerOn(p);
        QTest::mouseDClick(v->viewport(), Qt::LeftButton, Qt::NoModifier, v->mapFromScene(p));
    }

    /// The inner node of layer `name`.
    QString innerNode(GraphDocument* inner, const std::string& name) {
        for (const auto& n : inner->spec().nodes)
            if (n.layerName == name) return qs(n.id);
        return {};
    }

private slots:
    void cleanup() {
        delete tabs;  // owns the view, which does not own the scene
        delete scene;
        delete doc;
        tabs = nullptr;
    }

    void doubleClickOpensTheNestedModelWithABreadcrumb() {
        build();
        QCOMPARE(tabs->count(), 1);
        QSignalSpy changed(tabs, &ModelTabs::currentCanvasChanged);
        doubleClick(scene, view, group);
        QCOMPARE(tabs->count(), 2);
        QCOMPARE(tabs->currentIndex(), 1);
        QCOMPARE(tabs->tabText(1), QString("block"));
        QVERIFY(!changed.isEmpty());
        GraphDocument* inner = tabs->currentDocument();
        QVERIFY(inner != doc);
        QCOMPARE(int(inner->spec().nodes.size()), 3);  // its Input and the two Dense layers
        QVERIFY(inner->check().ok());
        // Laid out: the nodes do not sit on one spot.
        QVERIFY(inner->positions().size() == 3);
        QSet<QPair<qreal, qreal>> spots;
        for (const auto& p : inner->positions()) spots.insert({p.x(), p.y()});
        QCOMPARE(spots.size(), 3);

        auto crumbs = tabs->breadcrumb(1);
        QCOMPARE(crumbs.size(), 1);
        QCOMPARE(crumbs[0]->text(), QString("main"));
        QTest::mouseClick(crumbs[0], Qt::LeftButton);
        QCOMPARE(tabs->currentIndex(), 0);
        QCOMPARE(tabs->currentDocument(), doc);
        // Double-clicking again shows the open tab instead of a second one.
        doubleClick(scene, view, group);
        QCOMPARE(tabs->count(), 2);
        QCOMPARE(tabs->currentIndex(), 1);
        // A plain layer does not open anything.
        tabs->setCurrentIndex(0);
        doubleClick(scene, view, in);
        QCOMPARE(tabs->count(), 2);
        QCOMPARE(tabs->currentIndex(), 0);
    }

    void editsInsideApplyToTheParentAndUndo() {
        build();
        GraphDocument* inner = tabs->openSubModel(doc, group);
        QVERIFY(inner);
        const int parentSteps = doc->undoStack()->count();
        QCOMPARE(doc->check().node(group.toStdString())->outputShapes.at(0), Shape({kNone, 2}));

        // The last Dense of the block gets 3 units inside the tab...
        const std::string last = doc->node(group)->config["layers"].back()["config"]["name"].get<std::string>();
        QString dense = innerNode(inner, last);
        QVERIFY(!dense.isEmpty());
        QVERIFY(inner->setParameter(dense, "units", 3));
        // ...and the parent's block now outputs 3, as one undo step of the parent.
        QCOMPARE(doc->undoStack()->count(), parentSteps + 1);
        QVERIFY(doc->check().ok());
        QCOMPARE(doc->check().node(group.toStdString())->outputShapes.at(0), Shape({kNone, 3}));
        QVERIFY(buildModel(doc->spec())->countParams() == 8 * 4 + 4 + 4 * 3 + 3);
        QVERIFY(tabs->syncText(1).contains("apply"));

        // Undo inside the tab writes the old version back.
        inner->undoStack()->undo();
        QCOMPARE(doc->check().node(group.toStdString())->outputShapes.at(0), Shape({kNone, 2}));

        // Redo inside, then undo in the parent: the tab reloads what the parent has.
        inner->undoStack()->redo();
        QCOMPARE(doc->check().node(group.toStdString())->outputShapes.at(0), Shape({kNone, 3}));
        doc->undoStack()->undo();
        QCOMPARE(doc->check().node(group.toStdString())->outputShapes.at(0), Shape({kNone, 2}));
        QCOMPARE(tabs->currentDocument(), inner);
        QString again = innerNode(inner, last);
        QCOMPARE(inner->node(again)->config["units"].get<int>(), 2);
    }

    void anInvalidInnerGraphIsNotApplied() {
        build();
        GraphDocument* inner = tabs->openSubModel(doc, group);
        const Json before = doc->node(group)->config;
        const int parentSteps = doc->undoStack()->count();
        // Unwire the second Dense inside.
        QString second;
        for (const auto& n : inner->spec().nodes)
            if (!n.isInput() && !n.inbound.empty() && !inner->node(qs(n.inbound[0].node))->isInput()) second = qs(n.id);
        QVERIFY(!second.isEmpty());
        QVERIFY(inner->disconnectPort(second, 0));
        QVERIFY(!inner->check().ok());
        QCOMPARE(doc->node(group)->config, before);
        QCOMPARE(doc->undoStack()->count(), parentSteps);
        QVERIFY2(tabs->syncText(1).contains("Not applied"), qPrintable(tabs->syncText(1)));
        inner->undoStack()->undo();
        QVERIFY(inner->check().ok());
        QVERIFY(!tabs->syncText(1).contains("Not applied"));
    }

    void docksFollowTheTabInFront() {
        build();
        InspectorWidget inspector(doc);
        ProblemsWidget problems(doc);
        connect(tabs, &ModelTabs::currentCanvasChanged, &inspector,
                [&](GraphDocument* d, GraphScene*, GraphView*) { inspector.setDocument(d); problems.setDocument(d); });
        GraphDocument* inner = tabs->openSubModel(doc, group);
        QCOMPARE(inspector.document(), inner);
        QString second;
        for (const auto& n : inner->spec().nodes)
            if (!n.isInput() && !inner->node(qs(n.inbound[0].node))->isInput()) second = qs(n.id);
        inner->disconnectPort(second, 0);
        QVERIFY(problems.count() > 0);  // the inner graph's problem shows
        tabs->setCurrentIndex(0);
        QCOMPARE(inspector.document(), doc);
        QCOMPARE(problems.count(), 0);  // the parent still holds the last valid block
    }

    void deletingTheNodeClosesItsTab() {
        build();
        QVERIFY(tabs->openSubModel(doc, group));
        QCOMPARE(tabs->count(), 2);
        doc->removeNodes({group});
        QCoreApplication::processEvents();  // the tab closes after the edit returns
        QCOMPARE(tabs->count(), 1);
        QCOMPARE(tabs->currentDocument(), doc);
        // Undo brings the node back; it opens again.
        doc->undoStack()->undo();
        QVERIFY(tabs->openSubModel(doc, group));
        QCOMPARE(tabs->count(), 2);
    }

    void aSequentialEditedInsideBecomesFunctional() {
        clearSession();
        auto stack = makeSequential({layers::Dense(4, {{"name", "s1"}}), layers::Dense(2, {{"name", "s2"}})}, "stack");
        auto x = Input({8});
        auto model = makeModel(x, (*stack)(x));
        doc = new GraphDocument(this);
        doc->reset(graphSpecFromModel(*model), {});
        QString node = doc->nodeOfLayer("stack");
        QCOMPARE(qs(doc->node(node)->className), QString("Sequential"));
        scene = new GraphScene(doc, this);
        view = new GraphView(scene);
        tabs = new ModelTabs(doc, scene, view);
        GraphDocument* inner = tabs->openSubModel(doc, node);
        QVERIFY(inner);
        QVERIFY(inner->setParameter(inner->nodeOfLayer("s2"), "units", 5));
        QCOMPARE(qs(doc->node(node)->className), QString("Functional"));
        QVERIFY(doc->check().ok());
        QCOMPARE(doc->check().node(node.toStdString())->outputShapes.at(0), Shape({kNone, 5}));
        doc->undoStack()->undo();
        QCOMPARE(qs(doc->node(node)->className), QString("Sequential"));
        QCOMPARE(doc->check().node(node.toStdString())->outputShapes.at(0), Shape({kNone, 2}));
    }

    void readOnlyReachesNestedTabs() {
        build();
        tabs->setInteractive(false);  // what the window does while training
        QVERIFY(tabs->openSubModel(doc, group));
        QVERIFY(!tabs->currentView()->isInteractive());
        tabs->setInteractive(true);
        QVERIFY(tabs->currentView()->isInteractive());
        QVERIFY(view->isInteractive());
    }

    void aPlainLayerIsRefused() {
        build();
        QString why;
        QVERIFY(!tabs->openSubModel(doc, in, &why));
        QVERIFY(why.contains("not a nested model"));
        QCOMPARE(tabs->count(), 1);
    }
};

QTEST_MAIN(TestModelTabs)
#include "test_model_tabs.moc"
