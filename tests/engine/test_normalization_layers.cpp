// BatchNormalization and LayerNormalization: Keras configs and weight layout, inference and
// training numbers by hand, moving averages, masks, errors and gradients.
#include <QtTest/QtTest>

#include <cmath>

#include "engine/core/errors.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/normalization/batch_normalization.h"
#include "engine/layers/normalization/layer_normalization.h"
#include "tests/support/gradcheck.h"

using namespace strata;

namespace {

std::vector<std::string> weightNames(const Layer& l) {
    std::vector<std::string> n;
    for (Variable* v : l.weights()) n.push_back(v->name);
    return n;
}

// Finite-difference check of input and weight gradients for a call with a mask in the context.
std::string maskedGradCheck(Layer& layer, Tensor x, const Tensor& mask, bool training) {
    Rng pr(5);
    auto run = [&](const Tensor& in, Tensors& outs, CallContext& ctx) {
        ctx.masks = {&mask};
        ctx.training = training;
        layer.call({&in}, outs, ctx);
    };
    CallContext ctx;
    ctx.recordForBackward = true;
    Tensors outs;
    run(x, outs, ctx);
    Tensor proj(outs[0].shape());
    for (auto& v : proj.values()) v = pr.uniform(-1, 1);
    auto loss = [&]() {
        CallContext c;
        Tensors o;
        run(x, o, c);
        double l = 0;
        for (int64_t i = 0; i < o[0].size(); ++i) l += double(o[0][i]) * proj[i];
        return l;
    };
    for (Variable* w : layer.trainableWeights()) w->grad.resize(w->value.shape(), 0.0f);
    Tensors grads;
    layer.backward({&x}, outs, {&proj}, grads, ctx);
    auto check = [&](Tensor& target, const Tensor& analytic, const std::string& what) -> std::string {
        for (int64_t i = 0; i < target.size(); ++i) {
            float saved = target[i];
            target[i] = saved + 1e-2f;
            double lp = loss();
            target[i] = saved - 1e-2f;
            double lm = loss();
            target[i] = saved;
            double num = (lp - lm) / 2e-2;
            if (std::fabs(num - analytic[i]) > 2e-2 * std::max(1.0, std::fabs(num)))
                return what + "[" + std::to_string(i) + "]: analytic " + std::to_string(analytic[i]) + " vs numeric " +
                       std::to_string(num);
        }
        return {};
    };
    std::string r = check(x, grads[0], "input");
    if (!r.empty()) return r;
    for (Variable* w : layer.trainableWeights()) {
        Tensor a = w->grad;
        r = check(w->value, a, w->path());
        if (!r.empty()) return r;
    }
    return {};
}

}  // namespace

