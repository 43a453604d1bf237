// Callbacks: hook order and logs in fit/evaluate/predict, History, EarlyStopping (patience,
// min_delta, baseline, restore_best_weights, start_from_epoch, auto mode), ReduceLROnPlateau,
// LearningRateScheduler, ModelCheckpoint (templates, best-only, per-batch), CSVLogger,
// TerminateOnNaN, LambdaCallback, stopTraining and the progress bar.
#include <QtTest/QtTest>

#include <QTemporaryDir>
#include <fstream>
#include <regex>
#include <sstream>

#include "engine/core/errors.h"
#include "engine/core/random.h"
#include "engine/graph/input_layer.h"
#include "engine/layers/layer_factory.h"
#include "engine/training/trainer.h"

using namespace strata;

namespace {

LayerRef<Layer> L(const std::string& cls, Json kw = Json::object()) { return makeLayer(cls, std::move(kw)); }

ModelPtr smallClassifier() {
    auto x = Input({2}, "in");
    KerasTensor h = L("Dense", {{"units", 8}, {"activation", "relu"}})(x);
    return makeModel(x, L("Dense", {{"units", 3}, {"activation", "softmax"}})(h));
}

void blobs(int64_t n, Tensor& x, Tensor& y) {
    Rng rng(2);
    const float cx[3] = {-2, 2, 0}, cy[3] = {-1, -1, 2};
    x = Tensor({n, 2});
    y = Tensor({n});
    for (int64_t i = 0; i < n; ++i) {
        int k = int(i % 3);
        x[2 * i] = cx[k] + 0.5f * rng.normal();
        x[2 * i + 1] = cy[k] + 0.5f * rng.normal();
        y[i] = float(k);
    }
}

std::string keys(const Logs& l) {
    std::string s;
    for (const auto& [k, v] : l.items()) s += (s.empty() ? "" : ",") + k;
    return s;
}

/// Records every hook with its logs' keys.
class Recorder : public Callback {
public:
    std::vector<std::string> events;
    std::vector<Logs> batchLogs, epochLogs;
    void onTrainBegin(Logs& l) override { events.push_back("train_begin"); }
    void onTrainEnd(Logs& l) override { events.push_back("train_end " + keys(l)); }
    void onEpochBegin(int e, Logs&) override { events.push_back("epoch_begin " + std::to_string(e)); }
    void onEpochEnd(int e, Logs& l) override {
        events.push_back("epoch_end " + std::to_string(e) + " " + keys(l));
        epochLogs.push_back(l);
    }
    void onBatchBegin(int64_t b, Logs&) override { events.push_back("batch_begin " + std::to_string(b)); }
    void onBatchEnd(int64_t b, Logs& l) override {
        events.push_back("batch_end " + std::to_string(b) + " " + keys(l));
        batchLogs.push_back(l);
    }
    void onTestBegin(Logs&) override { events.push_back("test_begin"); }
    void onTestEnd(Logs& l) override { events.push_back("test_end " + keys(l)); }
    void onTestBatchBegin(int64_t b, Logs&) override { events.push_back("test_batch_begin " + std::to_string(b)); }
    void onTestBatchEnd(int64_t b, Logs& l) override { events.push_back("test_batch_end " + std::to_string(b) + " " + keys(l)); }
    void onPredictBegin(Logs&) override { events.push_back("predict_begin"); }
    void onPredictEnd(Logs&) override { events.push_back("predict_end"); }
    void onPredictBatchBegin(int64_t b, Logs&) override { events.push_back("predict_batch_begin " + std::to_string(b)); }
    void onPredictBatchEnd(int64_t b, Logs&) override {
        events.push_back("predict_batch_end " + std::to_string(b) + " rows " +
                         std::to_string(predictOutputs()->at(0).dim(0)));
    }
};

/// Puts a scripted value in the epoch logs under `key` (placed before the callback under test).
class Script : public Callback {
public:
    Script(std::string key, std::vector<double> values) : key_(std::move(key)), values_(std::move(values)) {}
    void onEpochEnd(int e, Logs& l) override {
        l.set(key_, values_.at(size_t(e)));
        weights.push_back(model()->getWeights());
    }
    std::vector<std::vector<Tensor>> weights;
private:
    std::string key_;
    std::vector<double> values_;
};

struct Run {
    ModelPtr model;
    Tensor x, y;
    Run(double lr = 0.05) {
        clearSession();
        setSeed(7);
        blobs(60, x, y);
        model = smallClassifier();
        model->compile({.optimizer = std::make_shared<SGD>(lr), .loss = "sparse_categorical_crossentropy",
                        .metrics = {"accuracy"}});
    }
    History fit(int epochs, std::vector<CallbackPtr> cbs, FitOptions o = {}) {
        o.epochs = epochs;
        o.verbose = 0;
        o.batchSize = 30;
        o.callbacks = std::move(cbs);
        return model->fit(x, y, o);
    }
};

}  // namespace

