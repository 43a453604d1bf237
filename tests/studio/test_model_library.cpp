// The model library in the Studio: the palette lists saved models (examples and the user's folder,
// read by the engine) with their shapes and params, a broken file disabled with the engine's
// error; dropping one through the palette's real drag data makes a nested-model node carrying the
// file's weights; a second drop shares the instance (one set of weights) or clones it (params
// doubled, own weights); every drop is one undo step; "Save Selection as Block…" and "Add Model to
// Library…" write files the palette lists and a drop reuses; files changed on disk are picked up.
#include <QDropEvent>
#include <QLineEdit>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <fstream>

#include "app/studio/library_actions.h"
#include "app/studio/main_window.h"
#include "app/studio/training/data_dock.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/training_workbench.h"
#include "editor/document/graph_document.h"
#include "editor/library/library_insert.h"
#include "editor/library/model_library.h"
#include "editor/scene/graph_scene.h"
#include "editor/scene/graph_view.h"
#include "editor/scene/node_item.h"
#include "editor/document/model_nesting.h"
#include "editor/widgets/model_tabs.h"
#include "editor/widgets/palette_widget.h"
#include "editor/widgets/summary_widget.h"
#include "engine/core/thread_rng.h"
#include "engine/io/model_io.h"
#include "engine/strata.h"

using namespace strata;
using namespace strata::studio;
using namespace strata::editor;
namespace L = strata::layers;

namespace {

void writeFile(const QString& path, const std::string& data) {
    std::ofstream f(path.toStdString(), std::ios::binary);
    f << data;
}

/// All weight values of `layer`, flattened (to compare sets of weights).
std::vector<float> valuesOf(const Layer& layer) {
    std::vector<float> out;
    for (const Tensor& t : layer.getWeights()) out.insert(out.end(), t.values().begin(), t.values().end());
    return out;
}

}  // namespace

class TestModelLibrary : public QObject {
    Q_OBJECT

    QTemporaryDir dir;
    QString lib, encoderFile, brokenFile, badConfigFile;
    std::vector<float> encoderWeights;
    std::unique_ptr<MainWindow> window;
    QStringList reports;

    /// The canvas in front (the model, or a nested model's tab).
    GraphView* view() const { return window->tabs()->currentView(); }
    GraphDocument* doc() const { return window->document(); }
    GraphDocument* front() const { return window->tabs()->currentDocument(); }
    PaletteWidget* palette() const { return window->palette(); }

