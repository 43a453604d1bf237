// The canvas driven like a user: layers dragged from the palette onto the view, settings typed
// into the inspector, wires drawn from port to port with the mouse. Builds the reference
// two-branch model (218,058 params), checks the shapes on the nodes and the summary, makes a wiring
// error and watches it appear and disappear with undo, refuses a cycle, and shares a layer.
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QSpinBox>
#include <QToolButton>
#include <QtTest/QtTest>

#include "editor/document/graph_document.h"
#include "editor/scene/graph_scene.h"
#include "editor/scene/graph_view.h"
#include "editor/scene/node_item.h"
#include "editor/widgets/inspector_widget.h"
#include "editor/widgets/palette_widget.h"
#include "editor/widgets/problems_widget.h"
#include "editor/widgets/summary_widget.h"
#include "engine/layers/layer_registry.h"

using namespace strata;
using namespace strata::editor;

class TestCanvasBuild : public QObject {
    Q_OBJECT

    GraphDocument* doc = nullptr;
    GraphScene* scene = nullptr;
    GraphView* view = nullptr;
    PaletteWidget* palette = nullptr;
    InspectorWidget* inspector = nullptr;
    ProblemsWidget* problems = nullptr;
    SummaryWidget* summary = nullptr;
    QWidget* window = nullptr;

    /// Drags `className` from the palette and drops it on the view at `scenePos`.
    QString drop(const QString& className, QPointF scenePos) {
        QTreeWidgetItem* item = palette->itemFor(className);
        if (!item) return {};
        std::unique_ptr<QMimeData> mime(palette->tree()->dragData(item));
        view->centerOn(scenePos);
        QPoint at = view->mapFromScene(scenePos);
        QDragEnterEvent enter(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(view->viewport(), &enter);
        if (!enter.isAccepted()) return {};
        QDragMoveEvent move(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(view->viewport(), &move);
        QSignalSpy dropped(view, &GraphView::layerDropped);
        QDropEvent dropEvent(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(view->viewport(), &dropEvent);
        return dropped.isEmpty() ? QString() : dropped.first().first().toString();
    }

    /// Presses on the output port of `from`, moves, releases on input `port` of `to`.
    void wire(const QString& from, const QString& to, int port) {
        QPointF a = scene->outputPortPos(from), b = scene->inputPortPos(to, port);
        view->centerOn((a + b) / 2);
        QPoint pa = view->mapFromScene(a), pb = view->mapFromScene(b);
        QTest::mousePress(view->viewport(), Qt::LeftButton, Qt::NoModifier, pa);
        QTest::mouseMove(view->viewport(), (pa + pb) / 2);
        QTest::mouseMove(view->viewport(), pb);
        QTest::mouseRelease(view->viewport(), Qt::LeftButton, Qt::NoModifier, pb);
    }

    /// Selects the node by clicking its header, as a user would.
    void click(const QString& id) {
        NodeItem* n = scene->nodeItem(id);
        QPointF p = n->scenePos() + QPointF(n->size().width() / 2, 12);
        view->centerOn(p);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, view->mapFromScene(p));
    }

    template <class W>
    W* editor(const char* name) {
        return inspector->findChild<W*>(QString::fromLatin1(name));
    }

    void setUnits(const QString& id, int units) {
        click(id);
        QCOMPARE(inspector->nodeId(), id);
        auto* spin = editor<QSpinBox>("param_units");
        QVERIFY(spin);
        spin->setValue(units);
    }

    void setActivation(const QString& id, const QString& name) {
        click(id);
        auto* combo = editor<QComboBox>("param_activation");
        QVERIFY(combo);
        // Type it, as the combo is editable, and press Enter.
        combo->lineEdit()->selectAll();
        QTest::keyClicks(combo->lineEdit(), name);
        QTest::keyClick(combo->lineEdit(), Qt::Key_Return);
    }

    QString shapeOn(const QString& id) { return scene->nodeItem(id)->shapeText(); }

    // The model's node ids, built in twoBranch().
    QString in, d1, d2, cat, d3, d4, sm;

    void twoBranch() {
        in = drop("InputLayer", {0, 0});
        d1 = drop("Dense", {-220, 150});
        d2 = drop("Dense", {220, 150});
        cat = drop("Concatenate", {0, 300});
        d3 = drop("Dense", {0, 450});
        d4 = drop("Dense", {0, 600});
        sm = drop("Softmax", {0, 750});
        for (const auto& id : {in, d1, d2, cat, d3, d4, sm}) QVERIFY(!id.isEmpty());

        click(in);
        auto* shape = editor<QLineEdit>("param_shape");
        QVERIFY(shape);
        shape->selectAll();
        QTest::keyClicks(shape, "784");
        QTest::keyClick(shape, Qt::Key_Return);
        setUnits(d1, 128);
        setActivation(d1, "relu");
        setUnits(d2, 128);
        setActivation(d2, "tanh");
        setUnits(d3, 64);
        setActivation(d3, "relu");
        setUnits(d4, 10);

        wire(in, d1, 0);
        wire(in, d2, 0);
        wire(d1, cat, 0);
        wire(d2, cat, 1);
        wire(cat, d3, 0);
        wire(d3, d4, 0);
        wire(d4, sm, 0);
        click(sm);
        auto* out = editor<QCheckBox>("isOutput");
        QVERIFY(out);
        QTest::mouseClick(out, Qt::LeftButton, Qt::NoModifier, QPoint(8, out->height() / 2));
    }

private slots:
    void init() {
        window = new QWidget;
        auto* layout = new QHBoxLayout(window);
        doc = new GraphDocument(window);
        scene = new GraphScene(doc, window);
        view = new GraphView(scene);
        palette = new PaletteWidget;
        inspector = new InspectorWidget(doc);
        problems = new ProblemsWidget(doc);
        summary = new SummaryWidget(doc);
        layout->addWidget(palette);
        layout->addWidget(view, 1);
        layout->addWidget(inspector);
        layout->addWidget(problems);
        layout->addWidget(summary);
        connect(scene, &GraphScene::currentNodeChanged, inspector, &InspectorWidget::setNode);
        connect(problems, &ProblemsWidget::nodeActivated, scene, &GraphScene::selectNode);
        window->resize(1600, 900);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window));
    }

