// The `strata` command line: train (Fashion-MNIST slice, .npy, CSV), evaluate, predict, convert
// and export-python, run in-process through strata::cli::run with stdout/stderr captured. Checks
// that trained files reload, predictions equal the engine's, conversions keep predictions, weights-only
// files work with --config, and bad input ends with exit code != 0 and one clear stderr line.
#include <QApplication>
#include <QImage>
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli/cli.h"
#include "engine/core/errors.h"
#include "engine/data/idx.h"
#include "engine/data/npy.h"
#include "engine/graph/input_layer.h"
#include "engine/graph/model_config.h"
#include "engine/io/model_io.h"
#include "engine/layers/layer_factory.h"
#include "engine/training/trainer.h"

using namespace strata;

namespace {

struct CliResult {
    int code = -1;
    std::string out, err;
    QString describe() const {
        return QString("exit %1\n--- stdout\n%2\n--- stderr\n%3")
            .arg(code)
            .arg(QString::fromStdString(out.size() > 4000 ? out.substr(out.size() - 4000) : out),
                 QString::fromStdString(err));
    }
};

/// Runs `strata args...` in this process, capturing what it prints.
CliResult runCli(const QStringList& args) {
    std::vector<std::string> storage = {"strata"};
    for (const auto& a : args) storage.push_back(a.toStdString());
    std::vector<char*> argv;
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::ostringstream out, err;
    auto* oldOut = std::cout.rdbuf(out.rdbuf());
    auto* oldErr = std::cerr.rdbuf(err.rdbuf());
    CliResult r;
    r.code = cli::run(static_cast<int>(storage.size()), argv.data());
    std::cout.rdbuf(oldOut);
    std::cerr.rdbuf(oldErr);
    r.out = out.str();
    r.err = err.str();
    return r;
}

bool fashionMnistInstalled() {
    const QString dir = QString::fromStdString(defaultFashionMnistDir());
    return QFileInfo::exists(dir + "/train-images-idx3-ubyte.gz") || QFileInfo::exists(dir + "/train-images-idx3-ubyte");
}

std::string readAll(const QString& path) {
    std::ifstream in(path.toStdString(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// A (784,) MLP for Fashion-MNIST, named layers.
ModelPtr mlp() {
    auto x = Input({784}, "pixels");
    auto h = makeLayer<Layer>("Dense", {{"units", 32}, {"activation", "relu"}, {"name", "hidden"}})(x);
    auto y = makeLayer<Layer>("Dense", {{"units", 10}, {"activation", "softmax"}, {"name", "probs"}})(h);
    return makeModel(x, y, "mlp");
}

/// A (28, 28, 1) CNN: the 28x28 images must be reshaped to it.
ModelPtr cnn() {
    auto x = Input({28, 28, 1}, "image");
    auto h = makeLayer<Layer>("Conv2D", {{"filters", 4}, {"kernel_size", 3}, {"activation", "relu"}, {"name", "conv"}})(x);
    h = makeLayer<Layer>("MaxPooling2D", {{"pool_size", 4}, {"name", "pool"}})(h);
    h = makeLayer<Layer>("Flatten", {{"name", "flat"}})(h);
    auto y = makeLayer<Layer>("Dense", {{"units", 10}, {"activation", "softmax"}, {"name", "probs"}})(h);
    return makeModel(x, y, "cnn");
}

/// Two inputs, two outputs: checks the input and output order of predict.
ModelPtr twoByTwo() {
    auto a = Input({4}, "a");
    auto b = Input({3}, "b");
    KerasTensor c = makeLayer<Layer>("Concatenate", {{"name", "concat"}})(std::vector<KerasTensor>{a, b});
    auto o1 = makeLayer<Layer>("Dense", {{"units", 2}, {"name", "first"}})(c);
    auto o2 = makeLayer<Layer>("Dense", {{"units", 1}, {"activation", "sigmoid"}, {"name", "second"}})(c);
    return makeModel(std::vector<KerasTensor>{a, b}, std::vector<KerasTensor>{o1, o2}, "two_by_two");
}

Tensor pattern(std::vector<int64_t> shape, float scale = 1.0f) {
    Tensor t(shape);
    for (int64_t i = 0; i < t.size(); ++i) t[i] = scale * static_cast<float>((i * 37) % 101) / 101.0f;
    return t;
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString p(const QString& name) const { return tmp_.path() + "/" + name; }
    std::string s(const QString& name) const { return p(name).toStdString(); }

    /// Exit code != 0 and exactly one stderr line that contains every `needle`.
    void expectOneLineError(const QStringList& args, const QStringList& needles) {
        CliResult r = runCli(args);
        QVERIFY2(r.code != 0, qPrintable("strata " + args.join(' ') + " succeeded\n" + r.describe()));
        QString err = QString::fromStdString(r.err).trimmed();
        QVERIFY2(!err.isEmpty() && !err.contains('\n'),
                 qPrintable("strata " + args.join(' ') + ": expected one stderr line\n" + r.describe()));
        QVERIFY2(err.startsWith("strata: error: "), qPrintable(err));
        for (const auto& n : needles)
            QVERIFY2(err.contains(n), qPrintable(QString("'%1' missing from: %2").arg(n, err)));
    }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        saveModel(*mlp(), s("mlp.json"));
        saveModel(*cnn(), s("cnn.json"));
        // Small arrays for the commands that do not need Fashion-MNIST.
        saveNpy(s("x.npy"), pattern({40, 784}));
        Tensor y({40});
        for (int64_t i = 0; i < 40; ++i) y[i] = static_cast<float>(i % 10);
        saveNpy(s("y.npy"), y);
        saveNpy(s("x_wrong.npy"), pattern({40, 7}));
        saveNpy(s("y_short.npy"), pattern({5}));
    }

    void helpListsTheCommands() {
        CliResult r = runCli({"--help"});
        QCOMPARE(r.code, 0);
        for (const char* c : {"train", "evaluate", "predict", "convert", "export-python"})
            QVERIFY2(r.out.find(c) != std::string::npos, r.out.c_str());
    }

    void trainFashionMnistSlice() {
        if (!fashionMnistInstalled()) QSKIP("Fashion-MNIST is not installed (dataset-fashion-mnist)");
        QElapsedTimer timer;
        timer.start();
        CliResult r = runCli({"train", p("mlp.json"), "--data", "fashion_mnist", "--max-samples", "2000", "--epochs", "1",
                              "--loss", "sparse_categorical_crossentropy", "--metrics", "accuracy", "--seed", "7",
                              "--csv-log", p("log.csv"), "--save", p("trained.keras")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.find("Epoch 1/") == std::string::npos, r.out.c_str());  // Keras 3: only when epochs > 1
        QVERIFY2(r.out.find("63/63") != std::string::npos, r.out.c_str());  // 2000 samples / batch 32
        QVERIFY(r.out.find("- loss: ") != std::string::npos);
        QVERIFY(r.out.find("accuracy: ") != std::string::npos);
        QVERIFY(r.out.find("Saved " + s("trained.keras")) != std::string::npos);
        QVERIFY(r.err.empty());

        // CSVLogger's columns, one row for the one epoch; better than chance after one epoch.
        QStringList rows = QString::fromStdString(readAll(p("log.csv"))).trimmed().split('\n');
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[0].trimmed(), QString("epoch,accuracy,loss"));
        QStringList cells = rows[1].trimmed().split(',');
        const double acc = cells[1].toDouble(), loss = cells[2].toDouble();
        qInfo("train fashion_mnist, 2000 samples, 1 epoch: accuracy %.4f, loss %.4f (%.1f s)", acc, loss,
              timer.elapsed() / 1000.0);
        QVERIFY2(acc > 0.5 && loss < 2.0, qPrintable(rows[1]));

        // The saved model reloads with the trained weights (not the JSON's fresh ones).
        ModelPtr trained = loadModel(s("trained.keras"));
        QCOMPARE(QString::fromStdString(trained->name()), QString("mlp"));
        FashionMnist d = loadFashionMnist(defaultFashionMnistDir(), 0, 500);
        d.xTest.vector() *= 1.0f / 255.0f;
        Tensor xt = d.xTest.reshaped({500, 784});
        trained->compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
        Logs direct = trained->evaluate(xt, d.yTest, {.verbose = 0});
        QVERIFY2(direct.at("accuracy") > 0.5, qPrintable(QString::number(direct.at("accuracy"))));

        // evaluate: the test split, same numbers as the engine's evaluate, with the loss and metrics
        // stored in the .keras file by train (compile_config), so no --loss is needed.
        CliResult e = runCli({"evaluate", p("trained.keras"), "--data", "fashion_mnist", "--max-samples", "500",
                              "--verbose", "0"});
        QVERIFY2(e.code == 0, qPrintable(e.describe()));
        QVERIFY2(e.out.find("on 500 samples from fashion_mnist (test") != std::string::npos, e.out.c_str());
        auto value = [&](const std::string& key) {
            auto pos = e.out.find("\n" + key + ": ");
            return pos == std::string::npos ? -1.0 : std::stod(e.out.substr(pos + key.size() + 3));
        };
        QVERIFY2(std::abs(value("accuracy") - direct.at("accuracy")) < 1e-5, e.out.c_str());
        QVERIFY2(std::abs(value("loss") - direct.at("loss")) < 1e-4, e.out.c_str());

        // The stored compile settings reach the Python export too.
        CliResult ex = runCli({"export-python", p("trained.keras"), p("trained.py")});
        QVERIFY2(ex.code == 0, qPrintable(ex.describe()));
        const std::string py = readAll(p("trained.py"));
        QVERIFY2(py.find("optimizer=keras.optimizers.Adam(") != std::string::npos, py.c_str());
        QVERIFY(py.find("loss=\"sparse_categorical_crossentropy\"") != std::string::npos);

        // predict on the test images: the engine's numbers, written as (N, 10).
        CliResult pr = runCli({"predict", p("trained.keras"), "--input", "fashion_mnist", "--max-samples", "50", "--output",
                               p("fm")});
        QVERIFY2(pr.code == 0, qPrintable(pr.describe()));
        Tensor got = loadNpy(s("fm_0.npy"));
        QCOMPARE(got.shape(), (std::vector<int64_t>{50, 10}));
        QVERIFY(allClose(got, trained->predict(xt.slice0(0, 50)), 1e-6f, 1e-7f));
    }

    void trainIsReproducibleWithASeed() {
        auto train = [&](const QString& log) {
            CliResult r = runCli({"train", p("mlp.json"), "--data", p("x.npy") + "," + p("y.npy"), "--epochs", "2",
                                  "--batch-size", "8", "--optimizer", "sgd", "--lr", "0.05", "--loss",
                                  "sparse_categorical_crossentropy", "--seed", "3", "--csv-log", p(log), "--verbose", "0"});
            QVERIFY2(r.code == 0, qPrintable(r.describe()));
        };
        train("seed_a.csv");
        train("seed_b.csv");
        const std::string a = readAll(p("seed_a.csv"));
        QVERIFY(a.find("epoch,loss") == 0);
        QCOMPARE(a, readAll(p("seed_b.csv")));

        // From fixed weights with no dropout, shuffling is the only randomness: different seeds
        // give different losses, unless --no-shuffle.
        saveModel(*loadModel(s("mlp.json")), s("fixed.keras"));
        auto run = [&](const QString& seed, bool shuffle, const QString& log) {
            QStringList args = {"train", p("fixed.keras"), "--data", p("x.npy") + "," + p("y.npy"), "--batch-size", "8",
                                "--loss", "sparse_categorical_crossentropy", "--seed", seed, "--csv-log", p(log),
                                "--verbose", "0"};
            if (!shuffle) args << "--no-shuffle";
            CliResult r = runCli(args);
            return r.code == 0 ? readAll(p(log)) : "failed: " + r.err;
        };
        QVERIFY(run("1", true, "s1.csv") != run("2", true, "s2.csv"));
        const std::string n1 = run("1", false, "n1.csv");
        QVERIFY2(n1.rfind("epoch,loss", 0) == 0, n1.c_str());
        QCOMPARE(n1, run("2", false, "n2.csv"));
    }

    void trainReshapesImagesForAConvInput() {
        if (!fashionMnistInstalled()) QSKIP("Fashion-MNIST is not installed");
        CliResult r = runCli({"train", p("cnn.json"), "--data", "fashion_mnist", "--max-samples", "256", "--epochs", "2",
                              "--batch-size", "64", "--loss", "sparse_categorical_crossentropy", "--metrics", "accuracy", "--save",
                              p("cnn_trained.h5"), "--verbose", "2"});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.find("loss: ") != std::string::npos, r.out.c_str());
        QVERIFY2(r.out.find("Epoch 2/2") != std::string::npos, r.out.c_str());
        ModelPtr m = loadModel(s("cnn_trained.h5"));
        QCOMPARE(m->inputs()[0].shape(), Shape({kNone, 28, 28, 1}));
        // Training goes on from the .h5 with its stored training_config (no --loss), at a new rate.
        CliResult more = runCli({"train", p("cnn_trained.h5"), "--data", "fashion_mnist", "--max-samples", "128", "--lr",
                                 "0.0005", "--save", p("cnn_more.keras"), "--verbose", "0"});
        QVERIFY2(more.code == 0, qPrintable(more.describe()));
        QVERIFY(QFileInfo::exists(p("cnn_more.keras")));
    }

    void trainOnCsvAndSaveAsPython() {
        {
            std::ofstream csv(s("iris.csv"));
            csv << "a,b,c,d,species\n";
            for (int i = 0; i < 30; ++i)
                csv << (i % 3) * 1.5 + 0.1 * (i % 5) << "," << 0.2 * i << "," << (i % 3) << "," << 1.0 - 0.03 * i << ","
                    << (i % 3) << "\n";
        }
        auto x = Input({4}, "measurements");
        auto y = makeLayer<Layer>("Dense", {{"units", 3}, {"activation", "softmax"}, {"name", "species_probs"}})(x);
        saveModel(*makeModel(x, y, "iris"), s("iris.json"));
        CliResult r = runCli({"train", p("iris.json"), "--data", p("iris.csv") + ":label=species", "--epochs", "3",
                              "--loss", "sparse_categorical_crossentropy", "--metrics", "accuracy", "--optimizer", "adam",
                              "--lr", "0.01", "--save", p("iris.py"), "--verbose", "0"});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY(QFileInfo::exists(p("iris.weights.h5")));
        const std::string py = readAll(p("iris.py"));
        // The compile settings used for training are in the script.
        QVERIFY2(py.find("optimizer=keras.optimizers.Adam(") != std::string::npos, py.c_str());
        QVERIFY(py.find("learning_rate=0.01") != std::string::npos);
        QVERIFY(py.find("loss=\"sparse_categorical_crossentropy\"") != std::string::npos);
        QVERIFY(py.find("name=\"species_probs\"") != std::string::npos);
        QProcess pyc;
        pyc.start("python3", {"-m", "py_compile", p("iris.py")});
        QVERIFY(pyc.waitForFinished(60000));
        QVERIFY2(pyc.exitCode() == 0, pyc.readAllStandardError().constData());
    }

    void npzSplitsAndCsvColumns() {
        // DATA.npz: x_train/y_train for train, x_test/y_test for evaluate.
        Tensor yTrain({30}), yTest({12});
        for (int64_t i = 0; i < 30; ++i) yTrain[i] = static_cast<float>(i % 10);
        for (int64_t i = 0; i < 12; ++i) yTest[i] = static_cast<float>(i % 10);
        saveNpz(s("fm.npz"), {{"x_train", pattern({30, 28, 28})}, {"y_train", yTrain}, {"x_test", pattern({12, 784})},
                              {"y_test", yTest}});
        CliResult t = runCli({"train", p("mlp.json"), "--data", p("fm.npz"), "--loss", "sparse_categorical_crossentropy",
                              "--metrics", "accuracy", "--save", p("npz.keras")});
        QVERIFY2(t.code == 0, qPrintable(t.describe()));
        QVERIFY2(t.out.find("on 30 samples") != std::string::npos, t.out.c_str());
        CliResult e = runCli({"evaluate", p("npz.keras"), "--data", p("fm.npz"), "--verbose", "0"});
        QVERIFY2(e.code == 0, qPrintable(e.describe()));
        QVERIFY2(e.out.find("on 12 samples") != std::string::npos, e.out.c_str());
        QVERIFY(e.out.find("\naccuracy: ") != std::string::npos);
        saveNpz(s("nokeys.npz"), {{"images", pattern({3, 784})}});
        expectOneLineError({"train", p("mlp.json"), "--data", p("nokeys.npz"), "--loss", "mse"}, {"x_train", "images"});

        // CSV: chosen feature columns, the label by name; a bad option and a missing column are named.
        {
            std::ofstream csv(s("cols.csv"));
            csv << "id,f1,f2,target\n";
            for (int i = 0; i < 20; ++i) csv << i << "," << 0.1 * i << "," << 1.0 - 0.05 * i << "," << (i % 2) << "\n";
        }
        auto x = Input({2}, "two_features");
        auto y = makeLayer<Layer>("Dense", {{"units", 1}, {"activation", "sigmoid"}, {"name", "p"}})(x);
        saveModel(*makeModel(x, y, "binary"), s("binary.json"));
        CliResult c = runCli({"train", p("binary.json"), "--data", p("cols.csv") + ":label=target:features=f1;f2", "--loss",
                              "binary_crossentropy", "--metrics", "accuracy", "--verbose", "0"});
        QVERIFY2(c.code == 0, qPrintable(c.describe()));
        // Without features= the id column is a feature too: 3 values per sample for a (2,) input.
        expectOneLineError({"train", p("binary.json"), "--data", p("cols.csv") + ":label=target", "--loss",
                            "binary_crossentropy"},
                           {"input 'two_features'", "(2,)", "(3,)"});
        expectOneLineError({"train", p("binary.json"), "--data", p("cols.csv") + ":label=nope", "--loss",
                            "binary_crossentropy"},
                           {"nope"});
        expectOneLineError({"train", p("binary.json"), "--data", p("cols.csv") + ":lable=target", "--loss",
                            "binary_crossentropy"},
                           {"lable=target"});
    }

    void trainWritesPlots() {
        CliResult r = runCli({"train", p("mlp.json"), "--data", p("x.npy") + "," + p("y.npy"), "--epochs", "2", "--loss",
                              "sparse_categorical_crossentropy", "--metrics", "accuracy", "--validation-split", "0.25",
                              "--plot-dir", p("plots"), "--verbose", "0"});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.find("training plots to " + s("plots")) != std::string::npos, r.out.c_str());
        for (const char* f : {"loss.png", "accuracy.png"}) {
            QImage img(p("plots/") + f);
            QVERIFY2(!img.isNull() && img.width() > 100, f);
        }
    }

    void predictWritesOneFilePerOutputInOrder() {
        ModelPtr m = twoByTwo();
        saveModel(*m, s("two.keras"));
        Tensor a = pattern({6, 4}), b = pattern({6, 3}, -2.0f);
        saveNpy(s("a.npy"), a);
        saveNpy(s("b.npy"), b);
        CliResult r = runCli({"predict", p("two.keras"), "--input", p("a.npy"), "--input", p("b.npy"), "--output", p("two")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        std::vector<Tensor> want = m->predict(std::vector<Tensor>{a, b});
        Tensor o0 = loadNpy(s("two_0.npy")), o1 = loadNpy(s("two_1.npy"));
        QCOMPARE(o0.shape(), (std::vector<int64_t>{6, 2}));
        QCOMPARE(o1.shape(), (std::vector<int64_t>{6, 1}));
        QVERIFY(allClose(o0, want[0], 0, 0));
        QVERIFY(allClose(o1, want[1], 0, 0));
        QVERIFY(!QFileInfo::exists(p("two_2.npy")));
        // Swapped inputs do not fit the model: an error naming the input, not a silent answer.
        expectOneLineError({"predict", p("two.keras"), "--input", p("b.npy"), "--input", p("a.npy"), "--output", p("bad")},
                           {"input 'a'", "(4,)", "(3,)"});
    }

    void rescaleScalesIntegerImages() {
        // uint8-style pixels saved as integers: --rescale 1/255 gives the model what it was trained on.
        Tensor raw({4, 28, 28});
        for (int64_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<float>((i * 7) % 256);
        raw.setDType(DType::Int32);
        saveNpy(s("raw.npy"), raw);
        ModelPtr m = loadModel(s("mlp.json"));
        saveModel(*m, s("mlp_w.keras"));
        CliResult r = runCli({"predict", p("mlp_w.keras"), "--input", p("raw.npy"), "--rescale", "1/255", "--output", p("sc")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        Tensor scaled = raw.reshaped({4, 784});
        scaled.setDType(DType::Float32);
        scaled.vector() *= 1.0f / 255.0f;
        QVERIFY(allClose(loadNpy(s("sc_0.npy")), loadModel(s("mlp_w.keras"))->predict(scaled), 1e-6f, 1e-7f));
        expectOneLineError({"predict", p("mlp_w.keras"), "--input", p("raw.npy"), "--rescale", "1/0", "--output", p("sc")},
                           {"--rescale", "1/0"});
        expectOneLineError({"predict", p("mlp_w.keras"), "--input", p("raw.npy"), "--rescale", "half", "--output", p("sc")},
                           {"--rescale", "half"});
    }

    void convertRoundTripsKeepPredictions() {
        // json (fresh weights) -> .keras -> .h5 -> .weights.h5 (+ --config) -> .keras -> .py
        QVERIFY2(runCli({"convert", p("mlp.json"), p("rt.keras")}).code == 0, "json -> keras");
        QVERIFY2(runCli({"convert", p("rt.keras"), p("rt.h5")}).code == 0, "keras -> h5");
        QVERIFY2(runCli({"convert", p("rt.h5"), p("rt.weights.h5")}).code == 0, "h5 -> weights");
        CliResult back = runCli({"convert", p("rt.weights.h5"), "--config", p("mlp.json"), p("rt2.keras")});
        QVERIFY2(back.code == 0, qPrintable(back.describe()));
        CliResult py = runCli({"convert", p("rt.h5"), p("rt.py")});
        QVERIFY2(py.code == 0, qPrintable(py.describe()));
        QVERIFY(py.out.find("Wrote " + s("rt.weights.h5")) != std::string::npos);

        Tensor x = pattern({5, 784});
        Tensor ref = loadModel(s("rt.keras"))->predict(x);
        QVERIFY(allClose(loadModel(s("rt.h5"))->predict(x), ref, 0, 0));
        LoadOptions lo;
        lo.configPath = s("mlp.json");
        QVERIFY(allClose(loadModel(s("rt.weights.h5"), lo)->predict(x), ref, 0, 0));
        QVERIFY(allClose(loadModel(s("rt2.keras"))->predict(x), ref, 0, 0));
        // The same through the command line, with the weights-only file and --config.
        saveNpy(s("x5.npy"), x);
        CliResult r = runCli({"predict", p("rt.weights.h5"), "--config", p("mlp.json"), "--input", p("x5.npy"), "--output",
                              p("rtw")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY(allClose(loadNpy(s("rtw_0.npy")), ref, 0, 0));
        // A weights-only file without --config says what is missing.
        expectOneLineError({"predict", p("rt.weights.h5"), "--input", p("x5.npy"), "--output", p("no")}, {"--config"});
    }

    void exportPythonWritesScriptAndWeights() {
        saveModel(*twoByTwo(), s("two_export.keras"));
        CliResult r = runCli({"export-python", p("two_export.keras"), p("two_export.py")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY(QFileInfo::exists(p("two_export.weights.h5")));
        const std::string py = readAll(p("two_export.py"));
        for (const char* name : {"a", "b", "concat", "first", "second", "two_by_two"})
            QVERIFY2(py.find(std::string("name=\"") + name + "\"") != std::string::npos, name);
        QVERIFY(py.find("model.load_weights(os.path.join(HERE, \"two_export.weights.h5\"))") != std::string::npos);
        QProcess pyc;
        pyc.start("python3", {"-m", "py_compile", p("two_export.py")});
        QVERIFY(pyc.waitForFinished(60000));
        QVERIFY2(pyc.exitCode() == 0, pyc.readAllStandardError().constData());
        expectOneLineError({"export-python", p("two_export.keras"), p("two_export.txt")}, {"must end in .py"});
    }

    void badInputsFailWithOneClearLine() {
        const QString xy = p("x.npy") + "," + p("y.npy");
        const QString loss = "sparse_categorical_crossentropy";
        expectOneLineError({"predict", p("missing.json"), "--input", p("x.npy"), "--output", p("o")}, {"missing.json"});
        expectOneLineError({"train", p("mlp.json"), "--data", p("missing.npy") + "," + p("y.npy"), "--loss", loss},
                           {"missing.npy"});
        expectOneLineError({"train", p("mlp.json"), "--data", p("x_wrong.npy") + "," + p("y.npy"), "--loss", loss},
                           {"input 'pixels'", "(784,)", "(7,)"});
        expectOneLineError({"predict", p("mlp.json"), "--input", p("x_wrong.npy"), "--output", p("o")},
                           {"input 'pixels'", "(784,)", "(7,)"});
        expectOneLineError({"train", p("mlp.json"), "--data", xy, "--loss", "nonsense_loss"}, {"unknown loss 'nonsense_loss'"});
        expectOneLineError({"train", p("mlp.json"), "--data", xy}, {"--loss"});
        expectOneLineError({"evaluate", p("mlp.json"), "--data", xy}, {"--loss"});
        expectOneLineError({"train", p("mlp.json"), "--data", xy, "--loss", loss, "--optimizer", "warp_drive"},
                           {"unknown optimizer 'warp_drive'"});
        expectOneLineError({"train", p("mlp.json"), "--data", p("x.npy") + "," + p("y_short.npy"), "--loss", loss},
                           {"5", "40"});
        expectOneLineError({"train", p("mlp.json"), "--data", "no_such_dataset", "--loss", loss}, {"no_such_dataset"});
        expectOneLineError({"train", p("mlp.json"), "--data", xy, "--loss", loss, "--save", p("model.txt")},
                           {"model.txt", "extension"});
        expectOneLineError({"train", p("mlp.json"), "--data", xy, "--loss", loss, "--save", p("nodir/m.keras")},
                           {"does not exist"});
        {
            QFile blocker(p("plots_file"));  // a file where the plot directory should go
            QVERIFY(blocker.open(QIODevice::WriteOnly));
        }
        expectOneLineError({"train", p("mlp.json"), "--data", xy, "--loss", loss, "--plot-dir", p("plots_file") + "/sub"},
                           {"--plot-dir", "plots_file"});
        expectOneLineError({"predict", p("two.keras"), "--input", p("a.npy"), "--output", p("o")}, {"2 input", "1 input"});
        expectOneLineError({"convert", p("mlp.json"), p("out.zip")}, {"out.zip"});
        // Usage errors: one line and exit code 2.
        for (const QStringList& args : {QStringList{"train", p("mlp.json")}, QStringList{"train", p("mlp.json"), "--data", xy, "--epochs", "0"},
                                        QStringList{"predict", p("mlp.json"), "--input", p("x.npy")}, QStringList{"frobnicate"}}) {
            CliResult u = runCli(args);
            QVERIFY2(u.code == 2, qPrintable(u.describe()));
            QString err = QString::fromStdString(u.err).trimmed();
            QVERIFY2(err.startsWith("strata: error: ") && !err.contains('\n'), qPrintable(u.describe()));
        }
        // A file that is not a model.
        expectOneLineError({"convert", p("y.npy"), p("out.keras")}, {"y.npy", "not a model file"});
        // No file was written by the failed saves.
        QVERIFY(!QFileInfo::exists(p("model.txt")));
        QVERIFY(!QFileInfo::exists(p("out.keras")));
    }
};

// --plot-dir draws with Qt widgets, so the test runs under a QApplication (offscreen unless the
// environment says otherwise), as the strata binary creates one when it draws.
int main(int argc, char** argv) {
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    TestCli test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_cli.moc"
