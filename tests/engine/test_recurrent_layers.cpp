// Recurrent family: SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed.
// Config defaults and round trips, Keras 2 configs, weight layout and parameter counts (Keras's formulas),
// output shapes, forward values against a naive step-by-step implementation written here (sequences,
// states, go_backwards, masks, initial states, dropout), and gradient checks of every variant.
#include <QtTest/QtTest>

#include <chrono>
#include <cmath>
#include <functional>

#include "engine/core/errors.h"
#include "engine/core/parallel.h"
#include "engine/graph/input_layer.h"
#include "engine/layers/core/dense.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/recurrent/bidirectional.h"
#include "engine/layers/recurrent/gru.h"
#include "engine/layers/recurrent/lstm.h"
#include "engine/layers/recurrent/simple_rnn.h"
#include "engine/layers/recurrent/time_distributed.h"
#include "tests/support/gradcheck.h"

using namespace strata;

namespace {

float sigmoidRef(float x) { return 1.0f / (1.0f + std::exp(-x)); }
float hardSigmoidKeras3(float x) { return std::clamp(x / 6.0f + 0.5f, 0.0f, 1.0f); }
float hardSigmoidKeras2(float x) { return std::clamp(0.2f * x + 0.5f, 0.0f, 1.0f); }
float tanhRef(float x) { return std::tanh(x); }

enum class Cell { Simple, Lstm, GruAfter, GruBefore };

// A plain, loop-per-scalar RNN: one sample and one step at a time, written independently of the engine.
struct NaiveRnn {
    Cell cell = Cell::Simple;
    int64_t u = 0;
    std::function<float(float)> act = tanhRef, ract = sigmoidRef;
    bool seq = false, state = false, back = false, zeroOut = false;
    const Tensor* mask = nullptr;  // (B, T)
    const Tensor* h0 = nullptr;    // (B, u)
    const Tensor* c0 = nullptr;
    Tensor W, U, b;                // Keras layout
    bool useBias = true;

    // Gate pre-activation j of block g: x W[:, g*u+j] + h U[:, g*u+j] (+ bias), each part separately.
    float xPart(const std::vector<float>& x, int64_t col) const {
        float s = 0;
        for (size_t f = 0; f < x.size(); ++f) s += x[f] * W[int64_t(f) * W.dim(1) + col];
        return s;
    }
    float hPart(const std::vector<float>& h, int64_t col) const {
        float s = 0;
        for (size_t i = 0; i < h.size(); ++i) s += h[i] * U[int64_t(i) * U.dim(1) + col];
        return s;
    }
    float bias(int64_t row, int64_t col) const {
        if (!useBias) return 0.0f;
        return b.rank() == 2 ? b[row * b.dim(1) + col] : b[col];
    }

    void step(const std::vector<float>& x, std::vector<float>& h, std::vector<float>& c) const {
        std::vector<float> hn(u), cn(u);
        switch (cell) {
            case Cell::Simple:
                for (int64_t j = 0; j < u; ++j) hn[j] = act(xPart(x, j) + bias(0, j) + hPart(h, j));
                break;
            case Cell::Lstm:
                for (int64_t j = 0; j < u; ++j) {
                    float pre[4];
                    for (int g = 0; g < 4; ++g) pre[g] = xPart(x, g * u + j) + bias(0, g * u + j) + hPart(h, g * u + j);
                    float i = ract(pre[0]), f = ract(pre[1]), cc = act(pre[2]), o = ract(pre[3]);
                    cn[j] = f * c[j] + i * cc;
                    hn[j] = o * act(cn[j]);
                }
                c = cn;
                break;
            case Cell::GruAfter: {
                std::vector<float> z(u), r(u);
                for (int64_t j = 0; j < u; ++j) {
                    z[j] = ract(xPart(x, j) + bias(0, j) + hPart(h, j) + bias(1, j));
                    r[j] = ract(xPart(x, u + j) + bias(0, u + j) + hPart(h, u + j) + bias(1, u + j));
                }
                for (int64_t j = 0; j < u; ++j) {
                    float hh = act(xPart(x, 2 * u + j) + bias(0, 2 * u + j) + r[j] * (hPart(h, 2 * u + j) + bias(1, 2 * u + j)));
                    hn[j] = z[j] * h[j] + (1 - z[j]) * hh;
                }
                break;
            }
            case Cell::GruBefore: {
                std::vector<float> z(u), r(u), rh(u);
                for (int64_t j = 0; j < u; ++j) {
                    z[j] = ract(xPart(x, j) + bias(0, j) + hPart(h, j));
                    r[j] = ract(xPart(x, u + j) + bias(0, u + j) + hPart(h, u + j));
                }
                for (int64_t i = 0; i < u; ++i) rh[i] = r[i] * h[i];
                for (int64_t j = 0; j < u; ++j) {
                    float hh = act(xPart(x, 2 * u + j) + bias(0, 2 * u + j) + hPart(rh, 2 * u + j));
                    hn[j] = z[j] * h[j] + (1 - z[j]) * hh;
                }
                break;
            }
        }
        h = hn;
    }

