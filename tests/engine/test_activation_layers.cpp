// Activation layers: ReLU, LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax. Keras configs (and Keras 2
// spellings), forward values against naive formulas, weights of PReLU, gradients.
#include <QtTest/QtTest>

#include <cmath>

#include "engine/core/errors.h"
#include "engine/layers/activation/elu.h"
#include "engine/layers/activation/leaky_relu.h"
#include "engine/layers/activation/prelu.h"
#include "engine/layers/activation/relu.h"
#include "engine/layers/activation/softmax.h"
#include "engine/layers/activation/thresholded_relu.h"
#include "engine/layers/layer_registry.h"
#include "tests/support/gradcheck.h"

using namespace strata;

namespace {

std::string roundTripError(const Layer& layer) {
    Json cfg = layer.getConfig();
    auto again = LayerRegistry::instance().create(layer.className(), cfg, /*strict=*/false);
    if (again->getConfig() != cfg) return "round trip changed the config: " + cfg.dump() + " -> " + again->getConfig().dump();
    auto strict = LayerRegistry::instance().create(layer.className(), cfg, /*strict=*/true);
    if (strict->getConfig() != cfg) return "strict round trip changed the config: " + strict->getConfig().dump();
    return {};
}
#define CHECK_ROUND_TRIP(layer)                 \
    do {                                        \
        std::string _e = roundTripError(layer); \
        QVERIFY2(_e.empty(), _e.c_str());       \
    } while (0)

template <class F>
std::string shapeErrorOf(F&& f) {
    try {
        f();
    } catch (const ShapeError& e) {
        return e.what();
    }
    return {};
}

Tensor awayFrom(Tensor t, std::vector<float> kinks, float margin = 0.05f) {
    for (auto& v : t.values())
        for (float k : kinks)
            if (std::fabs(v - k) < margin) v = v >= k ? k + margin : k - margin;
    return t;
}

/// Keras's documented ReLU (valid away from the exact threshold).
float reluRef(float x, std::optional<float> maxValue, float slope, float threshold) {
    if (maxValue && x >= *maxValue) return *maxValue;
    if (x > threshold) return x;
    return slope * (x - threshold);
}

bool identityShapes(Layer& l) {
    return l.outputShapesFor({Shape{kNone, kNone, 3}})[0] == Shape{kNone, kNone, 3} &&
           l.outputShapesFor({Shape{kNone, 4}})[0] == Shape{kNone, 4};
}

/// Softmax reference in double over the given axes of a small tensor.
Tensor softmaxRef(const Tensor& x, std::vector<int> axes) {
    const int r = x.rank();
    std::vector<int64_t> strides(r, 1);
    for (int i = r - 2; i >= 0; --i) strides[i] = strides[i + 1] * x.dim(i + 1);
    auto key = [&](int64_t e) {
        std::vector<int64_t> k;
        for (int i = 0; i < r; ++i)
            if (std::find(axes.begin(), axes.end(), i) == axes.end()) k.push_back((e / strides[i]) % x.dim(i));
        return k;
    };
    Tensor y(x.shape());
    for (int64_t e = 0; e < x.size(); ++e) {
        double mx = -1e300, sum = 0;
        auto ke = key(e);
        for (int64_t f = 0; f < x.size(); ++f)
            if (key(f) == ke) mx = std::max(mx, double(x[f]));
        for (int64_t f = 0; f < x.size(); ++f)
            if (key(f) == ke) sum += std::exp(double(x[f]) - mx);
        y[e] = float(std::exp(double(x[e]) - mx) / sum);
    }
    return y;
}

}  // namespace