    void cleanup() {
        delete window;
        window = nullptr;
    }

    void paletteListsEveryRegisteredLayer() {
        for (const LayerSpec* s : LayerRegistry::instance().all()) QVERIFY2(palette->itemFor(qs(s->className)), s->className.c_str());
        QVERIFY(palette->itemFor("Dense")->toolTip(0).contains("units") ||
                !palette->itemFor("Dense")->toolTip(0).isEmpty());
        QTest::keyClicks(palette->searchBox(), "pool");
        QStringList visible = palette->visibleClasses();
        QVERIFY(visible.contains("MaxPooling2D"));
        QVERIFY(!visible.contains("Dense"));
        QSignalSpy activated(palette, &PaletteWidget::layerActivated);
        QTest::keyClick(palette->searchBox(), Qt::Key_Return);
        QCOMPARE(activated.count(), 1);
    }

    void buildTwoBranchModelByHand() {
        twoBranch();
        QVERIFY2(doc->check().ok(), doc->check().problems.empty() ? "" : doc->check().problems[0].message.c_str());
        QCOMPARE(problems->count(), 0);
        QCOMPARE(shapeOn(in), QString("→ (None, 784)"));
        QCOMPARE(shapeOn(d1), QString("→ (None, 128)"));
        QCOMPARE(shapeOn(cat), QString("→ (None, 256)"));
        QCOMPARE(shapeOn(d3), QString("→ (None, 64)"));
        QCOMPARE(shapeOn(sm), QString("→ (None, 10)"));
        QCOMPARE(scene->nodeItem(d1)->settingsText(), QString("Dense 128 · relu"));
        QCOMPARE(scene->nodeItem(d2)->settingsText(), QString("Dense 128 · tanh"));
        QCOMPARE(scene->edgeItems().size(), 7);
        summary->refreshNow();
        QCOMPARE(summary->totalParams(), int64_t(218058));
        QVERIFY2(summary->toPlainText().contains("Total params: 218,058"), qPrintable(summary->toPlainText()));
        // Moving a node is one undo step and its wires follow.
        int steps = doc->undoStack()->count();
        NodeItem* n = scene->nodeItem(d4);
        QPointF grab = n->scenePos() + QPointF(n->size().width() / 2, 12);
        view->centerOn(grab);
        QPoint p = view->mapFromScene(grab);
        QTest::mousePress(view->viewport(), Qt::LeftButton, Qt::NoModifier, p);
        QTest::mouseMove(view->viewport(), p + QPoint(30, 10));
        QTest::mouseMove(view->viewport(), p + QPoint(60, 20));
        QTest::mouseRelease(view->viewport(), Qt::LeftButton, Qt::NoModifier, p + QPoint(60, 20));
        QCOMPARE(doc->undoStack()->count(), steps + 1);
        QVERIFY(doc->position(d4).x() > 20);
    }

