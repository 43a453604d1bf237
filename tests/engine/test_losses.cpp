// Losses: values against hand-computed numbers (Keras's docstring examples where they exist),
// reductions, sample weights, label smoothing, from_logits, ignore_class, and every gradient
// against central finite differences of the loss value.
#include <QtTest/QtTest>

#include <cmath>

#include "engine/core/errors.h"
#include "engine/training/losses.h"
#include "tests/support/gradcheck.h"

using namespace strata;

namespace {

/// Max relative error between the analytic gradient of `loss` and central differences.
std::string lossGradCheck(Loss& loss, const Tensor& yTrue, Tensor yPred, double eps = 1e-3, double tol = 2e-2) {
    Tensor g;
    loss.compute(yTrue, yPred, &g);
    if (g.shape() != yPred.shape()) return "gradient shape " + g.shapeString();
    for (int64_t i = 0; i < yPred.size(); ++i) {
        float saved = yPred[i];
        yPred[i] = float(saved + eps);
        double lp = loss.compute(yTrue, yPred);
        yPred[i] = float(saved - eps);
        double lm = loss.compute(yTrue, yPred);
        yPred[i] = saved;
        double numeric = (lp - lm) / (2 * eps);
        if (std::fabs(numeric - g[i]) > tol * std::max(1.0, std::fabs(numeric)))
            return loss.name() + " [" + std::to_string(i) + "]: analytic " + std::to_string(g[i]) + " vs numeric " +
                   std::to_string(numeric);
    }
    return {};
}

#define LOSS_GRADCHECK(loss, yt, yp)                           \
    do {                                                       \
        std::string _r = lossGradCheck(loss, yt, yp);          \
        QVERIFY2(_r.empty(), _r.c_str());                      \
    } while (0)

}  // namespace

class TestLosses : public QObject {
    Q_OBJECT
private slots:
    void meanSquaredAbsolutePercentage() {
        Tensor yt = Tensor::of({2, 2}, {1, 2, 3, -1});
        Tensor yp = Tensor::of({2, 2}, {1.5f, 1, 2, 0});
        MeanSquaredError mse;
        MeanAbsoluteError mae;
        MeanAbsolutePercentageError mape;
        // ((.5)^2 + 1 + 1 + 1) / 4
        QCOMPARE(mse(yt, yp), 0.8125f);
        QCOMPARE(mae(yt, yp), 0.875f);
        // 100/4 * (0.5/1 + 1/2 + 1/3 + 1/1)
        QVERIFY(std::fabs(mape(yt, yp) - 58.333333f) < 1e-3f);
        QCOMPARE(QString::fromStdString(mse.name()), QString("mean_squared_error"));
        // Per-row values (Keras reduction=None): row means.
        Tensor v = mse.values(yt, yp);
        QVERIFY(allClose(v, Tensor::of({2}, {0.625f, 1.0f})));
        LOSS_GRADCHECK(mse, yt, yp);
        LOSS_GRADCHECK(mae, yt, Tensor::of({2, 2}, {1.5f, 1, 2, 0.5f}));
        LOSS_GRADCHECK(mape, yt, yp);
        MeanSquaredLogarithmicError msle;
        QVERIFY(std::fabs(msle(Tensor::of({2, 2}, {1, 2, 0, 3}), Tensor::of({2, 2}, {0.5f, 2.5f, 1, 2})) - 0.1674343f) < 1e-5f);
        LOSS_GRADCHECK(msle, Tensor::of({2, 2}, {1, 2, 0, 3}), Tensor::of({2, 2}, {0.5f, 2.5f, 1, 2}));
    }

    void reductionsAndSampleWeights() {
        Tensor yt = Tensor::of({2, 2}, {1, 2, 3, -1});
        Tensor yp = Tensor::of({2, 2}, {1.5f, 1, 2, 0});
        MeanSquaredError sum(Reduction::Sum);
        QCOMPARE(sum(yt, yp), 1.625f);
        MeanSquaredError mse;
        Tensor sw = Tensor::of({2}, {1, 3});
        // (0.625 * 1 + 1.0 * 3) / 2 rows
        QCOMPARE(mse.compute(yt, yp, nullptr, &sw), 1.8125f);
        MeanSquaredError weighted(Reduction::MeanWithSampleWeight);
        // (0.625 + 3) / (1 + 3)
        QCOMPARE(weighted.compute(yt, yp, nullptr, &sw), 0.90625f);
        Tensor g;
        mse.compute(yt, yp, &g, &sw);
        // d/dyp of w_r * mean_c (yp-yt)^2 / rows = w_r * 2 (yp-yt) / (cols * rows)
        QVERIFY(allClose(g, Tensor::of({2, 2}, {0.25f, -0.5f, -1.5f, 1.5f})));
        MeanSquaredError none(Reduction::None);
        QVERIFY_THROWS_EXCEPTION(ValueError, none(yt, yp));
        // Targets without the trailing 1 (Keras squeezes/expands ranks).
        QCOMPARE(mse(Tensor::of({2}, {1, 2}), Tensor::of({2, 1}, {2, 2})), 0.5f);
        // Shape mismatch names the loss.
        try {
            mse(Tensor::of({3}, {1, 2, 3}), yp);
            QFAIL("expected ShapeError");
        } catch (const ShapeError& e) {
            QVERIFY(std::string(e.what()).find("mean_squared_error") != std::string::npos);
        }
    }