class TestCallbacks : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private slots:
    void hookOrderAndLogs() {
        Run r;
        auto rec = std::make_shared<Recorder>();
        FitOptions o;
        o.validationSplit = 0.5;  // 30 train (1 batch of 30), 30 validation
        o.batchSize = 15;
        o.epochs = 2;
        o.verbose = 0;
        o.callbacks = {rec};
        History h = r.model->fit(r.x, r.y, o);
        const std::vector<std::string> expected = {
            "train_begin",
            "epoch_begin 0",
            "batch_begin 0", "batch_end 0 accuracy,loss",
            "batch_begin 1", "batch_end 1 accuracy,loss",
            "test_begin",
            "test_batch_begin 0", "test_batch_end 0 accuracy,loss",
            "test_batch_begin 1", "test_batch_end 1 accuracy,loss",
            "test_end accuracy,loss",
            "epoch_end 0 accuracy,loss,val_accuracy,val_loss",
            "epoch_begin 1",
            "batch_begin 0", "batch_end 0 accuracy,loss",
            "batch_begin 1", "batch_end 1 accuracy,loss",
            "test_begin",
            "test_batch_begin 0", "test_batch_end 0 accuracy,loss",
            "test_batch_begin 1", "test_batch_end 1 accuracy,loss",
            "test_end accuracy,loss",
            "epoch_end 1 accuracy,loss,val_accuracy,val_loss",
            "train_end accuracy,loss,val_accuracy,val_loss",
        };
        QCOMPARE(int(rec->events.size()), int(expected.size()));
        for (size_t i = 0; i < expected.size(); ++i)
            QCOMPARE(QString::fromStdString(rec->events[i]), QString::fromStdString(expected[i]));
        // Epoch logs hold the running values of the last batch; History holds the epoch logs.
        QCOMPARE(rec->epochLogs[1].at("loss"), rec->batchLogs[3].at("loss"));
        QCOMPARE(h["val_loss"][1], rec->epochLogs[1].at("val_loss"));
        QCOMPARE(h.epoch, (std::vector<int>{0, 1}));

        rec->events.clear();
        r.model->evaluate(r.x, r.y, {.batchSize = 40, .verbose = 0, .callbacks = {rec}});
        QCOMPARE(QString::fromStdString(rec->events.front()), QString("test_begin"));
        QCOMPARE(QString::fromStdString(rec->events.back()), QString("test_end accuracy,loss"));
        QCOMPARE(int(rec->events.size()), 6);
        rec->events.clear();
        r.model->predict(ArrayData(r.x), {.batchSize = 40, .verbose = 0, .callbacks = {rec}});
        QCOMPARE(qsizetype(rec->events.size()), qsizetype(6));
        QCOMPARE(QString::fromStdString(rec->events[4]), QString("predict_batch_end 1 rows 20"));
        QCOMPARE(QString::fromStdString(rec->events[5]), QString("predict_end"));
    }

    void historyAndInitialEpoch() {
        Run r;
        FitOptions o;
        o.initialEpoch = 1;
        History h = r.fit(3, {}, o);
        QCOMPARE(h.epoch, (std::vector<int>{1, 2}));
        QCOMPARE(int(h["loss"].size()), 2);
        QVERIFY_THROWS_EXCEPTION(ValueError, h["val_loss"]);
    }

    void earlyStoppingPatience() {
        Run r;
        auto script = std::make_shared<Script>("score", std::vector<double>{5, 4, 4.5, 4.2, 3.9, 4.0, 4.1, 4.2});
        auto es = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.monitor = "score", .patience = 2, .mode = "min"});
        History h = r.fit(8, {script, es});
        QCOMPARE(int(h["loss"].size()), 4);  // stops at the end of epoch 3
        QCOMPARE(es->stoppedEpoch(), 3);
        QCOMPARE(es->bestEpoch(), 1);
        // min_delta: an improvement must beat the best by 0.5.
        Run r2;
        auto s2 = std::make_shared<Script>("score", std::vector<double>{5, 4.4, 4.0, 4.1, 3.0, 2.0});
        auto es2 = std::make_shared<EarlyStopping>(
            EarlyStoppingOptions{.monitor = "score", .minDelta = 0.5, .patience = 2, .mode = "min"});
        History h2 = r2.fit(6, {s2, es2});
        QCOMPARE(int(h2["loss"].size()), 4);  // 4.4 improves 5 by 0.6; 4.0 and 4.1 do not improve 4.4 by 0.5
        QCOMPARE(es2->best(), 4.4);
    }

    void earlyStoppingBaselineStartAndRestore() {
        Run r;
        auto s = std::make_shared<Script>("score", std::vector<double>{5, 5, 5, 5, 5});
        auto es = std::make_shared<EarlyStopping>(
            EarlyStoppingOptions{.monitor = "score", .patience = 2, .mode = "min", .baseline = 3.0});
        History h = r.fit(5, {s, es});
        // A first value that does not beat the baseline does not reset the wait: stop one epoch
        // earlier than without a baseline (3 epochs).
        QCOMPARE(int(h["loss"].size()), 2);
        Run r1;
        auto s1 = std::make_shared<Script>("score", std::vector<double>{5, 5, 5, 5, 5});
        auto es1 = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.monitor = "score", .patience = 2, .mode = "min"});
        QCOMPARE(int(r1.fit(5, {s1, es1})["loss"].size()), 3);

        Run r2;
        auto s2 = std::make_shared<Script>("score", std::vector<double>{9, 9, 9, 1, 2, 3, 4, 5});
        auto es2 = std::make_shared<EarlyStopping>(
            EarlyStoppingOptions{.monitor = "score", .patience = 2, .mode = "min", .restoreBestWeights = true,
                                 .startFromEpoch = 3});
        History h2 = r2.fit(8, {s2, es2});
        QCOMPARE(int(h2["loss"].size()), 6);
        QCOMPARE(es2->bestEpoch(), 3);
        auto now = r2.model->getWeights();
        for (size_t i = 0; i < now.size(); ++i) QVERIFY(allClose(now[i], s2->weights[3][i], 0, 0));
        QVERIFY(!allClose(now[0], s2->weights[5][0], 0, 0));
    }

    void earlyStoppingAutoMode() {
        Run r;
        auto s = std::make_shared<Script>("val_accuracy", std::vector<double>{0.5, 0.6, 0.55, 0.58});
        auto es = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.monitor = "val_accuracy", .patience = 2});
        History h = r.fit(4, {s, es});
        QCOMPARE(int(h["loss"].size()), 4);  // accuracy goes up: 0.6 is the best, two epochs of waiting
        QCOMPARE(es->best(), 0.6);
        Run r2;
        auto bad = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.monitor = "mystery"});
        auto s2 = std::make_shared<Script>("mystery", std::vector<double>{1, 2});
        QVERIFY_THROWS_EXCEPTION(ValueError, r2.fit(2, {s2, bad}));
    }

    void reduceLrOnPlateau() {
        Run r(0.1);
        auto s = std::make_shared<Script>("score", std::vector<double>{5, 5, 5, 5, 5, 4, 4});
        auto rl = std::make_shared<ReduceLROnPlateau>(
            ReduceLROnPlateauOptions{.monitor = "score", .factor = 0.5, .patience = 2, .minLr = 0.03});
        History h = r.fit(7, {s, rl});
        // learning_rate is logged before the reduction of that epoch.
        const std::vector<double> lrs = h["learning_rate"];
        const std::vector<double> want = {0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03};
        QCOMPARE(int(lrs.size()), 7);
        for (size_t i = 0; i < want.size(); ++i) QVERIFY2(std::fabs(lrs[i] - want[i]) < 1e-7, qPrintable(QString::number(lrs[i])));
        QVERIFY(std::fabs(r.model->trainer().optimizer().learningRate() - 0.03) < 1e-7);
        QVERIFY_THROWS_EXCEPTION(ValueError, ReduceLROnPlateau(ReduceLROnPlateauOptions{.factor = 1.0}));
        // Cooldown: one quiet epoch after each reduction.
        Run r2(0.1);
        auto s2 = std::make_shared<Script>("score", std::vector<double>{5, 5, 5, 5, 5, 5});
        auto rl2 = std::make_shared<ReduceLROnPlateau>(
            ReduceLROnPlateauOptions{.monitor = "score", .factor = 0.5, .patience = 1, .cooldown = 2});
        History h2 = r2.fit(6, {s2, rl2});
        const std::vector<double> want2 = {0.1, 0.1, 0.05, 0.05, 0.025, 0.025};
        for (size_t i = 0; i < want2.size(); ++i) QVERIFY(std::fabs(h2["learning_rate"][i] - want2[i]) < 1e-7);
    }

    void learningRateScheduler() {
        Run r(0.1);
        auto sched = std::make_shared<LearningRateScheduler>([](int epoch, double lr) { return epoch < 1 ? lr : lr * 0.5; });
        History h = r.fit(3, {sched});
        const std::vector<double> want = {0.1, 0.05, 0.025};
        for (size_t i = 0; i < want.size(); ++i) QVERIFY(std::fabs(h["learning_rate"][i] - want[i]) < 1e-7);
    }

    void pythonFormatting() {
        Logs l{{"loss", 0.123456}, {"val_loss", 1.0 / 3.0}, {"tiny", 1.5e-5}, {"neg", -2.5}};
        std::vector<std::pair<std::string, int64_t>> ints = {{"epoch", 7}};
        QCOMPARE(QString::fromStdString(pythonFormat("ckpt-{epoch:02d}-{val_loss:.2f}.keras", ints, l)),
                 QString("ckpt-07-0.33.keras"));
        QCOMPARE(QString::fromStdString(pythonFormat("{epoch}|{epoch:>4}|{epoch:<3}|{loss:.3f}|{tiny:.2e}|{neg:+.1f}|{{x}}", ints, l)),
                 QString("7|   7|7  |0.123|1.50e-05|-2.5|{x}"));
        QCOMPARE(QString::fromStdString(pythonFormat("{loss}", ints, l)), QString("0.123456"));
        QCOMPARE(QString::fromStdString(pythonFormat("{loss:08.3f}", ints, l)), QString("0000.123"));
        QVERIFY_THROWS_EXCEPTION(ValueError, pythonFormat("{accuracy:.2f}", ints, l));
        QVERIFY_THROWS_EXCEPTION(ValueError, pythonFormat("{loss:d}", ints, l));
        QCOMPARE(QString::fromStdString(pythonRepr(0.1)), QString("0.1"));
        QCOMPARE(QString::fromStdString(pythonRepr(double(0.1f))), QString("0.10000000149011612"));
        QCOMPARE(QString::fromStdString(pythonRepr(1e-5)), QString("1e-05"));
        QCOMPARE(QString::fromStdString(pythonRepr(0.0001)), QString("0.0001"));
        QCOMPARE(QString::fromStdString(pythonRepr(100.0)), QString("100.0"));
        QCOMPARE(QString::fromStdString(pythonRepr(1e16)), QString("1e+16"));
        QCOMPARE(QString::fromStdString(pythonRepr(123456789.0)), QString("123456789.0"));
        QCOMPARE(QString::fromStdString(pythonRepr(-2.5)), QString("-2.5"));
        QCOMPARE(QString::fromStdString(pythonRepr(std::nan(""))), QString("nan"));
    }

    void modelCheckpoint() {
        Run r;
        std::vector<std::pair<std::string, bool>> saved;
        ModelSaver saver = [&](Model& m, const std::string& path, bool weightsOnly) {
            QCOMPARE(&m, r.model.get());
            saved.emplace_back(path, weightsOnly);
        };
        auto s = std::make_shared<Script>("val_loss", std::vector<double>{0.9, 0.7, 0.8, 0.5});
        auto every = std::make_shared<ModelCheckpoint>(tmp_.filePath("ckpt-{epoch:02d}-{val_loss:.2f}.keras").toStdString(),
                                                       ModelCheckpointOptions{.save = saver});
        r.fit(4, {s, every});
        QCOMPARE(int(saved.size()), 4);
        QVERIFY(saved[0].first.ends_with("ckpt-01-0.90.keras"));
        QVERIFY(saved[3].first.ends_with("ckpt-04-0.50.keras"));
        QVERIFY(!saved[0].second);

        saved.clear();
        Run r2;
        auto s2 = std::make_shared<Script>("val_loss", std::vector<double>{0.9, 0.7, 0.8, 0.5});
        auto best = std::make_shared<ModelCheckpoint>(
            tmp_.filePath("best.weights.h5").toStdString(),
            ModelCheckpointOptions{.saveBestOnly = true, .saveWeightsOnly = true,
                                   .save = [&](Model&, const std::string& p, bool w) { saved.emplace_back(p, w); }});
        r2.fit(4, {s2, best});
        QCOMPARE(int(saved.size()), 3);  // epochs 1, 2 and 4 improve
        QVERIFY(saved[0].second);
        QCOMPARE(best->best(), 0.5);

        // Per-batch saving: every 2 batches (2 batches per epoch here).
        saved.clear();
        Run r3;
        auto perBatch = std::make_shared<ModelCheckpoint>(
            tmp_.filePath("b-{epoch}-{batch}.keras").toStdString(),
            ModelCheckpointOptions{.saveFreq = 2, .save = [&](Model&, const std::string& p, bool w) { saved.emplace_back(p, w); }});
        r3.fit(2, {perBatch});
        QCOMPARE(int(saved.size()), 2);
        QVERIFY(saved[0].first.ends_with("b-1-2.keras"));
        QVERIFY(saved[1].first.ends_with("b-2-2.keras"));

        // Keras's file-name rules and missing keys.
        QVERIFY_THROWS_EXCEPTION(ValueError, ModelCheckpoint("model.txt"));
        QVERIFY_THROWS_EXCEPTION(ValueError, ModelCheckpoint("model.keras", {.saveWeightsOnly = true}));
        Run r4;
        auto missing = std::make_shared<ModelCheckpoint>("m-{val_auc:.2f}.keras",
                                                         ModelCheckpointOptions{.save = saver});
        QVERIFY_THROWS_EXCEPTION(ValueError, r4.fit(1, {missing}));
    }

    void csvLogger() {
        const std::string path = tmp_.filePath("log.csv").toStdString();
        Run r;
        FitOptions o;
        o.validationSplit = 0.5;
        History h = r.fit(2, {std::make_shared<CSVLogger>(path)}, o);
        std::ifstream in(path, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::string expected = "epoch,accuracy,loss,val_accuracy,val_loss\r\n";
        for (int e = 0; e < 2; ++e)
            expected += std::to_string(e) + "," + pythonRepr(h["accuracy"][e]) + "," + pythonRepr(h["loss"][e]) + "," +
                        pythonRepr(h["val_accuracy"][e]) + "," + pythonRepr(h["val_loss"][e]) + "\r\n";
        QCOMPARE(QString::fromStdString(text), QString::fromStdString(expected));
        // Append mode adds rows without a second header.
        r.fit(1, {std::make_shared<CSVLogger>(path, ",", true)}, o);
        std::ifstream in2(path, std::ios::binary);
        std::string text2((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
        QCOMPARE(int(std::count(text2.begin(), text2.end(), '\n')), 4);
        QVERIFY(text2.rfind("epoch", 0) == 0 && text2.find("epoch", 1) == std::string::npos);
    }

    void terminateOnNaN() {
        Run r;
        // A softmax right on the inputs, so NaN inputs reach the loss.
        auto in = Input({2});
        r.model = makeModel(in, L("Dense", {{"units", 3}, {"activation", "softmax"}})(in));
        r.model->compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy"});
        for (int64_t i = 30; i < 40; ++i) r.x[2 * i] = NAN;  // samples 30..39: batch 3 of 10
        std::ostringstream out;
        auto t = std::make_shared<TerminateOnNaN>(&out);
        auto rec = std::make_shared<Recorder>();
        FitOptions o;
        o.shuffle = false;
        o.batchSize = 10;
        o.epochs = 3;
        o.verbose = 0;
        o.callbacks = {t, rec};
        History h = r.model->fit(r.x, r.y, o);
        QCOMPARE(QString::fromStdString(t->message()), QString("Epoch 1, batch 3: invalid loss (nan), terminating training"));
        QVERIFY(out.str().find("Epoch 1, batch 3") != std::string::npos);
        QCOMPARE(int(rec->batchLogs.size()), 4);  // stopped right after the NaN batch
        QCOMPARE(int(h["loss"].size()), 1);
        QVERIFY(std::isnan(h["loss"][0]));
    }

    void lambdaAndStopTraining() {
        Run r;
        int epochsSeen = 0;
        auto cb = std::make_shared<LambdaCallback>();
        cb->onEpochEndFn = [&](int, Logs&) { ++epochsSeen; };
        cb->onTrainBatchEndFn = [&](int64_t b, Logs&) {
            if (b == 0 && epochsSeen == 1) r.model->stopTraining = true;
        };
        History h = r.fit(5, {cb});
        QCOMPARE(epochsSeen, 2);  // the second epoch ends early and training stops
        QCOMPARE(int(h["loss"].size()), 2);
    }

    void progressBar() {
        Run r;
        std::ostringstream out;
        FitOptions o;
        o.epochs = 2;
        o.batchSize = 30;
        o.verbose = 1;
        o.validationSplit = 0.5;
        o.progressOut = &out;
        r.model->fit(r.x, r.y, o);
        const std::string s = out.str();
        QVERIFY2(s.find("Epoch 1/2\n") != std::string::npos, s.c_str());
        QVERIFY2(s.find("Epoch 2/2\n") != std::string::npos, s.c_str());
        QVERIFY2(s.find("1/1 \u2501\u2501\u2501") != std::string::npos, s.c_str());
        const std::string num = R"(\d\.\d{4}(e[+-]\d+)?)";
        std::regex final(std::string("1/1 (\u2501){20}") + R"( \d+s \d+(us|ms|s)/step - accuracy: )" + num +
                         " - loss: " + num + " - val_accuracy: " + num + " - val_loss: " + num + "\n");
        QVERIFY2(std::regex_search(s, final), s.c_str());
        // verbose=2: one line per epoch.
        std::ostringstream out2;
        o.verbose = 2;
        o.progressOut = &out2;
        r.model->fit(r.x, r.y, o);
        std::regex line(R"(^1/1 - \d+s - \d+(us|ms|s)/step - accuracy: )" + num + " - loss: " + num +
                        " - val_accuracy: " + num + " - val_loss: " + num + "$");
        std::istringstream lines(out2.str());
        std::string ln;
        int matched = 0;
        while (std::getline(lines, ln))
            if (std::regex_search(ln, line)) ++matched;
        QVERIFY2(matched == 2, out2.str().c_str());
        // evaluate prints its own bar.
        std::ostringstream out3;
        r.model->evaluate(r.x, r.y, {.batchSize = 20, .verbose = 1, .progressOut = &out3});
        QVERIFY2(out3.str().find("3/3 ") != std::string::npos && out3.str().find("loss:") != std::string::npos,
                 out3.str().c_str());
    }
};

QTEST_MAIN(TestCallbacks)
#include "test_callbacks.moc"