    std::vector<Tensor> run(const Tensor& x) const {
        const int64_t B = x.dim(0), T = x.dim(1), F = x.dim(2);
        Tensor out = seq ? Tensor({B, T, u}) : Tensor({B, u});
        Tensor hT({B, u}), cT({B, u});
        for (int64_t bb = 0; bb < B; ++bb) {
            std::vector<float> h(u, 0.0f), c(u, 0.0f), prevOut(u, 0.0f);
            if (h0) for (int64_t j = 0; j < u; ++j) h[j] = (*h0)[bb * u + j];
            if (c0) for (int64_t j = 0; j < u; ++j) c[j] = (*c0)[bb * u + j];
            for (int64_t s = 0; s < T; ++s) {
                const int64_t t = back ? T - 1 - s : s;
                std::vector<float> xt(F);
                for (int64_t f = 0; f < F; ++f) xt[f] = x[(bb * T + t) * F + f];
                const bool keep = !mask || (*mask)[bb * T + t] != 0.0f;
                std::vector<float> hn = h, cn = c;
                step(xt, hn, cn);
                std::vector<float> o;
                if (keep) {
                    h = hn;
                    c = cn;
                    o = hn;
                } else {
                    o = zeroOut ? std::vector<float>(u, 0.0f) : prevOut;
                }
                prevOut = o;
                if (seq) for (int64_t j = 0; j < u; ++j) out[(bb * T + s) * u + j] = o[j];
            }
            if (!seq) for (int64_t j = 0; j < u; ++j) out[bb * u + j] = prevOut[j];
            for (int64_t j = 0; j < u; ++j) {
                hT[bb * u + j] = h[j];
                cT[bb * u + j] = c[j];
            }
        }
        std::vector<Tensor> r{out};
        if (state) {
            r.push_back(hT);
            if (cell == Cell::Lstm) r.push_back(cT);
        }
        return r;
    }
};

Cell cellOf(const RecurrentBase& l) {
    if (l.className() == "SimpleRNN") return Cell::Simple;
    if (l.className() == "LSTM") return Cell::Lstm;
    return static_cast<const GRU&>(l).resetAfter() ? Cell::GruAfter : Cell::GruBefore;
}

// The naive twin of a built layer (same weights and flags).
NaiveRnn naiveOf(const RecurrentBase& l) {
    NaiveRnn n;
    n.cell = cellOf(l);
    n.u = l.units();
    n.seq = l.returnSequences();
    n.state = l.returnState();
    n.back = l.goBackwards();
    n.zeroOut = l.zeroOutputForMask();
    n.W = l.kernel()->value;
    n.U = l.recurrentKernel()->value;
    n.useBias = l.bias() != nullptr;
    if (n.useBias) n.b = l.bias()->value;
    return n;
}

// Random weights (so biases are non-zero) in [-scale, scale).
void randomizeWeights(Layer& l, uint64_t seed, float scale = 0.5f) {
    std::vector<Tensor> w;
    for (Variable* v : l.weights()) w.push_back(testing::randomTensor(v->value.shape(), seed++, -scale, scale));
    l.setWeights(w);
}

std::vector<Tensor> callLayer(Layer& l, const std::vector<Tensor>& inputs, const Tensor* mask = nullptr,
                              bool training = false, uint64_t seed = 3) {
    ConstTensorPtrs ptrs;
    for (const auto& t : inputs) ptrs.push_back(&t);
    Tensors outs;
    CallContext ctx;
    ctx.training = training;
    Rng rng(seed);
    ctx.rng = &rng;
    if (mask) ctx.masks = {mask};
    l.call(ptrs, outs, ctx);
    return outs;
}

// Mask (B=4, T=5): full row, holes, masked prefix, all masked.
Tensor testMask() {
    return Tensor::of({4, 5}, {1, 1, 1, 1, 1,  //
                               1, 1, 0, 1, 0,  //
                               0, 0, 1, 1, 1,  //
                               0, 0, 0, 0, 0});
}

// Gradients of sum(outputs * fixed random projections) with an input mask in the context: the
// projections, then d/d(inputs) and d/d(trainable weights) in trainableWeights() order.
struct AnalyticGrads {
    std::vector<Tensor> proj, inputs, weights;
};
AnalyticGrads analyticGrads(Layer& layer, const std::vector<Tensor>& inputs, const Tensor* mask, bool training,
                            uint64_t seed = 42) {
    ConstTensorPtrs ptrs;
    for (const auto& t : inputs) ptrs.push_back(&t);
    Tensors outs;
    CallContext ctx;
    ctx.recordForBackward = true;
    ctx.training = training;
    Rng rng(seed);
    ctx.rng = &rng;
    if (mask) ctx.masks = {mask};
    layer.call(ptrs, outs, ctx);
    AnalyticGrads g;
    Rng projRng(7);
    for (const auto& o : outs) {
        Tensor p(o.shape());
        for (auto& v : p.values()) v = projRng.uniform(-1.0f, 1.0f);
        g.proj.push_back(p);
    }
    for (Variable* w : layer.trainableWeights()) w->grad.resize(w->value.shape(), 0.0f);
    ConstTensorPtrs gptrs;
    for (const auto& p : g.proj) gptrs.push_back(&p);
    Tensors inGrads;
    layer.backward(ptrs, outs, gptrs, inGrads, ctx);
    g.inputs.assign(inGrads.begin(), inGrads.end());
    for (Variable* w : layer.trainableWeights()) g.weights.push_back(w->grad);
    return g;
}

// testing::gradCheck with an input mask in the context.
std::string gradCheckMasked(Layer& layer, std::vector<Tensor> inputs, const Tensor* mask,
                            const testing::GradCheckOptions& opt = {}) {
    const AnalyticGrads g = analyticGrads(layer, inputs, mask, opt.training, opt.seed);
    auto loss = [&]() {
        ConstTensorPtrs ptrs;
        for (const auto& t : inputs) ptrs.push_back(&t);
        Tensors o;
        CallContext c;
        c.training = opt.training;
        Rng r(opt.seed);
        c.rng = &r;
        if (mask) c.masks = {mask};
        layer.call(ptrs, o, c);
        double l = 0;
        for (size_t i = 0; i < o.size(); ++i)
            for (int64_t j = 0; j < o[i].size(); ++j) l += double(o[i][j]) * g.proj[i][j];
        return l;
    };
    auto check = [&](Tensor& target, const Tensor& analytic, const std::string& what) -> std::string {
        if (analytic.shape() != target.shape())
            return what + ": gradient shape " + analytic.shapeString() + " != " + target.shapeString();
        int64_t n = target.size(), step = std::max<int64_t>(1, n / opt.maxChecksPerTensor);
        for (int64_t i = 0; i < n; i += step) {
            float saved = target[i];
            target[i] = float(saved + opt.eps);
            double lp = loss();
            target[i] = float(saved - opt.eps);
            double lm = loss();
            target[i] = saved;
            double numeric = (lp - lm) / (2 * opt.eps);
            if (std::fabs(numeric - analytic[i]) > opt.tolerance * std::max(1.0, std::fabs(numeric)))
                return what + "[" + std::to_string(i) + "]: analytic " + std::to_string(analytic[i]) + " vs numeric " +
                       std::to_string(numeric);
        }
        return {};
    };
    if (g.inputs.size() != inputs.size()) return "backward returned " + std::to_string(g.inputs.size()) + " input gradients";
    for (size_t i = 0; i < inputs.size(); ++i) {
        auto r = check(inputs[i], g.inputs[i], "input " + std::to_string(i));
        if (!r.empty()) return r;
    }
    auto weights = layer.trainableWeights();
    for (size_t j = 0; j < weights.size(); ++j) {
        auto r = check(weights[j]->value, g.weights[j], "weight " + weights[j]->path());
        if (!r.empty()) return r;
    }
    return {};
}

#define RNN_GRADCHECK(layer, inputs, mask, ...)                                 \
    do {                                                                        \
        std::string _r = gradCheckMasked(layer, inputs, mask, ##__VA_ARGS__);   \
        QVERIFY2(_r.empty(), _r.c_str());                                       \
    } while (0)

std::shared_ptr<RecurrentBase> makeRnn(const QString& kind, int64_t units, Json kw) {
    if (kind == "SimpleRNN") return layers::SimpleRNN(units, kw);
    if (kind == "LSTM") return layers::LSTM(units, kw);
    if (kind == "GRU") return layers::GRU(units, kw);
    kw["reset_after"] = false;
    return layers::GRU(units, kw);  // "GRU_before"
}

int64_t kerasParamCount(const QString& kind, int64_t F, int64_t u) {
    if (kind == "SimpleRNN") return F * u + u * u + u;
    if (kind == "LSTM") return 4 * (F * u + u * u + u);
    if (kind == "GRU") return 3 * (F * u + u * u) + 2 * 3 * u;
    return 3 * (F * u + u * u + u);
}

}  // namespace

class TestRecurrentLayers : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    // ---- configs ------------------------------------------------------------------------------