    void huberAndLogCosh() {
        Huber h;
        Tensor yt = Tensor::of({2, 2}, {0, 1, 0, 0});
        Tensor yp = Tensor::of({2, 2}, {0.6f, 0.4f, 0.4f, 0.6f});
        QVERIFY(std::fabs(h(yt, yp) - 0.155f) < 1e-6f);  // Keras docstring
        Huber h15(1.5);
        // errors 0.5, -3, 0, 2: 0.125 + (4.5 - 1.125) + 0 + (3 - 1.125), / 4
        QCOMPARE(h15(Tensor::of({2, 2}, {0, 3, 0, -2}), Tensor::of({2, 2}, {0.5f, 0, 0, 0})), 1.34375f);
        QCOMPARE(QString::fromStdString(h.name()), QString("huber_loss"));
        QCOMPARE(h15.getConfig()["delta"].get<double>(), 1.5);
        LOSS_GRADCHECK(h15, Tensor::of({2, 2}, {0, 3, 0, -2}), Tensor::of({2, 2}, {0.5f, 0.2f, 0.1f, 0.3f}));
        LogCosh lc;
        QVERIFY(std::fabs(lc(Tensor::of({2, 2}, {0, 1, 0, 0}), Tensor::of({2, 2}, {1, 1, 0, 0})) - 0.1084452f) < 1e-6f);
        LOSS_GRADCHECK(lc, yt, yp);
        // Large errors stay finite (softplus form).
        QVERIFY(std::isfinite(lc(Tensor::of({1, 1}, {0}), Tensor::of({1, 1}, {200}))));
    }

    void binaryCrossentropy() {
        BinaryCrossentropy bce;
        Tensor yt = Tensor::of({2, 2}, {0, 1, 0, 0});
        Tensor yp = Tensor::of({2, 2}, {0.6f, 0.4f, 0.4f, 0.6f});
        QVERIFY(std::fabs(bce(yt, yp) - 0.8149245f) < 1e-5f);                        // Keras: [0.916, 0.714]
        QVERIFY(allClose(bce.values(yt, yp), Tensor::of({2}, {0.9162907f, 0.7135582f}), 1e-5f));
        BinaryCrossentropy smooth(false, 0.2);
        QVERIFY(std::fabs(smooth(yt, yp) - 0.7946512f) < 1e-5f);
        BinaryCrossentropy logits(true);
        QVERIFY(std::fabs(logits(yt, Tensor::of({2, 2}, {1.5f, -0.5f, 0, 2})) - 1.3738914f) < 1e-5f);
        // Probabilities are clipped to [1e-7, 1 - 1e-7]: log(1e-7) for a confident mistake.
        QVERIFY(std::fabs(bce(Tensor::of({1, 1}, {1}), Tensor::of({1, 1}, {0})) - 16.118095f) < 1e-3f);
        LOSS_GRADCHECK(bce, yt, yp);
        LOSS_GRADCHECK(smooth, yt, yp);
        LOSS_GRADCHECK(logits, yt, Tensor::of({2, 2}, {1.5f, -0.5f, 0, 2}));
        QCOMPARE(bce.getConfig()["from_logits"].get<bool>(), false);
        QCOMPARE(bce.getConfig()["label_smoothing"].get<double>(), 0.0);
        QCOMPARE(QString::fromStdString(bce.getConfig()["reduction"].get<std::string>()), QString("sum_over_batch_size"));
    }

