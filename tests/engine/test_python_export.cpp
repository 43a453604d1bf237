// engine/io/python_export: the Keras 3 script for every reference model and every real Keras file
// parses (python3 -m py_compile), names every layer, defines shared layers once, writes nested
// models as functions, leaves default arguments out, compiles with the given settings, and loads
// the weights written beside it. If python3 has Keras, the script is also run and its predictions
// compared with Strata's.
#include <QtTest/QtTest>

#include <functional>
#include <regex>

#include "engine/core/errors.h"
#include "engine/data/npy.h"
#include "engine/graph/model_config.h"
#include "engine/graph/sequential.h"
#include "engine/io/compile_settings.h"
#include "engine/io/model_io.h"
#include "engine/io/python_export.h"
#include "engine/io/weights_io.h"
#include "engine/layers/layer_factory.h"
#include "engine/training/trainer.h"
#include "examples/reference/reference_models.h"

using namespace strata;

namespace {

struct PyResult {
    int exitCode = -1;
    QString out, err;
};

PyResult runPython(const QStringList& args, const QString& workDir = {}) {
    QProcess p;
    if (!workDir.isEmpty()) p.setWorkingDirectory(workDir);
    p.start("python3", args);
    PyResult r;
    if (!p.waitForStarted(10000)) {
        r.err = "python3 did not start";
        return r;
    }
    p.waitForFinished(300000);
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

bool hasKeras() {
    static int cached = -1;
    if (cached < 0) cached = runPython({"-c", "import keras, numpy"}).exitCode == 0 ? 1 : 0;
    return cached == 1;
}

/// Every layer of the model and of its nested models (InputLayers included), and the models.
void collectNames(const Model& m, std::vector<std::string>& names) {
    names.push_back(m.name());
    if (auto* seq = dynamic_cast<const Sequential*>(&m))
        if (seq->inputLayer()) names.push_back(seq->inputLayer()->name());
    for (const auto& l : m.layers()) {
        if (l->isModel()) collectNames(dynamic_cast<const Model&>(*l), names);
        else names.push_back(l->name());
    }
}

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
}

void writeText(const QString& path, const std::string& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text.data(), static_cast<qint64>(text.size()));
}

/// py_compile + every name present as name="...".
void checkScript(const Model& model, const std::string& text, const QString& path) {
    writeText(path, text);
    PyResult r = runPython({"-m", "py_compile", path});
    QVERIFY2(r.exitCode == 0, qPrintable(path + ": " + r.err + "\n" + QString::fromStdString(text)));
    std::vector<std::string> names;
    collectNames(model, names);
    for (const auto& n : names)
        QVERIFY2(text.find("name=" + Json(n).dump()) != std::string::npos,
                 qPrintable(QString("%1 does not name the layer '%2'").arg(path, QString::fromStdString(n))));
}

ModelPtr smallMlp(bool useBias = true) {
    auto x = Input({8}, "features");
    auto h = makeLayer<Layer>("Dense", {{"units", 16}, {"activation", "relu"}, {"name", "hidden"}})(x);
    auto y = makeLayer<Layer>(
        "Dense", {{"units", 3}, {"activation", "softmax"}, {"use_bias", useBias}, {"name", "probs"}})(h);
    return makeModel(x, y, "small_mlp");
}

}  // namespace

