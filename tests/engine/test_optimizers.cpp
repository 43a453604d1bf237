// Optimizers: three update steps of every optimizer against values computed by hand (in double
// precision, from Keras 3's update rules), clipping, weight decay, schedules, named state and
// save/restore of the state.
#include <QtTest/QtTest>

#include <cmath>

#include "engine/core/errors.h"
#include "engine/layers/core/dense.h"
#include "engine/training/optimizers.h"

using namespace strata;

namespace {

/// A Dense(2) on 1 input gives a 1x2 kernel named dense/kernel; we train only the kernel.
struct Fixture {
    std::shared_ptr<Layer> layer;
    Variable* w = nullptr;
    Fixture() {
        clearSession();
        layer = layers::Dense(2);
        layer->build({Shape{kNone, 1}});
        w = layer->trainableWeights()[0];
        w->value = Tensor::of({1, 2}, {1.0f, -2.0f});
        w->grad = Tensor({1, 2});
    }
};

const float kGrads[3][2] = {{0.5f, -1.0f}, {0.1f, 0.3f}, {-0.2f, 0.4f}};

/// Runs three steps with kGrads (or `grads`) and checks the weights after each.
std::string runSteps(Optimizer& opt, const float expected[3][2], const float grads[3][2] = kGrads,
                     float tol = 2e-6f) {
    Fixture f;
    for (int s = 0; s < 3; ++s) {
        f.w->grad[0] = grads[s][0];
        f.w->grad[1] = grads[s][1];
        opt.apply({&f.w->grad}, {f.w});
        for (int i = 0; i < 2; ++i)
            if (std::fabs(f.w->value[i] - expected[s][i]) > tol * std::max(1.0f, std::fabs(expected[s][i])))
                return opt.name() + " step " + std::to_string(s + 1) + " w[" + std::to_string(i) + "] = " +
                       std::to_string(f.w->value[i]) + ", expected " + std::to_string(expected[s][i]);
    }
    if (opt.iterations() != 3) return "iterations = " + std::to_string(opt.iterations());
    return {};
}

#define CHECK_STEPS(opt, ...)                              \
    do {                                                   \
        std::string _r = runSteps(opt, __VA_ARGS__);       \
        QVERIFY2(_r.empty(), _r.c_str());                  \
    } while (0)

}  // namespace

class TestOptimizers : public QObject {
    Q_OBJECT
private slots:
    void sgd() {
        SGD plain(0.1);
        const float e1[3][2] = {{0.95f, -1.9f}, {0.94f, -1.93f}, {0.96f, -1.97f}};
        CHECK_STEPS(plain, e1);
        SGD momentum(0.1, 0.9);
        const float e2[3][2] = {{0.95f, -1.9f}, {0.895f, -1.84f}, {0.8655f, -1.826f}};
        CHECK_STEPS(momentum, e2);
        SGD nesterov(0.1, 0.9, true);
        const float e3[3][2] = {{0.905f, -1.81f}, {0.8455f, -1.786f}, {0.83895f, -1.8134f}};
        CHECK_STEPS(nesterov, e3);
        QCOMPARE(QString::fromStdString(SGD().name()), QString("SGD"));
        QCOMPARE(SGD().learningRate(), double(0.01f));
    }

    void rmsprop() {
        RMSprop plain(0.1);
        const float e1[3][2] = {{0.683772866f, -1.68377239f}, {0.618540198f, -1.7791186f}, {0.744653279f, -1.90250248f}};
        CHECK_STEPS(plain, e1);
        RMSprop centered(0.1, 0.9, 0.5, 1e-7, true);
        const float e2[3][2] = {{0.666667407f, -1.66666685f}, {0.430115626f, -1.59712881f}, {0.440193023f, -1.68585888f}};
        CHECK_STEPS(centered, e2, kGrads, 1e-5f);
    }

    void adamFamily() {
        Adam adam(0.1);
        const float e1[3][2] = {{0.900000632f, -1.90000032f}, {0.819697033f, -1.85721559f}, {0.785261856f, -1.84920971f}};
        CHECK_STEPS(adam, e1);
        // AMSGrad differs once the second moment shrinks (big first gradient).
        const float big[3][2] = {{5.0f, -1.0f}, {0.1f, 0.3f}, {-0.2f, 0.4f}};
        Adam ref(0.1);
        const float e2[3][2] = {{0.900000063f, -1.90000032f}, {0.831518971f, -1.85721559f}, {0.781180507f, -1.84920971f}};
        CHECK_STEPS(ref, e2, big);
        Adam ams(0.1, 0.9, 0.999, 1e-7, true);
        const float e3[3][2] = {{0.900000063f, -1.90000032f}, {0.831539519f, -1.85721559f}, {0.781201054f, -1.84920971f}};
        CHECK_STEPS(ams, e3, big);
        AdamW adamw(0.1);
        const float e4[3][2] = {{0.899600632f, -1.89920032f}, {0.818937193f, -1.85565591f}, {0.784174441f, -1.84690776f}};
        CHECK_STEPS(adamw, e4);
        QCOMPARE(adamw.weightDecay().value(), 0.004);
        Adam defaults;
        QCOMPARE(defaults.getConfig()["epsilon"].get<double>(), double(1e-7f));
        QCOMPARE(defaults.getConfig()["beta_2"].get<double>(), double(0.999f));
        QCOMPARE(QString::fromStdString(defaults.name()), QString("adam"));
    }