    void categoricalCrossentropy() {
        CategoricalCrossentropy cce;
        Tensor yt = Tensor::of({2, 3}, {0, 1, 0, 0, 0, 1});
        Tensor yp = Tensor::of({2, 3}, {0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f});
        QVERIFY(std::fabs(cce(yt, yp) - 1.1769392f) < 1e-5f);  // Keras docstring
        CategoricalCrossentropy smooth(false, 0.1);
        QVERIFY(std::fabs(smooth(yt, yp) - 1.4591359f) < 1e-4f);
        CategoricalCrossentropy logits(true);
        QVERIFY(std::fabs(logits(yt, Tensor::of({2, 3}, {1, 2, 0.5f, -1, 0, 3})) - 0.2651263f) < 1e-5f);
        // Predictions are renormalised to sum 1 first.
        QVERIFY(std::fabs(cce(yt, Tensor::of({2, 3}, {0.2f, 0.6f, 0.2f, 1, 1, 2})) - 0.6019864f) < 1e-5f);
        Tensor soft = Tensor::of({2, 3}, {0.2f, 0.5f, 0.3f, 0.1f, 0.3f, 0.6f});
        LOSS_GRADCHECK(cce, yt, soft);
        LOSS_GRADCHECK(smooth, yt, soft);
        LOSS_GRADCHECK(cce, yt, Tensor::of({2, 3}, {0.4f, 1.2f, 0.4f, 1, 1, 2}));
        LOSS_GRADCHECK(logits, yt, Tensor::of({2, 3}, {1, 2, 0.5f, -1, 0, 3}));
        LOSS_GRADCHECK(logits, Tensor::of({2, 3}, {0.2f, 0.3f, 0.5f, 1, 0, 0}), Tensor::of({2, 3}, {1, 2, 0.5f, -1, 0, 3}));
    }

    void sparseCategoricalCrossentropy() {
        SparseCategoricalCrossentropy scce;
        Tensor yp = Tensor::of({2, 3}, {0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f});
        QVERIFY(std::fabs(scce(Tensor::of({2}, {1, 2}), yp) - 1.1769392f) < 1e-5f);  // Keras docstring
        QVERIFY(std::fabs(scce(Tensor::of({2, 1}, {1, 2}), yp) - 1.1769392f) < 1e-5f);
        SparseCategoricalCrossentropy logits(true);
        CategoricalCrossentropy dense(true);
        Tensor lg = Tensor::of({2, 3}, {1, 2, 0.5f, -1, 0, 3});
        QVERIFY(std::fabs(logits(Tensor::of({2}, {1, 2}), lg) - dense(Tensor::of({2, 3}, {0, 1, 0, 0, 0, 1}), lg)) < 1e-6f);
        LOSS_GRADCHECK(logits, Tensor::of({2}, {0, 2}), lg);
        LOSS_GRADCHECK(scce, Tensor::of({2}, {0, 2}), Tensor::of({2, 3}, {0.2f, 0.5f, 0.3f, 0.1f, 0.3f, 0.6f}));
        // Sequences: (batch, time) labels for (batch, time, classes) predictions.
        Tensor seq = testing::randomTensor({2, 3, 4}, 5);
        LOSS_GRADCHECK(logits, Tensor::of({2, 3}, {0, 1, 2, 3, 3, 0}), seq);
        // Bad labels and shapes give clear errors.
        try {
            scce(Tensor::of({2}, {1, 3}), yp);
            QFAIL("expected ValueError");
        } catch (const ValueError& e) {
            QVERIFY(std::string(e.what()).find("row 1") != std::string::npos);
        }
        QVERIFY_THROWS_EXCEPTION(ShapeError, scce(Tensor::of({3}, {0, 1, 2}), yp));
        // ignore_class: ignored rows add nothing and the mean runs over the valid rows.
        SparseCategoricalCrossentropy ignoring(true, -1);
        float one = logits(Tensor::of({1}, {1}), Tensor::of({1, 3}, {1, 2, 0.5f}));
        QVERIFY(std::fabs(ignoring(Tensor::of({2}, {1, -1}), lg) - one) < 1e-5f);
        Tensor g;
        ignoring.compute(Tensor::of({2}, {1, -1}), lg, &g);
        QCOMPARE(g[3], 0.0f);
        QCOMPARE(g[4], 0.0f);
    }

