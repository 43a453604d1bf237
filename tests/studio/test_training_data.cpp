// TrainingSettings JSON round trip and errors, data sources (Fashion-MNIST, IDX, NPY/NPZ, CSV),
// the model shape check and reshaping, the runs list CSV, and the Training/Data docks.
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "app/studio/training/confusion_matrix.h"
#include "app/studio/training/data_dock.h"
#include "app/studio/training/data_mapping.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/sample_grid.h"
#include "app/studio/training/sample_image.h"
#include "app/studio/training/training_dock.h"
#include "app/studio/training/training_runs.h"
#include "app/studio/training/training_settings.h"
#include "engine/core/errors.h"
#include "engine/data/idx.h"
#include "engine/data/npy.h"
#include "engine/graph/model_config.h"

using namespace strata;
using namespace strata::studio;

namespace {
ModelPtr example(const char* file) {
    return modelFromJsonString(readTextFile(std::string(STRATA_SOURCE_DIR "/examples/models/") + file), file);
}
}  // namespace

class TestTrainingData : public QObject {
    Q_OBJECT
private slots:
    void settingsRoundTrip() {
        TrainingSettings s;
        s.optimizer = "sgd";
        s.learningRate = 0.05;
        s.schedule.kind = "exponential_decay";
        s.schedule.decaySteps = 200;
        s.outputs.push_back({"priority", "binary_crossentropy", 0.5, {"accuracy", "auc"}});
        s.batchSize = 64;
        s.epochs = 7;
        s.validationSplit = 0.2;
        s.shuffle = false;
        s.seed = 7;
        s.callbacks.earlyStopping = true;
        s.callbacks.earlyStoppingPatience = 5;
        s.callbacks.csvLogger = true;
        s.callbacks.csvLoggerPath = "log.csv";
        const Json j = s.toJson();
        const TrainingSettings back = TrainingSettings::fromJson(Json::parse(j.dump()));
        QVERIFY(back == s);
        QVERIFY(!(TrainingSettings() == s));
        // Missing keys keep their defaults.
        QVERIFY(TrainingSettings::fromJson(Json::object()) == TrainingSettings());
    }

    void settingsErrorsNameTheKey() {
        Json j = TrainingSettings().toJson();
        j["fit"]["batch_size"] = "big";
        try {
            TrainingSettings::fromJson(j);
            QFAIL("no error");
        } catch (const ConfigError& e) {
            QVERIFY2(QString(e.what()).contains("'fit.batch_size' must be an integer, got \"big\""), e.what());
        }
        TrainingSettings s;
        s.defaultOutput.loss = "no_such_loss";
        s.batchSize = 0;
        s.validationSplit = 0;
        s.callbacks.earlyStopping = true;
        const auto p = s.problems();
        QCOMPARE(p.size(), size_t(3));
        QVERIFY(QString::fromStdString(p[0]).contains("Batch size"));
        QVERIFY(QString::fromStdString(p[1]).contains("no_such_loss"));
        QVERIFY(QString::fromStdString(p[2]).contains("EarlyStopping monitors 'val_loss'"));
        QVERIFY(TrainingSettings().problems().empty());
    }

    void settingsMakeCompileOptionsAndCallbacks() {
        TrainingSettings s;
        s.callbacks.reduceLrOnPlateau = true;
        s.callbacks.earlyStopping = true;
        const auto cbs = s.makeCallbacks(nullptr);
        QCOMPARE(cbs.size(), size_t(3));  // TerminateOnNaN, EarlyStopping, ReduceLROnPlateau
        QVERIFY(dynamic_cast<TerminateOnNaN*>(cbs[0].get()));
        QVERIFY(dynamic_cast<EarlyStopping*>(cbs[1].get()));
        ModelPtr m = example("04_ticket_classifier.json");
        QVERIFY(m->outputNames().size() > 1);
        const CompileOptions c = s.compileOptions(m->outputNames());
        QCOMPARE(c.loss.kind, LossArg::Kind::Map);
        QCOMPARE(c.loss.map.size(), m->outputNames().size());
        s.schedule.kind = "cosine_decay";
        QCOMPARE(s.optimizerConfig()["config"]["learning_rate"]["class_name"].get<std::string>(), std::string("CosineDecay"));
        s.schedule.kind = "bogus";
        QVERIFY_THROWS_EXCEPTION(ConfigError, s.optimizerConfig());
    }

