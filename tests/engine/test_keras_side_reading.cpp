// The files Strata writes, read the way Keras reads them: tests/keras_side/read_like_keras.py runs
// Keras 3's loader steps with h5py (the library Keras reads HDF5 with; Debian's python3-h5py) and
// reports what Keras would see. Every reference model, saved as .keras, legacy .h5 and .weights.h5,
// must give Keras the layer entries it looks for, in its order and naming, with every weight's
// shape; a trained model must give it the optimizer's variables. Keras itself is not installable
// here (no PyPI, not in Debian), so this is the nearest check of "a model saved by Strata opens in
// Keras" that runs on every build.
#include <QtTest/QtTest>

#include <algorithm>

#include "engine/core/json.h"
#include "engine/graph/model.h"
#include "engine/graph/model_config.h"
#include "engine/graph/sequential.h"
#include "engine/io/model_io.h"
#include "engine/layers/layer_factory.h"
#include "engine/strata.h"
#include "engine/training/optimizers.h"
#include "engine/training/trainer.h"
#include "examples/reference/reference_models.h"

using namespace strata;

namespace {

LayerRef<Layer> L(const std::string& cls, Json kw = Json::object()) { return makeLayer(cls, std::move(kw)); }

const char* kPython = "/usr/bin/python3";  // Debian's, which has python3-h5py

struct KerasView {
    bool ok = false;
    QString error;
    Json json;
};

KerasView readLikeKeras(const QString& file, const QString& config = {}) {
    QProcess p;
    QStringList args{QString(STRATA_SOURCE_DIR) + "/tests/keras_side/read_like_keras.py", file};
    if (!config.isEmpty()) args << "--config" << config;
    p.start(kPython, args);
    KerasView v;
    if (!p.waitForStarted(10000) || !p.waitForFinished(120000)) {
        v.error = "could not run " + QString(kPython);
        return v;
    }
    const QByteArray out = p.readAllStandardOutput();
    v.error = QString::fromUtf8(p.readAllStandardError()).trimmed();
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) return v;
    v.json = Json::parse(out.toStdString());
    v.ok = true;
    return v;
}

using Dims = std::vector<int64_t>;

std::vector<Dims> shapesOf(const std::vector<Variable*>& vars) {
    std::vector<Dims> out;
    for (const Variable* v : vars) out.push_back(v->value.shape());
    return out;
}

std::vector<Dims> shapesIn(const Json& list) {
    std::vector<Dims> out;
    for (const auto& s : list) out.push_back(s.get<Dims>());
    return out;
}

std::vector<Dims> sorted(std::vector<Dims> v) {
    std::sort(v.begin(), v.end());
    return v;
}

QString describe(const std::vector<Dims>& shapes) {
    QStringList parts;
    for (const auto& s : shapes) {
        QStringList dims;
        for (int64_t d : s) dims << QString::number(d);
        parts << "(" + dims.join(",") + ")";
    }
    return parts.join(" ");
}

/// The layers Keras's model.layers holds (Functional: InputLayers included; Sequential: not).
std::vector<std::shared_ptr<Layer>> kerasLayers(const Model& m) { return m.layers(); }

}  // namespace

class TestKerasSideReading : public QObject {
    Q_OBJECT

    QTemporaryDir dir;
    QString path(const QString& name) const { return dir.filePath(name); }

private slots:
    void initTestCase() {
        QProcess p;
        p.start(kPython, {"-c", "import h5py, numpy"});
        QVERIFY2(p.waitForFinished(30000) && p.exitCode() == 0,
                 "Debian's python3 with python3-h5py is needed (./strata.sh installs it)");
    }

    /// .keras and .weights.h5: Keras walks model.layers and opens layers/<snake_case class>[_N]
    /// for each, loading vars/0, vars/1, ... (and nested entries for nested models and wrapped
    /// layers). Every layer's entry must exist and hold exactly its weights.
    void keras3EntriesForEveryReferenceModel_data() {
        QTest::addColumn<QString>("ext");
        QTest::newRow(".keras") << "keras";
        QTest::newRow(".weights.h5") << "weights.h5";
    }
    void keras3EntriesForEveryReferenceModel() {
        QFETCH(QString, ext);
        for (const auto& ref : reference::referenceModels()) {
            clearSession();
            ModelPtr m = ref.build();
            const QString stem = QString::fromStdString(ref.id);
            const QString file = path(stem + "." + ext), config = path(stem + ".json");
            saveModel(*m, file.toStdString());
            saveModel(*m, config.toStdString());
            const KerasView v = readLikeKeras(file, config);
            QVERIFY2(v.ok, qPrintable(stem + ": " + v.error));
            const auto layers = kerasLayers(*m);
            const Json& seen = v.json["layers"];
            QVERIFY2(seen.size() == layers.size(),
                     qPrintable(QString("%1: Keras walks %2 layers, Strata has %3").arg(stem).arg(seen.size()).arg(layers.size())));
            for (size_t i = 0; i < layers.size(); ++i) {
                const Json& e = seen[i];
                QCOMPARE(QString::fromStdString(e["name"].get<std::string>()), QString::fromStdString(layers[i]->name()));
                const std::vector<Dims> want = shapesOf(layers[i]->weights()), got = shapesIn(e["shapes"]);
                QVERIFY2(sorted(got) == sorted(want),
                         qPrintable(QString("%1: %2 (%3) holds %4, the layer has %5")
                                        .arg(stem, QString::fromStdString(layers[i]->name()),
                                             QString::fromStdString(e["path"].get<std::string>()), describe(got),
                                             describe(want))));
                // A layer's own variables load by index: vars/0 is its first weight.
                if (!layers[i]->isModel() && layers[i]->subLayers().empty()) QVERIFY(got == want);
            }
            if (ext == "keras")
                QVERIFY(v.json["metadata"]["keras_version"].get<std::string>().rfind("3.", 0) == 0);
        }
    }

