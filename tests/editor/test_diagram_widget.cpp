// The Diagram dock with the real Graphviz renderer: it draws the model in front with plot_model's
// options, redraws after a change only once the delay has passed (debounced) and only while
// visible, and exports PNG/SVG/PDF/DOT atomically (a failed export leaves the old file).
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "app/studio/studio_layout.h"
#include "editor/document/graph_document.h"
#include "editor/widgets/diagram_widget.h"
#include "editor/widgets/summary_widget.h"

using namespace strata;
using namespace strata::editor;

namespace {
/// The Studio's own renderer (Graphviz through plotting/), so the dock is tested as the app wires it.
DiagramRenderer graphviz() { return strata::studio::graphvizDiagramRenderer(); }
}  // namespace

class TestDiagramWidget : public QObject {
    Q_OBJECT

    GraphDocument* doc = nullptr;
    SummaryWidget* summary = nullptr;
    DiagramWidget* diagram = nullptr;
    QString in, dense;

private slots:
    void init() {
        doc = new GraphDocument;
        summary = new SummaryWidget(doc);
        diagram = new DiagramWidget;
        diagram->setRenderer(graphviz());
        connect(summary, &SummaryWidget::modelRebuilt, diagram, &DiagramWidget::setModel);
        in = doc->addLayer("InputLayer", {0, 0});
        dense = doc->addLayer("Dense", {0, 100});
        doc->setParameter(in, "shape", Json::array({784}));
        doc->setParameter(dense, "units", 10);
        doc->connectPorts(in, 0, dense, 0);
        doc->setOutput(dense, true);
        summary->refreshNow();
    }
    void cleanup() {
        delete diagram;
        delete summary;
        delete doc;
    }

    void drawsOnlyWhenVisibleAndAfterTheDelay() {
        QCOMPARE(diagram->renderCount(), 0);  // hidden: nothing drawn yet
        diagram->setDelay(1000000);           // the timer never fires in this test
        diagram->show();
        QVERIFY(QTest::qWaitForWindowExposed(diagram));
        QCOMPARE(diagram->renderCount(), 0);  // scheduled, not drawn
        diagram->refreshNow();                // what the timer does
        QCOMPARE(diagram->renderCount(), 1);
        QVERIFY(diagram->shownPng().startsWith("\x89PNG"));
        const QByteArray first = diagram->shownPng();

        // A burst of edits: the redraw waits for the timer.
        doc->setParameter(dense, "units", 12);
        doc->setParameter(dense, "units", 14);
        summary->refreshNow();
        QCOMPARE(diagram->renderCount(), 1);
        diagram->refreshNow();
        QCOMPARE(diagram->renderCount(), 2);
        QVERIFY(diagram->shownPng() != first);

        // No model: a message instead of a picture.
        doc->setOutput(dense, false);
        summary->refreshNow();
        diagram->refreshNow();
        QVERIFY(diagram->shownPng().isEmpty());
        QVERIFY(diagram->message().contains("not a model"));
    }

    void optionsReachTheDiagram() {
        QTemporaryDir dir;
        const QString dot = dir.filePath("m.dot");
        QVERIFY(diagram->exportTo(dot));
        QFile f(dot);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QByteArray text = f.readAll();
        f.close();
        QVERIFY(text.contains("(None, 10)"));      // show_shapes is on by default
        QVERIFY(text.contains("rankdir=TB") || text.contains("rankdir=\"TB\""));
        diagram->option("show_shapes")->setChecked(false);
        diagram->rankdirBox()->setCurrentIndex(diagram->rankdirBox()->findData("LR"));
        QVERIFY(diagram->exportTo(dot));
        QVERIFY(f.open(QIODevice::ReadOnly));
        text = f.readAll();
        f.close();
        QVERIFY(!text.contains("(None, 10)"));
        QVERIFY(text.contains("LR"));
    }

    void exportsEveryFormat() {
        QTemporaryDir dir;
        struct Case {
            const char* name;
            QByteArray magic;
        };
        for (const Case& c : {Case{"m.png", "\x89PNG"}, Case{"m.svg", "<?xml"}, Case{"m.pdf", "%PDF"}, Case{"m.dot", "digraph"}}) {
            QString why;
            QVERIFY2(diagram->exportTo(dir.filePath(c.name), &why), qPrintable(why));
            QFile f(dir.filePath(c.name));
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(f.readAll().trimmed().startsWith(c.magic), c.name);
        }
    }

    void aFailedExportLeavesTheOldFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath("m.png");
        QVERIFY(diagram->exportTo(path));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray before = f.readAll();
        f.close();
        // A renderer that fails: the file stays as it was (QSaveFile never commits).
        diagram->setRenderer([](const Model&, const DiagramRequest&, const QString&) -> QByteArray {
            throw std::runtime_error("graphviz exploded");
        });
        QString why;
        QVERIFY(!diagram->exportTo(path, &why));
        QVERIFY(why.contains("exploded"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
        // Bad extension and no model are refused with a reason.
        diagram->setRenderer(graphviz());
        QVERIFY(!diagram->exportTo(dir.filePath("m.bmp"), &why));
        QVERIFY(why.contains(".bmp"));
        diagram->setModel(nullptr);
        QVERIFY(!diagram->exportTo(path, &why));
        QVERIFY(why.contains("not a model"));
    }
};

QTEST_MAIN(TestDiagramWidget)
#include "test_diagram_widget.moc"