    void wiringErrorAppearsAndGoesWithUndo() {
        twoBranch();
        QString add = drop("Add", {-420, 450});
        wire(d1, add, 0);
        wire(d2, add, 1);
        QVERIFY(doc->check().ok());
        QCOMPARE(problems->count(), 0);
        // Dense 64 into an Add of 128s: the engine says which input and what it expected.
        wire(d3, add, 1);
        QCOMPARE(problems->count(), 1);
        QCOMPARE(problems->nodeIdAt(0), add);
        QString text = problems->item(0)->text();
        QVERIFY2(text.contains("input 1") && text.contains("(None, 64)") && text.contains("(None, 128)"), qPrintable(text));
        QVERIFY(scene->nodeItem(add)->invalid());
        QVERIFY(scene->nodeItem(add)->toolTip().contains("(None, 64)"));
        // Clicking the problem selects its node.
        QRect r = problems->visualItemRect(problems->item(0));
        QTest::mouseClick(problems->viewport(), Qt::LeftButton, Qt::NoModifier, r.center());
        QCOMPARE(scene->selectedNodeIds(), QStringList{add});
        // Undo: the wire goes back to Dense 128 and the problem disappears.
        doc->undoStack()->undo();
        QCOMPARE(problems->count(), 0);
        QVERIFY(!scene->nodeItem(add)->invalid());
        doc->undoStack()->redo();
        QCOMPARE(problems->count(), 1);
    }

    void cyclesAreRefused() {
        twoBranch();
        QSignalSpy status(scene, &GraphScene::statusMessage);
        int steps = doc->undoStack()->count();
        wire(sm, d3, 0);
        QCOMPARE(doc->undoStack()->count(), steps);
        QVERIFY(!status.isEmpty());
        QVERIFY(status.last().first().toString().contains("cycle"));
        QVERIFY(doc->check().ok());
    }

    void dragInputOffToDisconnect() {
        twoBranch();
        QPointF a = scene->inputPortPos(d4, 0);
        view->centerOn(a);
        QPoint p = view->mapFromScene(a);
        QTest::mousePress(view->viewport(), Qt::LeftButton, Qt::NoModifier, p);
        QTest::mouseMove(view->viewport(), p + QPoint(150, -40));
        QTest::mouseRelease(view->viewport(), Qt::LeftButton, Qt::NoModifier, p + QPoint(150, -40));
        QVERIFY(doc->node(d4)->inbound.empty());
        QCOMPARE(problems->nodeIdAt(0), d4);
        QCOMPARE(shapeOn(sm), QString("→ ?"));  // downstream: unknown, not another error
        QCOMPARE(problems->count(), 1);
    }

    void sharedLayerHasOneSetOfWeights() {
        in = drop("InputLayer", {0, 0});
        QString dense = drop("Dense", {0, 150});
        click(in);
        auto* shape = editor<QLineEdit>("param_shape");
        shape->selectAll();
        QTest::keyClicks(shape, "32");
        QTest::keyClick(shape, Qt::Key_Return);
        setUnits(dense, 32);
        wire(in, dense, 0);
        QString again = doc->callAgain(dense);
        doc->moveNodes({{again, QPointF(0, 300)}});
        wire(dense, again, 0);
        doc->setOutput(again, true);
        QVERIFY(doc->check().ok());
        QVERIFY(scene->nodeItem(dense)->toolTip().contains("Shared layer"));
        QCOMPARE(scene->sharedLinkCount(), 1);  // the faint link between the two calls
        // Editing either call edits the layer: the other node shows it at once.
        setUnits(again, 32);
        setActivation(again, "relu");
        QCOMPARE(scene->nodeItem(dense)->settingsText(), QString("Dense 32 · relu"));
        summary->refreshNow();
        ModelPtr m = summary->model();
        QVERIFY(m);
        QCOMPARE(m->countParams(), int64_t(32 * 32 + 32));
        QCOMPARE(int(m->weights().size()), 2);
        QCOMPARE(int(m->getLayer(doc->node(dense)->layerName)->inboundNodes().size()), 2);
    }