class TestPythonExport : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString path(const QString& name) const { return tmp_.path() + "/" + name; }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        if (qEnvironmentVariableIsSet("STRATA_KEEP_EXPORTS")) {  // to read the scripts
            tmp_.setAutoRemove(false);
            qInfo("scripts in %s", qPrintable(tmp_.path()));
        }
        PyResult r = runPython({"--version"});
        if (r.exitCode != 0) QSKIP("python3 is not installed");
    }

    void referenceModelsParseAndNameEveryLayer() {
        for (const auto& ref : reference::referenceModels()) {
            clearSession();
            ModelPtr m = ref.build();
            std::string text = exportPython(*m);
            checkScript(*m, text, path(QString::fromStdString(ref.id) + ".py"));
            if (QTest::currentTestFailed()) return;
            // The output is a pure function of the model: exporting again gives the same text.
            QCOMPARE(exportPython(*m), text);
        }
    }

    void sharedLayerIsConstructedOnceAndCalledThreeTimes() {
        clearSession();
        ModelPtr m = reference::sharedDenseThreeTimes();
        // Find the layer called more than once.
        std::string shared;
        for (const auto& l : m->layers()) {
            int calls = 0;
            for (const auto& n : m->nodes())
                if (&n->layer() == l.get()) ++calls;
            if (calls == 3) shared = l->name();
        }
        QVERIFY2(!shared.empty(), "the reference model has no layer called three times");
        std::string text = exportPython(*m);
        const std::string ident = std::regex_replace(shared, std::regex("[^A-Za-z0-9_]"), "_");
        QCOMPARE(count(text, "name=\"" + shared + "\""), 1);
        QCOMPARE(count(text, " = " + ident + "("), 3);
    }

    void nestedModelsBecomeFunctions() {
        clearSession();
        ModelPtr m = reference::autoencoderFromTwoModels();
        std::string text = exportPython(*m);
        int nested = 0;
        for (const auto& l : m->layers())
            if (l->isModel()) {
                ++nested;
                QVERIFY2(text.find("def build_" + l->name() + "():") != std::string::npos,
                         qPrintable(QString::fromStdString(text)));
                QVERIFY(text.find("= build_" + l->name() + "()") != std::string::npos);
            }
        QVERIFY(nested >= 2);
        checkScript(*m, text, path("autoencoder_nested.py"));
    }

    void defaultsAreLeftOutAndSettingsKept() {
        clearSession();
        std::string text = exportPython(*smallMlp(/*useBias=*/false));
        QVERIFY2(text.find("keras.layers.Dense(16, activation=\"relu\", name=\"hidden\")(features)") != std::string::npos,
                 text.c_str());
        QVERIFY2(text.find("keras.layers.Dense(3, activation=\"softmax\", use_bias=False, name=\"probs\")(hidden)") !=
                     std::string::npos,
                 text.c_str());
        QVERIFY(text.find("kernel_initializer") == std::string::npos);
        QVERIFY(text.find("keras.Input(shape=(8,), name=\"features\")") != std::string::npos);
        QVERIFY(text.find("return keras.Model(inputs=features, outputs=probs, name=\"small_mlp\")") != std::string::npos);
    }

    void compileSettingsAndWeights() {
        clearSession();
        ModelPtr m = smallMlp();
        CompileOptions co;
        co.optimizer = OptimizerArg(Json{{"class_name", "Adam"}, {"config", {{"learning_rate", 0.01}}}});
        co.loss = "sparse_categorical_crossentropy";
        co.metrics = MetricList{"accuracy"};
        m->compile(co);
        PythonExportOptions po;
        po.compileConfig = m->trainer().compileConfig();
        po.compileConfig["optimizer"] = m->trainer().optimizerPtr()->serialize();
        const QString py = path("compiled.py");
        std::string weights = savePythonExport(*m, py.toStdString(), po);
        QCOMPARE(QString::fromStdString(weights), path("compiled.weights.h5"));
        QFile f(py);
        QVERIFY(f.open(QIODevice::ReadOnly));
        std::string text = f.readAll().toStdString();
        QVERIFY2(text.find("optimizer=keras.optimizers.Adam(") != std::string::npos, text.c_str());
        QVERIFY(text.find("learning_rate=0.01") != std::string::npos);
        QVERIFY(text.find("loss=\"sparse_categorical_crossentropy\"") != std::string::npos);
        QVERIFY(text.find("metrics=[\"accuracy\"]") != std::string::npos);
        QVERIFY(text.find("model.load_weights(os.path.join(HERE, \"compiled.weights.h5\"))") != std::string::npos);
        QVERIFY(text.find("# model.fit(") != std::string::npos);
        checkScript(*m, text, py);

        // The weights beside the script are the model's: a fresh copy loads them and predicts the same.
        ModelPtr copy = cloneModel(*m);
        loadWeightsFile(*copy, weights);
        Tensor x({4, 8});
        for (int64_t i = 0; i < x.size(); ++i) x[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
        QVERIFY(allClose(copy->predict(x), m->predict(x), 0, 0));

        // Without compile settings the script shows a commented template instead.
        std::string plain = exportPython(*m);
        QVERIFY(plain.find("\nmodel.compile(") == std::string::npos);
        QVERIFY(plain.find("# model.compile(") != std::string::npos);
        QVERIFY(plain.find("load_weights") == std::string::npos);
    }

    void storedCompileSettingsReachTheScript() {
        // .keras keeps compile_config, .h5 keeps training_config; both read back as the same
        // compile_config, which the script then compiles with.
        clearSession();
        ModelPtr m = smallMlp();
        QVERIFY(compileConfigOf(*m).is_null());
        m->compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
        const Json cc = compileConfigOf(*m);
        QCOMPARE(QString::fromStdString(cc["optimizer"]["class_name"].get<std::string>()), QString("SGD"));
        for (const char* file : {"stored.keras", "stored.h5"}) {
            saveModel(*m, path(file).toStdString());
            Json back = readStoredCompileConfig(path(file).toStdString());
            // .h5's optimizer_config is {class_name, config} only, as Keras writes it.
            Json want = cc;
            if (QString(file).endsWith(".h5")) want["optimizer"] = {{"class_name", "SGD"}, {"config", cc["optimizer"]["config"]}};
            QVERIFY2(back == want, qPrintable(QString::fromStdString(back.dump() + "\n" + want.dump())));
            ModelPtr loaded = loadModel(path(file).toStdString());
            std::string text = exportPython(*loaded, {.compileConfig = back});
            QVERIFY2(text.find("optimizer=keras.optimizers.SGD(") != std::string::npos, text.c_str());
            QVERIFY(compileOptionsFromConfig(back).loss.kind == LossArg::Kind::Single);
        }
        // Files without settings give null.
        saveModel(*smallMlp(), path("plain.keras").toStdString());
        QVERIFY(readStoredCompileConfig(path("plain.keras").toStdString()).is_null());
        // Keras 2 training_config forms are accepted.
        Json k2 = Json::parse(R"({"loss": {"class_name": "SparseCategoricalCrossentropy", "config": {"reduction": "auto",
            "name": "sparse_categorical_crossentropy", "from_logits": false}}, "metrics": [[{"class_name": "MeanMetricWrapper",
            "config": {"name": "accuracy", "dtype": "float32", "fn": "sparse_categorical_accuracy"}}]],
            "weighted_metrics": null, "loss_weights": null, "optimizer_config": {"class_name": "Adam",
            "config": {"name": "Adam", "learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
            "epsilon": 1e-07, "amsgrad": false}}})");
        Json fromK2 = compileConfigFromTrainingConfig(k2);
        QCOMPARE(fromK2["metrics"], Json::parse(R"([["accuracy"]])"));
        ModelPtr k = smallMlp();
        k->compile(compileOptionsFromConfig(fromK2));
        std::string text = exportPython(*k, {.compileConfig = fromK2});
        QVERIFY2(text.find("decay") == std::string::npos, text.c_str());
        checkScript(*k, text, path("k2_compile.py"));
    }

    void statesWrappersAndSequentialBlocks() {
        clearSession();
        auto x = Input({5, 3}, "seq_in");
        auto states = makeLayer<Layer>("LSTM", {{"units", 4}, {"return_sequences", true}, {"return_state", true},
                                                {"name", "encoder_lstm"}})(std::vector<KerasTensor>{x});
        QCOMPARE(states.size(), size_t(3));
        auto dec = makeLayer<Layer>("LSTM", {{"units", 4}, {"return_sequences", true}, {"name", "decoder_lstm"}})(
            std::vector<KerasTensor>{states[0], states[1], states[2]});
        auto bi = makeLayer<Layer>("Bidirectional", {{"layer", {{"class_name", "GRU"}, {"config", {{"units", 3}, {"return_sequences", true}}}}},
                                                     {"name", "bi"}})(dec[0]);
        auto td = makeLayer<Layer>("TimeDistributed",
                                   {{"layer", {{"class_name", "Dense"}, {"config", {{"units", 2}, {"name", "per_step"}}}}},
                                    {"name", "td"}})(bi);
        auto block = makeSequential({makeLayer<Layer>("Flatten", {{"name", "block_flat"}}),
                                     makeLayer<Layer>("Dense", {{"units", 1}, {"name", "block_out"}})},
                                    "head_block");
        auto out = (*block)(td);
        ModelPtr m = makeModel(x, out, "seq2seq");
        std::string text = exportPython(*m);
        checkScript(*m, text, path("seq2seq.py"));
        QVERIFY2(text.find("encoder_lstm_0, encoder_lstm_1, encoder_lstm_2 = keras.layers.LSTM(") != std::string::npos,
                 text.c_str());
        QVERIFY2(text.find("initial_state=[encoder_lstm_1, encoder_lstm_2]") != std::string::npos, text.c_str());
        QVERIFY(text.find("(encoder_lstm_0, initial_state=[encoder_lstm_1, encoder_lstm_2])") != std::string::npos);
        QVERIFY(text.find("layer=keras.layers.GRU(3, return_sequences=True") != std::string::npos);
        QVERIFY(text.find("backward_layer=keras.layers.GRU(3, return_sequences=True, go_backwards=True") != std::string::npos);
        QVERIFY(text.find("keras.layers.TimeDistributed(layer=keras.layers.Dense(2, name=\"per_step\"), name=\"td\")(bi)") !=
                std::string::npos);
        QVERIFY(text.find("head_block = build_head_block()\n    head_block_out = head_block(td)") != std::string::npos);
        QVERIFY(text.find("def build_head_block():") != std::string::npos);
        QVERIFY(text.find("return keras.Sequential(layers, name=\"head_block\")") != std::string::npos);
    }

    void layersKeras3RenamedAreWrittenTheKeras3Way() {
        clearSession();
        auto x = Input({4}, "x");
        auto h = makeLayer<Layer>("ThresholdedReLU", {{"theta", 0.5}, {"name", "thresholded"}})(x);
        ModelPtr m = makeModel(x, h, "renamed");
        std::string text = exportPython(*m);
        QVERIFY2(text.find("keras.layers.ReLU(threshold=0.5, name=\"thresholded\")(x)") != std::string::npos, text.c_str());
        QVERIFY(text.find("ThresholdedReLU") == std::string::npos);
        checkScript(*m, text, path("renamed.py"));
    }

    void awkwardNamesBecomeValidIdentifiers() {
        clearSession();
        auto x = Input({4}, "in-put.0");
        auto h = makeLayer<Layer>("Dense", {{"units", 2}, {"name", "class"}})(x);
        auto y = makeLayer<Layer>("Dense", {{"units", 2}, {"name", "2nd/dense"}})(h);
        ModelPtr m = makeModel(x, y, "odd names");
        std::string text = exportPython(*m);
        checkScript(*m, text, path("odd.py"));
    }

    void realKerasFilesExport() {
        const QString root = QString(STRATA_SHARED_DIR) + "/keras-files";
        if (!QDir(root).exists()) QSKIP("../shared/keras-files is not there");
        int exported = 0;
        for (const QString& dir : QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            for (const QFileInfo& fi : QDir(root + "/" + dir).entryInfoList({"*.h5", "*.keras"}, QDir::Files)) {
                clearSession();
                ModelPtr m;
                try {
                    m = loadModel(fi.filePath().toStdString());
                } catch (const Error&) {
                    continue;  // weights-only or refused files: covered by test_keras_files
                }
                std::string text = exportPython(*m, {.source = fi.filePath().toStdString()});
                checkScript(*m, text, path(dir + "_" + fi.completeBaseName() + ".py"));
                if (QTest::currentTestFailed()) return;
                ++exported;
            }
        }
        qInfo("exported %d real Keras files", exported);
        QVERIFY(exported >= 5);
    }

    void runsInKerasWhenAvailable() {
        if (!hasKeras()) QSKIP("python3 has no keras/numpy here: the scripts were only checked with py_compile");
        // Plain, shared-layer, nested, multi-input/output and convolutional models: Keras runs the
        // script (rebuild + load_weights) and predicts what Strata predicts.
        const std::vector<std::pair<std::string, std::function<ModelPtr()>>> cases = {
            {"mlp", reference::fashionMnistMlp},         {"shared", reference::sharedDenseThreeTimes},
            {"nested", reference::autoencoderFromTwoModels}, {"multi_io", reference::ticketClassifier},
            {"resnet", reference::toyResNet},            {"embedding", reference::sharedEmbedding}};
        for (const auto& [id, build] : cases) {
            clearSession();
            ModelPtr m = build();
            const QString py = path(QString::fromStdString("keras_" + id + ".py"));
            savePythonExport(*m, py.toStdString());
            std::vector<Tensor> xs;
            QStringList inputFiles;
            for (size_t i = 0; i < m->inputs().size(); ++i) {
                const KerasTensor& t = m->inputs()[i];
                std::vector<int64_t> dims = t.shape().dims();
                dims[0] = 2;
                for (auto& d : dims)
                    if (d == kNone) d = 6;
                Tensor x(dims);
                const bool ids = t.dtype() == DType::Int32;
                for (int64_t k = 0; k < x.size(); ++k) x[k] = ids ? static_cast<float>(k % 10) : static_cast<float>((k * 37) % 101) / 101.0f;
                if (ids) x.setDType(DType::Int32);
                const QString f = path(QString::fromStdString("keras_" + id + "_in_" + std::to_string(i) + ".npy"));
                saveNpy(f.toStdString(), x);
                inputFiles << "'" + f + "'";
                xs.push_back(std::move(x));
            }
            const QString prefix = path(QString::fromStdString("keras_" + id + "_out"));
            const QString script = QString("import runpy, numpy as np\n"
                                           "ns = runpy.run_path('%1')\n"
                                           "xs = [np.load(f) for f in [%2]]\n"
                                           "ys = ns['model'].predict(xs if len(xs) > 1 else xs[0], verbose=0)\n"
                                           "ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]\n"
                                           "for i, y in enumerate(ys):\n"
                                           "    np.save('%3_%d.npy' % i, np.asarray(y, dtype='float32'))\n")
                                       .arg(py, inputFiles.join(", "), prefix);
            PyResult r = runPython({"-c", script});
            QVERIFY2(r.exitCode == 0, qPrintable(QString::fromStdString(id) + ": " + r.err));
            std::vector<Tensor> want = m->predict(xs);
            for (size_t k = 0; k < want.size(); ++k) {
                Tensor got = loadNpy((prefix + "_" + QString::number(k) + ".npy").toStdString());
                QVERIFY2(allClose(got, want[k], 1e-4f, 1e-5f),
                         qPrintable(QString("%1 output %2: max difference %3")
                                        .arg(QString::fromStdString(id))
                                        .arg(k)
                                        .arg(maxAbsDiff(got, want[k]))));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestPythonExport)
#include "test_python_export.moc"