    void fashionMnistFitsTheMlpAndTheCnn() {
        DataSourceSpec spec;
        spec.maxTrain = 100;
        spec.maxTest = 20;
        const Dataset d = loadDataset(spec);
        QCOMPARE(d.sampleShape(), (std::vector<int64_t>{28, 28}));
        QCOMPARE(d.classNames.size(), size_t(10));
        QVERIFY(d.images && d.scaled);
        float mx = 0;
        for (float v : d.xTrain.values()) mx = std::max(mx, v);
        QVERIFY(mx <= 1.0f && mx > 0.5f);
        TrainingSettings s;
        PreparedData mlp = prepareTrainingData(*example("09_fashion_mnist_mlp.json"), {d}, {}, s);
        QCOMPARE(mlp.x.at("input_layer").shape(), (std::vector<int64_t>{100, 784}));
        QCOMPARE(mlp.xTest.at("input_layer").shape(), (std::vector<int64_t>{20, 784}));
        QCOMPARE(mlp.testCount, int64_t(20));
        QVERIFY(!mlp.notes.empty());
        ModelPtr cnn = example("10_fashion_mnist_cnn.json");
        PreparedData c = prepareTrainingData(*cnn, {d}, {}, s);
        QCOMPARE(c.x.begin()->second.shape(), (std::vector<int64_t>{100, 28, 28, 1}));
        // Categorical losses get one-hot labels.
        s.defaultOutput.loss = "categorical_crossentropy";
        PreparedData oh = prepareTrainingData(*cnn, {d}, {}, s);
        QCOMPARE(oh.y.begin()->second.shape(), (std::vector<int64_t>{100, 10}));
    }

    void mismatchNamesInputExpectedAndActual() {
        Dataset d;
        d.name = "colour images";
        d.xTrain = Tensor({10, 32, 32, 3});
        d.yTrain = Tensor({10}, 1.0f);
        try {
            prepareTrainingData(*example("09_fashion_mnist_mlp.json"), {d}, {}, TrainingSettings());
            QFAIL("no error");
        } catch (const DataMismatchError& e) {
            QCOMPARE(QString(e.what()), QString("input 'input_layer' expects samples of shape (784,) but the training "
                                                "features of 'colour images' have shape (32, 32, 3)"));
        }
        d.xTrain = Tensor({10, 784});
        d.yTrain = Tensor({10}, 12.0f);  // class 12 of 10
        try {
            prepareTrainingData(*example("09_fashion_mnist_mlp.json"), {d}, {}, TrainingSettings());
            QFAIL("no error");
        } catch (const DataMismatchError& e) {
            QVERIFY2(QString(e.what()).contains("has 10 units") && QString(e.what()).contains("12"), e.what());
        }
        DataBinding b;
        b.input = "pixels";
        QVERIFY_THROWS_EXCEPTION(DataMismatchError,
                                 prepareTrainingData(*example("09_fashion_mnist_mlp.json"), {d}, {b}, TrainingSettings()));
    }

    void idxNpyNpzAndCsvSources() {
        QTemporaryDir dir;
        const auto path = [&](const char* n) { return dir.filePath(n).toStdString(); };
        Tensor x({6, 4, 4});
        for (int64_t i = 0; i < x.size(); ++i) x[i] = float(i % 256);
        Tensor y = Tensor::of({6}, {0, 1, 2, 0, 1, 2});
        writeIdxUbyte(path("x.idx"), x);
        writeIdxUbyte(path("y.idx"), y);
        DataSourceSpec idx;
        idx.kind = DataSourceSpec::Kind::Idx;
        idx.trainImages = path("x.idx");
        idx.trainLabels = path("y.idx");
        idx.testFraction = 0.5;
        Dataset d = loadDataset(idx);
        QCOMPARE(d.trainCount(), int64_t(3));
        QCOMPARE(d.testCount(), int64_t(3));
        QCOMPARE(d.classNames, (std::vector<std::string>{"0", "1", "2"}));
        QVERIFY(d.images && d.scaled);

        // Labels that do not match the images in number.
        writeIdxUbyte(path("y5.idx"), Tensor::of({5}, {0, 1, 2, 0, 1}));
        idx.trainLabels = path("y5.idx");
        try {
            loadDataset(idx);
            QFAIL("no error");
        } catch (const ValueError& e) {
            QVERIFY2(QString(e.what()).contains("'x.idx' has 6 samples but 'y5.idx' has 5 labels"), e.what());
        }
        idx.trainLabels = path("missing.idx");
        QVERIFY_THROWS_EXCEPTION(IoError, loadDataset(idx));

        saveNpz(path("d.npz"), {{"x_train", x}, {"y_train", y}});
        DataSourceSpec npz;
        npz.kind = DataSourceSpec::Kind::Npz;
        npz.path = path("d.npz");
        QCOMPARE(loadDataset(npz).trainCount(), int64_t(6));
        npz.xTrainKey = "features";
        try {
            loadDataset(npz);
            QFAIL("no error");
        } catch (const ValueError& e) {
            QVERIFY2(QString(e.what()).contains("has no array 'features' (it holds: x_train, y_train)"), e.what());
        }

        {
            std::ofstream f(path("iris.csv"));
            f << "a,b,species\n1,2,0\n3,4,1\n5,6,1\n7,8,0\n";
        }
        DataSourceSpec csv;
        csv.kind = DataSourceSpec::Kind::Csv;
        csv.path = path("iris.csv");
        csv.labelColumn = "species";
        const Dataset c = loadDataset(csv);
        QCOMPARE(c.xTrain.shape(), (std::vector<int64_t>{4, 2}));
        QCOMPARE(c.yTrain[1], 1.0f);
        QVERIFY(!c.images);
        QCOMPARE(c.featureNames, (std::vector<std::string>{"a", "b"}));

        // The spec round-trips through JSON (it is saved in the project).
        QVERIFY(DataSourceSpec::fromJson(csv.toJson()) == csv);
        QVERIFY_THROWS_EXCEPTION(ConfigError, DataSourceSpec::fromJson(Json{{"kind", "parquet"}}));
    }