    void defaultsAndRoundTrip_data() {
        QTest::addColumn<QString>("kind");
        for (const char* k : {"SimpleRNN", "LSTM", "GRU"}) QTest::newRow(k) << QString(k);
    }
    void defaultsAndRoundTrip() {
        QFETCH(QString, kind);
        auto l = makeRnn(kind, 7, Json::object());
        Json c = l->getConfig();
        QCOMPARE(c["units"].get<int>(), 7);
        QCOMPARE(c["activation"].get<std::string>(), std::string("tanh"));
        QCOMPARE(c["use_bias"].get<bool>(), true);
        QCOMPARE(c["kernel_initializer"].get<std::string>(), std::string("glorot_uniform"));
        QCOMPARE(c["recurrent_initializer"].get<std::string>(), std::string("orthogonal"));
        QCOMPARE(c["bias_initializer"].get<std::string>(), std::string("zeros"));
        QCOMPARE(c["dropout"].get<double>(), 0.0);
        QCOMPARE(c["recurrent_dropout"].get<double>(), 0.0);
        for (const char* key : {"return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask"})
            QCOMPARE(c[key].get<bool>(), false);
        for (const char* key : {"kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                                "kernel_constraint", "recurrent_constraint", "bias_constraint"})
            QVERIFY(c[key].is_null());
        if (kind != "SimpleRNN") {
            QCOMPARE(c["recurrent_activation"].get<std::string>(), std::string("sigmoid"));
            QVERIFY(c["seed"].is_null());
            QCOMPARE(c["implementation"].get<int>(), 2);
        } else {
            QVERIFY(!c.contains("recurrent_activation"));
            QVERIFY(!c.contains("implementation"));
        }
        if (kind == "LSTM") QCOMPARE(c["unit_forget_bias"].get<bool>(), true);
        if (kind == "GRU") QCOMPARE(c["reset_after"].get<bool>(), true);
        auto again = LayerRegistry::instance().create(kind.toStdString(), c, true);
        QCOMPARE(again->getConfig(), c);
        QCOMPARE(QString::fromStdString(l->name()), kind == "SimpleRNN" ? QString("simple_rnn") : kind.toLower());
    }

    void keras2Configs() {
        // A Keras 2 (tf.keras 2.x) LSTM config as stored in .h5 files.
        Json init = {{"class_name", "VarianceScaling"},
                     {"config", {{"scale", 1.0}, {"mode", "fan_avg"}, {"distribution", "uniform"}, {"seed", nullptr}}}};
        Json lstm2 = {{"name", "lstm_1"}, {"trainable", true}, {"batch_input_shape", {nullptr, 5, 3}},
                      {"dtype", "float32"}, {"return_sequences", true}, {"return_state", false},
                      {"go_backwards", false}, {"stateful", false}, {"unroll", false}, {"time_major", false},
                      {"units", 4}, {"activation", "tanh"}, {"recurrent_activation", "hard_sigmoid"},
                      {"use_bias", true}, {"kernel_initializer", init},
                      {"recurrent_initializer", {{"class_name", "Orthogonal"}, {"config", {{"gain", 1.0}, {"seed", nullptr}}}}},
                      {"bias_initializer", {{"class_name", "Zeros"}, {"config", Json::object()}}},
                      {"unit_forget_bias", true}, {"kernel_regularizer", nullptr}, {"recurrent_regularizer", nullptr},
                      {"bias_regularizer", nullptr}, {"activity_regularizer", nullptr}, {"kernel_constraint", nullptr},
                      {"recurrent_constraint", nullptr}, {"bias_constraint", nullptr}, {"dropout", 0.0},
                      {"recurrent_dropout", 0.0}, {"implementation", 2}};
        auto l = LayerRegistry::instance().create("LSTM", lstm2, false);
        QCOMPARE(QString::fromStdString(l->name()), QString("lstm_1"));
        l->build({Shape{kNone, 5, 3}});
        QCOMPARE(l->countParams(), int64_t(4 * (3 * 4 + 4 * 4 + 4)));

        // Keras 2 Bidirectional: nested {"class_name", "config"}, no backward_layer.
        Json bi2 = {{"name", "bidirectional_1"}, {"trainable", true}, {"merge_mode", "concat"},
                    {"layer", {{"class_name", "LSTM"}, {"config", lstm2}}}};
        auto b = std::dynamic_pointer_cast<Bidirectional>(LayerRegistry::instance().create("Bidirectional", bi2, false));
        QVERIFY(b);
        QCOMPARE(QString::fromStdString(b->forwardLayer()->name()), QString("forward_lstm_1"));
        QCOMPARE(QString::fromStdString(b->backwardLayer()->name()), QString("backward_lstm_1"));
        QVERIFY(!b->forwardLayer()->goBackwards());
        QVERIFY(b->backwardLayer()->goBackwards());
        QVERIFY(b->forwardLayer()->zeroOutputForMask());  // forced to return_sequences, as Keras does
        b->build({Shape{kNone, 5, 3}});
        auto w = b->weights();
        QCOMPARE(int(w.size()), 6);
        QCOMPARE(QString::fromStdString(w[0]->path()), QString("forward_lstm_1/kernel"));
        QCOMPARE(QString::fromStdString(w[3]->path()), QString("backward_lstm_1/kernel"));
        QCOMPARE(b->outputShapesFor({Shape{kNone, 5, 3}})[0], (Shape{kNone, 5, 8}));

        // Keras 3 form of the nested layer.
        Json bi3 = {{"name", "bidirectional"}, {"merge_mode", nullptr},
                    {"layer", {{"module", "keras.layers"}, {"class_name", "GRU"}, {"registered_name", nullptr},
                               {"build_config", {{"input_shape", {nullptr, 5, 3}}}},
                               {"config", {{"name", "forward_gru"}, {"units", 2}}}}}};
        auto b3 = std::dynamic_pointer_cast<Bidirectional>(LayerRegistry::instance().create("Bidirectional", bi3, false));
        QCOMPARE(QString::fromStdString(b3->forwardLayer()->name()), QString("forward_gru"));
        QCOMPARE(QString::fromStdString(b3->backwardLayer()->name()), QString("backward_forward_gru"));  // Keras's removeprefix
        QCOMPARE(int(b3->outputShapesFor({Shape{kNone, 5, 3}}).size()), 2);

        // Keras 2 TimeDistributed.
        Json td2 = {{"name", "time_distributed_1"},
                    {"layer", {{"class_name", "Dense"}, {"config", {{"name", "dense_1"}, {"units", 6}, {"activation", "relu"}}}}}};
        auto td = std::dynamic_pointer_cast<TimeDistributed>(LayerRegistry::instance().create("TimeDistributed", td2, false));
        QCOMPARE(QString::fromStdString(td->layer()->name()), QString("dense_1"));
        QCOMPARE(td->outputShapesFor({Shape{kNone, 4, 3}})[0], (Shape{kNone, 4, 6}));
    }

    void wrapperRoundTrips() {
        auto b = layers::Bidirectional(layers::LSTM(4, {{"return_sequences", true}}), {{"merge_mode", "sum"}});
        QCOMPARE(QString::fromStdString(b->name()), QString("bidirectional"));
        QCOMPARE(QString::fromStdString(b->forwardLayer()->name()), QString("forward_lstm"));
        QCOMPARE(QString::fromStdString(b->backwardLayer()->name()), QString("backward_lstm"));
        Json c = b->getConfig();
        QCOMPARE(c["merge_mode"].get<std::string>(), std::string("sum"));
        QCOMPARE(c["layer"]["class_name"].get<std::string>(), std::string("LSTM"));
        QCOMPARE(c["layer"]["config"]["name"].get<std::string>(), std::string("forward_lstm"));
        QCOMPARE(c["backward_layer"]["config"]["go_backwards"].get<bool>(), true);
        QCOMPARE(c["backward_layer"]["config"]["zero_output_for_mask"].get<bool>(), true);
        auto b2 = LayerRegistry::instance().create("Bidirectional", c, true);
        QCOMPARE(b2->getConfig(), c);

        auto none = layers::Bidirectional(layers::GRU(3), {{"merge_mode", nullptr}});
        QVERIFY(none->getConfig()["merge_mode"].is_null());
        QVERIFY(none->mergeMode().empty());

        auto td = layers::TimeDistributed(layers::Dense(8, {{"activation", "relu"}}));
        Json tc = td->getConfig();
        QCOMPARE(tc["layer"]["class_name"].get<std::string>(), std::string("Dense"));
        QCOMPARE(tc["layer"]["config"]["units"].get<int>(), 8);
        auto td2 = LayerRegistry::instance().create("TimeDistributed", tc, true);
        QCOMPARE(td2->getConfig(), tc);
    }

    void refusedConfigs() {
        QVERIFY_THROWS_EXCEPTION(NotSupportedError, layers::LSTM(4, {{"stateful", true}}));
        QVERIFY_THROWS_EXCEPTION(NotSupportedError,
                                 LayerRegistry::instance().create("GRU", {{"units", 2}, {"time_major", true}}, false));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::LSTM(0));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::LSTM(4, {{"dropout", 1.5}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::LSTM(4, {{"recurrent_activaton", "relu"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Bidirectional(layers::Dense(3)));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Bidirectional(layers::LSTM(3), {{"merge_mode", "max"}}));
        // Same go_backwards in both directions.
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Bidirectional(layers::LSTM(3), layers::LSTM(3)));
        // Mismatched return_sequences.
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Bidirectional(layers::LSTM(3), layers::LSTM(3, {{"go_backwards", true},
                                                                                                      {"return_sequences", true}})));
        QVERIFY_THROWS_EXCEPTION(ConfigError,
                                 LayerRegistry::instance().create("TimeDistributed", {{"layer", "Dense"}}, true));
    }

    // ---- weights ------------------------------------------------------------------------------

    void weightLayoutAndParamCounts_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("features");
        QTest::addColumn<int>("units");
        for (const char* k : {"SimpleRNN", "LSTM", "GRU", "GRU_before"}) {
            QTest::newRow((std::string(k) + " 64->32").c_str()) << QString(k) << 64 << 32;
            QTest::newRow((std::string(k) + " 4->8").c_str()) << QString(k) << 4 << 8;
            QTest::newRow((std::string(k) + " 1->1").c_str()) << QString(k) << 1 << 1;
        }
    }
    void weightLayoutAndParamCounts() {
        QFETCH(QString, kind);
        QFETCH(int, features);
        QFETCH(int, units);
        auto l = makeRnn(kind, units, Json::object());
        l->build({Shape{kNone, kNone, features}});
        QCOMPARE(l->countParams(), kerasParamCount(kind, features, units));
        const int64_t G = kind == "SimpleRNN" ? 1 : kind == "LSTM" ? 4 : 3;
        auto w = l->weights();
        QCOMPARE(int(w.size()), 3);
        QCOMPARE(QString::fromStdString(w[0]->path()), QString::fromStdString(l->name() + "/kernel"));
        QCOMPARE(QString::fromStdString(w[1]->path()), QString::fromStdString(l->name() + "/recurrent_kernel"));
        QCOMPARE(QString::fromStdString(w[2]->path()), QString::fromStdString(l->name() + "/bias"));
        QCOMPARE(w[0]->value.shape(), (std::vector<int64_t>{features, G * units}));
        QCOMPARE(w[1]->value.shape(), (std::vector<int64_t>{units, G * units}));
        if (kind == "GRU") QCOMPARE(w[2]->value.shape(), (std::vector<int64_t>{2, G * units}));
        else QCOMPARE(w[2]->value.shape(), (std::vector<int64_t>{G * units}));
        // glorot_uniform kernel
        const float limit = std::sqrt(6.0f / float(features + G * units));
        for (float v : w[0]->value.values()) QVERIFY(std::fabs(v) <= limit);
        // orthogonal recurrent kernel (u, G*u): its rows are orthonormal
        auto U = w[1]->value.matrix();
        Eigen::MatrixXf gram = U * U.transpose();
        QVERIFY((gram - Eigen::MatrixXf::Identity(units, units)).cwiseAbs().maxCoeff() < 1e-4f);
        // bias: zeros, with the forget block at 1 for LSTM (unit_forget_bias)
        for (int64_t i = 0; i < w[2]->value.size(); ++i) {
            float expected = (kind == "LSTM" && i >= units && i < 2 * units) ? 1.0f : 0.0f;
            QCOMPARE(w[2]->value[i], expected);
        }
    }

    void briefCounts() {
        // The figures of the brief, by Keras's formulas.
        auto lstm = layers::LSTM(32);
        lstm->build({Shape{kNone, 10, 64}});
        QCOMPARE(lstm->countParams(), int64_t(12416));
        auto gru = layers::GRU(8);
        gru->build({Shape{kNone, 10, 4}});
        QCOMPARE(gru->countParams(), int64_t(336));
        auto gruB = layers::GRU(8, {{"reset_after", false}});
        gruB->build({Shape{kNone, 10, 4}});
        QCOMPARE(gruB->countParams(), int64_t(312));
        auto noBias = layers::LSTM(8, {{"use_bias", false}, {"unit_forget_bias", false}});
        noBias->build({Shape{kNone, 10, 4}});
        QCOMPARE(noBias->countParams(), int64_t(4 * (4 * 8 + 8 * 8)));
        QCOMPARE(int(noBias->weights().size()), 2);
        auto bi = layers::Bidirectional(layers::LSTM(16));
        bi->build({Shape{kNone, 7, 10}});
        QCOMPARE(bi->countParams(), int64_t(2 * 4 * (10 * 16 + 16 * 16 + 16)));
        auto td = layers::TimeDistributed(layers::Dense(8));
        td->build({Shape{kNone, 5, 3}});
        QCOMPARE(td->countParams(), int64_t(3 * 8 + 8));
        QCOMPARE(QString::fromStdString(td->weights()[0]->path()), QString("dense/kernel"));
    }

    void unitForgetBiasVariants() {
        auto off = layers::LSTM(3, {{"unit_forget_bias", false}});
        off->build({Shape{kNone, 2, 2}});
        for (float v : off->bias()->value.values()) QCOMPARE(v, 0.0f);
        auto ones = layers::LSTM(3, {{"bias_initializer", "ones"}});
        ones->build({Shape{kNone, 2, 2}});
        for (float v : ones->bias()->value.values()) QCOMPARE(v, 1.0f);
        auto reg = layers::LSTM(3, {{"kernel_regularizer", "l2"}});
        reg->build({Shape{kNone, 2, 2}});
        QCOMPARE(reg->kernel()->regularizer.get<std::string>(), std::string("l2"));
    }

    // ---- shapes -------------------------------------------------------------------------------

    void outputShapes() {
        auto l = layers::LSTM(4, {{"return_sequences", true}, {"return_state", true}});
        auto s = l->outputShapesFor({Shape{kNone, kNone, 3}});
        QCOMPARE(int(s.size()), 3);
        QCOMPARE(s[0], (Shape{kNone, kNone, 4}));
        QCOMPARE(s[1], (Shape{kNone, 4}));
        QCOMPARE(s[2], (Shape{kNone, 4}));
        auto g = layers::GRU(5, {{"return_state", true}});
        s = g->outputShapesFor({Shape{2, 7, 3}});
        QCOMPARE(int(s.size()), 2);
        QCOMPARE(s[0], (Shape{2, 5}));
        QCOMPARE(s[1], (Shape{2, 5}));
        QCOMPARE(layers::SimpleRNN(6)->outputShapesFor({Shape{kNone, 9, 1}})[0], (Shape{kNone, 6}));
        // with initial states as extra inputs
        QCOMPARE(int(l->outputShapesFor({Shape{kNone, 5, 3}, Shape{kNone, 4}, Shape{kNone, 4}}).size()), 3);

        auto bi = layers::Bidirectional(layers::LSTM(4, {{"return_sequences", true}, {"return_state", true}}));
        s = bi->outputShapesFor({Shape{kNone, kNone, 3}});
        QCOMPARE(int(s.size()), 5);
        QCOMPARE(s[0], (Shape{kNone, kNone, 8}));
        for (int i = 1; i < 5; ++i) QCOMPARE(s[i], (Shape{kNone, 4}));
        auto biNone = layers::Bidirectional(layers::GRU(4), {{"merge_mode", nullptr}});
        s = biNone->outputShapesFor({Shape{kNone, 6, 3}});
        QCOMPARE(int(s.size()), 2);
        QCOMPARE(s[1], (Shape{kNone, 4}));
        auto biSum = layers::Bidirectional(layers::SimpleRNN(4), {{"merge_mode", "ave"}});
        QCOMPARE(biSum->outputShapesFor({Shape{kNone, 6, 3}})[0], (Shape{kNone, 4}));
        auto biOther = layers::Bidirectional(layers::LSTM(4), layers::LSTM(2, {{"go_backwards", true}}));
        QCOMPARE(biOther->outputShapesFor({Shape{kNone, 6, 3}})[0], (Shape{kNone, 6}));

        auto td = layers::TimeDistributed(layers::Dense(8));
        QCOMPARE(td->outputShapesFor({Shape{kNone, kNone, 3}})[0], (Shape{kNone, kNone, 8}));
        QCOMPARE(td->outputShapesFor({Shape{kNone, 4, 2, 3}})[0], (Shape{kNone, 4, 2, 8}));
        auto tdl = layers::TimeDistributed(layers::LSTM(5, {{"return_sequences", true}}));
        QCOMPARE(tdl->outputShapesFor({Shape{kNone, 4, 6, 3}})[0], (Shape{kNone, 4, 6, 5}));
    }

    void symbolicCall() {
        auto x = Input({kNone, 3});
        auto l = layers::LSTM(4, {{"return_sequences", true}, {"return_state", true}});
        auto outs = (*l)(std::vector<KerasTensor>{x});
        QCOMPARE(int(outs.size()), 3);
        QCOMPARE(outs[0].shape(), (Shape{kNone, kNone, 4}));
        QCOMPARE(outs[2].shape(), (Shape{kNone, 4}));
        auto y = (*layers::Bidirectional(layers::GRU(2)))(x);
        QCOMPARE(y.shape(), (Shape{kNone, 4}));
        auto z = (*layers::TimeDistributed(layers::Dense(7)))(outs[0]);
        QCOMPARE(z.shape(), (Shape{kNone, kNone, 7}));
    }

    void badShapes() {
        auto l = layers::LSTM(4);
        try {
            l->outputShapesFor({Shape{kNone, 3}});
            QFAIL("expected ShapeError");
        } catch (const ShapeError& e) {
            std::string m = e.what();
            QVERIFY(m.find("'lstm'") != std::string::npos);
            QVERIFY(m.find("input 0") != std::string::npos);
        }
        QVERIFY_THROWS_EXCEPTION(ShapeError, l->outputShapesFor({Shape{kNone, 5, kNone}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, l->outputShapesFor({Shape{kNone, 5, 3}, Shape{kNone, 5}}));
        l->build({Shape{kNone, kNone, 3}});
        QVERIFY_THROWS_EXCEPTION(ShapeError, l->outputShapesFor({Shape{kNone, 5, 2}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*l)(testing::randomTensor({2, 5, 2})));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*l)(testing::randomTensor({2, 5})));
        Tensor badMask({2, 4}, 1.0f);
        QVERIFY_THROWS_EXCEPTION(ShapeError, callLayer(*l, {testing::randomTensor({2, 5, 3})}, &badMask));
        QVERIFY_THROWS_EXCEPTION(ShapeError, callLayer(*l, {testing::randomTensor({2, 5, 3}), Tensor({2, 3})}));
        auto td = layers::TimeDistributed(layers::Dense(2));
        QVERIFY_THROWS_EXCEPTION(ShapeError, td->outputShapesFor({Shape{kNone, 3}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*td)(testing::randomTensor({2, 3})));
        auto bi = layers::Bidirectional(layers::LSTM(2));
        QVERIFY_THROWS_EXCEPTION(ShapeError, bi->outputShapesFor({Shape{kNone, 3}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, bi->outputShapesFor({Shape{kNone, 4, 3}, Shape{kNone, 2}}));
    }

    void masksPropagate() {
        Tensor m = testMask();
        Tensor x = testing::randomTensor({4, 5, 3});
        auto seq = layers::GRU(2, {{"return_sequences", true}});
        seq->build({Shape{kNone, 5, 3}});
        auto out = seq->computeMask({&x}, {&m});
        QVERIFY(out.has_value());
        QVERIFY(allClose(*out, m));
        auto last = layers::GRU(2);
        QVERIFY(!last->computeMask({&x}, {&m}).has_value());
        auto bi = layers::Bidirectional(layers::LSTM(2, {{"return_sequences", true}}));
        QVERIFY(bi->computeMask({&x}, {&m}).has_value());
        auto td = layers::TimeDistributed(layers::Dense(2));
        QVERIFY(td->computeMask({&x}, {&m}).has_value());
    }

    // ---- forward values -----------------------------------------------------------------------

    void forwardValues_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<bool>("seq");
        QTest::addColumn<bool>("state");
        QTest::addColumn<bool>("back");
        QTest::addColumn<bool>("masked");
        QTest::addColumn<bool>("zeroOut");
        QTest::addColumn<bool>("initState");
        QTest::addColumn<bool>("useBias");
        for (const char* k : {"SimpleRNN", "LSTM", "GRU", "GRU_before"}) {
            auto row = [&](const char* what) { return (std::string(k) + " " + what); };
            QTest::newRow(row("last").c_str()) << QString(k) << false << false << false << false << false << false << true;
            QTest::newRow(row("seq").c_str()) << QString(k) << true << false << false << false << false << false << true;
            QTest::newRow(row("state").c_str()) << QString(k) << false << true << false << false << false << false << true;
            QTest::newRow(row("backwards").c_str()) << QString(k) << true << true << true << false << false << false << true;
            QTest::newRow(row("no bias").c_str()) << QString(k) << true << false << false << false << false << false << false;
            QTest::newRow(row("mask").c_str()) << QString(k) << false << true << false << true << false << false << true;
            QTest::newRow(row("mask seq").c_str()) << QString(k) << true << true << false << true << false << false << true;
            QTest::newRow(row("mask seq back").c_str()) << QString(k) << true << true << true << true << false << false << true;
            QTest::newRow(row("mask zero out").c_str()) << QString(k) << true << false << false << true << true << false << true;
            QTest::newRow(row("mask zero out last").c_str()) << QString(k) << false << true << true << true << true << false << true;
            QTest::newRow(row("initial state").c_str()) << QString(k) << true << true << false << false << false << true << true;
            QTest::newRow(row("initial state mask back").c_str()) << QString(k) << true << true << true << true << false << true << true;
        }
    }
    void forwardValues() {
        QFETCH(QString, kind);
        QFETCH(bool, seq);
        QFETCH(bool, state);
        QFETCH(bool, back);
        QFETCH(bool, masked);
        QFETCH(bool, zeroOut);
        QFETCH(bool, initState);
        QFETCH(bool, useBias);
        const int64_t u = 3;
        auto l = makeRnn(kind, u, {{"return_sequences", seq}, {"return_state", state}, {"go_backwards", back},
                                   {"zero_output_for_mask", zeroOut}, {"use_bias", useBias}});
        Tensor x = testing::randomTensor({4, 5, 2}, 11);
        l->build({Shape{kNone, 5, 2}});
        randomizeWeights(*l, 21, 0.8f);
        Tensor m = testMask();
        std::vector<Tensor> inputs{x};
        Tensor h0 = testing::randomTensor({4, u}, 5), c0 = testing::randomTensor({4, u}, 6);
        if (initState) {
            inputs.push_back(h0);
            if (kind == "LSTM") inputs.push_back(c0);
        }
        auto outs = callLayer(*l, inputs, masked ? &m : nullptr);
        NaiveRnn n = naiveOf(*l);
        n.mask = masked ? &m : nullptr;
        if (initState) {
            n.h0 = &h0;
            n.c0 = &c0;
        }
        auto ref = n.run(x);
        QCOMPARE(outs.size(), ref.size());
        for (size_t i = 0; i < ref.size(); ++i) {
            QCOMPARE(outs[i].shape(), ref[i].shape());
            QVERIFY2(allClose(outs[i], ref[i], 1e-5f, 1e-5f),
                     ("output " + std::to_string(i) + " max diff " + std::to_string(maxAbsDiff(outs[i], ref[i]))).c_str());
        }
        // A second call reuses the buffers and gives the same values.
        auto again = callLayer(*l, inputs, masked ? &m : nullptr);
        for (size_t i = 0; i < ref.size(); ++i) QVERIFY(allClose(again[i], outs[i], 0, 0));
    }

    // Each step runs as parallel blocks of 12 batch rows through the packed GEMM (units >= 16):
    // a batch of 250 on 2 threads (a step must cost >= 2 MFLOP to be split), with a mask and
    // initial states, against the naive cell.
    void forwardValuesBlockedBatch_data() {
        QTest::addColumn<QString>("kind");
        for (const char* k : {"SimpleRNN", "LSTM", "GRU", "GRU_before"}) QTest::newRow(k) << QString(k);
    }
    void forwardValuesBlockedBatch() {
        QFETCH(QString, kind);
        setNumThreads(2);
        const int64_t u = 64, B = 250, T = 5;
        auto l = makeRnn(kind, u, {{"return_sequences", true}, {"return_state", true}});
        Tensor x = testing::randomTensor({B, T, 3}, 12);
        l->build({Shape{kNone, T, 3}});
        randomizeWeights(*l, 22, 0.5f);
        std::vector<float> mv(static_cast<size_t>(B * T));
        for (int64_t i = 0; i < B * T; ++i) mv[size_t(i)] = (i * 7 + i / T) % 5 != 0 ? 1.0f : 0.0f;
        Tensor m({B, T});
        std::copy(mv.begin(), mv.end(), m.data());
        Tensor h0 = testing::randomTensor({B, u}, 5), c0 = testing::randomTensor({B, u}, 6);
        std::vector<Tensor> inputs{x, h0};
        if (kind == "LSTM") inputs.push_back(c0);
        auto outs = callLayer(*l, inputs, &m);
        NaiveRnn n = naiveOf(*l);
        n.mask = &m;
        n.h0 = &h0;
        n.c0 = &c0;
        auto ref = n.run(x);
        QCOMPARE(outs.size(), ref.size());
        for (size_t i = 0; i < ref.size(); ++i)
            QVERIFY2(allClose(outs[i], ref[i], 1e-5f, 1e-5f),
                     ("output " + std::to_string(i) + " max diff " + std::to_string(maxAbsDiff(outs[i], ref[i]))).c_str());
        // One thread (one block) gives the same numbers bit for bit.
        setNumThreads(1);
        auto serial = callLayer(*l, inputs, &m);
        setNumThreads(2);
        for (size_t i = 0; i < ref.size(); ++i) QVERIFY(allClose(serial[i], outs[i], 0, 0));
    }

    void otherActivations_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("activation");
        QTest::addColumn<QString>("recurrentActivation");
        for (const char* k : {"SimpleRNN", "LSTM", "GRU", "GRU_before"}) {
            QTest::newRow((std::string(k) + " relu/hard_sigmoid").c_str()) << QString(k) << QString("relu") << QString("hard_sigmoid");
            QTest::newRow((std::string(k) + " softsign/tanh").c_str()) << QString(k) << QString("softsign") << QString("tanh");
            QTest::newRow((std::string(k) + " linear/linear").c_str()) << QString(k) << QString("linear") << QString("linear");
        }
    }
    void otherActivations() {
        QFETCH(QString, kind);
        QFETCH(QString, activation);
        QFETCH(QString, recurrentActivation);
        Json kw = {{"activation", activation.toStdString()}, {"return_sequences", true}};
        if (kind != "SimpleRNN") kw["recurrent_activation"] = recurrentActivation.toStdString();
        auto l = makeRnn(kind, 3, kw);
        l->build({Shape{kNone, 4, 2}});
        randomizeWeights(*l, 3, 0.9f);
        Tensor x = testing::randomTensor({2, 4, 2}, 8, -2.0f, 2.0f);
        auto fnOf = [](const QString& a) -> std::function<float(float)> {
            if (a == "relu") return [](float v) { return v > 0 ? v : 0.0f; };
            if (a == "hard_sigmoid") return hardSigmoidKeras3;
            if (a == "softsign") return [](float v) { return v / (1 + std::fabs(v)); };
            if (a == "tanh") return tanhRef;
            return [](float v) { return v; };
        };
        NaiveRnn n = naiveOf(*l);
        n.act = fnOf(activation);
        n.ract = fnOf(recurrentActivation);
        auto ref = n.run(x);
        Tensor y = (*l)(x);
        float peak = 0.0f;
        for (float v : ref[0].values()) peak = std::max(peak, std::fabs(v));
        // Linear gates make the recurrence explode (|h| reaches 4e7 for GRU reset_after): compare
        // to the sequence's scale there, since small elements carry the rounding of large ones.
        QVERIFY2(allClose(y, ref[0], 1e-5f, 1e-5f * std::max(1.0f, peak)),
                 (std::to_string(maxAbsDiff(y, ref[0])) + " (largest |value| " + std::to_string(peak) + ")").c_str());
    }

    void keras2HardSigmoid() {
        // activations.cpp implements Keras 3's hard_sigmoid (x/6 + 1/2); Keras 2's was 0.2x + 1/2.
        auto l = layers::LSTM(3, {{"recurrent_activation", "hard_sigmoid"}, {"return_sequences", true}});
        l->build({Shape{kNone, 4, 2}});
        randomizeWeights(*l, 4, 1.5f);
        Tensor x = testing::randomTensor({2, 4, 2}, 9, -2.0f, 2.0f);
        NaiveRnn n = naiveOf(*l);
        n.ract = hardSigmoidKeras3;
        Tensor y3 = (*l)(x);
        QVERIFY(allClose(y3, n.run(x)[0], 1e-5f, 1e-5f));
        l->setKeras2HardSigmoid(true);
        n.ract = hardSigmoidKeras2;
        Tensor y2 = (*l)(x);
        QVERIFY(allClose(y2, n.run(x)[0], 1e-5f, 1e-5f));
        QVERIFY(maxAbsDiff(y2, y3) > 1e-3f);
        // gradients of the Keras 2 variant
        auto g = layers::GRU(3, {{"recurrent_activation", "hard_sigmoid"}});
        g->setKeras2HardSigmoid(true);
        STRATA_GRADCHECK(*g, {testing::randomTensor({2, 3, 2}, 2)});
    }

    void zeroLengthAndSingleStep() {
        auto l = layers::LSTM(2, {{"return_state", true}});
        auto outs = callLayer(*l, {Tensor({3, 0, 4})});
        QCOMPARE(outs[0].shape(), (std::vector<int64_t>{3, 2}));
        for (float v : outs[0].values()) QCOMPARE(v, 0.0f);
        auto seq = layers::GRU(2, {{"return_sequences", true}});
        Tensor y = (*seq)(testing::randomTensor({2, 1, 3}));
        QCOMPARE(y.shape(), (std::vector<int64_t>{2, 1, 2}));
    }

    void dropoutOnlyInTraining() {
        for (const char* kind : {"SimpleRNN", "LSTM", "GRU", "GRU_before"}) {
            auto plain = makeRnn(kind, 4, {{"return_sequences", true}});
            auto drop = makeRnn(kind, 4, {{"return_sequences", true}, {"dropout", 0.5}, {"recurrent_dropout", 0.3}});
            plain->build({Shape{kNone, 6, 3}});
            drop->build({Shape{kNone, 6, 3}});
            randomizeWeights(*plain, 1);
            drop->setWeights(plain->getWeights());
            Tensor x = testing::randomTensor({3, 6, 3}, 4);
            Tensor a = callLayer(*plain, {x})[0];
            Tensor b = callLayer(*drop, {x}, nullptr, false)[0];
            QVERIFY(allClose(a, b, 0, 0));
            Tensor c = callLayer(*drop, {x}, nullptr, true)[0];
            QVERIFY(!c.hasNonFinite());
            QVERIFY(maxAbsDiff(a, c) > 1e-3f);
            // input dropout only, shared mask (implementation 2)
            auto inOnly = makeRnn(kind, 4, {{"return_sequences", true}, {"dropout", 0.5}});
            inOnly->build({Shape{kNone, 6, 3}});
            inOnly->setWeights(plain->getWeights());
            QVERIFY(maxAbsDiff(a, callLayer(*inOnly, {x}, nullptr, true)[0]) > 1e-3f);
        }
    }

    void recurrentDropoutBlockedBatch() {
        // Training with recurrent dropout: masks are drawn once per call, before the row blocks,
        // and each block reads its own rows of them. Same seed -> same output on 1 and 2 threads.
        for (const char* kind : {"SimpleRNN", "LSTM", "GRU", "GRU_before"}) {
            auto l = makeRnn(kind, 64, {{"return_sequences", true}, {"dropout", 0.2}, {"recurrent_dropout", 0.3}});
            l->build({Shape{kNone, 4, 3}});
            randomizeWeights(*l, 8);
            Tensor x = testing::randomTensor({250, 4, 3}, 4);
            setNumThreads(2);
            Tensor two = callLayer(*l, {x}, nullptr, true, 99)[0];
            setNumThreads(1);
            Tensor one = callLayer(*l, {x}, nullptr, true, 99)[0];
            setNumThreads(2);
            QVERIFY2(allClose(one, two, 0, 0), kind);
            QVERIFY(maxAbsDiff(one, callLayer(*l, {x}, nullptr, true, 98)[0]) > 1e-3f);  // the masks do act
        }
    }

    void dropoutMatchesMaskedInputs() {
        // With only input dropout and one shared mask, training output equals the plain layer applied to
        // x * mask where mask is drawn from the same RNG stream: check via zeroed-out features.
        auto l = layers::SimpleRNN(3, {{"dropout", 0.999999}});  // effectively drops everything
        l->build({Shape{kNone, 4, 2}});
        randomizeWeights(*l, 2);
        Tensor x = testing::randomTensor({2, 4, 2}, 3);
        Tensor y = callLayer(*l, {x}, nullptr, true)[0];
        NaiveRnn n = naiveOf(*l);
        Tensor ref = n.run(Tensor({2, 4, 2}, 0.0f))[0];
        QVERIFY(allClose(y, ref, 1e-5f, 1e-5f));
    }

    void bidirectionalValues_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("merge");
        QTest::addColumn<bool>("seq");
        QTest::addColumn<bool>("state");
        QTest::addColumn<bool>("masked");
        for (const char* k : {"LSTM", "GRU", "SimpleRNN"})
            for (const char* m : {"concat", "sum", "mul", "ave", "none"})
                for (int v = 0; v < 3; ++v) {
                    bool seq = v != 1, state = v >= 1, masked = v == 2;
                    QTest::newRow((std::string(k) + " " + m + " v" + std::to_string(v)).c_str())
                        << QString(k) << QString(m) << seq << state << masked;
                }
    }
    void bidirectionalValues() {
        QFETCH(QString, kind);
        QFETCH(QString, merge);
        QFETCH(bool, seq);
        QFETCH(bool, state);
        QFETCH(bool, masked);
        const int64_t u = 3;
        auto inner = makeRnn(kind, u, {{"return_sequences", seq}, {"return_state", state}});
        Json kw = {{"merge_mode", merge == "none" ? Json(nullptr) : Json(merge.toStdString())}};
        auto bi = layers::Bidirectional(inner, kw);
        bi->build({Shape{kNone, 5, 2}});
        randomizeWeights(*bi, 31, 0.8f);
        Tensor x = testing::randomTensor({4, 5, 2}, 12);
        Tensor m = testMask();
        auto outs = callLayer(*bi, {x}, masked ? &m : nullptr);

        NaiveRnn nf = naiveOf(*bi->forwardLayer()), nb = naiveOf(*bi->backwardLayer());
        QVERIFY(nb.back && !nf.back);
        QCOMPARE(nf.zeroOut, seq);
        nf.mask = nb.mask = masked ? &m : nullptr;
        auto rf = nf.run(x), rb = nb.run(x);
        const int64_t B = 4, T = seq ? 5 : 1;
        auto at = [&](const Tensor& t, int64_t b, int64_t s, int64_t j) { return t[(b * T + s) * u + j]; };
        std::vector<Tensor> expected;
        Tensor yb(rf[0].shape());  // backward output flipped back in time
        for (int64_t b = 0; b < B; ++b)
            for (int64_t s = 0; s < T; ++s)
                for (int64_t j = 0; j < u; ++j) yb[(b * T + s) * u + j] = at(rb[0], b, T - 1 - s, j);
        if (merge == "none") {
            expected = {rf[0], yb};
        } else if (merge == "concat") {
            auto shape = rf[0].shape();
            shape.back() = 2 * u;
            Tensor c(shape);
            for (int64_t r = 0; r < B * T; ++r)
                for (int64_t j = 0; j < u; ++j) {
                    c[r * 2 * u + j] = rf[0][r * u + j];
                    c[r * 2 * u + u + j] = yb[r * u + j];
                }
            expected = {c};
        } else {
            Tensor c(rf[0].shape());
            for (int64_t i = 0; i < c.size(); ++i) {
                float a = rf[0][i], b = yb[i];
                c[i] = merge == "sum" ? a + b : merge == "ave" ? (a + b) / 2 : a * b;
            }
            expected = {c};
        }
        for (size_t i = 1; i < rf.size(); ++i) expected.push_back(rf[i]);
        for (size_t i = 1; i < rb.size(); ++i) expected.push_back(rb[i]);
        QCOMPARE(outs.size(), expected.size());
        QCOMPARE(int(outs.size()), int(bi->outputShapesFor({Shape{kNone, 5, 2}}).size()));
        for (size_t i = 0; i < outs.size(); ++i)
            QVERIFY2(allClose(outs[i], expected[i], 1e-5f, 1e-5f),
                     ("output " + std::to_string(i) + " diff " + std::to_string(maxAbsDiff(outs[i], expected[i]))).c_str());
    }

    void bidirectionalInitialStates() {
        auto bi = layers::Bidirectional(layers::LSTM(2, {{"return_sequences", true}}));
        bi->build({Shape{kNone, 4, 3}});
        randomizeWeights(*bi, 5);
        Tensor x = testing::randomTensor({2, 4, 3}, 1);
        std::vector<Tensor> st;
        for (int i = 0; i < 4; ++i) st.push_back(testing::randomTensor({2, 2}, 40 + i));
        auto outs = callLayer(*bi, {x, st[0], st[1], st[2], st[3]});
        NaiveRnn nf = naiveOf(*bi->forwardLayer()), nb = naiveOf(*bi->backwardLayer());
        nf.h0 = &st[0];
        nf.c0 = &st[1];
        nb.h0 = &st[2];
        nb.c0 = &st[3];
        Tensor f = nf.run(x)[0], b = nb.run(x)[0];
        for (int64_t bb = 0; bb < 2; ++bb)
            for (int64_t t = 0; t < 4; ++t)
                for (int64_t j = 0; j < 2; ++j) {
                    QVERIFY(std::fabs(outs[0][(bb * 4 + t) * 4 + j] - f[(bb * 4 + t) * 2 + j]) < 1e-5f);
                    QVERIFY(std::fabs(outs[0][(bb * 4 + t) * 4 + 2 + j] - b[(bb * 4 + 3 - t) * 2 + j]) < 1e-5f);
                }
        QVERIFY_THROWS_EXCEPTION(ShapeError, callLayer(*bi, {x, st[0], st[1], st[2]}));
    }

    void timeDistributedValues() {
        auto td = layers::TimeDistributed(layers::Dense(3, {{"activation", "tanh"}}));
        Tensor x = testing::randomTensor({2, 4, 5}, 3);
        td->build({Shape{kNone, 4, 5}});
        randomizeWeights(*td, 8);
        Tensor y = (*td)(x);
        QCOMPARE(y.shape(), (std::vector<int64_t>{2, 4, 3}));
        auto* dense = static_cast<Dense*>(td->layer());
        const Tensor& W = dense->kernel()->value;
        const Tensor& b = dense->bias()->value;
        for (int64_t bb = 0; bb < 2; ++bb)
            for (int64_t t = 0; t < 4; ++t)
                for (int64_t j = 0; j < 3; ++j) {
                    float s = b[j];
                    for (int64_t f = 0; f < 5; ++f) s += x[(bb * 4 + t) * 5 + f] * W[f * 3 + j];
                    QVERIFY(std::fabs(y[(bb * 4 + t) * 3 + j] - std::tanh(s)) < 1e-5f);
                }
        // An RNN per time step on a rank-4 input.
        auto tdl = layers::TimeDistributed(layers::GRU(2));
        Tensor x4 = testing::randomTensor({2, 3, 4, 2}, 5);
        tdl->build({Shape{kNone, 3, 4, 2}});
        randomizeWeights(*tdl, 2);
        Tensor y4 = (*tdl)(x4);
        QCOMPARE(y4.shape(), (std::vector<int64_t>{2, 3, 2}));
        NaiveRnn n = naiveOf(*static_cast<RecurrentBase*>(tdl->layer()));
        Tensor ref = n.run(x4.reshaped({6, 4, 2}))[0];
        QVERIFY(allClose(y4, ref.reshaped({2, 3, 2}), 1e-5f, 1e-5f));
    }

    // ---- gradients ----------------------------------------------------------------------------

    void gradients_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("variant");
        for (const char* k : {"SimpleRNN", "LSTM", "GRU", "GRU_before"})
            for (const char* v : {"last", "seq", "state", "backwards", "no bias", "mask", "mask seq back state",
                                  "mask zero out", "initial state", "dropout", "recurrent dropout", "implementation 1",
                                  "softsign", "not trainable"})
                QTest::newRow((std::string(k) + " " + v).c_str()) << QString(k) << QString(v);
    }
    void gradients() {
        QFETCH(QString, kind);
        QFETCH(QString, variant);
        Json kw = Json::object();
        bool masked = false, init = false;
        testing::GradCheckOptions opt;
        if (variant == "seq") kw["return_sequences"] = true;
        if (variant == "state") kw["return_state"] = true;
        if (variant == "backwards") kw = {{"go_backwards", true}, {"return_sequences", true}, {"return_state", true}};
        if (variant == "no bias") kw = {{"use_bias", false}, {"return_sequences", true}};
        if (variant == "mask") masked = true;
        if (variant == "mask seq back state") {
            kw = {{"go_backwards", true}, {"return_sequences", true}, {"return_state", true}};
            masked = true;
        }
        if (variant == "mask zero out") {
            kw = {{"zero_output_for_mask", true}, {"return_sequences", true}, {"return_state", true}};
            masked = true;
        }
        if (variant == "initial state") {
            kw = {{"return_sequences", true}, {"return_state", true}};
            init = true;
        }
        if (variant == "dropout") {
            kw = {{"dropout", 0.4}, {"return_sequences", true}};
            opt.training = true;
        }
        if (variant == "recurrent dropout") {
            kw = {{"dropout", 0.3}, {"recurrent_dropout", 0.4}, {"return_sequences", true}, {"return_state", true}};
            opt.training = true;
            masked = true;
        }
        if (variant == "implementation 1") {
            if (kind == "SimpleRNN") return;
            kw = {{"dropout", 0.3}, {"implementation", 1}, {"return_sequences", true}};
            opt.training = true;
        }
        if (variant == "softsign") {
            kw = {{"activation", "softsign"}, {"return_sequences", true}};
            if (kind != "SimpleRNN") kw["recurrent_activation"] = "tanh";
        }
        if (variant == "not trainable") kw = {{"trainable", false}, {"return_sequences", true}};
        auto l = makeRnn(kind, 3, kw);
        l->build({Shape{kNone, 5, 2}});
        randomizeWeights(*l, 13, 0.7f);
        std::vector<Tensor> inputs{testing::randomTensor({4, 5, 2}, 17)};
        if (init) {
            inputs.push_back(testing::randomTensor({4, 3}, 18));
            if (kind == "LSTM") inputs.push_back(testing::randomTensor({4, 3}, 19));
        }
        Tensor m = testMask();
        RNN_GRADCHECK(*l, inputs, masked ? &m : nullptr, opt);
    }

    // Backward runs each step as parallel blocks of 12 batch rows (units >= 16 take the packed
    // GEMM): 128 samples on 2 threads (blocks of 60 and 68 rows; a step must cost >= 2 MFLOP to
    // be split), with a mask, initial states and recurrent dropout, against finite differences.
    void gradientsBlockedBatch_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<bool>("dropout");
        for (const char* k : {"SimpleRNN", "LSTM", "GRU", "GRU_before"}) {
            QTest::newRow(k) << QString(k) << false;
            QTest::newRow((std::string(k) + " recurrent dropout").c_str()) << QString(k) << true;
        }
    }
    void gradientsBlockedBatch() {
        QFETCH(QString, kind);
        QFETCH(bool, dropout);
        setNumThreads(2);
        const int64_t u = 64, B = 128, T = 3;
        Json kw = {{"return_sequences", true}, {"return_state", true}};
        testing::GradCheckOptions opt;
        if (dropout) {
            kw["recurrent_dropout"] = 0.3;
            opt.training = true;
        }
        auto l = makeRnn(kind, u, kw);
        l->build({Shape{kNone, T, 2}});
        randomizeWeights(*l, 31, 0.4f);
        std::vector<Tensor> inputs{testing::randomTensor({B, T, 2}, 32), testing::randomTensor({B, u}, 33)};
        if (kind == "LSTM") inputs.push_back(testing::randomTensor({B, u}, 34));
        Tensor m({B, T});
        for (int64_t i = 0; i < B * T; ++i) m[i] = (i * 5 + i / T) % 4 != 0 ? 1.0f : 0.0f;
        RNN_GRADCHECK(*l, inputs, &m, opt);
        // The finite differences above are coarse (2e-2); one block (1 thread) must agree with the
        // two blocks to float rounding, every input and weight gradient.
        auto all = [](AnalyticGrads g) {
            g.inputs.insert(g.inputs.end(), g.weights.begin(), g.weights.end());
            return g.inputs;
        };
        auto two = all(analyticGrads(*l, inputs, &m, dropout));
        setNumThreads(1);
        auto one = all(analyticGrads(*l, inputs, &m, dropout));
        setNumThreads(2);
        QCOMPARE(one.size(), two.size());
        for (size_t i = 0; i < one.size(); ++i)
            QVERIFY2(allClose(one[i], two[i], 1e-5f, 1e-5f),
                     ("gradient " + std::to_string(i) + " max diff " + std::to_string(maxAbsDiff(one[i], two[i]))).c_str());
    }

