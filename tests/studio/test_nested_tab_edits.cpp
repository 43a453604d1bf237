// The Studio's menus act on the canvas in front: Edit ▸ Duplicate / Copy / Paste / Group in a
// nested model's tab change that tab's model (and through it the parent's nested model), not the
// main canvas. A node with two output tensors offers each one in its context menu, for "Model
// Output" and for "New Model from Here".
#include <QMenuBar>
#include <QTimer>
#include <QtTest/QtTest>

#include "app/studio/main_window.h"
#include "editor/document/graph_document.h"
#include "editor/document/model_nesting.h"
#include "editor/scene/graph_scene.h"
#include "editor/scene/graph_view.h"
#include "editor/widgets/model_tabs.h"
#include "engine/strata.h"

using namespace strata;
using namespace strata::studio;
using namespace strata::editor;

class TestNestedTabEdits : public QObject {
    Q_OBJECT

    std::unique_ptr<MainWindow> window;
    QString pair, x, y;

    GraphDocument* doc() const { return window->document(); }

    /// Input(8) -> pair[Dense(4) a, Dense(6) b] -> x = Dense(2)(a), y = Dense(3)(b); outputs x, y.
    void build() {
        GraphDocument* d = doc();
        QString in = d->addLayer("InputLayer", {0, 0});
        d->setParameter(in, "shape", Json::array({8}));
        QString a = d->addLayer("Dense", {-100, 110}), b = d->addLayer("Dense", {100, 110});
        x = d->addLayer("Dense", {-100, 220});
        y = d->addLayer("Dense", {100, 220});
        d->setParameter(a, "units", 4);
        d->setParameter(b, "units", 6);
        d->setParameter(x, "units", 2);
        d->setParameter(y, "units", 3);
        d->connectPorts(in, 0, a, 0);
        d->connectPorts(in, 0, b, 0);
        d->connectPorts(a, 0, x, 0);
        d->connectPorts(b, 0, y, 0);
        d->setOutput(x, true);
        d->setOutput(y, true);
        pair = groupIntoModel(*d, {a, b}, "pair");
        QVERIFY(!pair.isEmpty());
        QVERIFY(d->check().ok());
    }

    QAction* editAction(const QString& text) {
        for (QAction* m : window->menuBar()->actions())
            if (m->menu() && m->text().remove('&') == "Edit")
                for (QAction* a : m->menu()->actions())
                    if (a->text().remove('&') == text) return a;
        return nullptr;
    }

    /// Opens the node's context menu through the scene's real signal and triggers `path` in it
    /// (a top-level entry, then a submenu entry if given).
    void runContextMenu(const QString& id, const QString& entry, const QString& subEntry, QStringList* seen = nullptr) {
        bool done = false;
        QTimer::singleShot(0, this, [&] {
            auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
            QVERIFY(menu);
            for (QAction* a : menu->actions()) {
                if (a->text() != entry) continue;
                if (subEntry.isEmpty()) {
                    menu->close();
                    a->trigger();
                } else {
                    QVERIFY(a->menu());
                    for (QAction* s : a->menu()->actions()) {
                        if (seen) *seen << s->text();
                        if (s->text() == subEntry) {
                            menu->close();
                            s->trigger();
                        }
                    }
                }
                done = true;
            }
            menu->close();
        });
        emit window->scene()->contextMenuRequested(id, window->view()->mapToGlobal(QPoint(10, 10)));
        QVERIFY(done);
    }

private slots:
    void init() {
        clearSession();
        window = std::make_unique<MainWindow>();
        window->setErrorReporter([](const QString& t, const QString& m) { QFAIL(qPrintable(t + ": " + m)); });
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        build();
    }
    void cleanup() { window.reset(); }

    void editMenuActsOnTheNestedTabInFront() {
        QString why;
        GraphDocument* inner = window->tabs()->openSubModel(doc(), pair, &why);
        QVERIFY2(inner, qPrintable(why));
        QCOMPARE(window->tabs()->currentDocument(), inner);
        const int rootNodes = int(doc()->spec().nodes.size());
        const int innerNodes = int(inner->spec().nodes.size());  // Input + the two Dense layers
        QString dense;
        for (const auto& n : inner->spec().nodes)
            if (n.className == "Dense") dense = qs(n.id);
        window->tabs()->currentScene()->selectNode(dense);

        QAction* duplicate = editAction("Duplicate");
        QVERIFY(duplicate);
        duplicate->trigger();
        QCOMPARE(int(inner->spec().nodes.size()), innerNodes + 1);
        QCOMPARE(int(doc()->spec().nodes.size()), rootNodes);

        window->tabs()->currentScene()->selectNode(dense);
        editAction("Copy")->trigger();
        editAction("Paste")->trigger();
        QCOMPARE(int(inner->spec().nodes.size()), innerNodes + 2);
        QCOMPARE(int(doc()->spec().nodes.size()), rootNodes);

        // Back on the main canvas, the same entries act there.
        window->tabs()->setCurrentIndex(0);
        window->scene()->selectNode(x);
        duplicate->trigger();
        QCOMPARE(int(doc()->spec().nodes.size()), rootNodes + 1);
        QCOMPARE(int(inner->spec().nodes.size()), innerNodes + 2);
    }

    void contextMenuMarksEachOutputTensor() {
        QCOMPARE(doc()->outputCount(pair), 2);
        QStringList seen;
        runContextMenu(pair, "Model Output (add output here)", "Output 1: (None, 6)", &seen);
        QCOMPARE(seen, (QStringList{"Output 0: (None, 4)", "Output 1: (None, 6)"}));
        QVERIFY(doc()->isOutput(pair, 1));
        QVERIFY(!doc()->isOutput(pair, 0));
        QCOMPARE(int(buildModel(doc()->spec())->outputs().size()), 3);
    }

    void contextMenuCutsAtTheChosenOutput() {
        const auto before = QApplication::topLevelWidgets();
        runContextMenu(pair, "New Model from Here", "Output 1: (None, 6)");
        MainWindow* made = nullptr;
        for (QWidget* w : QApplication::topLevelWidgets())
            if (!before.contains(w))
                if (auto* m = qobject_cast<MainWindow*>(w)) made = m;
        QVERIFY(made);
        ModelPtr m = buildModel(made->document()->spec());
        QCOMPARE(QString::fromStdString(m->inputs()[0].shape().toString()), QString("(None, 6)"));
        QCOMPARE(int(m->outputs().size()), 1);
        QCOMPARE(QString::fromStdString(m->outputs()[0].shape().toString()), QString("(None, 3)"));
        made->document()->undoStack()->setClean();  // close without asking to save
        made->close();
    }
};

QTEST_MAIN(TestNestedTabEdits)
#include "test_nested_tab_edits.moc"