class TestNormalizationLayers : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    // ==== BatchNormalization =====================================================================

    void bnDefaultsAndRoundTrip() {
        auto bn = layers::BatchNormalization();
        QCOMPARE(QString::fromStdString(bn->name()), QString("batch_normalization"));
        Json c = bn->getConfig();
        QCOMPARE(c["axis"], Json(-1));
        QCOMPARE(c["momentum"].get<double>(), 0.99);
        QCOMPARE(c["epsilon"].get<double>(), 1e-3);
        QCOMPARE(c["center"], Json(true));
        QCOMPARE(c["scale"], Json(true));
        QCOMPARE(c["beta_initializer"], Json("zeros"));
        QCOMPARE(c["gamma_initializer"], Json("ones"));
        QCOMPARE(c["moving_mean_initializer"], Json("zeros"));
        QCOMPARE(c["moving_variance_initializer"], Json("ones"));
        QVERIFY(c["beta_regularizer"].is_null());
        QVERIFY(c["gamma_constraint"].is_null());
        QCOMPARE(c["synchronized"], Json(false));
        for (const auto& p : BatchNormalization::spec().params) QVERIFY2(c.contains(p.name), p.name.c_str());
        auto again = LayerRegistry::instance().create("BatchNormalization", c, false);
        QCOMPARE(again->getConfig(), c);
        auto bn1 = layers::BatchNormalization(1, {{"momentum", 0.9}, {"center", false}});
        QCOMPARE(bn1->axis(), int64_t(1));
        QCOMPARE(bn1->getConfig()["axis"], Json(1));
        Json c1 = bn1->getConfig();
        QCOMPARE(LayerRegistry::instance().create("BatchNormalization", c1, false)->getConfig(), c1);
    }

    void bnKeras2Config() {
        Json k2 = Json::parse(R"({"name": "batch_normalization_4", "trainable": true, "dtype": "float32",
            "axis": [3], "momentum": 0.99, "epsilon": 0.001, "center": true, "scale": true,
            "beta_initializer": {"class_name": "Zeros", "config": {}},
            "gamma_initializer": {"class_name": "Ones", "config": {}},
            "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
            "moving_variance_initializer": {"class_name": "Ones", "config": {}},
            "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null,
            "renorm": false, "renorm_clipping": null, "renorm_momentum": 0.99, "fused": null,
            "virtual_batch_size": null, "adjustment": null})");
        auto bn = std::dynamic_pointer_cast<BatchNormalization>(
            LayerRegistry::instance().create("BatchNormalization", k2, false));
        QVERIFY(bn);
        QCOMPARE(bn->axis(), int64_t(3));
        Json c = bn->getConfig();
        QCOMPARE(c["axis"], Json(3));
        for (const char* k : {"renorm", "renorm_clipping", "renorm_momentum", "fused", "virtual_batch_size", "adjustment"})
            QVERIFY2(!c.contains(k), k);
        bn->build({Shape{kNone, 5, 5, 8}});
        QCOMPARE(bn->countParams(), int64_t(32));
        // Keras 3 spelling with synchronized
        auto s = LayerRegistry::instance().create("BatchNormalization", Json{{"axis", -1}, {"synchronized", true}}, true);
        QCOMPARE(s->getConfig()["synchronized"], Json(true));
    }

    void bnWeightLayout() {
        auto bn = layers::BatchNormalization();
        bn->build({Shape{kNone, 8, 8, 16}});
        QCOMPARE(bn->countParams(), int64_t(64));
        QCOMPARE(weightNames(*bn), (std::vector<std::string>{"gamma", "beta", "moving_mean", "moving_variance"}));
        int64_t nonTrainable = 0;
        for (Variable* v : bn->nonTrainableWeights()) nonTrainable += v->value.size();
        QCOMPARE(nonTrainable, int64_t(32));
        QCOMPARE(int(bn->trainableWeights().size()), 2);
        QCOMPARE(QString::fromStdString(bn->weights()[2]->path()), QString("batch_normalization/moving_mean"));
        auto w = bn->getWeights();
        for (float v : w[0].values()) QCOMPARE(v, 1.0f);
        for (float v : w[1].values()) QCOMPARE(v, 0.0f);
        for (float v : w[2].values()) QCOMPARE(v, 0.0f);
        for (float v : w[3].values()) QCOMPARE(v, 1.0f);
        for (const auto& t : w) QCOMPARE(t.shape(), (std::vector<int64_t>{16}));

        auto noScale = layers::BatchNormalization({{"scale", false}});
        noScale->build({Shape{kNone, 16}});
        QCOMPARE(weightNames(*noScale), (std::vector<std::string>{"beta", "moving_mean", "moving_variance"}));
        QCOMPARE(noScale->countParams(), int64_t(48));
        auto noCenter = layers::BatchNormalization({{"center", false}});
        noCenter->build({Shape{kNone, 16}});
        QCOMPARE(weightNames(*noCenter), (std::vector<std::string>{"gamma", "moving_mean", "moving_variance"}));
        auto bare = layers::BatchNormalization({{"center", false}, {"scale", false}});
        bare->build({Shape{kNone, 16}});
        QCOMPARE(weightNames(*bare), (std::vector<std::string>{"moving_mean", "moving_variance"}));
        QVERIFY(bare->trainableWeights().empty());
        // channels_first: axis 1
        auto cf = layers::BatchNormalization(1);
        cf->build({Shape{kNone, 6, 10, 10}});
        QCOMPARE(cf->weights()[0]->value.shape(), (std::vector<int64_t>{6}));
        // initializers and regularizers are honoured
        auto init = layers::BatchNormalization(
            {{"gamma_initializer", "zeros"}, {"moving_variance_initializer", {{"class_name", "Constant"}, {"config", {{"value", 2.0}}}}},
             {"gamma_regularizer", "l2"}});
        init->build({Shape{kNone, 3}});
        QCOMPARE(init->gamma()->value[0], 0.0f);
        QCOMPARE(init->movingVariance()->value[2], 2.0f);
        QVERIFY(!init->gamma()->regularizer.is_null());
        QVERIFY(init->beta()->regularizer.is_null());
    }

    void bnInferenceByHand() {
        auto bn = layers::BatchNormalization({{"epsilon", 0.0}});
        bn->build({Shape{kNone, 2}});
        // gamma, beta, moving_mean, moving_variance
        bn->setWeights({Tensor::of({2}, {2, 1}), Tensor::of({2}, {0, 1}), Tensor::of({2}, {1, 2}), Tensor::of({2}, {4, 1})});
        Tensor x = Tensor::of({3, 2}, {1, 2, 3, 4, 5, 6});
        // col 0: 2 * (x - 1) / 2 + 0 = x - 1; col 1: (x - 2) / 1 + 1 = x - 1
        QVERIFY(allClose((*bn)(x), Tensor::of({3, 2}, {0, 1, 2, 3, 4, 5})));
        // default epsilon 1e-3 and other values, formula per element
        auto bn2 = layers::BatchNormalization();
        bn2->build({Shape{kNone, 2}});
        bn2->setWeights({Tensor::of({2}, {2, 0.5f}), Tensor::of({2}, {0.1f, -0.2f}), Tensor::of({2}, {1, 2}),
                         Tensor::of({2}, {4, 0.25f})});
        Tensor y = (*bn2)(x);
        const float g[2] = {2, 0.5f}, b[2] = {0.1f, -0.2f}, m[2] = {1, 2}, v[2] = {4, 0.25f};
        for (int i = 0; i < 3; ++i)
            for (int c = 0; c < 2; ++c)
                QVERIFY(std::fabs(y.at({i, c}) - (g[c] * (x.at({i, c}) - m[c]) / std::sqrt(v[c] + 1e-3f) + b[c])) < 1e-5f);
        // inference leaves the moving statistics alone
        QCOMPARE(bn2->movingMean()->value[0], 1.0f);
        QCOMPARE(bn2->movingVariance()->value[1], 0.25f);
    }

    void bnTrainingByHand() {
        auto bn = layers::BatchNormalization({{"epsilon", 0.0}});
        Tensor x = Tensor::of({4, 1}, {1, 2, 3, 6});
        Tensor y = (*bn)(x, /*training=*/true);
        // batch mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5
        const float s = std::sqrt(3.5f);
        QVERIFY(allClose(y, Tensor::of({4, 1}, {-2 / s, -1 / s, 0, 3 / s})));
        // moving = moving * 0.99 + batch * 0.01
        QVERIFY(std::fabs(bn->movingMean()->value[0] - 0.03f) < 1e-7f);
        QVERIFY(std::fabs(bn->movingVariance()->value[0] - 1.025f) < 1e-6f);
        // a second step compounds
        (*bn)(x, true);
        QVERIFY(std::fabs(bn->movingMean()->value[0] - (0.03f * 0.99f + 0.03f)) < 1e-6f);
        QVERIFY(std::fabs(bn->movingVariance()->value[0] - (1.025f * 0.99f + 0.035f)) < 1e-6f);

        // momentum 0.9, two channels, gamma/beta applied with batch statistics
        auto bn2 = layers::BatchNormalization({{"momentum", 0.9}});
        bn2->build({Shape{kNone, 2}});
        bn2->setWeights({Tensor::of({2}, {2, 3}), Tensor::of({2}, {1, -1}), Tensor::of({2}, {0, 0}), Tensor::of({2}, {1, 1})});
        Tensor x2 = Tensor::of({2, 2}, {0, 10, 2, 20});
        Tensor y2 = (*bn2)(x2, true);
        // ch0: mean 1, var 1; ch1: mean 15, var 25
        const float r0 = 1 / std::sqrt(1 + 1e-3f), r1 = 1 / std::sqrt(25 + 1e-3f);
        QVERIFY(allClose(y2, Tensor::of({2, 2}, {2 * -1 * r0 + 1, 3 * -5 * r1 - 1, 2 * 1 * r0 + 1, 3 * 5 * r1 - 1})));
        QVERIFY(allClose(bn2->movingMean()->value, Tensor::of({2}, {0.1f, 1.5f})));
        QVERIFY(allClose(bn2->movingVariance()->value, Tensor::of({2}, {1.0f, 0.9f + 2.5f})));
        // inference afterwards uses the moving statistics
        Tensor yi = (*bn2)(x2, false);
        QVERIFY(std::fabs(yi.at({0, 0}) - (2 * (0 - 0.1f) / std::sqrt(1.0f + 1e-3f) + 1)) < 1e-5f);
    }

    void bnTrainingAxis1() {
        // (B, C, H, W) with axis 1: statistics over batch and both spatial dims
        auto bn = layers::BatchNormalization(1, {{"momentum", 0.5}});
        Tensor x = testing::randomTensor({2, 3, 2, 2}, 4, -2, 2);
        Tensor y = (*bn)(x, true);
        for (int64_t c = 0; c < 3; ++c) {
            double s = 0, sq = 0;
            for (int64_t b = 0; b < 2; ++b)
                for (int64_t h = 0; h < 2; ++h)
                    for (int64_t w = 0; w < 2; ++w) s += x.at({b, c, h, w});
            double mean = s / 8;
            for (int64_t b = 0; b < 2; ++b)
                for (int64_t h = 0; h < 2; ++h)
                    for (int64_t w = 0; w < 2; ++w) sq += std::pow(x.at({b, c, h, w}) - mean, 2);
            double var = sq / 8;
            for (int64_t b = 0; b < 2; ++b)
                for (int64_t h = 0; h < 2; ++h)
                    for (int64_t w = 0; w < 2; ++w)
                        QVERIFY(std::fabs(y.at({b, c, h, w}) - (x.at({b, c, h, w}) - mean) / std::sqrt(var + 1e-3)) < 1e-5);
            QVERIFY(std::fabs(bn->movingMean()->value[c] - 0.5 * mean) < 1e-6);
            QVERIFY(std::fabs(bn->movingVariance()->value[c] - (0.5 + 0.5 * var)) < 1e-6);
        }
    }

    void bnFrozenRunsInInference() {
        auto bn = layers::BatchNormalization();
        bn->build({Shape{kNone, 2}});
        bn->setWeights({Tensor::of({2}, {1, 1}), Tensor::of({2}, {0, 0}), Tensor::of({2}, {1, -1}), Tensor::of({2}, {4, 4})});
        bn->setTrainable(false);
        Tensor x = Tensor::of({2, 2}, {1, 2, 3, 4});
        Tensor y = (*bn)(x, /*training=*/true);
        const float r = 1 / std::sqrt(4 + 1e-3f);
        QVERIFY(allClose(y, Tensor::of({2, 2}, {0, 3 * r, 2 * r, 5 * r})));
        QCOMPARE(bn->movingMean()->value[0], 1.0f);  // no update
        QVERIFY(bn->trainableWeights().empty());
        QCOMPARE(int(bn->nonTrainableWeights().size()), 4);
    }

    void bnMaskedTraining() {
        // (2, 3, 2) with mask (2, 3): statistics over unmasked positions (Keras's masked moments)
        Tensor x = Tensor::of({2, 3, 2}, {1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60});
        Tensor mask = Tensor::of({2, 3}, {1, 0, 1, 1, 1, 0});
        auto bn = layers::BatchNormalization({{"momentum", 0.0}});
        CallContext ctx;
        ctx.training = true;
        ctx.masks = {&mask};
        Tensors outs;
        bn->call({&x}, outs, ctx);
        for (int c = 0; c < 2; ++c) {
            double s = 0, n = 0;
            for (int i = 0; i < 6; ++i)
                if (mask[i] != 0) {
                    s += x[i * 2 + c];
                    n += 1;
                }
            double mean = s / (n + 1e-7);
            double sq = 0;
            for (int i = 0; i < 6; ++i)
                if (mask[i] != 0) sq += std::pow(x[i * 2 + c] - mean, 2);
            double var = sq / (n + 1e-7);
            // momentum 0: the moving statistics are the batch statistics
            QVERIFY(std::fabs(bn->movingMean()->value[c] - mean) < 1e-4 * std::max(1.0, std::fabs(mean)));
            QVERIFY(std::fabs(bn->movingVariance()->value[c] - var) < 1e-4 * std::max(1.0, var));
            for (int i = 0; i < 6; ++i)  // every position (masked or not) is normalized
                QVERIFY(std::fabs(outs[0][i * 2 + c] - (x[i * 2 + c] - mean) / std::sqrt(var + 1e-3)) < 1e-4);
        }
        // the mask passes through
        QVERIFY(bn->computeMask({&x}, {&mask}).has_value());
        // a mask of the wrong rank
        Tensor bad({2, 3, 2}, 1.0f);
        CallContext ctx2;
        ctx2.training = true;
        ctx2.masks = {&bad};
        QVERIFY_THROWS_EXCEPTION(ShapeError, bn->call({&x}, outs, ctx2));
    }

    void bnErrors() {
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::BatchNormalization({{"momentum", 1.5}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::BatchNormalization({{"epsilon", -1.0}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::BatchNormalization({{"renorm", true}}));  // strict C++ API
        QVERIFY_THROWS_EXCEPTION(NotSupportedError, layers::BatchNormalization({{"axis", {1, 2}}}));
        auto bn = layers::BatchNormalization();
        try {
            bn->outputShapesFor({Shape{kNone, kNone}});
            QFAIL("expected ShapeError");
        } catch (const ShapeError& e) {
            std::string m = e.what();
            QVERIFY2(m.find("'" + bn->name() + "' (BatchNormalization)") != std::string::npos, m.c_str());
            QVERIFY2(m.find("input 0") != std::string::npos, m.c_str());
            QVERIFY2(m.find("(None, None)") != std::string::npos, m.c_str());
        }
        auto far = layers::BatchNormalization(3);
        QVERIFY_THROWS_EXCEPTION(ShapeError, far->outputShapesFor({Shape{kNone, 4}}));
        QCOMPARE(far->outputShapesFor({Shape{kNone, 2, 3, 4}})[0], (Shape{kNone, 2, 3, 4}));
        bn->build({Shape{kNone, 4}});
        QCOMPARE(bn->outputShapesFor({Shape{7, 4}})[0], (Shape{7, 4}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, bn->outputShapesFor({Shape{kNone, 5}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*bn)(Tensor({2, 5})));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*bn)(Tensor({2, 3, 4})));
    }

    void bnGradients_data() {
        QTest::addColumn<QString>("kwargs");
        QTest::addColumn<QString>("shape");
        QTest::addColumn<bool>("training");
        QTest::newRow("training axis -1") << R"({})" << "[6, 3]" << true;
        QTest::newRow("training axis -1 rank 4") << R"({})" << "[2, 3, 2, 4]" << true;
        QTest::newRow("training axis 1 (channels_first)") << R"({"axis": 1})" << "[2, 3, 2, 3]" << true;
        QTest::newRow("training axis 1 rank 3") << R"({"axis": 1})" << "[3, 4, 2]" << true;
        QTest::newRow("training no scale") << R"({"scale": false})" << "[5, 3]" << true;
        QTest::newRow("training no center") << R"({"center": false})" << "[5, 3]" << true;
        QTest::newRow("training bare") << R"({"center": false, "scale": false})" << "[5, 3]" << true;
        QTest::newRow("inference") << R"({})" << "[4, 3]" << false;
        QTest::newRow("inference axis 1") << R"({"axis": 1})" << "[2, 3, 4]" << false;
    }
    void bnGradients() {
        QFETCH(QString, kwargs);
        QFETCH(QString, shape);
        QFETCH(bool, training);
        auto bn = makeLayer<BatchNormalization>("BatchNormalization", Json::parse(kwargs.toStdString()));
        std::vector<int64_t> s = Json::parse(shape.toStdString()).get<std::vector<int64_t>>();
        Tensor x = testing::randomTensor(s, 13, -2, 2);
        std::vector<Shape> in{Shape(s)};
        in[0][0] = kNone;
        bn->build(in);
        // non-trivial parameters and moving statistics
        for (Variable* v : bn->weights()) {
            Rng r(v->value.size() + v->name.size());
            for (auto& e : v->value.values()) e = v->name == "moving_variance" ? r.uniform(0.5f, 2) : r.uniform(-1, 1.5f);
        }
        testing::GradCheckOptions opt;
        opt.training = training;
        opt.maxChecksPerTensor = 1000;
        STRATA_GRADCHECK(*bn, {x}, opt);
    }

    void bnFrozenGradients() {
        auto bn = layers::BatchNormalization();
        bn->build({Shape{kNone, 3}});
        bn->setWeights({Tensor::of({3}, {1, 2, -1}), Tensor::of({3}, {0, 1, 2}), Tensor::of({3}, {0.5f, 0, -1}),
                        Tensor::of({3}, {1, 2, 3})});
        bn->setTrainable(false);
        testing::GradCheckOptions opt;
        opt.training = true;  // still inference: affine gradient
        STRATA_GRADCHECK(*bn, {testing::randomTensor({4, 3}, 3)}, opt);
    }

    void bnMaskedGradients() {
        auto bn = layers::BatchNormalization();
        bn->build({Shape{kNone, 4, 3}});
        bn->setWeights({Tensor::of({3}, {1, 2, -1}), Tensor::of({3}, {0, 1, 2}), Tensor::of({3}, {0, 0, 0}),
                        Tensor::of({3}, {1, 1, 1})});
        Tensor x = testing::randomTensor({2, 4, 3}, 31, -2, 2);
        Tensor mask = Tensor::of({2, 4}, {1, 1, 0, 1, 0, 1, 1, 0});
        std::string r = maskedGradCheck(*bn, x, mask, true);
        QVERIFY2(r.empty(), r.c_str());
    }

    // ==== LayerNormalization =====================================================================

    void lnDefaultsAndRoundTrip() {
        auto ln = layers::LayerNormalization();
        QCOMPARE(QString::fromStdString(ln->name()), QString("layer_normalization"));
        Json c = ln->getConfig();
        QCOMPARE(c["axis"], Json(-1));
        QCOMPARE(c["epsilon"].get<double>(), 1e-3);
        QCOMPARE(c["center"], Json(true));
        QCOMPARE(c["scale"], Json(true));
        QCOMPARE(c["rms_scaling"], Json(false));
        QCOMPARE(c["beta_initializer"], Json("zeros"));
        QCOMPARE(c["gamma_initializer"], Json("ones"));
        for (const auto& p : LayerNormalization::spec().params) QVERIFY2(c.contains(p.name), p.name.c_str());
        QCOMPARE(LayerRegistry::instance().create("LayerNormalization", c, false)->getConfig(), c);
        // Keras's build turns the axis into a list
        ln->build({Shape{kNone, 5, 8}});
        QCOMPARE(ln->getConfig()["axis"], Json::array({-1}));
        Json built = ln->getConfig();
        auto rebuilt = LayerRegistry::instance().create("LayerNormalization", built, false);
        QCOMPARE(rebuilt->getConfig()["axis"], Json(-1));  // unbuilt: int form
        rebuilt->build({Shape{kNone, 5, 8}});
        QCOMPARE(rebuilt->getConfig(), built);
        // Keras 2 config
        Json k2 = Json::parse(R"({"name": "layer_norm", "trainable": true, "dtype": "float32", "axis": [2],
            "epsilon": 1e-6, "center": true, "scale": true,
            "beta_initializer": {"class_name": "Zeros", "config": {}}, "gamma_initializer": {"class_name": "Ones", "config": {}},
            "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null})");
        auto l2 = std::dynamic_pointer_cast<LayerNormalization>(LayerRegistry::instance().create("LayerNormalization", k2, false));
        QCOMPARE(l2->axes(), (std::vector<int64_t>{2}));
        QCOMPARE(l2->epsilon(), 1e-6f);
    }

    void lnWeightShapes() {
        auto ln = layers::LayerNormalization();
        ln->build({Shape{kNone, 5, 8}});
        QCOMPARE(weightNames(*ln), (std::vector<std::string>{"gamma", "beta"}));
        QCOMPARE(ln->gamma()->value.shape(), (std::vector<int64_t>{8}));
        QCOMPARE(ln->countParams(), int64_t(16));
        auto multi = layers::LayerNormalization({{"axis", {1, 2, 3}}});
        multi->build({Shape{kNone, 2, 3, 4}});
        QCOMPARE(multi->gamma()->value.shape(), (std::vector<int64_t>{2, 3, 4}));
        QCOMPARE(multi->countParams(), int64_t(48));
        auto rev = layers::LayerNormalization({{"axis", {2, 1}}});
        rev->build({Shape{kNone, 3, 4, 5}});
        QCOMPARE(rev->beta()->value.shape(), (std::vector<int64_t>{4, 3}));  // in the order given
        auto noCenter = layers::LayerNormalization({{"center", false}});
        noCenter->build({Shape{kNone, 8}});
        QCOMPARE(weightNames(*noCenter), (std::vector<std::string>{"gamma"}));
        auto rms = layers::LayerNormalization({{"rms_scaling", true}, {"scale", false}});
        rms->build({Shape{kNone, 8}});
        QCOMPARE(weightNames(*rms), (std::vector<std::string>{"gamma"}));  // rms_scaling: gamma only
        auto bare = layers::LayerNormalization({{"center", false}, {"scale", false}});
        bare->build({Shape{kNone, 8}});
        QCOMPARE(bare->countParams(), int64_t(0));
        auto one = layers::LayerNormalization(1);
        QCOMPARE(one->getConfig()["axis"], Json(1));
        one->build({Shape{kNone, 3, 4}});
        QCOMPARE(one->getConfig()["axis"], Json::array({1}));
        QCOMPARE(multi->getConfig()["axis"], Json::array({1, 2, 3}));
    }

    void lnForwardAgainstNaive_data() {
        QTest::addColumn<QString>("kwargs");
        QTest::addColumn<QString>("shape");
        QTest::newRow("axis -1") << R"({})" << "[3, 4, 5]";
        QTest::newRow("axis [1, 2] trailing") << R"({"axis": [1, 2]})" << "[3, 4, 5]";
        QTest::newRow("axis [-2, -1]") << R"({"axis": [-2, -1]})" << "[2, 3, 4, 5]";
        QTest::newRow("axis 1 of rank 3") << R"({"axis": 1})" << "[3, 4, 5]";
        QTest::newRow("axis [1, 2] of rank 4") << R"({"axis": [1, 2]})" << "[2, 3, 4, 5]";
        QTest::newRow("axis [2, 1] of rank 4") << R"({"axis": [2, 1]})" << "[2, 3, 4, 5]";
        QTest::newRow("axis [1, 3] of rank 4") << R"({"axis": [1, 3]})" << "[2, 3, 4, 5]";
        QTest::newRow("no center") << R"({"center": false, "epsilon": 0.1})" << "[3, 6]";
        QTest::newRow("no scale") << R"({"scale": false})" << "[3, 6]";
        QTest::newRow("rms_scaling") << R"({"rms_scaling": true})" << "[3, 6]";
        QTest::newRow("rms_scaling axis 1") << R"({"rms_scaling": true, "axis": 1})" << "[2, 3, 4]";
    }
    void lnForwardAgainstNaive() {
        QFETCH(QString, kwargs);
        QFETCH(QString, shape);
        Json kw = Json::parse(kwargs.toStdString());
        auto ln = makeLayer<LayerNormalization>("LayerNormalization", kw);
        std::vector<int64_t> s = Json::parse(shape.toStdString()).get<std::vector<int64_t>>();
        const int rank = int(s.size());
        Tensor x = testing::randomTensor(s, 7, -3, 3);
        std::vector<Shape> in{Shape(s)};
        in[0][0] = kNone;
        ln->build(in);
        for (Variable* v : ln->weights()) {
            Rng r(v->name.size());
            for (auto& e : v->value.values()) e = r.uniform(-2, 2);
        }
        Tensor y = (*ln)(x);
        // naive: for every element, find the group (kept coordinates) and the param index
        // (normalized coordinates, sorted axes, row-major)
        std::vector<bool> norm(rank, false);
        for (int64_t a : ln->axes()) norm[a < 0 ? a + rank : a] = true;
        const bool rms = kw.value("rms_scaling", false);
        const float eps = ln->epsilon();
        std::map<int64_t, std::vector<int64_t>> groups;  // group key -> flat indices
        std::vector<int64_t> paramIndex(x.size());
        for (int64_t e = 0; e < x.size(); ++e) {
            int64_t rem = e, key = 0, p = 0, kmul = 1, pmul = 1;
            for (int d = rank - 1; d >= 0; --d) {
                int64_t coord = rem % s[d];
                rem /= s[d];
                if (norm[d]) {
                    p += coord * pmul;
                    pmul *= s[d];
                } else {
                    key += coord * kmul;
                    kmul *= s[d];
                }
            }
            groups[key].push_back(e);
            paramIndex[e] = p;
        }
        Tensor ref(s);
        for (const auto& [key, idx] : groups) {
            double mean = 0, var = 0;
            for (int64_t e : idx) mean += x[e];
            mean /= idx.size();
            for (int64_t e : idx) var += (x[e] - mean) * (x[e] - mean);
            var /= idx.size();
            for (int64_t e : idx) {
                double g = ln->gamma() ? ln->gamma()->value[paramIndex[e]] : 1.0;
                double b = ln->beta() ? ln->beta()->value[paramIndex[e]] : 0.0;
                ref[e] = rms ? float(x[e] / std::sqrt(var + eps) * g) : float((x[e] - mean) / std::sqrt(var + eps) * g + b);
            }
        }
        QVERIFY2(allClose(y, ref, 1e-4f, 1e-5f), ("max diff " + std::to_string(maxAbsDiff(y, ref))).c_str());
        // same in training mode
        QVERIFY(allClose((*ln)(x, true), ref, 1e-4f, 1e-5f));
    }

    void lnByHand() {
        auto ln = layers::LayerNormalization({{"epsilon", 0.0}});
        Tensor x = Tensor::of({2, 2}, {1, 3, -2, 2});
        // rows: mean 2, var 1 -> [-1, 1]; mean 0, var 4 -> [-1, 1]
        QVERIFY(allClose((*ln)(x), Tensor::of({2, 2}, {-1, 1, -1, 1})));
        ln->setWeights({Tensor::of({2}, {2, 3}), Tensor::of({2}, {0.5f, -0.5f})});
        QVERIFY(allClose((*ln)(x), Tensor::of({2, 2}, {-1.5f, 2.5f, -1.5f, 2.5f})));
        // masks pass through unchanged
        Tensor mask = Tensor::of({2}, {1, 0});
        auto m = ln->computeMask({&x}, {&mask});
        QVERIFY(m.has_value() && allClose(*m, mask));
    }

    void lnErrors() {
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::LayerNormalization({{"axis", "last"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::LayerNormalization({{"epsilon", "small"}}));
        auto ln = layers::LayerNormalization(3);
        try {
            ln->outputShapesFor({Shape{kNone, 4}});
            QFAIL("expected ShapeError");
        } catch (const ShapeError& e) {
            std::string m = e.what();
            QVERIFY2(m.find("'" + ln->name() + "' (LayerNormalization)") != std::string::npos, m.c_str());
            QVERIFY2(m.find("out of bounds") != std::string::npos, m.c_str());
        }
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::LayerNormalization()->outputShapesFor({Shape{kNone, kNone}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError,
                                 layers::LayerNormalization({{"axis", {1, -2}}})->outputShapesFor({Shape{kNone, 3, 4}}));
        auto l = layers::LayerNormalization();
        l->build({Shape{kNone, 4}});
        QCOMPARE(l->outputShapesFor({Shape{3, 4}})[0], (Shape{3, 4}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, l->outputShapesFor({Shape{kNone, 5}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*l)(Tensor({2, 5})));
    }

    void lnGradients_data() {
        QTest::addColumn<QString>("kwargs");
        QTest::addColumn<QString>("shape");
        QTest::newRow("axis -1") << R"({})" << "[3, 5]";
        QTest::newRow("axis -1 rank 3") << R"({})" << "[2, 3, 4]";
        QTest::newRow("axis [1, 2]") << R"({"axis": [1, 2]})" << "[2, 3, 4]";
        QTest::newRow("axis 1 of rank 3") << R"({"axis": 1})" << "[2, 3, 4]";
        QTest::newRow("axis [2, 1] of rank 4") << R"({"axis": [2, 1]})" << "[2, 3, 2, 2]";
        QTest::newRow("no center") << R"({"center": false})" << "[3, 5]";
        QTest::newRow("bare") << R"({"center": false, "scale": false})" << "[3, 5]";
        QTest::newRow("rms_scaling") << R"({"rms_scaling": true})" << "[3, 5]";
        QTest::newRow("rms_scaling axis 1") << R"({"rms_scaling": true, "axis": 1})" << "[2, 3, 4]";
    }
    void lnGradients() {
        QFETCH(QString, kwargs);
        QFETCH(QString, shape);
        auto ln = makeLayer<LayerNormalization>("LayerNormalization", Json::parse(kwargs.toStdString()));
        std::vector<int64_t> s = Json::parse(shape.toStdString()).get<std::vector<int64_t>>();
        std::vector<Shape> in{Shape(s)};
        in[0][0] = kNone;
        ln->build(in);
        for (Variable* v : ln->weights()) {
            Rng r(v->name.size() + 3);
            for (auto& e : v->value.values()) e = r.uniform(-1.5f, 1.5f);
        }
        testing::GradCheckOptions opt;
        opt.maxChecksPerTensor = 1000;
        STRATA_GRADCHECK(*ln, {testing::randomTensor(s, 21, -2, 2)}, opt);
    }
};

QTEST_APPLESS_MAIN(TestNormalizationLayers)
#include "test_normalization_layers.moc"