    void inspectorRefusesBadValuesAndDuplicateNames() {
        twoBranch();
        click(d1);
        auto* name = editor<QLineEdit>("layerName");
        QVERIFY(name);
        name->selectAll();
        QTest::keyClicks(name, qs(doc->node(d2)->layerName));
        QTest::keyClick(name, Qt::Key_Return);
        QVERIFY(inspector->errorText().contains("already used"));
        QCOMPARE(name->text(), qs(doc->node(d1)->layerName));
        name->selectAll();
        QTest::keyClicks(name, "encoder");
        QTest::keyClick(name, Qt::Key_Return);
        QCOMPARE(qs(doc->node(d1)->layerName), QString("encoder"));
        QCOMPARE(scene->nodeItem(d1)->titleText(), QString("encoder"));
        click(in);
        auto* shape = editor<QLineEdit>("param_shape");
        shape->selectAll();
        QTest::keyClicks(shape, "28, x");
        QTest::keyClick(shape, Qt::Key_Return);
        QVERIFY(inspector->errorText().contains("not an integer"));
        QCOMPARE(shapeOn(in), QString("→ (None, 784)"));
        // Undo reaches the inspector too.
        click(d1);
        doc->undoStack()->undo();  // the rename
        QCOMPARE(editor<QLineEdit>("layerName")->text(), QString("dense"));
    }

    void copyAndPasteWithTheKeyboard() {
        twoBranch();
        click(d1);
        scene->selectNodeAdd(d2);
        view->setFocus();
        QTest::keyClick(view, Qt::Key_C, Qt::ControlModifier);
        int before = int(doc->spec().nodes.size());
        QTest::keyClick(view, Qt::Key_V, Qt::ControlModifier);
        QCOMPARE(int(doc->spec().nodes.size()), before + 2);
        QStringList pasted = scene->selectedNodeIds();
        QCOMPARE(pasted.size(), 2);
        for (const QString& id : pasted) {
            QVERIFY(id != d1 && id != d2);
            QVERIFY(scene->nodeItem(id));
            QVERIFY(scene->nodeItem(id)->settingsText().startsWith("Dense 128"));
        }
        doc->undoStack()->undo();
        QCOMPARE(int(doc->spec().nodes.size()), before);
    }

    void findJumpsToLayers() {
        twoBranch();
        QCOMPARE(scene->findNodes("dense").size(), 4);
        QCOMPARE(scene->findNodes("SOFTMAX"), QStringList{sm});
        view->setFocus();
        QTest::keyClick(view, Qt::Key_F, Qt::ControlModifier);
        QVERIFY(view->findBox()->isVisible());
        QTest::keyClicks(view->findBox(), "concat");
        QCOMPARE(scene->selectedNodeIds(), QStringList{cat});
        QTest::keyClick(view->findBox(), Qt::Key_Return);
        QCOMPARE(scene->selectedNodeIds(), QStringList{cat});
        QCOMPARE(inspector->nodeId(), cat);
    }