    void adagradAdadeltaAdamaxNadam() {
        Adagrad adagrad(0.1);
        const float e1[3][2] = {{0.915484587f, -1.90465375f}, {0.898817922f, -1.9321547f}, {0.930440695f, -1.96658122f}};
        CHECK_STEPS(adagrad, e1);
        Adadelta adadelta(0.1);
        const float e2[3][2] = {{0.999858579f, -1.99985858f}, {0.999818378f, -1.99991741f}, {0.999895222f, -1.99999434f}};
        CHECK_STEPS(adadelta, e2, kGrads, 1e-6f);
        Adamax adamax(0.1);
        const float e3[3][2] = {{0.90000002f, -1.90000001f}, {0.842047342f, -1.86838946f}, {0.820232521f, -1.86321306f}};
        CHECK_STEPS(adamax, e3);
        Nadam nadam(0.1);
        const float e4[3][2] = {{0.893721241f, -1.89372123f}, {0.866603857f, -1.91618536f}, {0.897038607f, -1.94984221f}};
        CHECK_STEPS(nadam, e4, kGrads, 5e-6f);
    }

    void clipping() {
        OptimizerOptions o;
        o.clipnorm = 0.5;
        SGD clipped(0.1, 0.0, false, o);
        const float e1[3][2] = {{0.97763932f, -1.95527864f}, {0.96763932f, -1.98527864f}, {0.98763932f, -2.02527864f}};
        CHECK_STEPS(clipped, e1);
        OptimizerOptions v;
        v.clipvalue = 0.25;
        SGD byValue(1.0, 0.0, false, v);
        const float e2[3][2] = {{0.75f, -1.75f}, {0.65f, -2.0f}, {0.85f, -2.25f}};
        CHECK_STEPS(byValue, e2);
        // Global norm over two tensors: grads (3, 4) and (12) have norm 13 -> scaled by 6.5/13.
        Fixture f;
        Variable* b = f.layer->trainableWeights()[1];
        b->value = Tensor::of({2}, {0, 0});
        OptimizerOptions gopt;
        gopt.globalClipnorm = 6.5;
        SGD global(1.0, 0.0, false, gopt);
        Tensor g1 = Tensor::of({1, 2}, {3, 4});
        Tensor g2 = Tensor::of({2}, {12, 0});
        global.apply({&g1, &g2}, {f.w, b});
        QVERIFY(allClose(f.w->value, Tensor::of({1, 2}, {-0.5f, -4.0f})));
        QVERIFY(allClose(b->value, Tensor::of({2}, {-6.0f, 0.0f})));
        OptimizerOptions both;
        both.clipnorm = 1;
        both.clipvalue = 1;
        QVERIFY_THROWS_EXCEPTION(ValueError, SGD(0.1, 0.0, false, both));
    }

    void weightDecayAndExclusion() {
        Fixture f;
        Variable* bias = f.layer->trainableWeights()[1];
        bias->value = Tensor::of({2}, {1, 1});
        OptimizerOptions o;
        o.weightDecay = 0.5;
        SGD sgd(0.1, 0.0, false, o);
        sgd.excludeFromWeightDecay({"bias"});
        Tensor g1({1, 2}, 0.0f), g2({2}, 0.0f);
        sgd.apply({&g1, &g2}, {f.w, bias});
        // w -= w * wd * lr for the kernel only.
        QVERIFY(allClose(f.w->value, Tensor::of({1, 2}, {0.95f, -1.9f})));
        QVERIFY(allClose(bias->value, Tensor::of({2}, {1, 1})));
        QVERIFY_THROWS_EXCEPTION(ValueError, sgd.excludeFromWeightDecay({"kernel"}));
    }