    /// Legacy .h5: Keras reads model_config, then matches the layers that have weight_names, in
    /// layer_names order, with its own layers that have weights, and loads each layer's
    /// weight_names datasets by position. Order and shapes must agree exactly.
    void legacyH5ForEveryReferenceModel() {
        for (const auto& ref : reference::referenceModels()) {
            clearSession();
            ModelPtr m = ref.build();
            const QString stem = QString::fromStdString(ref.id);
            const QString file = path(stem + ".h5");
            saveModel(*m, file.toStdString());
            const KerasView v = readLikeKeras(file);
            QVERIFY2(v.ok, qPrintable(stem + ": " + v.error));
            QCOMPARE(QString::fromStdString(v.json["model_config"]["class_name"].get<std::string>()),
                     QString(dynamic_cast<const Sequential*>(m.get()) ? "Sequential" : "Functional"));
            QVERIFY(v.json["keras_version"].get<std::string>().rfind("3.", 0) == 0);
            std::vector<std::shared_ptr<Layer>> withWeights;
            for (const auto& l : kerasLayers(*m))
                if (!l->weights().empty()) withWeights.push_back(l);
            const Json& seen = v.json["layers"];
            QCOMPARE(seen.size(), withWeights.size());
            for (size_t i = 0; i < withWeights.size(); ++i) {
                QCOMPARE(QString::fromStdString(seen[i]["name"].get<std::string>()),
                         QString::fromStdString(withWeights[i]->name()));
                const std::vector<Dims> want = shapesOf(withWeights[i]->weights()), got = shapesIn(seen[i]["shapes"]);
                QVERIFY2(got == want, qPrintable(QString("%1: %2 holds %3, the layer has %4")
                                                     .arg(stem, QString::fromStdString(withWeights[i]->name()),
                                                          describe(got), describe(want))));
            }
        }
    }

    /// A trained model: Keras finds the compile settings and the optimizer's variables (Adam:
    /// iteration, learning rate, then a momentum and a velocity per trainable weight).
    void trainedModelGivesKerasItsOptimizer_data() {
        QTest::addColumn<QString>("ext");
        QTest::newRow(".keras") << "keras";
        QTest::newRow(".h5") << "h5";
    }
    void trainedModelGivesKerasItsOptimizer() {
        QFETCH(QString, ext);
        clearSession();
        setSeed(1);
        auto in = Input({6});
        KerasTensor h = L("Dense", {{"units", 8}, {"activation", "relu"}})(in);
        h = L("BatchNormalization")(h);
        ModelPtr m = makeModel(in, L("Dense", {{"units", 3}, {"activation", "softmax"}})(h));
        m->compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
        Tensor x({32, 6}), y({32});
        for (int64_t i = 0; i < x.size(); ++i) x[i] = 0.1f * static_cast<float>(i % 11) - 0.5f;
        for (int64_t i = 0; i < 32; ++i) y[i] = static_cast<float>(i % 3);
        FitOptions fo;
        fo.epochs = 1;
        fo.batchSize = 8;
        fo.verbose = 0;
        m->fit(x, y, fo);
        const QString file = path("trained." + ext);
        saveModel(*m, file.toStdString());
        const KerasView v = readLikeKeras(file);
        QVERIFY2(v.ok, qPrintable(v.error));

        auto vars = m->trainer().optimizer().variables(Optimizer::SlotOrder::ByVariable);
        std::vector<Dims> want;
        for (const auto& ov : vars) want.push_back(ov.value->shape());
        QCOMPARE(want.size(), size_t(2 + 2 * 6));  // 6 trainable weights (BN's moving stats are not)
        const std::vector<Dims> got = shapesIn(v.json["optimizer"]["shapes"]);
        QVERIFY2(sorted(got) == sorted(want), qPrintable(describe(got) + " vs " + describe(want)));
        if (ext == "h5") {
            QCOMPARE(got, want);  // loaded by position
            const Json& names = v.json["optimizer"]["names"];
            for (size_t i = 0; i < vars.size(); ++i)
                QCOMPARE(QString::fromStdString(names[i].get<std::string>()), QString::fromStdString(vars[i].path));
            const Json& tc = v.json["training_config"];
            QCOMPARE(QString::fromStdString(tc["optimizer_config"]["class_name"].get<std::string>()), QString("Adam"));
            QCOMPARE(QString::fromStdString(tc["loss"].get<std::string>()), QString("sparse_categorical_crossentropy"));
        } else {
            const Json& cc = v.json["model_config"]["compile_config"];
            QCOMPARE(QString::fromStdString(cc["loss"].get<std::string>()), QString("sparse_categorical_crossentropy"));
        }
    }

    /// The checker is not a rubber stamp: weights that sit under another entry than the one
    /// Keras looks for (entries are named by class, not by layer name) are reported.
    void misnamedEntryIsReported() {
        clearSession();
        ModelPtr m = reference::fashionMnistMlp();
        const QString file = path("mlp.weights.h5"), config = path("mlp.json");
        saveModel(*m, file.toStdString());
        // A config whose second layer is a class Keras would look up elsewhere.
        Json cfg = Json::parse(modelToJson(*m).dump());
        cfg["config"]["layers"][1]["class_name"] = "EinsumDense";
        QFile out(config);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QByteArray::fromStdString(cfg.dump()));
        out.close();
        const KerasView v = readLikeKeras(file, config);
        QVERIFY(!v.ok);
        QVERIFY2(v.error.contains("layers/einsum_dense"), qPrintable(v.error));
    }
};

QTEST_GUILESS_MAIN(TestKerasSideReading)
#include "test_keras_side_reading.moc"
