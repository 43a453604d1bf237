// Training resumed from a saved .keras file continues the same loss curve as training that never
// stopped: the archive keeps the compile settings and the optimizer's variables (Keras's
// optimizer/vars), and loading compiles the model and restores them, as keras.models.load_model.
#include <QtTest/QtTest>

#include <QTemporaryDir>

#include "engine/core/random.h"
#include "engine/graph/input_layer.h"
#include "engine/io/model_io.h"
#include "engine/layers/layer_factory.h"
#include "engine/training/trainer.h"

using namespace strata;

namespace {

LayerRef<Layer> L(const std::string& cls, Json kw = Json::object()) { return makeLayer(cls, std::move(kw)); }

ModelPtr smallModel() {
    auto in = Input({4});
    KerasTensor h = L("Dense", {{"units", 16}, {"activation", "tanh"}})(in);
    return makeModel(in, L("Dense", {{"units", 3}, {"activation", "softmax"}})(h));
}

void data(Tensor& x, Tensor& y) {
    Rng rng(7);
    x = Tensor({96, 4});
    y = Tensor({96});
    for (int64_t i = 0; i < 96; ++i) {
        for (int64_t j = 0; j < 4; ++j) x.at({i, j}) = rng.normal();
        y[i] = float((x.at({i, 0}) > 0) + (x.at({i, 1}) > 0.5f));
    }
}

FitOptions oneEpoch() {
    FitOptions o;
    o.batchSize = 16;
    o.epochs = 1;
    o.verbose = 0;
    o.shuffle = false;  // the batches must not depend on the RNG's position
    return o;
}

}  // namespace

class TestResumeTraining : public QObject {
    Q_OBJECT
private slots:
    void resumedRunContinuesTheSameCurve_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("keras archive") << "run.keras";   // optimizer/vars in model.weights.h5
        QTest::newRow("legacy h5") << "run.h5";          // optimizer_weights + training_config
    }

    void resumedRunContinuesTheSameCurve() {
        QFETCH(QString, file);
        Tensor x, y;
        data(x, y);
        const CompileOptions co{.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}};

        setSeed(3);
        clearSession();
        ModelPtr straight = smallModel();
        straight->compile(co);
        std::vector<double> losses;
        for (int e = 0; e < 3; ++e) losses.push_back(straight->fit(x, y, oneEpoch())["loss"].back());

        setSeed(3);
        clearSession();
        ModelPtr first = smallModel();
        first->compile(co);
        QCOMPARE(first->fit(x, y, oneEpoch())["loss"].back(), losses[0]);
        QTemporaryDir dir;
        const std::string path = dir.filePath(file).toStdString();
        saveModel(*first, path);

        clearSession();
        ModelPtr resumed = loadModel(path);
        QVERIFY2(resumed->compiled(), "a model file with compile settings loads compiled");
        QCOMPARE(resumed->trainer().optimizer().iterations(), first->trainer().optimizer().iterations());
        QCOMPARE(resumed->trainer().optimizer().className(), std::string("Adam"));
        for (int e = 1; e < 3; ++e) {
            const double l = resumed->fit(x, y, oneEpoch())["loss"].back();
            QVERIFY2(std::fabs(l - losses[e]) <= 1e-6 * std::max(1.0, std::fabs(losses[e])),
                     qPrintable(QString("epoch %1: resumed %2, uninterrupted %3").arg(e + 1).arg(l).arg(losses[e])));
        }
    }

    void shuffledFitInPiecesEqualsOneFit() {
        // Each epoch draws a fresh permutation, so fit(epochs=1) three times on the same model
        // follows fit(epochs=3) exactly (what the Studio's Continue relies on).
        Tensor x, y;
        data(x, y);
        const CompileOptions co{.optimizer = "adam", .loss = "sparse_categorical_crossentropy"};
        FitOptions three = oneEpoch();
        three.shuffle = true;
        three.epochs = 3;
        setSeed(5);
        clearSession();
        ModelPtr a = smallModel();
        a->compile(co);
        const auto straight = a->fit(x, y, three)["loss"];
        setSeed(5);
        clearSession();
        ModelPtr b = smallModel();
        b->compile(co);
        FitOptions one = oneEpoch();
        one.shuffle = true;
        for (int e = 0; e < 3; ++e) {
            one.initialEpoch = e;
            one.epochs = e + 1;
            const double l = b->fit(x, y, one)["loss"].back();
            QVERIFY2(std::fabs(l - straight[size_t(e)]) <= 1e-6 * std::max(1.0, std::fabs(straight[size_t(e)])),
                     qPrintable(QString("epoch %1: in pieces %2, straight %3").arg(e + 1).arg(l).arg(straight[size_t(e)])));
        }
    }

    void optimizerSlotsRoundTripByValue_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("keras archive") << "m.keras";
        QTest::newRow("legacy h5") << "m.h5";
    }

    void optimizerSlotsRoundTripByValue() {
        QFETCH(QString, file);
        Tensor x, y;
        data(x, y);
        clearSession();
        ModelPtr m = smallModel();
        m->compile({.optimizer = "rmsprop", .loss = "sparse_categorical_crossentropy"});
        m->fit(x, y, oneEpoch());
        QTemporaryDir dir;
        const std::string path = dir.filePath(file).toStdString();
        saveModel(*m, path);
        ModelPtr back = loadModel(path);
        QVERIFY(back->compiled());
        auto a = m->trainer().optimizer().getWeights(), b = back->trainer().optimizer().getWeights();
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) QVERIFY(a[i].values() == b[i].values());
    }

    void realKerasFileRestoresItsOptimizer() {
        const QString file = QStringLiteral(STRATA_SHARED_DIR) + "/keras-files/cnn_conv_maxpool_dropout_k3/model.keras";
        if (!QFileInfo::exists(file)) QSKIP("shared Keras files not present");
        ModelPtr m = loadModel(file.toStdString());
        QVERIFY(m->compiled());
        // Keras 3.10 saved Adam's step count and one momentum and velocity per trainable weight.
        QVERIFY(m->trainer().optimizer().iterations() > 0);
        const size_t weights = m->trainer().tape().trainableWeights().size();
        QCOMPARE(m->trainer().optimizer().getWeights().size(), 2 + 2 * weights);
    }
};

QTEST_GUILESS_MAIN(TestResumeTraining)
#include "test_resume_training.moc"