    void divergenceHingePoissonCosine() {
        KLDivergence kld;
        QVERIFY(std::fabs(kld(Tensor::of({2, 2}, {0.2f, 0.8f, 0.5f, 0.5f}), Tensor::of({2, 2}, {0.4f, 0.6f, 0.9f, 0.1f})) -
                          0.3011709f) < 1e-5f);
        LOSS_GRADCHECK(kld, Tensor::of({2, 2}, {0.2f, 0.8f, 0.5f, 0.5f}), Tensor::of({2, 2}, {0.4f, 0.6f, 0.9f, 0.1f}));
        Hinge hinge;
        SquaredHinge sq;
        Tensor yt = Tensor::of({2, 2}, {0, 1, 1, 0});
        Tensor yp = Tensor::of({2, 2}, {0.3f, 0.8f, -0.5f, -2});
        // {0,1} labels become {-1,1}: max(1 - t*p, 0) = 1.3, 0.2, 1.5, 0 -> mean 0.75
        QCOMPARE(hinge(yt, yp), 0.75f);
        QVERIFY(std::fabs(sq(yt, yp) - 0.995f) < 1e-6f);
        LOSS_GRADCHECK(hinge, yt, yp);
        LOSS_GRADCHECK(sq, yt, yp);
        CategoricalHinge ch;
        QVERIFY(std::fabs(ch(Tensor::of({2, 3}, {0, 1, 0, 1, 0, 0}), Tensor::of({2, 3}, {0.3f, 0.8f, 0.5f, 0.2f, 0.9f, 0.1f})) -
                          1.2f) < 1e-6f);
        LOSS_GRADCHECK(ch, Tensor::of({2, 3}, {0, 1, 0, 1, 0, 0}), Tensor::of({2, 3}, {0.3f, 0.8f, 0.5f, 0.2f, 0.9f, 0.1f}));
        Poisson poisson;
        QVERIFY(std::fabs(poisson(Tensor::of({2, 2}, {1, 2, 0, 3}), Tensor::of({2, 2}, {0.5f, 2.5f, 1, 2})) - 0.6952809f) <
                1e-5f);
        LOSS_GRADCHECK(poisson, Tensor::of({2, 2}, {1, 2, 0, 3}), Tensor::of({2, 2}, {0.5f, 2.5f, 1, 2}));
        CosineSimilarity cos;
        Tensor v = cos.values(Tensor::of({3, 2}, {0, 1, 1, 1, 1, 1}), Tensor::of({3, 2}, {1, 0, 1, 1, -1, -1}));
        QVERIFY(allClose(v, Tensor::of({3}, {0.0f, -1.0f, 1.0f}), 1e-5f, 1e-6f));  // Keras docstring
        QVERIFY(std::fabs(cos(Tensor::of({1, 3}, {1, 2, 2}), Tensor::of({1, 3}, {2, 0, 1})) - (-4.0f / 3.0f / std::sqrt(5.0f))) < 1e-6f);
        LOSS_GRADCHECK(cos, Tensor::of({2, 3}, {1, 2, 2, -1, 0.5f, 0}), Tensor::of({2, 3}, {2, 0, 1, 0.3f, 0.7f, -0.2f}));
    }

    void lookupByNameAndConfig() {
        QCOMPARE(QString::fromStdString(makeLoss("mse")->className()), QString("MeanSquaredError"));
        QCOMPARE(QString::fromStdString(makeLoss("mse")->name()), QString("mse"));
        QCOMPARE(QString::fromStdString(makeLoss("binary_crossentropy")->className()), QString("BinaryCrossentropy"));
        QCOMPARE(QString::fromStdString(makeLoss("kld")->className()), QString("KLDivergence"));
        QCOMPARE(QString::fromStdString(makeLoss("CategoricalCrossentropy")->name()), QString("categorical_crossentropy"));
        auto l = makeLoss(Json{{"class_name", "BinaryCrossentropy"}, {"config", {{"from_logits", true}, {"label_smoothing", 0.1}}}});
        auto* b = dynamic_cast<BinaryCrossentropy*>(l.get());
        QVERIFY(b && b->fromLogits());
        QCOMPARE(l->getConfig()["label_smoothing"].get<double>(), 0.1);
        auto sc = makeLoss(Json{{"class_name", "SparseCategoricalCrossentropy"}, {"config", {{"reduction", "sum"}}}});
        QCOMPARE(int(sc->reduction()), int(Reduction::Sum));
        try {
            makeLoss("mean_sqared_error");
            QFAIL("expected ValueError");
        } catch (const ValueError& e) {
            QVERIFY(std::string(e.what()).find("mean_squared_error") != std::string::npos);
        }
        for (const auto& n : lossNames()) QVERIFY(makeLoss(n) != nullptr);
    }

    void computeDoesNotAllocateInSteadyState();
};

// ---- allocation counting (this test binary only) ------------------------------------------------
static thread_local long gAllocs = 0;
void* operator new(std::size_t n) {
    ++gAllocs;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

void TestLosses::computeDoesNotAllocateInSteadyState() {
    Tensor yp = testing::randomTensor({128, 10}, 3);
    Tensor yt({128}, 0.0f);
    for (int i = 0; i < 128; ++i) yt[i] = float(i % 10);
    SparseCategoricalCrossentropy loss(true);
    Tensor g;
    loss.compute(yt, yp, &g);
    long before = gAllocs;
    for (int i = 0; i < 10; ++i) loss.compute(yt, yp, &g);
    QCOMPARE(gAllocs - before, 0L);
}

QTEST_APPLESS_MAIN(TestLosses)
#include "test_losses.moc"