    void imageFolderSource() {
        QTemporaryDir dir;
        QDir root(dir.path());
        for (const char* cls : {"cats", "dogs"}) {
            root.mkpath(cls);
            for (int i = 0; i < 3; ++i) {
                QImage img(40, 30, QImage::Format_RGB32);
                img.fill(QString(cls) == "cats" ? Qt::white : Qt::black);
                QVERIFY(img.save(root.filePath(QString("%1/%2.png").arg(cls).arg(i))));
            }
        }
        DataSourceSpec spec;
        spec.kind = DataSourceSpec::Kind::ImageFolder;
        spec.dir = dir.path().toStdString();
        spec.imageWidth = 28;
        spec.imageHeight = 28;
        const Dataset d = loadDataset(spec);
        QCOMPARE(d.xTrain.shape(), (std::vector<int64_t>{6, 28, 28}));
        QCOMPARE(d.classNames, (std::vector<std::string>{"cats", "dogs"}));
        QVERIFY(d.images && d.scaled);
        for (int64_t i = 0; i < 6; ++i)  // white cats, black dogs, after the shuffle too
            QCOMPARE(d.xTrain[i * 784], d.yTrain[i] == 0 ? 1.0f : 0.0f);
        // Resized to the MLP's input: the shape check passes after a reshape.
        QCOMPARE(prepareTrainingData(*example("09_fashion_mnist_mlp.json"), {d}, {}, TrainingSettings()).x.begin()->second.dim(1),
                 int64_t(784));
        spec.imageRgb = true;
        QCOMPARE(loadDataset(spec).xTrain.shape(), (std::vector<int64_t>{6, 28, 28, 3}));
        QVERIFY(DataSourceSpec::fromJson(spec.toJson()) == spec);
        // A broken image names the file.
        QFile bad(root.filePath("dogs/broken.png"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("not a png");
        bad.close();
        try {
            loadDataset(spec);
            QFAIL("no error");
        } catch (const IoError& e) {
            QVERIFY2(QString(e.what()).contains("broken.png"), e.what());
        }
        spec.dir = "/nonexistent/images";
        QVERIFY_THROWS_EXCEPTION(IoError, loadDataset(spec));
    }

    void sampleImagesAndConfusionMatrix() {
        Tensor x({2, 784});
        for (int64_t i = 0; i < 784; ++i) x[784 + i] = 1.0f;
        QVERIFY(drawableAsImage(x));
        const QImage img = sampleImage(x, 1);
        QCOMPARE(img.size(), QSize(28, 28));
        QCOMPARE(qGray(img.pixel(3, 3)), 255);
        QCOMPARE(qGray(sampleImage(x, 0).pixel(3, 3)), 0);
        QVERIFY(sampleImage(x, 5).isNull());

        Tensor labels = Tensor::of({4}, {0, 1, 1, 2});
        Tensor preds = Tensor::of({4, 3}, {0.9f, 0.05f, 0.05f, 0.1f, 0.8f, 0.1f, 0.7f, 0.2f, 0.1f, 0, 0, 1});
        ConfusionMatrixModel m;
        m.setData(labels, preds, {"a", "b", "c"});
        QCOMPARE(m.classes(), 3);
        QCOMPARE(m.count(1, 0), int64_t(1));
        QCOMPARE(m.count(1, 1), int64_t(1));
        QCOMPARE(m.accuracy(), 0.75);
        QCOMPARE(m.headerData(2, Qt::Horizontal).toString(), QString("c"));
    }

    void runsExportOneCsvAndRoundTrip() {
        TrainingRunsModel runs;
        TrainingOutcome a;
        a.history.epochs = {0, 1};
        a.history.series = {{"loss", {0.9, 0.5}}, {"val_loss", {1.0, 0.7}}};
        a.evaluation.metrics.set("accuracy", 0.8);
        TrainingOutcome b;
        b.end = TrainingOutcome::End::Stopped;
        b.history.epochs = {0};
        b.history.series = {{"loss", {0.8}}, {"accuracy", {0.6}}};
        runs.addRun(makeRunRecord("run 1", TrainingSettings(), "Fashion-MNIST", a));
        runs.addRun(makeRunRecord("run, 2", TrainingSettings(), "Fashion-MNIST", b));
        QCOMPARE(runs.rowCount(), 2);
        QCOMPARE(runs.data(runs.index(0, TrainingRunsModel::TestMetric)).toString(), QString("accuracy 0.8000"));
        QCOMPARE(runs.data(runs.index(1, TrainingRunsModel::Result)).toString(), QString("stopped"));
        QCOMPARE(QString::fromStdString(runs.historiesCsv()),
                 QString("run,epoch,loss,val_loss,accuracy\n"
                         "run 1,0,0.9,1.0,\n"
                         "run 1,1,0.5,0.7,\n"
                         "\"run, 2\",0,0.8,,0.6\n"));
        QTemporaryDir dir;
        runs.exportHistoriesCsv(dir.filePath("h.csv"));
        QVERIFY(QFileInfo(dir.filePath("h.csv")).size() > 20);
        TrainingRunsModel back;
        back.loadJson(Json::parse(runs.toJson().dump()));
        QCOMPARE(back.rowCount(), 2);
        QCOMPARE(back.historiesCsv(), runs.historiesCsv());
        QCOMPARE(back.run(1).end, TrainingOutcome::End::Stopped);
    }

    void trainingDockEditsSettings() {
        TrainingDock dock;
        QSignalSpy changed(&dock, &TrainingDock::settingsChanged);
        dock.epochsBox()->setValue(12);
        QCOMPARE(dock.settings().epochs, 12);
        dock.optimizerBox()->setCurrentText("sgd");
        QCOMPARE(dock.settings().optimizer, std::string("sgd"));
        QVERIFY(changed.count() >= 2);
        dock.setOutputNames({"priority", "department"});
        QVERIFY(dock.lossBox(1));
        dock.lossBox(1)->setEditText("mean_squared_error");
        QCOMPARE(dock.settings().outputFor("department").loss, std::string("mean_squared_error"));
        dock.lossBox(0)->setEditText("not_a_loss");
        QVERIFY(!dock.problems().empty());
        TrainingSettings s;
        s.batchSize = 256;
        dock.setSettings(s);
        QCOMPARE(dock.batchSizeBox()->value(), 256);
    }

    void dataDockShowsPreviewAndMismatch() {
        DataDock dock;
        DataSourceSpec spec;
        spec.maxTrain = 50;
        spec.maxTest = 10;
        dock.setSpec(spec);
        QVERIFY(dock.loadData());
        QCOMPARE(dock.preview()->cells().size(), size_t(16));
        QVERIFY(!dock.preview()->cells()[0].image.isNull());
        QVERIFY(dock.statusLabel()->text().contains("50 training samples of shape (28, 28)"));
        ModelPtr mlp = example("09_fashion_mnist_mlp.json");
        dock.setModelNames(mlp->inputNames(), mlp->outputNames());
        QString error;
        QVERIFY(dock.prepareFor(*mlp, TrainingSettings(), &error).has_value());
        ModelPtr other = example("06_toy_resnet.json");  // (32, 32, 3) images
        dock.setModelNames(other->inputNames(), other->outputNames());
        QVERIFY(!dock.prepareFor(*other, TrainingSettings(), &error).has_value());
        QVERIFY2(error.contains("expects samples of shape"), qPrintable(error));
        QVERIFY(dock.statusLabel()->text().contains("does not fit"));
        // A missing file is reported in the dock, not thrown.
        DataSourceSpec bad;
        bad.kind = DataSourceSpec::Kind::Npy;
        bad.trainImages = "/nonexistent/x.npy";
        dock.setSpec(bad);
        QVERIFY(!dock.loadData());
        QVERIFY(!dock.hasData());
        QVERIFY(dock.statusLabel()->text().contains("/nonexistent/x.npy"));
    }
};

QTEST_MAIN(TestTrainingData)
#include "test_training_data.moc"