    void gradientsBidirectional_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("merge");
        QTest::addColumn<bool>("seq");
        QTest::addColumn<bool>("state");
        QTest::addColumn<bool>("masked");
        for (const char* k : {"LSTM", "GRU", "SimpleRNN"})
            for (const char* m : {"concat", "sum", "mul", "ave", "none"}) {
                QTest::newRow((std::string(k) + " " + m).c_str()) << QString(k) << QString(m) << false << false << false;
                QTest::newRow((std::string(k) + " " + m + " seq state mask").c_str())
                    << QString(k) << QString(m) << true << true << true;
            }
    }
    void gradientsBidirectional() {
        QFETCH(QString, kind);
        QFETCH(QString, merge);
        QFETCH(bool, seq);
        QFETCH(bool, state);
        QFETCH(bool, masked);
        auto inner = makeRnn(kind, 2, {{"return_sequences", seq}, {"return_state", state}});
        auto bi = layers::Bidirectional(inner, {{"merge_mode", merge == "none" ? Json(nullptr) : Json(merge.toStdString())}});
        bi->build({Shape{kNone, 5, 2}});
        randomizeWeights(*bi, 3, 0.7f);
        Tensor m = testMask();
        RNN_GRADCHECK(*bi, {testing::randomTensor({4, 5, 2}, 4)}, masked ? &m : nullptr);
    }

    void gradientsBidirectionalInitialStates() {
        auto bi = layers::Bidirectional(layers::GRU(2, {{"return_sequences", true}, {"return_state", true}}));
        STRATA_GRADCHECK(*bi, (std::vector<Tensor>{testing::randomTensor({2, 3, 2}, 1), testing::randomTensor({2, 2}, 2),
                                                   testing::randomTensor({2, 2}, 3)}));
    }

    void gradientsTimeDistributed() {
        auto td = layers::TimeDistributed(layers::Dense(3, {{"activation", "tanh"}}));
        STRATA_GRADCHECK(*td, {testing::randomTensor({2, 4, 5}, 1)});
        auto td4 = layers::TimeDistributed(layers::Dense(2));
        STRATA_GRADCHECK(*td4, {testing::randomTensor({2, 3, 2, 4}, 2)});
        auto tdl = layers::TimeDistributed(layers::LSTM(2, {{"return_sequences", true}}));
        STRATA_GRADCHECK(*tdl, {testing::randomTensor({2, 3, 4, 2}, 3)});
        Tensor m = testMask();  // passes through untouched
        auto tdm = layers::TimeDistributed(layers::Dense(2));
        RNN_GRADCHECK(*tdm, {testing::randomTensor({4, 5, 3}, 4)}, &m);
    }

    // ---- speed --------------------------------------------------------------------------------

    void lstmSpeed() {
        // The later benchmark's shape: LSTM(128) on 28x28 at batch 128. Reported, not asserted.
        auto l = layers::LSTM(128);
        l->build({Shape{kNone, 28, 28}});
        Tensor x = testing::randomTensor({128, 28, 28}, 1);
        ConstTensorPtrs in{&x};
        Tensors outs;
        CallContext ctx;
        ctx.recordForBackward = true;
        for (Variable* w : l->trainableWeights()) w->grad.resize(w->value.shape(), 0.0f);
        Tensor g = testing::randomTensor({128, 128}, 2);
        ConstTensorPtrs gp{&g};
        Tensors inGrads;
        l->call(in, outs, ctx);  // warm-up (allocations)
        l->backward(in, outs, gp, inGrads, ctx);
        const int reps = 5;
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < reps; ++i) l->call(in, outs, ctx);
        auto t1 = std::chrono::steady_clock::now();
        for (int i = 0; i < reps; ++i) l->backward(in, outs, gp, inGrads, ctx);
        auto t2 = std::chrono::steady_clock::now();
        auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
        qInfo("LSTM(128), batch 128 x 28 x 28: forward %.2f ms, backward %.2f ms", ms(t0, t1) / reps, ms(t1, t2) / reps);
        QVERIFY(!outs[0].hasNonFinite());
    }
};

QTEST_APPLESS_MAIN(TestRecurrentLayers)
#include "test_recurrent_layers.moc"
