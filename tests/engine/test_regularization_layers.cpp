// Regularization layers: Dropout, SpatialDropout2D, GaussianNoise, ActivityRegularization. Keras
// configs, training vs inference behaviour, masks reused in backward, add_loss, gradients.
#include <QtTest/QtTest>

#include <cmath>

#include "engine/core/errors.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/regularization/activity_regularization.h"
#include "engine/layers/regularization/dropout.h"
#include "engine/layers/regularization/gaussian_noise.h"
#include "engine/layers/regularization/spatial_dropout.h"
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

/// Runs the layer in training mode with a seeded RNG.
Tensor trainCall(Layer& l, const Tensor& x, uint64_t seed = 3) {
    CallContext ctx;
    ctx.training = true;
    Rng rng(seed);
    ctx.rng = &rng;
    Tensors outs;
    l.call({&x}, outs, ctx);
    return outs[0];
}

Tensor ones(std::vector<int64_t> shape) { return Tensor(std::move(shape), 1.0f); }

}  // namespace

class TestRegularizationLayers : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    // ---- Dropout ------------------------------------------------------------------------------

    void dropoutConfig() {
        auto d = layers::Dropout(0.25);
        QCOMPARE(QString::fromStdString(d->name()), QString("dropout"));
        Json cfg = d->getConfig();
        QCOMPARE(cfg["rate"], Json(0.25));
        QVERIFY(cfg.contains("noise_shape") && cfg["noise_shape"].is_null());
        QVERIFY(cfg.contains("seed") && cfg["seed"].is_null());
        CHECK_ROUND_TRIP(*d);
        CHECK_ROUND_TRIP(*layers::Dropout(0.5, {{"noise_shape", {nullptr, 1, 4}}, {"seed", 7}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Dropout(1.5));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Dropout(-0.1));
        QVERIFY_THROWS_EXCEPTION(ConfigError, makeLayer("Dropout"));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Dropout(0.5, {{"noise_shape", {0, 1}}}));
        QCOMPARE(d->countParams(), int64_t(0));
        QVERIFY(d->supportsMasking());
        QCOMPARE(d->outputShapesFor({Shape{kNone, kNone, 3}})[0], (Shape{kNone, kNone, 3}));
        // Keras 2 config.
        auto k2 = LayerRegistry::instance().create(
            "Dropout", {{"name", "drop"}, {"trainable", true}, {"dtype", "float32"}, {"rate", 0.3},
                        {"noise_shape", nullptr}, {"seed", nullptr}}, false);
        QCOMPARE(k2->getConfig()["rate"], Json(0.3));
    }

    void dropoutNoiseShapeErrors() {
        auto d = layers::Dropout(0.5, {{"noise_shape", {nullptr, 1, 4}}});
        QCOMPARE(d->outputShapesFor({Shape{kNone, 5, 4}})[0], (Shape{kNone, 5, 4}));
        std::string err = shapeErrorOf([&] { d->outputShapesFor({Shape{kNone, 4}}); });
        QVERIFY2(err.find("'dropout'") != std::string::npos && err.find("noise_shape") != std::string::npos, err.c_str());
        QVERIFY_THROWS_EXCEPTION(ShapeError, d->outputShapesFor({Shape{kNone, 5, 3}}));
        Tensor x({2, 5, 3});
        QVERIFY_THROWS_EXCEPTION(ShapeError, trainCall(*d, x));
    }

    void dropoutInferenceIsIdentity() {
        auto d = layers::Dropout(0.5);
        Tensor x = testing::randomTensor({3, 4});
        QVERIFY(allClose((*d)(x), x, 0, 0));
        QVERIFY(allClose((*d)(x, /*training=*/false), x, 0, 0));
        STRATA_GRADCHECK(*d, {x});
    }

    void dropoutTraining() {
        const float rate = 0.3f;
        auto d = layers::Dropout(rate);
        Tensor x = testing::randomTensor({100, 100}, 4, 0.5f, 1.5f);
        Tensor y = trainCall(*d, x);
        int64_t dropped = 0;
        double sumX = 0, sumY = 0;
        for (int64_t i = 0; i < x.size(); ++i) {
            if (y[i] == 0.0f) ++dropped;
            else QVERIFY(std::fabs(y[i] - x[i] / (1 - rate)) < 1e-5f);
            sumX += x[i];
            sumY += y[i];
        }
        double frac = double(dropped) / x.size();
        QVERIFY2(frac > 0.28 && frac < 0.32, qPrintable(QString::number(frac)));
        QVERIFY(std::fabs(sumY / sumX - 1.0) < 0.03);  // inverted dropout keeps the expectation
        // Same seed, same mask; other seed, other mask.
        QVERIFY(allClose(trainCall(*d, x), y, 0, 0));
        QVERIFY(!allClose(trainCall(*d, x, 99), y, 0, 0));
        // rate 0: identity; rate 1: zeros.
        QVERIFY(allClose(trainCall(*layers::Dropout(0.0), x), x, 0, 0));
        Tensor z = trainCall(*layers::Dropout(1.0), x);
        QVERIFY(!z.hasNonFinite());
        for (float v : z.values()) QCOMPARE(v, 0.0f);
    }

    void dropoutNoiseShapeBroadcasts() {
        auto d = layers::Dropout(0.5, {{"noise_shape", {nullptr, 1, 4}}});
        Tensor x = testing::randomTensor({3, 6, 4}, 5, 0.5f, 1.5f);
        Tensor y = trainCall(*d, x);
        int kept = 0;
        for (int64_t b = 0; b < 3; ++b)
            for (int64_t f = 0; f < 4; ++f) {
                const float m0 = y.at({b, 0, f}) / x.at({b, 0, f});
                QVERIFY(m0 == 0.0f || std::fabs(m0 - 2.0f) < 1e-5f);
                kept += m0 != 0.0f;
                for (int64_t t = 1; t < 6; ++t) QVERIFY(std::fabs(y.at({b, t, f}) / x.at({b, t, f}) - m0) < 1e-5f);
            }
        QVERIFY(kept > 0 && kept < 12);
    }

    void dropoutBackwardReusesMask() {
        auto d = layers::Dropout(0.4, {{"noise_shape", {nullptr, 1}}});
        Tensor x = testing::randomTensor({8, 5}, 6, 0.5f, 1.5f);
        CallContext ctx;
        ctx.training = true;
        Rng rng(11);
        ctx.rng = &rng;
        Tensors outs, grads;
        d->call({&x}, outs, ctx);
        // Draw more numbers so a backward that re-drew would differ.
        for (int i = 0; i < 100; ++i) rng.next();
        Tensor g = ones({8, 5});
        d->backward({&x}, outs, {&g}, grads, ctx);
        for (int64_t i = 0; i < x.size(); ++i) QVERIFY(std::fabs(grads[0][i] * x[i] - outs[0][i]) < 1e-5f);
    }

    void dropoutGradients_data() {
        QTest::addColumn<QString>("noiseShape");
        QTest::newRow("elementwise") << QString("null");
        QTest::newRow("per feature") << QString("[null, 1, 4]");
        QTest::newRow("per sample") << QString("[null, 1, 1]");
    }
    void dropoutGradients() {
        QFETCH(QString, noiseShape);
        auto d = layers::Dropout(0.5, {{"noise_shape", Json::parse(noiseShape.toStdString())}});
        testing::GradCheckOptions opt;
        opt.training = true;
        STRATA_GRADCHECK(*d, {testing::randomTensor({3, 2, 4}, 7)}, opt);
    }

    // ---- SpatialDropout2D ---------------------------------------------------------------------

    void spatialDropoutConfig() {
        auto s = layers::SpatialDropout2D(0.2);
        QCOMPARE(QString::fromStdString(s->name()), QString("spatial_dropout2d"));
        Json cfg = s->getConfig();
        // Keras 3's BaseSpatialDropout.get_config: exactly these keys.
        QCOMPARE(cfg, (Json{{"name", "spatial_dropout2d"}, {"dtype", "float32"}, {"rate", 0.2}, {"seed", nullptr},
                            {"data_format", "channels_last"}}));
        CHECK_ROUND_TRIP(*s);
        CHECK_ROUND_TRIP(*layers::SpatialDropout2D(0.5, {{"data_format", "channels_first"}, {"seed", 3}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::SpatialDropout2D(0.5, {{"data_format", "channels_middle"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::SpatialDropout2D(0.5, {{"noise_shape", nullptr}}));
        // Keras 2 config: trainable, noise_shape and a null data_format are accepted.
        auto k2 = LayerRegistry::instance().create(
            "SpatialDropout2D", {{"name", "sd"}, {"trainable", true}, {"dtype", "float32"}, {"rate", 0.1},
                                 {"noise_shape", nullptr}, {"seed", nullptr}, {"data_format", nullptr}}, false);
        QCOMPARE(k2->getConfig(), (Json{{"name", "sd"}, {"dtype", "float32"}, {"rate", 0.1}, {"seed", nullptr},
                                        {"data_format", "channels_last"}}));
        QCOMPARE(s->outputShapesFor({Shape{kNone, kNone, kNone, 3}})[0], (Shape{kNone, kNone, kNone, 3}));
        std::string err = shapeErrorOf([&] { s->outputShapesFor({Shape{kNone, 4, 3}}); });
        QVERIFY2(err.find("'spatial_dropout2d'") != std::string::npos && err.find("4D") != std::string::npos, err.c_str());
        Tensor bad({2, 3, 3});
        QVERIFY_THROWS_EXCEPTION(ShapeError, trainCall(*s, bad));
    }

    void spatialDropoutDropsChannels_data() {
        QTest::addColumn<bool>("channelsFirst");
        QTest::newRow("channels_last") << false;
        QTest::newRow("channels_first") << true;
    }
    void spatialDropoutDropsChannels() {
        QFETCH(bool, channelsFirst);
        auto s = layers::SpatialDropout2D(0.5, {{"data_format", channelsFirst ? "channels_first" : "channels_last"}});
        const int64_t B = 3, H = 4, W = 5, C = 6;
        std::vector<int64_t> shape = channelsFirst ? std::vector<int64_t>{B, C, H, W} : std::vector<int64_t>{B, H, W, C};
        Tensor x = testing::randomTensor(shape, 8, 0.5f, 1.5f);
        QVERIFY(allClose((*s)(x), x, 0, 0));  // inference: identity
        Tensor y = trainCall(*s, x);
        int kept = 0;
        for (int64_t b = 0; b < B; ++b)
            for (int64_t c = 0; c < C; ++c) {
                auto at = [&](const Tensor& t, int64_t i, int64_t j) {
                    return channelsFirst ? t.at({b, c, i, j}) : t.at({b, i, j, c});
                };
                const float m0 = at(y, 0, 0) / at(x, 0, 0);
                QVERIFY(m0 == 0.0f || std::fabs(m0 - 2.0f) < 1e-5f);
                kept += m0 != 0.0f;
                for (int64_t i = 0; i < H; ++i)
                    for (int64_t j = 0; j < W; ++j) QVERIFY(std::fabs(at(y, i, j) / at(x, i, j) - m0) < 1e-5f);
            }
        QVERIFY(kept > 0 && kept < B * C);
        testing::GradCheckOptions opt;
        opt.training = true;
        STRATA_GRADCHECK(*s, {testing::randomTensor(channelsFirst ? std::vector<int64_t>{2, 3, 2, 2}
                                                                  : std::vector<int64_t>{2, 2, 2, 3}, 9)}, opt);
        STRATA_GRADCHECK(*s, {testing::randomTensor({2, 2, 2, 3}, 10)});
    }

    // ---- GaussianNoise ------------------------------------------------------------------------

    void gaussianNoiseConfig() {
        auto g = layers::GaussianNoise(0.1);
        QCOMPARE(QString::fromStdString(g->name()), QString("gaussian_noise"));
        Json cfg = g->getConfig();
        QCOMPARE(cfg["stddev"], Json(0.1));
        QVERIFY(cfg.contains("seed") && cfg["seed"].is_null());
        CHECK_ROUND_TRIP(*g);
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::GaussianNoise(-1.0));
        QVERIFY_THROWS_EXCEPTION(ConfigError, makeLayer("GaussianNoise"));
        QCOMPARE(g->countParams(), int64_t(0));
        QVERIFY(g->supportsMasking());
        QCOMPARE(g->outputShapesFor({Shape{kNone, 7}})[0], (Shape{kNone, 7}));
    }

    void gaussianNoiseValues() {
        auto g = layers::GaussianNoise(0.5);
        Tensor x = testing::randomTensor({200, 100}, 12);
        QVERIFY(allClose((*g)(x), x, 0, 0));
        Tensor y = trainCall(*g, x);
        double mean = 0, sq = 0;
        for (int64_t i = 0; i < x.size(); ++i) {
            double n = double(y[i]) - x[i];
            mean += n;
            sq += n * n;
        }
        mean /= x.size();
        double sd = std::sqrt(sq / x.size() - mean * mean);
        QVERIFY2(std::fabs(mean) < 0.02, qPrintable(QString::number(mean)));
        QVERIFY2(std::fabs(sd - 0.5) < 0.02, qPrintable(QString::number(sd)));
        QVERIFY(allClose(trainCall(*g, x), y, 0, 0));  // seeded
        QVERIFY(allClose(trainCall(*layers::GaussianNoise(0.0), x), x, 0, 0));
    }

    void gaussianNoiseGradients() {
        auto g = layers::GaussianNoise(0.3);
        testing::GradCheckOptions opt;
        opt.training = true;
        STRATA_GRADCHECK(*g, {testing::randomTensor({3, 4}, 13)}, opt);
        STRATA_GRADCHECK(*g, {testing::randomTensor({3, 4}, 13)});
    }

    // ---- ActivityRegularization ---------------------------------------------------------------

    void activityRegularizationConfig() {
        auto a = layers::ActivityRegularization();
        QCOMPARE(QString::fromStdString(a->name()), QString("activity_regularization"));
        Json cfg = a->getConfig();
        QCOMPARE(cfg["l1"], Json(0.0));
        QCOMPARE(cfg["l2"], Json(0.0));
        QVERIFY(!cfg.contains("activity_regularizer"));
        CHECK_ROUND_TRIP(*a);
        auto b = layers::ActivityRegularization(0.01, 0.02);
        QCOMPARE(b->getConfig()["l1"], Json(0.01));
        QCOMPARE(b->getConfig()["l2"], Json(0.02));
        CHECK_ROUND_TRIP(*b);
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ActivityRegularization(-0.1));
        QCOMPARE(a->countParams(), int64_t(0));
        QVERIFY(a->supportsMasking());
        QCOMPARE(a->outputShapesFor({Shape{kNone, 2, 3}})[0], (Shape{kNone, 2, 3}));
    }

    void activityRegularizationAddsLoss() {
        auto a = layers::ActivityRegularization(0.1, 0.2);
        Tensor x = Tensor::of({2, 3}, {1, -2, 3, -4, 5, 0});
        // Keras: (l1 * sum|x| + l2 * sum x^2) / batch_size = (0.1 * 15 + 0.2 * 55) / 2 = 6.25
        std::vector<float> losses;
        CallContext ctx;
        ctx.training = true;
        ctx.losses = &losses;
        Tensors outs;
        a->call({&x}, outs, ctx);
        QVERIFY(allClose(outs[0], x, 0, 0));
        QCOMPARE(int(losses.size()), 1);
        QVERIFY(std::fabs(losses[0] - 6.25f) < 1e-5f);
        QVERIFY(std::fabs(a->penalty(x) - 6.25f) < 1e-5f);
        // No sink (inference, predict): nothing added, and backward is the identity.
        CallContext infer;
        infer.recordForBackward = true;
        a->call({&x}, outs, infer);
        Tensor g = Tensor::of({2, 3}, {1, 1, 1, 1, 1, 1});
        Tensors grads;
        a->backward({&x}, outs, {&g}, grads, infer);
        QVERIFY(allClose(grads[0], g, 0, 0));
        // With the sink, backward adds (l1 * sign(x) + 2 * l2 * x) / batch.
        a->backward({&x}, outs, {&g}, grads, ctx);
        for (int64_t i = 0; i < x.size(); ++i) {
            float s = x[i] > 0 ? 1.0f : (x[i] < 0 ? -1.0f : 0.0f);
            QVERIFY(std::fabs(grads[0][i] - (1.0f + (0.1f * s + 0.4f * x[i]) / 2.0f)) < 1e-5f);
        }
        // Zero factors add no loss.
        losses.clear();
        layers::ActivityRegularization()->call({&x}, outs, ctx);
        QVERIFY(losses.empty());
    }

    void activityRegularizationGradients() {
        auto a = layers::ActivityRegularization(0.05, 0.1);
        Tensor x = testing::randomTensor({3, 4}, 14);
        for (auto& v : x.values())
            if (std::fabs(v) < 0.05f) v = 0.1f;  // away from |x|'s kink
        STRATA_GRADCHECK(*a, {x});  // no loss sink: identity
        // Full objective sum(R * y) + added loss, against central differences.
        Tensor R = testing::randomTensor({3, 4}, 15);
        auto objective = [&](const Tensor& in) {
            std::vector<float> losses;
            CallContext ctx;
            ctx.training = true;
            ctx.losses = &losses;
            Tensors outs;
            a->call({&in}, outs, ctx);
            double l = 0;
            for (int64_t i = 0; i < in.size(); ++i) l += double(outs[0][i]) * R[i];
            for (float v : losses) l += v;
            return l;
        };
        std::vector<float> losses;
        CallContext ctx;
        ctx.training = true;
        ctx.losses = &losses;
        Tensors outs, grads;
        a->call({&x}, outs, ctx);
        a->backward({&x}, outs, {&R}, grads, ctx);
        for (int64_t i = 0; i < x.size(); ++i) {
            Tensor p = x, m = x;
            p[i] += 1e-2f;
            m[i] -= 1e-2f;
            double numeric = (objective(p) - objective(m)) / 2e-2;
            QVERIFY2(std::fabs(numeric - grads[0][i]) < 1e-3,
                     qPrintable(QString("%1: %2 vs %3").arg(i).arg(numeric).arg(grads[0][i])));
        }
    }
};

QTEST_APPLESS_MAIN(TestRegularizationLayers)
#include "test_regularization_layers.moc"