    /// Sends the palette item's own drag data to the canvas as a drop at `scenePos`.
    QString dropItem(QTreeWidgetItem* item, QPointF scenePos, Qt::KeyboardModifiers mods = Qt::NoModifier) {
        std::unique_ptr<QMimeData> mime(palette()->tree()->dragData(item));
        if (!mime) return {};
        return dropMime(mime.get(), scenePos, mods);
    }
    QString dropMime(QMimeData* mime, QPointF scenePos, Qt::KeyboardModifiers mods = Qt::NoModifier) {
        view()->centerOn(scenePos);
        QPointF at = view()->mapFromScene(scenePos);
        QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, mime, Qt::LeftButton, mods);
        QApplication::sendEvent(view()->viewport(), &enter);
        if (!enter.isAccepted()) return {};
        QDragMoveEvent move(at.toPoint(), Qt::CopyAction, mime, Qt::LeftButton, mods);
        QApplication::sendEvent(view()->viewport(), &move);
        QSignalSpy dropped(view(), &GraphView::layerDropped);
        QDropEvent drop(at, Qt::CopyAction, mime, Qt::LeftButton, mods);
        QApplication::sendEvent(view()->viewport(), &drop);
        return dropped.isEmpty() ? QString() : dropped.first().first().toString();
    }
    QString dropLibrary(const QString& path, QPointF scenePos, Qt::KeyboardModifiers mods = Qt::NoModifier) {
        QTreeWidgetItem* item = palette()->libraryItemFor(path);
        return item ? dropItem(item, scenePos, mods) : QString();
    }
    QString addInput(int width, QPointF at) {
        QString in = dropItem(palette()->itemFor("InputLayer"), at);
        doc()->setParameter(in, "shape", Json::array({width}));
        return in;
    }
    int64_t params() {
        window->summary()->refreshNow();
        return window->summary()->totalParams();
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // never the user's settings or library
        QVERIFY(dir.isValid());
        lib = dir.filePath("library");
        QDir().mkpath(lib);
        QSettings().setValue(ModelLibrary::settingsKey(), lib);

        // A saved model with weights: Input(8) -> Dense(4, relu) -> Dense(2), 46 params.
        clearSession();
        auto in = Input({8});
        auto x = L::Dense(4, {{"activation", "relu"}})(in);
        auto y = L::Dense(2)(x);
        ModelPtr encoder = makeModel(in, y, "encoder");
        std::vector<Tensor> w = encoder->getWeights();
        for (auto& t : w)
            for (int64_t i = 0; i < t.size(); ++i) t[i] = 0.01f * static_cast<float>(i + 1);  // recognisable values
        encoder->setWeights(w);
        encoderWeights = valuesOf(*encoder);
        encoderFile = QDir(lib).filePath("encoder.keras");
        saveModel(*encoder, encoderFile.toStdString());
        brokenFile = QDir(lib).filePath("broken.keras");
        writeFile(brokenFile, "PK\x03\x04 this is not a zip archive");
        badConfigFile = QDir(lib).filePath("bad_config.json");
        writeFile(badConfigFile, R"({"class_name": "Functional", "config": {"name": "m", "layers": [{"class_name": "NoSuchLayer", "name": "x", "config": {}, "inbound_nodes": []}], "input_layers": [], "output_layers": []}})");
    }

    void init() {
        reports.clear();
        window = std::make_unique<MainWindow>();
        window->setErrorReporter([this](const QString& t, const QString& m) { reports << t + ": " + m; });
        window->summary()->setDelay(0);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    }

    void cleanup() {
        window.reset();
        QFile::remove(QDir(lib).filePath("my_block.json"));
        QFile::remove(QDir(lib).filePath("my_block.keras"));
        QFile::remove(QDir(lib).filePath("encoded.keras"));
        QFile::remove(QDir(lib).filePath("late.json"));
        QFile::remove(QDir(lib).filePath("head.keras"));
    }

    void paletteListsTheLibraryWithShapesAndParams() {
        QTreeWidgetItem* item = palette()->libraryItemFor(encoderFile);
        QVERIFY(item);
        QCOMPARE(item->text(0), QString("encoder"));
        QVERIFY(item->flags() & Qt::ItemIsEnabled);
        QVERIFY(item->flags() & Qt::ItemIsDragEnabled);
        const QString tip = item->toolTip(0);
        QVERIFY2(tip.contains("(None, 8)") && tip.contains("(None, 2)"), qPrintable(tip));
        QVERIFY2(tip.contains("Params: 46"), qPrintable(tip));
        QVERIFY(tip.contains("saved weights"));
        // It sits under "Models & blocks", in the section of its folder.
        QCOMPARE(item->parent()->text(0), QString("My library"));
        QCOMPARE(item->parent()->parent()->text(0), QString::fromStdString(categoryName(LayerCategory::ModelsBlocks)));
        // The examples shipped with Strata are listed too (read by the engine, all valid).
        QTreeWidgetItem* mlp = nullptr;
        for (const QString& p : palette()->visibleLibraryModels())
            if (p.endsWith("examples/models/09_fashion_mnist_mlp.json")) mlp = palette()->libraryItemFor(p);
        QVERIFY(mlp);
        QCOMPARE(mlp->parent()->text(0), QString("Examples"));
        QVERIFY(mlp->toolTip(0).contains("(None, 784)"));
        // The search box finds library models by name.
        palette()->searchBox()->setText("encod");
        const QStringList found = palette()->visibleLibraryModels();
        QVERIFY(found.contains(encoderFile));
        QVERIFY(!found.contains(QDir(lib).filePath("broken.keras")));
        for (const QString& p : found) QVERIFY2(p.section('/', -1).contains("encod"), qPrintable(p));
        QVERIFY(palette()->visibleClasses().isEmpty());
        palette()->searchBox()->clear();
    }

    void everyExampleDropsAsANestedModel() {
        int examples = 0;
        for (const LibraryItem& item : window->libraryActions()->library()->items()) {
            if (item.folder != "Examples") continue;
            ++examples;
            QVERIFY2(item.ok, qPrintable(item.path + ": " + item.error));
            GraphDocument scratch;
            QString why;
            const QString id = insertLibraryModel(scratch, item.path, {0, 0}, LibraryUse::New, &why);
            QVERIFY2(!id.isEmpty(), qPrintable(item.path + ": " + why));
            QVERIFY(scratch.node(id)->className == "Functional" || scratch.node(id)->className == "Sequential");
            scratch.undoStack()->undo();
            QVERIFY(scratch.spec().nodes.empty());
        }
        QCOMPARE(examples, 14);
    }

    void brokenFilesAreListedDisabledWithTheEnginesError() {
        for (const QString& f : {brokenFile, badConfigFile}) {
            QTreeWidgetItem* item = palette()->libraryItemFor(f);
            QVERIFY2(item, qPrintable(f));
            QVERIFY(!(item->flags() & Qt::ItemIsEnabled));
            QVERIFY(!palette()->tree()->dragData(item));  // nothing to drag
            const QString tip = item->toolTip(0);
            QVERIFY2(tip.contains("cannot be used") && tip.contains(QFileInfo(f).fileName()), qPrintable(tip));
        }
        QVERIFY(palette()->libraryItemFor(badConfigFile)->toolTip(0).contains("NoSuchLayer"));
        // Dropped anyway (a stale drag): nothing is added, the status bar says why.
        const int before = int(doc()->spec().nodes.size());
        QSignalSpy status(window->scene(), &GraphScene::statusMessage);
        std::unique_ptr<QMimeData> mime(PaletteTree::libraryMimeDataFor(brokenFile));
        QVERIFY(dropMime(mime.get(), {0, 0}).isEmpty());
        QCOMPARE(int(doc()->spec().nodes.size()), before);
        QVERIFY(!status.isEmpty());
        QVERIFY(status.last().first().toString().contains("broken.keras"));
    }

    void dropMakesANestedModelWithTheFilesWeights() {
        QString in = addInput(8, {0, 0});
        QString enc = dropLibrary(encoderFile, {0, 150});
        QVERIFY(!enc.isEmpty());
        const GraphNode* n = doc()->node(enc);
        QCOMPARE(QString::fromStdString(n->className), QString("Functional"));
        QCOMPARE(QString::fromStdString(n->layerName), QString("encoder"));
        QVERIFY(doc()->connectPorts(in, 0, enc, 0));
        doc()->setOutput(enc, true);
        QVERIFY(doc()->check().ok());
        QCOMPARE(QString::fromStdString(doc()->check().node(n->id)->outputShapes[0].toString()), QString("(None, 2)"));
        QCOMPARE(params(), int64_t(46));
        ModelPtr m = window->modelWithWeights();
        QCOMPARE(valuesOf(*m->getLayer("encoder")), encoderWeights);
        // The project saved keeps them: reopened, the engine reads the library's weights back.
        const QString project = dir.filePath("with_library.keras");
        QVERIFY(window->saveTo(project));
        QVERIFY2(reports.isEmpty(), qPrintable(reports.join('\n')));
        ModelPtr reread = loadModel(project.toStdString());
        QCOMPARE(valuesOf(*reread->getLayer("encoder")), encoderWeights);
    }

    void secondDropSharesOrClonesAndUndoes() {
        QString in = addInput(8, {0, 0});
        QString first = dropLibrary(encoderFile, {-200, 150});
        QVERIFY(doc()->connectPorts(in, 0, first, 0));
        doc()->setOutput(first, true);
        QCOMPARE(params(), int64_t(46));
        QUndoStack* undo = doc()->undoStack();

        // Shift+drop: another call of the same instance (shared weights, as Call Layer Again).
        const int stepsBefore = undo->count();
        QString shared = dropLibrary(encoderFile, {0, 150}, Qt::ShiftModifier);
        QVERIFY(!shared.isEmpty());
        QCOMPARE(undo->count(), stepsBefore + 1);  // one step
        QCOMPARE(doc()->node(shared)->layerName, doc()->node(first)->layerName);
        QCOMPARE(doc()->callCount(first), 2);
        QCOMPARE(window->scene()->nodeItem(shared)->badge(), QString("shared ×2"));
        QVERIFY(doc()->connectPorts(in, 0, shared, 0));
        doc()->setOutput(shared, true);
        QVERIFY(doc()->check().ok());
        QCOMPARE(params(), int64_t(46));  // one set of weights
        {
            ModelPtr m = window->modelWithWeights();
            int nested = 0;
            for (const auto& l : m->layers()) nested += l->isModel();
            QCOMPARE(nested, 1);  // both calls are one layer object
            QCOMPARE(valuesOf(*m->getLayer("encoder")), encoderWeights);
        }

        // Ctrl+drop: an independent copy with a fresh name and its own copy of the weights.
        QString clone = dropLibrary(encoderFile, {200, 150}, Qt::ControlModifier);
        QVERIFY(!clone.isEmpty());
        QCOMPARE(QString::fromStdString(doc()->node(clone)->layerName), QString("encoder_1"));
        QCOMPARE(doc()->callCount(clone), 1);
        QCOMPARE(window->scene()->nodeItem(clone)->badge(), QString("clone"));
        QVERIFY(doc()->connectPorts(in, 0, clone, 0));
        doc()->setOutput(clone, true);
        QVERIFY(doc()->check().ok());
        QCOMPARE(params(), int64_t(92));  // doubled
        {
            ModelPtr m = window->modelWithWeights();
            auto a = m->getLayer("encoder"), b = m->getLayer("encoder_1");
            QVERIFY(a != b);
            QCOMPARE(valuesOf(*b), encoderWeights);
            QVERIFY(a->weights()[0] != b->weights()[0]);  // separate variables
        }

        // Saved and read back by the engine: two nested models, each with its weights.
        const QString project = dir.filePath("shared_and_clone.keras");
        QVERIFY(window->saveTo(project));
        QVERIFY2(reports.isEmpty(), qPrintable(reports.join('\n')));
        {
            ModelPtr reread = loadModel(project.toStdString());
            QCOMPARE(reread->countParams(), int64_t(92));
            QCOMPARE(valuesOf(*reread->getLayer("encoder")), encoderWeights);
            QCOMPARE(valuesOf(*reread->getLayer("encoder_1")), encoderWeights);
        }

        // Undo the clone's wiring, output and drop; redo brings it back with its weights.
        undo->undo();  // output
        undo->undo();  // wire
        undo->undo();  // the drop
        QVERIFY(!doc()->node(clone));
        QCOMPARE(params(), int64_t(46));
        undo->redo();
        QVERIFY(doc()->node(clone));
        undo->redo();
        undo->redo();
        QCOMPARE(valuesOf(*window->modelWithWeights()->getLayer("encoder_1")), encoderWeights);

        // No modifier: the Studio asks; the answer decides (here: share).
        int asked = 0;
        view()->setLibraryUseChooser([&asked](const QString& layer) -> std::optional<LibraryUse> {
            ++asked;
            return layer == "encoder" ? std::optional(LibraryUse::Share) : std::nullopt;
        });
        QString third = dropLibrary(encoderFile, {0, 400});
        QCOMPARE(asked, 1);
        QCOMPARE(doc()->callCount(first), 3);
        QCOMPARE(doc()->node(third)->layerName, std::string("encoder"));
        // Cancelled: nothing happens.
        view()->setLibraryUseChooser([](const QString&) { return std::nullopt; });
        const int nodes = int(doc()->spec().nodes.size());
        QVERIFY(dropLibrary(encoderFile, {0, 500}).isEmpty());
        QCOMPARE(int(doc()->spec().nodes.size()), nodes);
    }

    void libraryWeightsFollowIntoGroupsAndTabs() {
        // Input(8) -> encoder (library) -> Dense(3); the two grouped as "wrapped".
        QString in = addInput(8, {0, 0});
        QString enc = dropLibrary(encoderFile, {0, 150});
        QString dense = dropItem(palette()->itemFor("Dense"), {0, 300});
        doc()->setParameter(dense, "units", 3);
        doc()->connectPorts(in, 0, enc, 0);
        doc()->connectPorts(enc, 0, dense, 0);
        doc()->setOutput(dense, true);
        QString why;
        QString wrapped = groupIntoModel(*doc(), {enc, dense}, "wrapped", &why);
        QVERIFY2(!wrapped.isEmpty(), qPrintable(why));
        auto inner = [this](const std::string& name) {
            ModelPtr m = window->modelWithWeights();
            auto w = std::dynamic_pointer_cast<Model>(m->getLayer("wrapped"));
            return valuesOf(*w->getLayer(name));
        };
        QCOMPARE(inner("encoder"), encoderWeights);

        // In the nested model's tab, the encoder is known as the library's: Ctrl+drop clones it,
        // and the clone's weights reach the main model with the write-back (one undo step there).
        GraphDocument* tab = window->tabs()->openSubModel(doc(), wrapped, &why);
        QVERIFY2(tab, qPrintable(why));
        QVERIFY(tab->layerOrigin("encoder"));
        QString clone = dropLibrary(encoderFile, {300, 150}, Qt::ControlModifier);
        QVERIFY(!clone.isEmpty());
        QCOMPARE(tab->node(clone)->layerName, std::string("encoder_1"));
        const int rootSteps = doc()->undoStack()->count();
        QString tabInput;
        for (const auto& n : tab->spec().nodes)
            if (n.isInput()) tabInput = qs(n.id);
        QVERIFY(tab->connectPorts(tabInput, 0, clone, 0));
        tab->setOutput(clone, true);
        QVERIFY(tab->check().ok());
        QCOMPARE(doc()->undoStack()->count(), rootSteps + 1);  // the output made it valid: one write-back
        QCOMPARE(inner("encoder_1"), encoderWeights);
        QCOMPARE(params(), int64_t(46 + 9 + 46));
        doc()->undoStack()->undo();
        QVERIFY(!doc()->layerOrigin("encoder_1"));
        QVERIFY(doc()->layerOrigin("encoder"));
    }

    void expandingALibraryModelKeepsItsWeightsInItsLayers() {
        QString in = addInput(8, {0, 0});
        QString enc = dropLibrary(encoderFile, {0, 150});
        doc()->connectPorts(in, 0, enc, 0);
        doc()->setOutput(enc, true);
        std::vector<std::vector<float>> perLayer;
        {
            ModelPtr m = window->modelWithWeights();
            for (const auto& l : std::dynamic_pointer_cast<Model>(m->getLayer("encoder"))->layers())
                if (!l->weights().empty()) perLayer.push_back(valuesOf(*l));
        }
        QCOMPARE(int(perLayer.size()), 2);
        QString why;
        QStringList created = expandModel(*doc(), enc, &why);
        QVERIFY2(created.size() == 2, qPrintable(why));
        QVERIFY(doc()->check().ok());
        QCOMPARE(params(), int64_t(46));
        ModelPtr m = window->modelWithWeights();
        for (int k = 0; k < 2; ++k)
            QCOMPARE(valuesOf(*m->getLayer(doc()->node(created[k])->layerName)), perLayer[size_t(k)]);
        // The inlined layers are not "the encoder": a drop of the file again is a new model.
        QVERIFY(doc()->layerFromFile(encoderFile).isEmpty());
        doc()->undoStack()->undo();
        QVERIFY(doc()->node(enc));
        QCOMPARE(valuesOf(*window->modelWithWeights()->getLayer("encoder")), encoderWeights);
    }

    void activatingInThePaletteAddsAtTheCentre() {
        // Enter on the item (what a double-click does): added at the centre of the canvas.
        QSignalSpy activated(palette(), &PaletteWidget::libraryModelActivated);
        QTreeWidgetItem* item = palette()->libraryItemFor(encoderFile);
        palette()->tree()->setFocus();
        palette()->tree()->setCurrentItem(item);
        QTest::keyClick(palette()->tree(), Qt::Key_Return);
        QCOMPARE(activated.count(), 1);
        QCOMPARE(int(doc()->spec().nodes.size()), 1);
        QCOMPARE(doc()->spec().nodes[0].layerName, std::string("encoder"));
        const QPointF center = view()->mapToScene(view()->viewport()->rect().center());
        QVERIFY(QLineF(doc()->position(qs(doc()->spec().nodes[0].id)), center).length() < 150);
        // Quick insert on the canvas (Tab, type the name, Enter) knows library models too; the file
        // is on the canvas already, so Shift shares it without asking.
        view()->setFocus();
        view()->showQuickInsert(view()->viewport()->rect().center());
        // (The examples hold a model named "encoder" too, so the name says which file.)
        QTest::keyClicks(view()->quickInsertBox(), "encoder (encoder.keras)");
        QTest::keyClick(view()->quickInsertBox(), Qt::Key_Return, Qt::ShiftModifier);
        QCOMPARE(int(doc()->spec().nodes.size()), 2);
        QCOMPARE(doc()->callCount(qs(doc()->spec().nodes[0].id)), 2);
    }

    void saveSelectionAsBlockThenReuseIt() {
        // Input(8) -> Dense(16) -> Dense(3): the two Dense layers become "my_block".
        QString in = addInput(8, {0, 0});
        QString a = dropItem(palette()->itemFor("Dense"), {0, 150});
        QString b = dropItem(palette()->itemFor("Dense"), {0, 300});
        doc()->setParameter(a, "units", 16);
        doc()->setParameter(b, "units", 3);
        doc()->connectPorts(in, 0, a, 0);
        doc()->connectPorts(a, 0, b, 0);
        doc()->setOutput(b, true);
        QVERIFY(doc()->check().ok());
        const int steps = doc()->undoStack()->count();
        window->scene()->selectNode(a);
        window->scene()->selectNodeAdd(b);
        QSignalSpy changed(window->libraryActions()->library(), &ModelLibrary::changed);
        const QString path = window->libraryActions()->saveSelectionAsBlock("my_block");
        QVERIFY2(!path.isEmpty(), qPrintable(reports.join('\n')));
        QVERIFY(path.endsWith("my_block.json"));  // no trained weights: the architecture
        QVERIFY(!changed.isEmpty());
        QCOMPARE(doc()->undoStack()->count(), steps);  // the document is not changed
        QCOMPARE(int(doc()->spec().nodes.size()), 3);
        QTreeWidgetItem* item = palette()->libraryItemFor(path);
        QVERIFY(item);
        QVERIFY(item->toolTip(0).contains("Params: 195"));  // 8*16+16 + 16*3+3

        // Reused in a new model: one node with the block's shapes and params.
        window->newDocument();
        QString in2 = addInput(8, {0, 0});
        QString block = dropLibrary(path, {0, 150});
        QVERIFY(!block.isEmpty());
        QCOMPARE(doc()->node(block)->layerName, std::string("my_block"));
        doc()->connectPorts(in2, 0, block, 0);
        doc()->setOutput(block, true);
        QVERIFY(doc()->check().ok());
        QCOMPARE(QString::fromStdString(doc()->check().node(block.toStdString())->outputShapes[0].toString()),
                 QString("(None, 3)"));
        QCOMPARE(params(), int64_t(195));
    }

    void addModelToLibraryKeepsTheWeights() {
        QString in = addInput(8, {0, 0});
        QString enc = dropLibrary(encoderFile, {0, 150});
        doc()->connectPorts(in, 0, enc, 0);
        doc()->setOutput(enc, true);
        const QString path = window->libraryActions()->addModelToLibrary("encoded");
        QVERIFY2(path.endsWith("encoded.keras"), qPrintable(path + reports.join('\n')));
        ModelPtr saved = loadModel(path.toStdString());
        QCOMPARE(valuesOf(*saved->getLayer("encoder")), encoderWeights);
        QVERIFY(palette()->libraryItemFor(path));
        // Saving under a name already there is refused and leaves the file as it was.
        const QByteArray before = [&] { QFile f(path); f.open(QIODevice::ReadOnly); return f.readAll(); }();
        QVERIFY(window->libraryActions()->addModelToLibrary("encoded").isEmpty());
        QVERIFY(!reports.isEmpty() && reports.last().contains("already in the library"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
    }

    void filesChangedOnDiskAreListed() {
        const QString late = QDir(lib).filePath("late.json");
        QVERIFY(!palette()->libraryItemFor(late));
        clearSession();
        auto in = Input({5});
        ModelPtr m = makeModel(in, L::Dense(7)(in), "late_model");
        saveModel(*m, late.toStdString());
        QTRY_VERIFY_WITH_TIMEOUT(palette()->libraryItemFor(late), 5000);
        QVERIFY(palette()->libraryItemFor(late)->flags() & Qt::ItemIsEnabled);
        // Broken in place: listed disabled, never a crash.
        writeFile(late, "{ not json");
        QTRY_VERIFY_WITH_TIMEOUT(palette()->libraryItemFor(late) &&
                                     !(palette()->libraryItemFor(late)->flags() & Qt::ItemIsEnabled),
                                 5000);
        QFile::remove(late);
        QTRY_VERIFY_WITH_TIMEOUT(!palette()->libraryItemFor(late), 5000);
    }

    void theUserFolderIsASettingAndCanBeChanged() {
        QCOMPARE(ModelLibrary::userFolder(), lib);
        const QString other = dir.filePath("other_library");
        QDir().mkpath(other);
        clearSession();
        auto in = Input({3});
        saveModel(*makeModel(in, L::Dense(1)(in), "tiny"), QDir(other).filePath("tiny.keras").toStdString());
        window->libraryActions()->library()->setUserFolder(other);
        QCOMPARE(QSettings().value(ModelLibrary::settingsKey()).toString(), other);
        QVERIFY(palette()->libraryItemFor(QDir(other).filePath("tiny.keras")));
        QVERIFY(!palette()->libraryItemFor(encoderFile));  // the previous folder is no longer listed
        // And back: the first folder is listed again.
        window->libraryActions()->library()->setUserFolder(lib);
        QVERIFY(palette()->libraryItemFor(encoderFile));
    }

    void trainingStartsFromTheLibraryWeights() {
        // A classifier head from the library on a layer of our own: Input(784) -> Dense(16) -> head.
        clearSession();
        auto hin = Input({16});
        ModelPtr head = makeModel(hin, L::Dense(10, {{"activation", "softmax"}})(hin), "head");
        std::vector<Tensor> w = head->getWeights();
        for (auto& t : w) t.fill(0.125f);
        head->setWeights(w);
        const QString headFile = QDir(lib).filePath("head.keras");
        saveModel(*head, headFile.toStdString());
        window->libraryActions()->library()->refresh();

        QString in = addInput(784, {0, 0});
        QString dense = dropItem(palette()->itemFor("Dense"), {0, 150});
        doc()->setParameter(dense, "units", 16);
        QString h = dropLibrary(headFile, {0, 300});
        QVERIFY(!h.isEmpty());
        doc()->connectPorts(in, 0, dense, 0);
        doc()->connectPorts(dense, 0, h, 0);
        doc()->setOutput(h, true);
        QVERIFY(doc()->check().ok());

        DataSourceSpec spec;
        spec.maxTrain = 64;
        spec.maxTest = 16;
        window->trainer()->dataDock()->setDataset(loadDataset(spec));
        QString error;
        auto job = window->trainer()->makeJob(&error);
        QVERIFY2(job, qPrintable(error));
        QVERIFY(!job->model.weights.empty());
        ModelPtr start = job->model.build();
        QCOMPARE(valuesOf(*start->getLayer("head")), std::vector<float>(16 * 10 + 10, 0.125f));
        // The layer of our own starts where a run without library weights would: the run's seed.
        Rng rng(job->settings.seed);
        ThreadRngScope scope(rng);
        ModelPtr seeded = ModelSnapshot::ofConfig(job->model.configJson).build();
        QCOMPARE(valuesOf(*start->getLayer(doc()->node(dense)->layerName)),
                 valuesOf(*seeded->getLayer(doc()->node(dense)->layerName)));
    }
};

QTEST_MAIN(TestModelLibrary)
#include "test_model_library.moc"