    void groupAndExpandWithTheKeyboard() {
        twoBranch();
        click(d1);
        scene->selectNodeAdd(d2);
        scene->selectNodeAdd(cat);
        view->setFocus();
        QTest::keyClick(view, Qt::Key_G, Qt::ControlModifier);
        QCOMPARE(int(doc->spec().nodes.size()), 5);
        QStringList sel = scene->selectedNodeIds();
        QCOMPARE(sel.size(), 1);
        QCOMPARE(scene->nodeItem(sel[0])->settingsText().left(10), QString("Functional"));
        QCOMPARE(shapeOn(sel[0]), QString("→ (None, 256)"));
        summary->refreshNow();
        QCOMPARE(summary->totalParams(), int64_t(218058));
        QTest::keyClick(view, Qt::Key_G, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(int(doc->spec().nodes.size()), 7);
        QVERIFY(doc->check().ok());
        summary->refreshNow();
        QCOMPARE(summary->totalParams(), int64_t(218058));
    }

    void quickInsertAddsAtTheCursor() {
        QPoint at(200, 150);
        view->showQuickInsert(at);
        QVERIFY(view->quickInsertBox()->isVisible());
        QTest::keyClicks(view->quickInsertBox(), "conv2d");
        QTest::keyClick(view->quickInsertBox(), Qt::Key_Return);
        QCOMPARE(int(doc->spec().nodes.size()), 1);
        const GraphNode& n = doc->spec().nodes[0];
        QCOMPARE(n.className, std::string("Conv2D"));
        QCOMPARE(doc->position(qs(n.id)), view->mapToScene(at));
        QVERIFY(!view->quickInsertBox()->isVisible());
        // Tab on the canvas opens it too.
        view->setFocus();
        QTest::keyClick(view, Qt::Key_Tab);
        QVERIFY(view->quickInsertBox()->isVisible());
    }

    void outputOrderFromTheInspector() {
        twoBranch();
        click(d3);
        auto* out = editor<QCheckBox>("isOutput");
        QTest::mouseClick(out, Qt::LeftButton, Qt::NoModifier, QPoint(8, out->height() / 2));
        QCOMPARE(int(doc->spec().outputs.size()), 2);
        QCOMPARE(qs(doc->spec().outputs[1].node), d3);
        QTRY_VERIFY(editor<QToolButton>("outputEarlier"));  // the inspector shows the order now
        auto* earlier = editor<QToolButton>("outputEarlier");
        QVERIFY(earlier->isEnabled());
        QTest::mouseClick(earlier, Qt::LeftButton);
        QTRY_COMPARE(qs(doc->spec().outputs[0].node), d3);
        summary->refreshNow();
        QCOMPARE(summary->model()->outputNames().at(0), doc->node(d3)->layerName);
        doc->undoStack()->undo();
        QCOMPARE(qs(doc->spec().outputs[0].node), sm);
    }

    void dropOnAWireInsertsTheLayer() {
        twoBranch();
        // The middle of the wire d3 -> d4.
        EdgeItem* wireItem = nullptr;
        for (EdgeItem* e : scene->edgeItems())
            if (e->from()->id() == d3 && e->to()->id() == d4) wireItem = e;
        QVERIFY(wireItem);
        QPointF mid = wireItem->path().pointAtPercent(0.5);
        int steps = doc->undoStack()->count();
        QString drop_ = drop("Dropout", mid);
        QVERIFY(!drop_.isEmpty());
        QCOMPARE(doc->undoStack()->count(), steps + 1);
        QCOMPARE(qs(doc->node(drop_)->inbound.at(0).node), d3);
        QCOMPARE(qs(doc->node(d4)->inbound.at(0).node), drop_);
        QVERIFY(doc->check().ok());
        QCOMPARE(shapeOn(drop_), QString("→ (None, 64)"));
        doc->undoStack()->undo();
        QCOMPARE(qs(doc->node(d4)->inbound.at(0).node), d3);
        QVERIFY(!doc->node(drop_));
    }

    void undoDuringAWireDragCancelsIt() {
        twoBranch();
        // Start dragging from Concatenate's free third port...
        QCOMPARE(scene->nodeItem(cat)->inputPortCount(), 3);
        QPointF a = scene->inputPortPos(cat, 2);
        view->centerOn(a);
        QPoint p = view->mapFromScene(a);
        QTest::mousePress(view->viewport(), Qt::LeftButton, Qt::NoModifier, p);
        QTest::mouseMove(view->viewport(), p + QPoint(40, -40));
        // ...then undo back past the wire d2 -> cat: that port no longer exists.
        for (int i = 0; i < 5; ++i) doc->undoStack()->undo();
        QCOMPARE(scene->nodeItem(cat)->inputPortCount(), 2);
        QTest::mouseMove(view->viewport(), p + QPoint(60, -60));
        QTest::mouseRelease(view->viewport(), Qt::LeftButton, Qt::NoModifier, p + QPoint(60, -60));
        // The drag was dropped with the port: nothing was disconnected or wired.
        QCOMPARE(int(doc->node(cat)->inbound.size()), 1);
        QCOMPARE(doc->undoStack()->count() - doc->undoStack()->index(), 5);
    }

    void deleteSelectionAndUndo() {
        twoBranch();
        Json before = graphSpecToJson(doc->spec());
        click(cat);
        scene->deleteSelection();
        QVERIFY(!scene->nodeItem(cat));
        QCOMPARE(scene->edgeItems().size(), 4);
        QVERIFY(problems->count() >= 1);
        doc->undoStack()->undo();
        QVERIFY(scene->nodeItem(cat));
        QCOMPARE(scene->edgeItems().size(), 7);
        QCOMPARE(graphSpecToJson(doc->spec()), before);
        QCOMPARE(problems->count(), 0);
    }
};

QTEST_MAIN(TestCanvasBuild)
#include "test_canvas_build.moc"