    void schedules() {
        ExponentialDecay exp(0.1, 10, 0.5);
        QVERIFY(std::fabs(exp(5) - 0.0707106781) < 1e-9);
        QVERIFY(std::fabs(exp(25) - 0.0176776695) < 1e-9);
        ExponentialDecay stair(0.1, 10, 0.5, true);
        QCOMPARE(stair(5), 0.1);
        QCOMPARE(stair(25), 0.025);
        PiecewiseConstantDecay pw({10, 20}, {1.0, 0.5, 0.1});
        QCOMPARE(pw(0), 1.0);
        QCOMPARE(pw(10), 1.0);
        QCOMPARE(pw(11), 0.5);
        QCOMPARE(pw(20), 0.5);
        QCOMPARE(pw(21), 0.1);
        QVERIFY_THROWS_EXCEPTION(ValueError, PiecewiseConstantDecay({1}, {1.0}));
        CosineDecay cos(0.1, 100, 0.1);
        QVERIFY(std::fabs(cos(0) - 0.1) < 1e-12);
        QVERIFY(std::fabs(cos(50) - 0.055) < 1e-12);
        QVERIFY(std::fabs(cos(150) - 0.01) < 1e-12);
        CosineDecay warm(0.0, 100, 0.0, "CosineDecay", 0.1, 10);
        QVERIFY(std::fabs(warm(5) - 0.05) < 1e-12);
        QVERIFY(std::fabs(warm(10) - 0.1) < 1e-12);
        QVERIFY(std::fabs(warm(60) - 0.05) < 1e-12);
        QVERIFY(std::fabs(warm(200)) < 1e-12);
        // The optimizer evaluates the schedule at its iteration count, before the update.
        auto sched = std::make_shared<PiecewiseConstantDecay>(std::vector<double>{0}, std::vector<double>{1.0, 0.1});
        SGD sgd(sched);
        Fixture f;
        f.w->grad = Tensor::of({1, 2}, {1, 1});
        sgd.apply({f.w});
        QVERIFY(allClose(f.w->value, Tensor::of({1, 2}, {0.0f, -3.0f})));  // lr 1.0 at step 0
        f.w->grad = Tensor::of({1, 2}, {1, 1});
        sgd.apply({f.w});
        QVERIFY(allClose(f.w->value, Tensor::of({1, 2}, {-0.1f, -3.1f})));  // lr 0.1 at step 1
        QVERIFY_THROWS_EXCEPTION(ValueError, sgd.setLearningRate(0.5));
        auto restored = makeSchedule(sched->serialize());
        QCOMPARE((*restored)(1), 0.1);
        auto opt = makeOptimizer(Json{{"class_name", "SGD"}, {"config", {{"learning_rate", exp.serialize()}}}});
        QVERIFY(opt->schedule() != nullptr);
    }

    void namedStateAndRestore() {
        Fixture f;
        Variable* bias = f.layer->trainableWeights()[1];
        Adam adam(0.1);
        f.w->grad = Tensor::of({1, 2}, {0.5f, -1.0f});
        bias->grad = Tensor::of({2}, {0.1f, 0.2f});
        adam.apply({f.w, bias});
        auto vars = adam.variables();
        QStringList paths;
        for (auto& v : vars) paths << QString::fromStdString(v.path);
        QCOMPARE(paths, (QStringList{"adam/iteration", "adam/learning_rate", "adam/dense_kernel_momentum",
                                     "adam/dense_bias_momentum", "adam/dense_kernel_velocity", "adam/dense_bias_velocity"}));
        QCOMPARE((*vars[0].value)[0], 1.0f);
        // Save, take two more steps, restore into a fresh optimizer: identical continuation.
        auto saved = adam.getWeights();
        Tensor w0 = f.w->value;
        Tensor b0 = bias->value;
        for (int s = 0; s < 2; ++s) {
            f.w->grad = Tensor::of({1, 2}, {0.3f, 0.2f});
            bias->grad = Tensor::of({2}, {-0.1f, 0.4f});
            adam.apply({f.w, bias});
        }
        Tensor w2 = f.w->value;
        f.w->value = w0;
        bias->value = b0;
        Adam fresh(0.1);
        fresh.build({f.w, bias});
        QVERIFY_THROWS_EXCEPTION(ValueError, fresh.setWeights({saved[0]}));
        fresh.setWeights(saved);
        QCOMPARE(fresh.iterations(), int64_t(1));
        for (int s = 0; s < 2; ++s) {
            f.w->grad = Tensor::of({1, 2}, {0.3f, 0.2f});
            bias->grad = Tensor::of({2}, {-0.1f, 0.4f});
            fresh.apply({f.w, bias});
        }
        QVERIFY(allClose(f.w->value, w2, 0, 0));
        // Variables it was not built with are rejected.
        Fixture other;
        QVERIFY_THROWS_EXCEPTION(ValueError, fresh.apply({other.w}));
        // Nadam keeps its u_product as state too.
        Nadam nadam;
        nadam.apply({f.w});
        QCOMPARE(QString::fromStdString(nadam.variables().back().path), QString("nadam/u_product"));
    }

    void lookupAndConfig() {
        auto a = makeOptimizer("adam");
        QCOMPARE(QString::fromStdString(a->className()), QString("Adam"));
        auto r = makeOptimizer(Json{{"class_name", "RMSprop"}, {"config", {{"learning_rate", 0.01}, {"rho", 0.8}}}});
        QCOMPARE(r->learningRate(), double(0.01f));
        QCOMPARE(r->getConfig()["rho"].get<double>(), double(0.8f));
        auto w = makeOptimizer("adamw");
        QCOMPARE(w->weightDecay().value(), 0.004);
        QVERIFY_THROWS_EXCEPTION(ValueError, makeOptimizer("adamm"));
        for (const char* n : {"sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"}) QVERIFY(makeOptimizer(n));
        QCOMPARE(makeOptimizer("sgd")->getConfig()["learning_rate"].get<double>(), double(0.01f));
    }
};

QTEST_APPLESS_MAIN(TestOptimizers)
#include "test_optimizers.moc"
