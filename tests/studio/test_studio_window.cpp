// The Studio window and its files: a project saved is a Keras archive the engine reads back with
// the same model, plus the layout entry that restores the exact canvas; model files open laid out
// without overlaps; broken or foreign files are refused with a message naming the file while the
// current document stays as it was; invalid graphs save as drafts.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <fstream>

#include "app/studio/main_window.h"
#include "app/studio/project_file.h"
#include "editor/document/autosave.h"
#include "editor/document/graph_document.h"
#include "editor/scene/graph_scene.h"
#include "editor/scene/node_item.h"
#include "editor/widgets/summary_widget.h"
#include "engine/graph/model_config.h"
#include "engine/io/model_io.h"
#include "engine/io/zip_archive.h"
#include "examples/reference/reference_models.h"

using namespace strata;
using namespace strata::studio;
using editor::qs;

namespace {

struct Reported {
    QString title, text;
};

void writeFile(const QString& path, const std::string& data) {
    std::ofstream f(path.toStdString(), std::ios::binary);
    f << data;
}

}  // namespace

class TestStudioWindow : public QObject {
    Q_OBJECT

    QTemporaryDir dir;
    std::unique_ptr<MainWindow> window;
    std::vector<Reported> reports;

    QString path(const char* name) const { return dir.filePath(name); }

    /// Writes a reference model as model-config JSON (what examples/models holds).
    QString modelJson(const char* name, ModelPtr model) {
        QString p = path(name);
        saveModelConfigFile(*model, p.toStdString());
        return p;
    }

private slots:
    void init() {
        clearSession();
        QVERIFY(dir.isValid());
        reports.clear();
        window = std::make_unique<MainWindow>();
        window->setErrorReporter([this](const QString& t, const QString& m) { reports.push_back({t, m}); });
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    }

    void cleanup() { window.reset(); }

    void opensModelFilesLaidOutWithoutOverlaps() {
        QString file = modelJson("toy_resnet.json", reference::toyResNet());
        QVERIFY(window->openFile(file));
        QVERIFY(reports.empty());
        auto* doc = window->document();
        QCOMPARE(int(doc->spec().nodes.size()), 15);  // Input + 14 layers
        QVERIFY(doc->check().ok());
        QList<QRectF> rects;
        for (const QString& id : doc->nodeIds()) {
            auto* item = window->scene()->nodeItem(id);
            QVERIFY(item);
            rects << item->sceneBoundingRect().adjusted(4, 4, -4, -4);  // the bounding rect has a 4px margin
        }
        for (int i = 0; i < rects.size(); ++i)
            for (int j = i + 1; j < rects.size(); ++j) QVERIFY2(!rects[i].intersects(rects[j]), "nodes overlap");
        window->summary()->refreshNow();
        QCOMPARE(window->summary()->totalParams(), int64_t(223242));
        // A plain model file is not a project: Save must ask where (no current file).
        QVERIFY(window->currentFile().isEmpty());
    }

    void saveIsAKerasArchiveAndReopensTheSameCanvas() {
        QString file = modelJson("two_branch.json", reference::twoBranchConcatenate());
        QVERIFY(window->openFile(file));
        auto* doc = window->document();
        // Move a node so the layout is not the automatic one.
        QString moved = doc->nodeIds().at(3);
        doc->moveNodes({{moved, QPointF(-400, 77)}});
        QString project = path("project.keras");
        QVERIFY(window->saveTo(project));
        QVERIFY(reports.empty());
        QCOMPARE(window->currentFile(), project);
        QVERIFY(doc->undoStack()->isClean());

        // Keras's entries plus ours; the engine (as Keras would) opens it as a model.
        zipio::Reader zip(project.toStdString());
        for (const char* e : {"config.json", "metadata.json", "model.weights.h5", kLayoutEntry})
            QVERIFY2(zip.contains(e), e);
        ModelPtr m = loadModel(project.toStdString());
        QCOMPARE(m->countParams(), int64_t(218058));

        Json spec = graphSpecToJson(doc->spec());
        auto positions = doc->positions();
        MainWindow second;
        second.setErrorReporter([this](const QString& t, const QString& m) { reports.push_back({t, m}); });
        QVERIFY(second.openFile(project));
        QCOMPARE(graphSpecToJson(second.document()->spec()), spec);
        QCOMPARE(second.document()->positions(), positions);
        QCOMPARE(second.document()->position(moved), QPointF(-400, 77));
        QCOMPARE(second.currentFile(), project);
        second.summary()->refreshNow();
        QCOMPARE(second.summary()->totalParams(), int64_t(218058));
    }

    void trainedWeightsSurviveEditingAndSaving() {
        ModelPtr trained = reference::twoBranchConcatenate();
        // "Trained": recognisable values in the first Dense kernel.
        auto first = trained->getLayer(1);
        std::vector<Tensor> w = first->getWeights();
        for (int64_t i = 0; i < w[0].size(); ++i) w[0].data()[i] = 0.001f * static_cast<float>(i % 97);
        first->setWeights(w);
        QString h5 = path("trained.h5");
        saveModel(*trained, h5.toStdString());
        QVERIFY(window->openFile(h5));
        // Change the last Dense: its old weights no longer fit and start afresh; the rest stay.
        auto* doc = window->document();
        QString last = doc->nodeOfLayer(qs(trained->getLayer(5)->name()));
        QVERIFY(!last.isEmpty());
        QVERIFY(doc->setParameter(last, "units", 12));
        QString project = path("trained.keras");
        QVERIFY(window->saveTo(project));
        ModelPtr saved = loadModel(project.toStdString());
        std::vector<Tensor> back = saved->getLayer(first->name())->getWeights();
        QCOMPARE(back[0].size(), w[0].size());
        for (int64_t i = 0; i < w[0].size(); i += 101) QCOMPARE(back[0].data()[i], w[0].data()[i]);
        QCOMPARE(saved->getLayer(5)->getWeights()[0].shape().back(), int64_t(12));
        // Reopening the project keeps them too (the archive's weights are the source now).
        MainWindow second;
        second.setErrorReporter([this](const QString& t, const QString& m) { reports.push_back({t, m}); });
        QVERIFY(second.openFile(project));
        QVERIFY(second.saveTo(path("again.keras")));
        ModelPtr again = loadModel(path("again.keras").toStdString());
        QCOMPARE(again->getLayer(first->name())->getWeights()[0].data()[96], w[0].data()[96]);
    }

