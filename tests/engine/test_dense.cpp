// Dense: shapes, Keras weight layout and defaults, forward values by hand, gradients.
#include <QtTest/QtTest>

#include "engine/core/errors.h"
#include "engine/layers/core/dense.h"
#include "tests/support/gradcheck.h"

using namespace strata;

class TestDense : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    void autoNamesAndWeightLayout() {
        auto d = layers::Dense(4);
        auto d1 = layers::Dense(2);
        QCOMPARE(QString::fromStdString(d->name()), QString("dense"));
        QCOMPARE(QString::fromStdString(d1->name()), QString("dense_1"));
        d->build({Shape{kNone, 3}});
        auto w = d->weights();
        QCOMPARE(int(w.size()), 2);
        QCOMPARE(w[0]->value.shape(), (std::vector<int64_t>{3, 4}));
        QCOMPARE(w[1]->value.shape(), (std::vector<int64_t>{4}));
        QCOMPARE(QString::fromStdString(w[0]->path()), QString("dense/kernel"));
        QCOMPARE(d->countParams(), int64_t(16));
        for (float b : w[1]->value.values()) QCOMPARE(b, 0.0f);
        // glorot_uniform: |w| <= sqrt(6 / (3 + 4))
        for (float k : w[0]->value.values()) QVERIFY(std::fabs(k) <= std::sqrt(6.0f / 7.0f));
    }

    void forwardByHand() {
        auto d = layers::Dense(2, {{"activation", "relu"}});
        Tensor x = Tensor::of({2, 3}, {1, 2, 3, -1, -2, -3});
        d->build({Shape{kNone, 3}});
        d->setWeights({Tensor::of({3, 2}, {1, 0, 0, 1, 1, -1}), Tensor::of({2}, {0.5f, 0})});
        Tensor y = (*d)(x);
        // row0: [1+3+0.5, 2-3] = [4.5, -1] -> relu [4.5, 0]; row1: [-4+0.5, 1] -> [0, 1]
        QVERIFY(allClose(y, Tensor::of({2, 2}, {4.5f, 0, 0, 1})));
    }

    void appliesToLastAxis() {
        auto d = layers::Dense(5);
        auto out = d->outputShapesFor({Shape{kNone, 7, 3}});
        QCOMPARE(out[0], (Shape{kNone, 7, 5}));
        Tensor y = (*d)(testing::randomTensor({2, 7, 3}));
        QCOMPARE(y.shape(), (std::vector<int64_t>{2, 7, 5}));
    }

    void badConfigAndShapes() {
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Dense(0));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Dense(3, {{"activaton", "relu"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Dense(3, {{"activation", "nope"}}));
        auto d = layers::Dense(3);
        try {
            d->outputShapesFor({Shape{kNone, kNone}});
            QFAIL("expected ShapeError");
        } catch (const ShapeError& e) {
            QVERIFY(std::string(e.what()).find("'dense'") != std::string::npos);
        }
    }

    void gradients_data() {
        QTest::addColumn<QString>("activation");
        QTest::addColumn<bool>("useBias");
        for (const char* a : {"linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "gelu", "swish",
                              "softplus", "softsign", "exponential", "hard_sigmoid"}) {
            QTest::newRow(a) << QString(a) << true;
        }
        QTest::newRow("no bias") << QString("tanh") << false;
    }
    void gradients() {
        QFETCH(QString, activation);
        QFETCH(bool, useBias);
        auto d = layers::Dense(3, {{"activation", activation.toStdString()}, {"use_bias", useBias}});
        STRATA_GRADCHECK(*d, {testing::randomTensor({4, 5}, 3, -0.8f, 0.8f)});
    }

    void skipsTheInputGradientNobodyReads() {
        // A model's first Dense gets inputGradsUnneeded from Model::backward: it must still give
        // the same weight gradients, and must not spend the dX GEMM.
        auto d = layers::Dense(4, {{"activation", "relu"}});
        const Tensor x = testing::randomTensor({6, 5}, 11, -1.0f, 1.0f);
        const Tensor g = testing::randomTensor({6, 4}, 12, -1.0f, 1.0f);
        auto gradsWith = [&](uint64_t unneeded, Tensors& inGrads) {
            CallContext ctx;
            ctx.recordForBackward = true;
            Tensors outs;
            d->call({&x}, outs, ctx);
            for (Variable* w : d->trainableWeights()) w->grad.resize(w->value.shape(), 0.0f);
            ctx.inputGradsUnneeded = unneeded;
            d->backward({&x}, outs, {&g}, inGrads, ctx);
            std::vector<std::vector<float>> out;
            for (Variable* w : d->trainableWeights()) out.push_back(w->grad.values());
            return out;
        };
        Tensors all, skipped;
        const auto full = gradsWith(0, all);
        const auto lean = gradsWith(1, skipped);
        QCOMPARE(all[0].size(), int64_t(30));
        QCOMPARE(skipped[0].size(), int64_t(0));
        QVERIFY(full == lean);
    }
};

QTEST_APPLESS_MAIN(TestDense)
#include "test_dense.moc"
