// Separate validation data in the Data dock (Keras's validation_data, instead of the validation
// split): chosen in the dock's Validation group, mapped to the model like the training data,
// checked before the run with a message naming it, used by fit() (val_loss is the trained model's
// loss on exactly those samples), and kept in the project.
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/project_file.h"
#include "app/studio/training/data_dock.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/training_dock.h"
#include "app/studio/training/training_panel.h"
#include "app/studio/training/training_project.h"
#include "app/studio/training/training_workbench.h"
#include "app/studio/training/validation_source.h"
#include "engine/data/npy.h"
#include "engine/graph/model_config.h"
#include "engine/io/model_io.h"

using namespace strata;
using namespace strata::studio;

class TestValidationData : public QObject {
    Q_OBJECT

    std::string config_;
    Dataset data_;
    QTemporaryDir dir_;

    std::unique_ptr<TrainingWorkbench> makeBench(QMainWindow& window) {
        auto bench = std::make_unique<TrainingWorkbench>([this] { return modelFromJsonString(config_); });
        bench->install(&window);
        bench->documentReset();
        bench->dataDock()->setDataset(firstSamples(data_, 500, 100));
        TrainingSettings s = bench->trainingDock()->settings();
        s.epochs = 1;
        s.batchSize = 50;
        s.validationSplit = 0.2;  // replaced by the separate data
        bench->trainingDock()->setSettings(s);
        window.show();
        return bench;
    }

    /// Picks "Separate data", NPY files, in the dock's Validation group as a user does.
    static void chooseNpyValidation(DataDock* dock, const QString& x, const QString& y) {
        ValidationBox* box = dock->validationBox();
        box->modeBox()->setCurrentIndex(box->modeBox()->findData(true));
        box->kindBox()->setCurrentIndex(box->kindBox()->findData(int(DataSourceSpec::Kind::Npy)));
        QVERIFY(box->featuresEdit()->isVisibleTo(box));
        QVERIFY(box->labelsEdit()->isVisibleTo(box));
        box->featuresEdit()->setText(x);
        box->labelsEdit()->setText(y);
    }

private slots:
    void initTestCase() {
        config_ = readTextFile(STRATA_SOURCE_DIR "/examples/models/09_fashion_mnist_mlp.json");
        DataSourceSpec spec;
        spec.maxTrain = 500;
        spec.maxTest = 300;
        data_ = loadDataset(spec);
        QVERIFY(dir_.isValid());
        // 120 validation samples from the test split, as .npy files (pixels 0..255 like a user's).
        Tensor x = data_.xTest.slice0(100, 220);
        for (auto& v : x.values()) v *= 255.0f;
        saveNpy(dir_.filePath("x_val.npy").toStdString(), x);
        saveNpy(dir_.filePath("y_val.npy").toStdString(), data_.yTest.slice0(100, 220));
        saveNpy(dir_.filePath("x_bad.npy").toStdString(), Tensor({120, 5}));  // wrong sample shape
    }

    void fitValidatesOnTheSeparateData() {
        QMainWindow window;
        auto bench = makeBench(window);
        // The group shows the source rows only for separate data.
        QVERIFY(!bench->dataDock()->validationBox()->featuresEdit()->isVisibleTo(bench->dataDock()));
        chooseNpyValidation(bench->dataDock(), dir_.filePath("x_val.npy"), dir_.filePath("y_val.npy"));
        QVERIFY(bench->startTraining());
        QVERIFY(bench->session()->waitForFinished());
        const TrainingOutcome& o = bench->session()->lastOutcome();
        QCOMPARE(o.end, TrainingOutcome::End::Finished);
        QVERIFY(bench->dataDock()->statusLabel()->text().contains("Validation: 120 samples"));
        // All 500 samples trained (no split): 10 steps of 50.
        QCOMPARE(o.steps, int64_t(10));
        const double valLoss = o.history.find("val_loss")->at(0);
        bench->dataDock()->resize(420, 900);
        QVERIFY(bench->dataDock()->grab().save(qEnvironmentVariable("STRATA_SCREENSHOT_DIR", STRATA_BINARY_DIR) +
                                               "/studio_validation_data.png"));
        // val_loss is the trained model's loss on the 120 validation samples (scaled like the
        // training pixels and reshaped to the Input's (784,)).
        ModelPtr trained = bench->trainedModel().build();
        trained->compile(bench->trainingDock()->settings().compileOptions(trained->outputNames()));
        const Tensor xv = data_.xTest.slice0(100, 220).reshaped({120, 784});
        EvaluateOptions eo;
        eo.batchSize = 50;
        eo.verbose = 0;
        const double want = trained->evaluate(xv, data_.yTest.slice0(100, 220), eo).at("loss");
        QVERIFY2(std::fabs(valLoss - want) < 1e-4, qPrintable(QString("val_loss %1, evaluate %2").arg(valLoss).arg(want)));
        QVERIFY(QString::fromStdString(bench->runs()->run(0).dataSource).contains("validation: NPY"));

        // Kept in the project state and in a saved project file.
        const Json state = bench->projectState();
        QVERIFY(state["validation"]["separate"].get<bool>());
        QMainWindow other;
        auto again = makeBench(other);
        again->loadProjectState(Json::parse(state.dump()));
        QCOMPARE(again->dataDock()->validationSpec(), bench->dataDock()->validationSpec());
        QCOMPARE(again->dataDock()->validationBox()->featuresEdit()->text(), dir_.filePath("x_val.npy"));
        const QString project = dir_.filePath("project.keras");
        saveModel(*modelFromJsonString(config_), project.toStdString());
        QString error;
        QVERIFY2(bench->saveToProject(project, &error), qPrintable(error));
        auto stored = loadTrainingFromProject(project);
        QVERIFY(stored);
        QCOMPARE(ValidationSpec::fromJson((*stored)["validation"]), bench->dataDock()->validationSpec());
        // Back to the split: the run validates on 20 % of the training data again.
        again->dataDock()->validationBox()->modeBox()->setCurrentIndex(0);
        QVERIFY(!again->dataDock()->validationSpec().separate);
        QVERIFY(again->startTraining());
        QVERIFY(again->session()->waitForFinished());
        QCOMPARE(again->session()->lastOutcome().steps, int64_t(8));
        QVERIFY(again->session()->lastOutcome().history.find("val_loss"));
    }

    void validationDataThatDoesNotFitIsAMessage() {
        QMainWindow window;
        auto bench = makeBench(window);
        chooseNpyValidation(bench->dataDock(), dir_.filePath("x_bad.npy"), dir_.filePath("y_val.npy"));
        QVERIFY(!bench->startTraining());
        QCOMPARE(bench->session()->state(), TrainingSession::State::Idle);
        const QString msg = bench->panel()->messageLabel()->text();
        QVERIFY2(msg.contains("validation data (NPY") && msg.contains("input"), qPrintable(msg));
        chooseNpyValidation(bench->dataDock(), dir_.filePath("missing.npy"), dir_.filePath("y_val.npy"));
        QVERIFY(!bench->startTraining());
        QVERIFY2(bench->panel()->messageLabel()->text().contains("missing.npy"),
                 qPrintable(bench->panel()->messageLabel()->text()));
        // Old projects without the entry validate on the split.
        Json state = bench->projectState();
        state.erase("validation");
        bench->loadProjectState(state);
        QVERIFY(!bench->dataDock()->validationSpec().separate);
        QVERIFY_THROWS_EXCEPTION(ConfigError, ValidationSpec::fromJson(Json{{"separate", "yes"}}));
    }
};

QTEST_MAIN(TestValidationData)
#include "test_validation_data.moc"
