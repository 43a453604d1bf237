// Core layers besides Dense: Activation, Embedding, Masking. Shapes, Keras configs and weight layout,
// forward values by hand, masks, gradients.
#include <QtTest/QtTest>

#include <cmath>

#include "engine/core/errors.h"
#include "engine/layers/core/activation.h"
#include "engine/layers/core/embedding.h"
#include "engine/layers/core/masking.h"
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
#define CHECK_ROUND_TRIP(layer)                              \
    do {                                                     \
        std::string _e = roundTripError(layer);              \
        QVERIFY2(_e.empty(), _e.c_str());                    \
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

Tensor ids(std::vector<int64_t> shape, std::initializer_list<float> v, DType dt = DType::Int32) {
    Tensor t = Tensor::of(std::move(shape), v);
    t.setDType(dt);
    return t;
}

/// Values pushed at least `margin` away from each kink, so finite differences stay on one side.
Tensor awayFrom(Tensor t, std::vector<float> kinks, float margin = 0.05f) {
    for (auto& v : t.values())
        for (float k : kinks)
            if (std::fabs(v - k) < margin) v = v >= k ? k + margin : k - margin;
    return t;
}

}  // namespace

class TestCoreLayers : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    // ---- Activation ---------------------------------------------------------------------------

    void activationConfig() {
        auto a = layers::Activation("relu");
        QCOMPARE(QString::fromStdString(a->name()), QString("activation"));
        Json cfg = a->getConfig();
        QCOMPARE(cfg["activation"], Json("relu"));
        QCOMPARE(cfg["trainable"], Json(true));
        QCOMPARE(cfg["dtype"], Json("float32"));
        CHECK_ROUND_TRIP(*a);
        QVERIFY_THROWS_EXCEPTION(ConfigError, makeLayer("Activation"));  // activation is required
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Activation("nope"));
        // Keras 3 serialized function form.
        auto k3 = LayerRegistry::instance().create(
            "Activation", {{"name", "act"}, {"activation", {{"module", "keras.activations"}, {"class_name", "function"},
                                                            {"config", "tanh"}, {"registered_name", "function"}}}},
            false);
        QCOMPARE(k3->getConfig()["activation"], Json("tanh"));
        QCOMPARE(a->countParams(), int64_t(0));
    }

    void activationShapesAndValues() {
        auto a = layers::Activation("relu");
        QCOMPARE(a->outputShapesFor({Shape{kNone, kNone, 3}})[0], (Shape{kNone, kNone, 3}));
        Tensor y = (*a)(Tensor::of({2, 2}, {-1, 2, 3, -4}));
        QVERIFY(allClose(y, Tensor::of({2, 2}, {0, 2, 3, 0})));

        auto t = layers::Activation("tanh");
        Tensor x = testing::randomTensor({2, 3, 4}, 5, -2, 2);
        Tensor yt = (*t)(x);
        for (int64_t i = 0; i < x.size(); ++i) QVERIFY(std::fabs(yt[i] - std::tanh(x[i])) < 1e-6f);

        // softmax acts on the last axis.
        auto s = layers::Activation("softmax");
        Tensor ys = (*s)(x);
        for (int64_t r = 0; r < 6; ++r) {
            double sum = 0;
            for (int j = 0; j < 4; ++j) sum += std::exp(double(x[r * 4 + j]));
            for (int j = 0; j < 4; ++j) QVERIFY(std::fabs(ys[r * 4 + j] - std::exp(double(x[r * 4 + j])) / sum) < 1e-6);
        }
        // Int32 input produces float32 output.
        Tensor xi = ids({1, 3}, {1, 2, 3});
        QCOMPARE(int((*a)(xi).dtype()), int(DType::Float32));
    }

    void activationMaskPassThrough() {
        auto a = layers::Activation("relu");
        QVERIFY(a->supportsMasking());
        Tensor x = Tensor::of({1, 2, 2}, {1, 2, 3, 4});
        Tensor m = Tensor::of({1, 2}, {1, 0});
        auto out = a->computeMask({&x}, {&m});
        QVERIFY(out.has_value());
        QVERIFY(allClose(*out, m));
    }

    void activationGradients_data() {
        QTest::addColumn<QString>("activation");
        for (const char* n : {"linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "gelu", "swish", "softplus",
                              "softsign", "log_softmax", "mish", "relu6"})
            QTest::newRow(n) << QString(n);
    }
    void activationGradients() {
        QFETCH(QString, activation);
        auto a = layers::Activation(activation.toStdString());
        STRATA_GRADCHECK(*a, {awayFrom(testing::randomTensor({2, 3, 4}, 11, -2, 2), {0.0f})});
    }

    // ---- Embedding ----------------------------------------------------------------------------

    void embeddingConfigAndWeights() {
        auto e = layers::Embedding(10, 4);
        QCOMPARE(QString::fromStdString(e->name()), QString("embedding"));
        Json cfg = e->getConfig();
        QCOMPARE(cfg["input_dim"], Json(10));
        QCOMPARE(cfg["output_dim"], Json(4));
        QCOMPARE(cfg["embeddings_initializer"], Json("uniform"));
        QVERIFY(cfg["embeddings_regularizer"].is_null());
        QVERIFY(cfg["activity_regularizer"].is_null());
        QVERIFY(cfg["embeddings_constraint"].is_null());
        QCOMPARE(cfg["mask_zero"], Json(false));
        CHECK_ROUND_TRIP(*e);

        e->build({Shape{kNone, 7}});
        auto w = e->weights();
        QCOMPARE(int(w.size()), 1);
        QCOMPARE(w[0]->value.shape(), (std::vector<int64_t>{10, 4}));
        QCOMPARE(QString::fromStdString(w[0]->path()), QString("embedding/embeddings"));
        QCOMPARE(e->countParams(), int64_t(40));
        bool nonZero = false;
        for (float v : w[0]->value.values()) {
            QVERIFY(v >= -0.05f && v <= 0.05f);  // "uniform" = RandomUniform(-0.05, 0.05)
            nonZero |= v != 0.0f;
        }
        QVERIFY(nonZero);

        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Embedding(0, 4));
        QVERIFY_THROWS_EXCEPTION(ConfigError, makeLayer("Embedding", {{"input_dim", 3}}));
    }

    void embeddingKeras2Config() {
        Json k2 = {{"name", "emb"}, {"trainable", true}, {"batch_input_shape", {nullptr, 5}}, {"dtype", "float32"},
                   {"input_dim", 100}, {"output_dim", 8},
                   {"embeddings_initializer", {{"class_name", "RandomUniform"},
                                               {"config", {{"minval", -0.05}, {"maxval", 0.05}, {"seed", nullptr}}}}},
                   {"embeddings_regularizer", nullptr}, {"activity_regularizer", nullptr},
                   {"embeddings_constraint", nullptr}, {"mask_zero", true}, {"input_length", 5}};
        auto e = std::dynamic_pointer_cast<Embedding>(LayerRegistry::instance().create("Embedding", k2, false));
        QVERIFY(e);
        QVERIFY(e->maskZero());
        QVERIFY(!e->getConfig().contains("input_length"));  // Keras 3 drops it
        e->build({Shape{kNone, 5}});
        QCOMPARE(e->countParams(), int64_t(800));
        // Accepted by the strict C++ API as well.
        auto s = makeLayer("Embedding", {{"input_dim", 3}, {"output_dim", 2}, {"input_length", 4}});
        QVERIFY(!s->getConfig().contains("input_length"));
    }

    void embeddingShapes() {
        auto e = layers::Embedding(10, 4);
        QCOMPARE(e->outputShapesFor({Shape{kNone, 7}})[0], (Shape{kNone, 7, 4}));
        QCOMPARE(e->outputShapesFor({Shape{kNone, kNone}})[0], (Shape{kNone, kNone, 4}));
        QCOMPARE(e->outputShapesFor({Shape{kNone}})[0], (Shape{kNone, 4}));
        QCOMPARE(e->outputShapesFor({Shape{kNone, 2, 3}})[0], (Shape{kNone, 2, 3, 4}));
        std::string err = shapeErrorOf([&] { e->outputShapesFor({Shape{}}); });
        QVERIFY2(err.find("'embedding'") != std::string::npos, err.c_str());
        QVERIFY_THROWS_EXCEPTION(ShapeError, e->outputShapesFor({Shape{kNone, 2}, Shape{kNone, 2}}));
    }

    void embeddingForward() {
        auto e = layers::Embedding(5, 3);
        e->build({Shape{kNone, 2}});
        Tensor table({5, 3});
        for (int64_t i = 0; i < 15; ++i) table[i] = 0.1f * float(i) - 0.7f;
        e->setWeights({table});
        for (DType dt : {DType::Int32, DType::Float32}) {
            Tensor x = ids({2, 2}, {4, 0, 2, 2}, dt);
            Tensor y = (*e)(x);
            QCOMPARE(y.shape(), (std::vector<int64_t>{2, 2, 3}));
            QCOMPARE(int(y.dtype()), int(DType::Float32));
            for (int64_t p = 0; p < 4; ++p)
                for (int64_t j = 0; j < 3; ++j) QCOMPARE(y[p * 3 + j], table[int64_t(x[p]) * 3 + j]);
        }
        QCOMPARE(int(e->computeOutputDType({DType::Int32})[0]), int(DType::Float32));
    }

    void embeddingBadIds() {
        auto e = layers::Embedding(5, 3);
        auto expectError = [&](float bad, const char* text) {
            Tensor x = ids({1, 3}, {1, bad, 2}, DType::Float32);
            try {
                (*e)(x);
                QFAIL("expected ValueError");
            } catch (const ValueError& err) {
                std::string m = err.what();
                QVERIFY2(m.find("'embedding'") != std::string::npos, m.c_str());
                QVERIFY2(m.find(text) != std::string::npos, m.c_str());
            }
        };
        expectError(5, "id 5");
        expectError(-1, "id -1");
        expectError(1.5f, "1.5");
        expectError(NAN, "not an integer");
    }

    void embeddingMask() {
        auto plain = layers::Embedding(5, 2);
        Tensor x = ids({2, 3}, {1, 0, 3, 0, 0, 2});
        QVERIFY(!plain->supportsMasking());
        QVERIFY(!plain->computeMask({&x}, {nullptr}).has_value());

        auto e = layers::Embedding(5, 2, {{"mask_zero", true}});
        QVERIFY(e->supportsMasking());
        auto m = e->computeMask({&x}, {nullptr});
        QVERIFY(m.has_value());
        QVERIFY(allClose(*m, Tensor::of({2, 3}, {1, 0, 1, 0, 0, 1})));
    }

    void embeddingBackwardScatterAdds() {
        auto e = layers::Embedding(4, 2);
        Tensor x = ids({1, 3}, {1, 3, 1});
        CallContext ctx;
        ctx.recordForBackward = true;
        Tensors outs;
        e->call({&x}, outs, ctx);
        for (Variable* w : e->trainableWeights()) w->grad.resize(w->value.shape(), 0.0f);
        Tensor g = Tensor::of({1, 3, 2}, {1, 2, 3, 4, 5, 6});
        Tensors inGrads;
        e->backward({&x}, outs, {&g}, inGrads, ctx);
        QCOMPARE(int(inGrads.size()), 1);
        QCOMPARE(inGrads[0].shape(), x.shape());
        for (float v : inGrads[0].values()) QCOMPARE(v, 0.0f);
        // Row 1 gets positions 0 and 2, row 3 gets position 1.
        QVERIFY(allClose(e->embeddings()->grad, Tensor::of({4, 2}, {0, 0, 6, 8, 0, 0, 3, 4})));

        // Not trainable: no weight gradient.
        e->setTrainable(false);
        e->embeddings()->grad.fill(0.0f);
        e->backward({&x}, outs, {&g}, inGrads, ctx);
        for (float v : e->embeddings()->grad.values()) QCOMPARE(v, 0.0f);
    }

    void embeddingGradients() {
        auto e = layers::Embedding(6, 3);
        STRATA_GRADCHECK(*e, {ids({2, 4}, {0, 5, 2, 2, 1, 3, 5, 4})});
        auto e3 = layers::Embedding(4, 2, {{"mask_zero", true}});
        STRATA_GRADCHECK(*e3, {ids({2, 2, 2}, {0, 1, 2, 3, 3, 2, 1, 0})});
    }

    // ---- Masking ------------------------------------------------------------------------------

    void maskingConfig() {
        auto m = layers::Masking();
        QCOMPARE(QString::fromStdString(m->name()), QString("masking"));
        QCOMPARE(m->getConfig()["mask_value"], Json(0.0));
        CHECK_ROUND_TRIP(*m);
        auto m2 = layers::Masking(-1.0);
        QCOMPARE(m2->getConfig()["mask_value"], Json(-1.0));
        CHECK_ROUND_TRIP(*m2);
        QCOMPARE(m->countParams(), int64_t(0));
        QCOMPARE(m->outputShapesFor({Shape{kNone, kNone, 3}})[0], (Shape{kNone, kNone, 3}));
        std::string err = shapeErrorOf([&] { m->outputShapesFor({Shape{kNone}}); });
        QVERIFY2(err.find("'masking'") != std::string::npos, err.c_str());
        Tensor bad = Tensor::of({3}, {1, 2, 3});
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*m)(bad));
    }

    void maskingValuesAndMask_data() {
        QTest::addColumn<float>("maskValue");
        QTest::newRow("zero") << 0.0f;
        QTest::newRow("minus one") << -1.0f;
    }
    void maskingValuesAndMask() {
        QFETCH(float, maskValue);
        auto m = layers::Masking(maskValue);
        const float v = maskValue;
        // (2, 3, 2): sample 0 step 1 fully masked, sample 1 step 0 partly equal (kept), step 2 masked.
        Tensor x = Tensor::of({2, 3, 2}, {1, 2, v, v, 3, 4, v, 5, 6, 7, v, v});
        Tensor y = (*m)(x);
        Tensor mask = *m->computeMask({&x}, {nullptr});
        QCOMPARE(mask.shape(), (std::vector<int64_t>{2, 3}));
        for (int64_t r = 0; r < 6; ++r) {
            bool keep = x[2 * r] != v || x[2 * r + 1] != v;
            QCOMPARE(mask[r], keep ? 1.0f : 0.0f);
            for (int j = 0; j < 2; ++j) QCOMPARE(y[2 * r + j], keep ? x[2 * r + j] : 0.0f);
        }
        QVERIFY(allClose(mask, Tensor::of({2, 3}, {1, 0, 1, 1, 1, 0})));

        // Backward: masked rows get no gradient, kept rows pass it through.
        CallContext ctx;
        ctx.recordForBackward = true;
        Tensors outs, grads;
        m->call({&x}, outs, ctx);
        Tensor g = testing::randomTensor({2, 3, 2}, 3);
        m->backward({&x}, outs, {&g}, grads, ctx);
        for (int64_t r = 0; r < 6; ++r)
            for (int j = 0; j < 2; ++j) QCOMPARE(grads[0][2 * r + j], mask[r] * g[2 * r + j]);
    }

    void maskingGradients() {
        auto m0 = layers::Masking();
        STRATA_GRADCHECK(*m0, {testing::randomTensor({2, 4, 3}, 8)});
        auto m1 = layers::Masking(0.5);
        STRATA_GRADCHECK(*m1, {awayFrom(testing::randomTensor({3, 5}, 9), {0.5f})});
    }
};

QTEST_APPLESS_MAIN(TestCoreLayers)
#include "test_core_layers.moc"