class TestActivationLayers : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    // ---- ReLU ---------------------------------------------------------------------------------

    void reluConfig() {
        auto r = layers::ReLU();
        QCOMPARE(QString::fromStdString(r->name()), QString("re_lu"));
        Json cfg = r->getConfig();
        QVERIFY(cfg.contains("max_value") && cfg["max_value"].is_null());
        QCOMPARE(cfg["negative_slope"], Json(0.0));
        QCOMPARE(cfg["threshold"], Json(0.0));
        CHECK_ROUND_TRIP(*r);
        CHECK_ROUND_TRIP(*layers::ReLU({{"max_value", 6.0}, {"negative_slope", 0.1}, {"threshold", 0.5}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ReLU({{"max_value", -1.0}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ReLU({{"negative_slope", -0.1}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ReLU({{"threshold", -0.1}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ReLU({{"negative_slope", nullptr}}));
        QVERIFY(identityShapes(*r));
        QCOMPARE(r->countParams(), int64_t(0));
        QVERIFY(r->supportsMasking());
    }

    void reluKerasExamples() {
        Tensor x = Tensor::of({1, 5}, {-10, -5, 0, 5, 10});
        QVERIFY(allClose((*layers::ReLU())(x), Tensor::of({1, 5}, {0, 0, 0, 5, 10})));
        QVERIFY(allClose((*layers::ReLU({{"negative_slope", 0.5}}))(x), Tensor::of({1, 5}, {-5, -2.5f, 0, 5, 10})));
        QVERIFY(allClose((*layers::ReLU({{"max_value", 5.0}}))(x), Tensor::of({1, 5}, {0, 0, 0, 5, 5})));
        QVERIFY(allClose((*layers::ReLU({{"threshold", 5.0}}))(x), Tensor::of({1, 5}, {0, 0, 0, 0, 10})));
        QVERIFY(allClose((*layers::ReLU({{"max_value", 10.0}, {"negative_slope", 0.5}}))(x),
                         Tensor::of({1, 5}, {-5, -2.5f, 0, 5, 10})));
        // At exactly the threshold Keras's implementation gives 0 (x > threshold is strict).
        QCOMPARE((*layers::ReLU({{"threshold", 1.0}, {"negative_slope", 0.5}}))(Tensor::of({1, 1}, {1.0f}))[0], 0.0f);
    }

    void reluValues_data() {
        QTest::addColumn<double>("maxValue");  // < 0: None
        QTest::addColumn<double>("slope");
        QTest::addColumn<double>("threshold");
        QTest::newRow("plain") << -1.0 << 0.0 << 0.0;
        QTest::newRow("max") << 0.6 << 0.0 << 0.0;
        QTest::newRow("relu6") << 6.0 << 0.0 << 0.0;
        QTest::newRow("leaky") << -1.0 << 0.2 << 0.0;
        QTest::newRow("leaky max") << 0.6 << 0.2 << 0.0;
        QTest::newRow("threshold") << -1.0 << 0.0 << 0.3;
        QTest::newRow("all") << 0.8 << 0.25 << 0.3;
    }
    void reluValues() {
        QFETCH(double, maxValue);
        QFETCH(double, slope);
        QFETCH(double, threshold);
        Json kw = {{"negative_slope", slope}, {"threshold", threshold}};
        std::optional<float> mv;
        if (maxValue >= 0) {
            kw["max_value"] = maxValue;
            mv = float(maxValue);
        }
        auto r = layers::ReLU(kw);
        const float scale = maxValue == 6.0 ? 8.0f : 1.0f;
        std::vector<float> kinks = {0.0f, float(threshold)};
        if (mv) kinks.push_back(*mv);
        Tensor x = awayFrom(testing::randomTensor({3, 4, 5}, 21, -scale, scale), kinks);
        Tensor y = (*r)(x);
        for (int64_t i = 0; i < x.size(); ++i)
            QVERIFY2(std::fabs(y[i] - reluRef(x[i], mv, float(slope), float(threshold))) < 1e-6f,
                     qPrintable(QString("x=%1 y=%2").arg(x[i]).arg(y[i])));
        STRATA_GRADCHECK(*r, {x});
    }

    // ---- LeakyReLU ----------------------------------------------------------------------------

    void leakyReluConfig() {
        auto l = layers::LeakyReLU();
        QCOMPARE(QString::fromStdString(l->name()), QString("leaky_re_lu"));
        Json cfg = l->getConfig();
        QCOMPARE(cfg["negative_slope"], Json(0.3));  // Keras 3 default
        QVERIFY(!cfg.contains("alpha"));
        CHECK_ROUND_TRIP(*l);
        QCOMPARE(layers::LeakyReLU(0.1)->negativeSlope(), 0.1f);
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::LeakyReLU(-0.5));
        QVERIFY(identityShapes(*l));

        // Keras 2 files use alpha.
        auto k2 = std::dynamic_pointer_cast<LeakyReLU>(LayerRegistry::instance().create(
            "LeakyReLU", {{"name", "lr"}, {"trainable", true}, {"dtype", "float32"}, {"alpha", 0.2}}, false));
        QCOMPARE(k2->negativeSlope(), 0.2f);
        QCOMPARE(k2->getConfig()["negative_slope"], Json(0.2));
        QVERIFY(!k2->getConfig().contains("alpha"));
        CHECK_ROUND_TRIP(*k2);
        QCOMPARE(layers::LeakyReLU({{"alpha", 0.05}})->negativeSlope(), 0.05f);
    }

    void leakyReluValuesAndGradients() {
        auto l = layers::LeakyReLU(0.2);
        Tensor x = awayFrom(testing::randomTensor({4, 6}, 2), {0.0f});
        Tensor y = (*l)(x);
        for (int64_t i = 0; i < x.size(); ++i) QCOMPARE(y[i], x[i] >= 0 ? x[i] : 0.2f * x[i]);
        STRATA_GRADCHECK(*l, {x});
        auto d = layers::LeakyReLU();
        STRATA_GRADCHECK(*d, {awayFrom(testing::randomTensor({2, 3, 4}, 3), {0.0f})});
    }

    // ---- PReLU --------------------------------------------------------------------------------

    void preluConfigAndWeights() {
        auto p = layers::PReLU();
        QCOMPARE(QString::fromStdString(p->name()), QString("p_re_lu"));
        Json cfg = p->getConfig();
        QCOMPARE(cfg["alpha_initializer"], Json("zeros"));
        QVERIFY(cfg["alpha_regularizer"].is_null());
        QVERIFY(cfg["alpha_constraint"].is_null());
        QVERIFY(cfg.contains("shared_axes") && cfg["shared_axes"].is_null());
        CHECK_ROUND_TRIP(*p);

        p->build({Shape{kNone, 4, 5, 3}});
        auto w = p->weights();
        QCOMPARE(int(w.size()), 1);
        QCOMPARE(QString::fromStdString(w[0]->path()), QString("p_re_lu/alpha"));
        QCOMPARE(w[0]->value.shape(), (std::vector<int64_t>{4, 5, 3}));
        QCOMPARE(p->countParams(), int64_t(60));
        for (float v : w[0]->value.values()) QCOMPARE(v, 0.0f);

        auto s = layers::PReLU({{"shared_axes", {1, 2}}});
        CHECK_ROUND_TRIP(*s);
        QCOMPARE(s->outputShapesFor({Shape{kNone, kNone, kNone, 3}})[0], (Shape{kNone, kNone, kNone, 3}));
        s->build({Shape{kNone, kNone, kNone, 3}});
        QCOMPARE(s->alpha()->value.shape(), (std::vector<int64_t>{1, 1, 3}));
        QCOMPARE(s->countParams(), int64_t(3));

        // A single int is a one-element list (Keras does the same).
        auto one = layers::PReLU({{"shared_axes", 1}});
        QCOMPARE(one->getConfig()["shared_axes"], Json::array({1}));
        one->build({Shape{kNone, 7, 2}});
        QCOMPARE(one->alpha()->value.shape(), (std::vector<int64_t>{1, 2}));

        // Keras 2 initializer dict.
        auto k2 = LayerRegistry::instance().create(
            "PReLU", {{"name", "pr"}, {"alpha_initializer", {{"class_name", "Constant"}, {"config", {{"value", 0.25}}}}},
                      {"alpha_regularizer", nullptr}, {"alpha_constraint", nullptr}, {"shared_axes", {1}}},
            false);
        k2->build({Shape{kNone, 3, 2}});
        for (float v : k2->weights()[0]->value.values()) QCOMPARE(v, 0.25f);
    }

    void preluBadShapes() {
        auto p = layers::PReLU();
        std::string err = shapeErrorOf([&] { p->outputShapesFor({Shape{kNone, kNone, 3}}); });
        QVERIFY2(err.find("'p_re_lu'") != std::string::npos && err.find("dimension 1") != std::string::npos, err.c_str());
        QVERIFY_THROWS_EXCEPTION(ShapeError, p->outputShapesFor({Shape{kNone}}));
        auto s = layers::PReLU({{"shared_axes", {3}}});
        QVERIFY_THROWS_EXCEPTION(ShapeError, s->outputShapesFor({Shape{kNone, 2, 3}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::PReLU({{"shared_axes", {0}}}));
        p->build({Shape{kNone, 2, 3}});
        QVERIFY_THROWS_EXCEPTION(ShapeError, p->outputShapesFor({Shape{kNone, 2, 4}}));
        Tensor wrong({1, 2, 4});
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*p)(wrong));
        Tensor wrongRank({2, 6});
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*p)(wrongRank));
    }

    void preluValues_data() {
        QTest::addColumn<QString>("shared");
        QTest::newRow("none") << QString("");
        QTest::newRow("1,2") << QString("1,2");
        QTest::newRow("2") << QString("2");
        QTest::newRow("1,3") << QString("1,3");
    }
    void preluValues() {
        QFETCH(QString, shared);
        Json kw = Json::object();
        std::vector<int> sh;
        if (!shared.isEmpty()) {
            Json axes = Json::array();
            for (const auto& s : shared.split(',')) {
                axes.push_back(s.toInt());
                sh.push_back(s.toInt());
            }
            kw["shared_axes"] = axes;
        }
        auto p = layers::PReLU(kw);
        const std::vector<int64_t> dims = {2, 3, 4, 2};
        Tensor x = awayFrom(testing::randomTensor(dims, 4), {0.0f});
        p->build({Shape{kNone, 3, 4, 2}});
        Tensor alpha = testing::randomTensor(p->alpha()->value.shape(), 5, 0.1f, 0.9f);
        p->setWeights({alpha});
        Tensor y = (*p)(x);
        auto isShared = [&](int a) { return std::find(sh.begin(), sh.end(), a) != sh.end(); };
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t i = 0; i < 3; ++i)
                for (int64_t j = 0; j < 4; ++j)
                    for (int64_t c = 0; c < 2; ++c) {
                        float a = alpha.at({isShared(1) ? 0 : i, isShared(2) ? 0 : j, isShared(3) ? 0 : c});
                        float v = x.at({b, i, j, c});
                        QCOMPARE(y.at({b, i, j, c}), v >= 0 ? v : a * v);
                    }
        STRATA_GRADCHECK(*p, {x});
        // Shared spatial axes accept other spatial sizes.
        if (isShared(1) && isShared(2)) {
            Tensor other = awayFrom(testing::randomTensor({1, 5, 1, 2}, 6), {0.0f});
            QCOMPARE((*p)(other).shape(), other.shape());
            STRATA_GRADCHECK(*p, {other});
        }
    }

    void preluFrozenHasNoWeightGradient() {
        auto p = layers::PReLU();
        Tensor x = Tensor::of({1, 3}, {-1, 2, -3});
        CallContext ctx;
        ctx.recordForBackward = true;
        Tensors outs, grads;
        p->call({&x}, outs, ctx);
        p->alpha()->grad.resize(p->alpha()->value.shape(), 0.0f);
        Tensor g = Tensor::of({1, 3}, {1, 1, 1});
        p->backward({&x}, outs, {&g}, grads, ctx);
        QVERIFY(allClose(p->alpha()->grad, Tensor::of({3}, {-1, 0, -3})));
        p->setTrainable(false);
        p->alpha()->grad.fill(0.0f);
        p->backward({&x}, outs, {&g}, grads, ctx);
        for (float v : p->alpha()->grad.values()) QCOMPARE(v, 0.0f);
    }

    // ---- ELU ----------------------------------------------------------------------------------

    void eluConfigValuesGradients() {
        auto e = layers::ELU();
        QCOMPARE(QString::fromStdString(e->name()), QString("elu"));
        QCOMPARE(e->getConfig()["alpha"], Json(1.0));
        CHECK_ROUND_TRIP(*e);
        QVERIFY(identityShapes(*e));
        for (double alpha : {1.0, 0.5, 2.0}) {
            auto l = layers::ELU(alpha);
            Tensor x = testing::randomTensor({3, 7}, 12, -3, 3);
            Tensor y = (*l)(x);
            for (int64_t i = 0; i < x.size(); ++i) {
                double ref = x[i] > 0 ? x[i] : alpha * (std::exp(double(x[i])) - 1);
                QVERIFY(std::fabs(y[i] - ref) < 1e-6);
            }
            STRATA_GRADCHECK(*l, {awayFrom(x, {0.0f})});
        }
    }

    // ---- ThresholdedReLU ----------------------------------------------------------------------

    void thresholdedReluConfigValuesGradients() {
        auto t = layers::ThresholdedReLU();
        QCOMPARE(QString::fromStdString(t->name()), QString("thresholded_re_lu"));
        QCOMPARE(t->getConfig()["theta"], Json(1.0));
        CHECK_ROUND_TRIP(*t);
        QVERIFY(identityShapes(*t));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ThresholdedReLU(-1.0));
        QVERIFY(allClose((*t)(Tensor::of({1, 4}, {-1, 0.5f, 1, 2})), Tensor::of({1, 4}, {0, 0, 0, 2})));
        auto h = layers::ThresholdedReLU(0.25);
        Tensor x = awayFrom(testing::randomTensor({4, 5}, 13), {0.25f});
        Tensor y = (*h)(x);
        for (int64_t i = 0; i < x.size(); ++i) QCOMPARE(y[i], x[i] > 0.25f ? x[i] : 0.0f);
        STRATA_GRADCHECK(*h, {x});
    }

    // ---- Softmax ------------------------------------------------------------------------------

    void softmaxConfig() {
        auto s = layers::Softmax();
        QCOMPARE(QString::fromStdString(s->name()), QString("softmax"));
        QCOMPARE(s->getConfig()["axis"], Json(-1));
        CHECK_ROUND_TRIP(*s);
        auto m = layers::Softmax({{"axis", {1, 2}}});
        QCOMPARE(m->getConfig()["axis"], (Json{1, 2}));
        CHECK_ROUND_TRIP(*m);
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Softmax({{"axis", "last"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Softmax({{"axis", Json::array()}}));
        QVERIFY(identityShapes(*s));
        QVERIFY(s->supportsMasking());
        std::string err = shapeErrorOf([&] { layers::Softmax(3)->outputShapesFor({Shape{kNone, 4}}); });
        QVERIFY2(err.find("'softmax") != std::string::npos && err.find("axis 3") != std::string::npos, err.c_str());
        Tensor x({2, 4});
        auto bad = layers::Softmax(-3);
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*bad)(x));
    }

    void softmaxValues_data() {
        QTest::addColumn<QString>("axis");
        QTest::addColumn<QString>("resolved");
        QTest::newRow("-1") << QString("-1") << QString("3");
        QTest::newRow("1") << QString("1") << QString("1");
        QTest::newRow("2") << QString("2") << QString("2");
        QTest::newRow("[1,2]") << QString("[1,2]") << QString("1,2");
        QTest::newRow("[1,3]") << QString("[1,3]") << QString("1,3");
        QTest::newRow("[-1,1,2]") << QString("[-1,1,2]") << QString("1,2,3");
        QTest::newRow("None") << QString("null") << QString("0,1,2,3");
    }
    void softmaxValues() {
        QFETCH(QString, axis);
        QFETCH(QString, resolved);
        auto s = layers::Softmax({{"axis", Json::parse(axis.toStdString())}});
        std::vector<int> axes;
        for (const auto& a : resolved.split(',')) axes.push_back(a.toInt());
        Tensor x = testing::randomTensor({2, 3, 2, 4}, 17, -3, 3);
        Tensor y = (*s)(x);
        QVERIFY2(allClose(y, softmaxRef(x, axes), 1e-5f, 1e-6f), qPrintable(axis));
        STRATA_GRADCHECK(*s, {x});
    }

    void softmaxIsStableForLargeInputs() {
        auto s = layers::Softmax();
        Tensor y = (*s)(Tensor::of({1, 3}, {1000, 1001, 1000}));
        QVERIFY(!y.hasNonFinite());
        QVERIFY(allClose(y, Tensor::of({1, 3}, {0.21194157f, 0.5761169f, 0.21194157f})));
    }
};

QTEST_APPLESS_MAIN(TestActivationLayers)
#include "test_activation_layers.moc"