    void badFilesAreRefusedAndTheDocumentStays() {
        QString good = modelJson("two_branch.json", reference::twoBranchConcatenate());
        QVERIFY(window->openFile(good));
        Json before = graphSpecToJson(window->document()->spec());
        int undoCount = window->document()->undoStack()->count();

        QString garbage = path("garbage.keras");
        writeFile(garbage, "this is not a model");
        QString brokenJson = path("broken.json");
        writeFile(brokenJson, "{\"class_name\": \"Functional\", \"config\": {\"layers\": [{\"class_name\": \"NoSuchLayer\"");
        QString foreign = path("foreign.json");
        writeFile(foreign, "{\"class_name\": \"Functional\", \"config\": {\"name\": \"m\", \"layers\": [{\"class_name\": "
                           "\"Frobnicate\", \"name\": \"f\", \"config\": {\"name\": \"f\"}, \"inbound_nodes\": []}], "
                           "\"input_layers\": [], \"output_layers\": []}}");
        QString badLayout = path("bad_layout.keras");
        {
            zipio::Writer w(badLayout.toStdString());
            w.add(kLayoutEntry, "{\"format\": \"strata-layout\", \"version\": 1, \"graph\": {\"nodes\": 3}}", false);
            w.commit();
        }
        for (const QString& bad : {garbage, brokenJson, foreign, badLayout, path("missing.h5")}) {
            reports.clear();
            QVERIFY2(!window->openFile(bad), qPrintable(bad));
            QCOMPARE(int(reports.size()), 1);
            const QString name = QFileInfo(bad).fileName();
            QVERIFY2(reports[0].title.contains(name) && reports[0].text.contains(name),
                     qPrintable(reports[0].title + " / " + reports[0].text));
            QCOMPARE(graphSpecToJson(window->document()->spec()), before);
            QCOMPARE(window->document()->undoStack()->count(), undoCount);
        }
        QVERIFY(reports.back().text.contains("does not exist") || reports.back().text.contains("cannot") ||
                reports.back().text.contains("No such"));
    }

    void invalidGraphsSaveAsDrafts() {
        auto* doc = window->document();
        QString in = doc->addLayer("InputLayer", {0, 0});
        QString dense = doc->addLayer("Dense", {0, 120});
        Q_UNUSED(in);
        Q_UNUSED(dense);
        QVERIFY(!doc->check().ok());  // unconnected, no output
        QString draft = path("draft.keras");
        QVERIFY(window->saveTo(draft));
        QCOMPARE(int(reports.size()), 1);
        QVERIFY(reports[0].text.contains("draft"));
        zipio::Reader zip(draft.toStdString());
        QVERIFY(zip.contains(kLayoutEntry));
        QVERIFY(!zip.contains("config.json"));
        Json spec = graphSpecToJson(doc->spec());
        QVERIFY(window->openFile(draft));
        QCOMPARE(graphSpecToJson(window->document()->spec()), spec);
    }

    void recoversAutosavedWork() {
        QString file = path("autosave-crashed.json");
        Json spec;
        {
            editor::GraphDocument lost;
            editor::Autosave autosave(&lost, file, 60000);
            QString in = lost.addLayer("InputLayer", {0, 0});
            QString d = lost.addLayer("Dense", {0, 120});
            lost.connectPorts(in, 0, d, 0);
            QVERIFY(autosave.saveNow());
            spec = graphSpecToJson(lost.spec());
        }  // the "crash": the file stays
        QVERIFY(QFile::exists(file));
        QVERIFY(window->recoverFrom(file));
        QCOMPARE(graphSpecToJson(window->document()->spec()), spec);
        QVERIFY(!window->document()->undoStack()->isClean());  // recovered work is unsaved
        QVERIFY(!QFile::exists(file));
        QVERIFY(!window->recoverFrom(path("nothing.json")));
        QCOMPARE(int(reports.size()), 1);
    }

    void savingOverAProjectIsAtomic() {
        QString file = modelJson("two_branch.json", reference::twoBranchConcatenate());
        QVERIFY(window->openFile(file));
        QString project = path("atomic.keras");
        QVERIFY(window->saveTo(project));
        QByteArray first;
        {
            QFile f(project);
            QVERIFY(f.open(QIODevice::ReadOnly));
            first = f.readAll();
        }
        // A directory where the file should be makes the save fail; the old file must stay.
        QDir(dir.path()).mkdir("blocked.keras");
        QVERIFY(!window->saveTo(path("blocked.keras")));
        QCOMPARE(int(reports.size()), 1);
        QFile f(project);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), first);
        QCOMPARE(window->currentFile(), project);
    }
};

QTEST_MAIN(TestStudioWindow)
#include "test_studio_window.moc"
