// Merging layers: Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum, Dot.
// Config round trips, arity, Keras's broadcasting rules for shapes, forward values against naive
// loops written here, masks (values and output masks), shape errors and gradients.
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <functional>

#include "engine/core/errors.h"
#include "engine/graph/input_layer.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/merging/add.h"
#include "engine/layers/merging/average.h"
#include "engine/layers/merging/concatenate.h"
#include "engine/layers/merging/dot.h"
#include "engine/layers/merging/maximum.h"
#include "engine/layers/merging/minimum.h"
#include "engine/layers/merging/multiply.h"
#include "engine/layers/merging/subtract.h"
#include "tests/support/gradcheck.h"

using namespace strata;

namespace {

Tensor arange(std::vector<int64_t> shape, float start = 0.0f) {
    Tensor t(std::move(shape));
    for (int64_t i = 0; i < t.size(); ++i) t[i] = start + static_cast<float>(i);
    return t;
}

/// Tensors whose values are all distinct and at least 0.05 apart (no near-ties for max/min checks).
std::vector<Tensor> separated(const std::vector<std::vector<int64_t>>& shapes, uint64_t seed) {
    std::vector<Tensor> out;
    int64_t total = 0;
    for (const auto& s : shapes) total += product(s);
    std::vector<float> vals(total);
    for (int64_t i = 0; i < total; ++i) vals[i] = -1.0f + 0.05f * static_cast<float>(i);
    Rng rng(seed);
    std::shuffle(vals.begin(), vals.end(), rng.engine());
    int64_t k = 0;
    for (const auto& s : shapes) {
        Tensor t(s);
        for (auto& v : t.values()) v = vals[k++];
        out.push_back(t);
    }
    return out;
}

void checkRoundTrip(const Layer& layer) {
    Json cfg = layer.getConfig();
    auto copy = LayerRegistry::instance().create(layer.className(), cfg, false);
    QCOMPARE(QString::fromStdString(copy->getConfig().dump()), QString::fromStdString(cfg.dump()));
    auto strict = LayerRegistry::instance().create(layer.className(), cfg, true);
    QCOMPARE(QString::fromStdString(strict->getConfig().dump()), QString::fromStdString(cfg.dump()));
}

template <class F>
std::string shapeErrorOf(F&& f) {
    try {
        f();
    } catch (const ShapeError& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// Calls a layer with masks; returns its output.
Tensor callMasked(Layer& l, const std::vector<Tensor>& xs, const std::vector<const Tensor*>& masks) {
    ConstTensorPtrs in;
    for (const auto& x : xs) in.push_back(&x);
    Tensors out;
    CallContext ctx;
    ctx.masks = masks;
    l.call(in, out, ctx);
    return out.at(0);
}

/// Finite-difference check of backward with masks set (the shared gradcheck passes none).
std::string maskedGradCheck(Layer& l, std::vector<Tensor> xs, const std::vector<const Tensor*>& masks) {
    ConstTensorPtrs in;
    for (const auto& x : xs) in.push_back(&x);
    Tensors out, grads;
    CallContext ctx;
    ctx.masks = masks;
    ctx.recordForBackward = true;
    l.call(in, out, ctx);
    Tensor proj = testing::randomTensor(out[0].shape(), 99);
    l.backward(in, out, {&proj}, grads, ctx);
    auto loss = [&]() {
        Tensor y = callMasked(l, xs, masks);
        double s = 0;
        for (int64_t i = 0; i < y.size(); ++i) s += double(y[i]) * proj[i];
        return s;
    };
    const double eps = 1e-2;
    for (size_t i = 0; i < xs.size(); ++i) {
        if (grads[i].shape() != xs[i].shape()) return "gradient " + std::to_string(i) + " has the wrong shape";
        for (int64_t k = 0; k < xs[i].size(); ++k) {
            float saved = xs[i][k];
            xs[i][k] = float(saved + eps);
            double lp = loss();
            xs[i][k] = float(saved - eps);
            double lm = loss();
            xs[i][k] = saved;
            double num = (lp - lm) / (2 * eps);
            if (std::fabs(num - grads[i][k]) > 2e-2 * std::max(1.0, std::fabs(num)))
                return "input " + std::to_string(i) + "[" + std::to_string(k) + "]: analytic " +
                       std::to_string(grads[i][k]) + " vs numeric " + std::to_string(num);
        }
    }
    return {};
}

using ElemFn = std::function<float(const std::vector<float>&)>;

}  // namespace

class TestMergingLayers : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    // ---- registry and config -------------------------------------------------------------------
    void registeredWithArity() {
        struct E {
            const char* name;
            int min, max;
        };
        for (E e : {E{"Concatenate", 2, -1}, E{"Add", 2, -1}, E{"Subtract", 2, 2}, E{"Multiply", 2, -1},
                    E{"Average", 2, -1}, E{"Maximum", 2, -1}, E{"Minimum", 2, -1}, E{"Dot", 2, 2}}) {
            const LayerSpec* s = LayerRegistry::instance().find(e.name);
            QVERIFY2(s, e.name);
            QCOMPARE(int(s->category), int(LayerCategory::Merge));
            QCOMPARE(s->arity.min, e.min);
            QCOMPARE(s->arity.max, e.max);
        }
    }

    void configsRoundTrip() {
        auto a = layers::Add();
        QCOMPARE(QString::fromStdString(a->name()), QString("add"));
        QCOMPARE(QString::fromStdString(layers::Add()->name()), QString("add_1"));
        Json c = a->getConfig();
        QCOMPARE(c.size(), size_t(3));  // name, trainable, dtype: no own arguments
        for (auto l : std::vector<std::shared_ptr<Layer>>{a, layers::Subtract(), layers::Multiply(), layers::Average(),
                                                          layers::Maximum(), layers::Minimum()})
            checkRoundTrip(*l);
        auto cat = layers::Concatenate();
        QCOMPARE(cat->getConfig()["axis"].get<int>(), -1);
        checkRoundTrip(*cat);
        auto cat1 = layers::Concatenate(1);
        QCOMPARE(cat1->getConfig()["axis"].get<int>(), 1);
        QCOMPARE(layers::Concatenate({{"axis", 2}})->axis(), int64_t(2));
        auto d = layers::Dot(1);
        QCOMPARE(d->getConfig()["axes"], Json(1));
        QCOMPARE(d->getConfig()["normalize"].get<bool>(), false);
        checkRoundTrip(*d);
        auto d2 = layers::Dot({1, 2}, true);
        QCOMPARE(d2->getConfig()["axes"], Json::array({1, 2}));
        QCOMPARE(d2->getConfig()["normalize"].get<bool>(), true);
        checkRoundTrip(*d2);
        QVERIFY_THROWS_EXCEPTION(ConfigError, LayerRegistry::instance().create("Dot", Json::object()));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Dot({1, 2, 3}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Dot("x"));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Add({{"axis", 1}}));
        a->build({Shape{kNone, 3}, Shape{kNone, 3}});
        QCOMPARE(a->countParams(), int64_t(0));
        d->build({Shape{kNone, 3}, Shape{kNone, 3}});
        QCOMPARE(d->countParams(), int64_t(0));
    }

    // ---- element-wise shapes -------------------------------------------------------------------
    void elementwiseShapes() {
        auto a = layers::Add();
        QCOMPARE(a->outputShapesFor({Shape{kNone, 4}, Shape{kNone, 4}})[0], (Shape{kNone, 4}));
        QCOMPARE(a->outputShapesFor({Shape{kNone, 4}, Shape{kNone, 4}, Shape{kNone, 4}})[0], (Shape{kNone, 4}));
        QCOMPARE(a->outputShapesFor({Shape{kNone, 3, 4}, Shape{kNone, 1, 4}})[0], (Shape{kNone, 3, 4}));
        QCOMPARE(a->outputShapesFor({Shape{kNone, 4}, Shape{kNone, 3, 4}})[0], (Shape{kNone, 3, 4}));
        QCOMPARE(a->outputShapesFor({Shape{kNone, 3, 1}, Shape{kNone, 1, 5}})[0], (Shape{kNone, 3, 5}));
        QCOMPARE(a->outputShapesFor({Shape{kNone, kNone, 4}, Shape{kNone, 5, 4}})[0], (Shape{kNone, kNone, 4}));
        QCOMPARE(a->outputShapesFor({Shape{kNone, 1, 4}, Shape{kNone, kNone, 4}})[0], (Shape{kNone, kNone, 4}));
        QCOMPARE(a->outputShapesFor({Shape{8, 4}, Shape{kNone, 4}})[0], (Shape{8, 4}));
        QCOMPARE(a->outputShapesFor({Shape{kNone}, Shape{kNone}})[0], (Shape{kNone}));
        // mismatch: ShapeError naming the layer, the input index and both shapes
        std::string msg = shapeErrorOf([&] { a->outputShapesFor({Shape{kNone, 4}, Shape{kNone, 3}}); });
        QVERIFY2(contains(msg, "'add'") && contains(msg, "input 1") && contains(msg, "(None, 3)") &&
                     contains(msg, "(None, 4)"),
                 msg.c_str());
        std::string msg3 = shapeErrorOf(
            [&] { a->outputShapesFor({Shape{kNone, 4}, Shape{kNone, 4}, Shape{kNone, 2, 5}}); });
        QVERIFY2(contains(msg3, "input 2") && contains(msg3, "(None, 2, 5)"), msg3.c_str());
        std::string mb = shapeErrorOf([&] { a->outputShapesFor({Shape{2, 4}, Shape{3, 4}}); });
        QVERIFY2(contains(mb, "batch") && contains(mb, "(2, 4)") && contains(mb, "(3, 4)"), mb.c_str());
        // arity
        QVERIFY_THROWS_EXCEPTION(ShapeError, a->outputShapesFor({Shape{kNone, 4}}));
        auto s = layers::Subtract();
        std::string ms = shapeErrorOf(
            [&] { s->outputShapesFor({Shape{kNone, 4}, Shape{kNone, 4}, Shape{kNone, 4}}); });
        QVERIFY2(contains(ms, "expects 2 input"), ms.c_str());
        QCOMPARE(s->outputShapesFor({Shape{kNone, 4}, Shape{kNone, 1}})[0], (Shape{kNone, 4}));
    }

    // ---- element-wise values -------------------------------------------------------------------
    void elementwiseForward_data() {
        QTest::addColumn<QString>("cls");
        for (const char* c : {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}) QTest::newRow(c) << QString(c);
    }
    void elementwiseForward() {
        QFETCH(QString, cls);
        const std::string name = cls.toStdString();
        const ElemFn fn = [&]() -> ElemFn {
            if (name == "Add") return [](const std::vector<float>& v) { return v[0] + v[1] + v[2]; };
            if (name == "Subtract") return [](const std::vector<float>& v) { return v[0] - v[1]; };
            if (name == "Multiply") return [](const std::vector<float>& v) { return v[0] * v[1] * v[2]; };
            if (name == "Average") return [](const std::vector<float>& v) { return (v[0] + v[1] + v[2]) / 3.0f; };
            if (name == "Maximum") return [](const std::vector<float>& v) { return std::max({v[0], v[1], v[2]}); };
            return [](const std::vector<float>& v) { return std::min({v[0], v[1], v[2]}); };
        }();
        const int n = name == "Subtract" ? 2 : 3;
        // same shapes
        {
            auto l = LayerRegistry::instance().create(name, Json::object());
            auto xs = separated({{2, 3}, {2, 3}, {2, 3}}, 3);
            xs.resize(n);
            Tensor y = (*l)(xs)[0];
            QCOMPARE(y.shape(), (std::vector<int64_t>{2, 3}));
            for (int64_t i = 0; i < 6; ++i) {
                std::vector<float> v{xs[0][i], xs[1][i], n > 2 ? xs[2][i] : 0.0f};
                QVERIFY(std::fabs(y[i] - fn(v)) < 1e-6f);
            }
        }
        // broadcasting: (2, 3, 4), (2, 1, 4), (2, 4) -> (2, 3, 4); Subtract: (2, 3, 4) - (2, 4)
        {
            auto l = LayerRegistry::instance().create(name, Json::object());
            std::vector<Tensor> xs = n == 3 ? separated({{2, 3, 4}, {2, 1, 4}, {2, 4}}, 4) : separated({{2, 3, 4}, {2, 4}}, 4);
            Tensor y = (*l)(xs)[0];
            QCOMPARE(y.shape(), (std::vector<int64_t>{2, 3, 4}));
            for (int64_t b = 0; b < 2; ++b)
                for (int64_t i = 0; i < 3; ++i)
                    for (int64_t j = 0; j < 4; ++j) {
                        std::vector<float> v;
                        if (n == 3) v = {xs[0].at({b, i, j}), xs[1].at({b, 0, j}), xs[2].at({b, j})};
                        else v = {xs[0].at({b, i, j}), xs[1].at({b, j}), 0.0f};
                        QVERIFY(std::fabs(y.at({b, i, j}) - fn(v)) < 1e-6f);
                    }
        }
    }

    void byHandValues() {
        Tensor a = Tensor::of({1, 3}, {1, -2, 3}), b = Tensor::of({1, 3}, {4, 5, -6});
        QVERIFY(allClose((*layers::Add())({a, b})[0], Tensor::of({1, 3}, {5, 3, -3})));
        QVERIFY(allClose((*layers::Subtract())({a, b})[0], Tensor::of({1, 3}, {-3, -7, 9})));
        QVERIFY(allClose((*layers::Multiply())({a, b})[0], Tensor::of({1, 3}, {4, -10, -18})));
        QVERIFY(allClose((*layers::Average())({a, b})[0], Tensor::of({1, 3}, {2.5f, 1.5f, -1.5f})));
        QVERIFY(allClose((*layers::Maximum())({a, b})[0], Tensor::of({1, 3}, {4, 5, 3})));
        QVERIFY(allClose((*layers::Minimum())({a, b})[0], Tensor::of({1, 3}, {1, -2, -6})));
        // column broadcast (1, 2, 1) * (1, 2, 3)
        Tensor c = Tensor::of({1, 2, 1}, {2, 3}), d = Tensor::of({1, 2, 3}, {1, 2, 3, 4, 5, 6});
        QVERIFY(allClose((*layers::Multiply())({c, d})[0], Tensor::of({1, 2, 3}, {2, 4, 6, 12, 15, 18})));
    }

    void runtimeShapeErrors() {
        auto a = layers::Add();
        a->build({Shape{kNone, kNone}, Shape{kNone, kNone}});
        std::string msg = shapeErrorOf([&] { (*a)({arange({2, 3}), arange({2, 4})}); });
        QVERIFY2(contains(msg, "'add'") && contains(msg, "input 1") && contains(msg, "(2, 4)") && contains(msg, "(2, 3)"),
                 msg.c_str());
        std::string mb = shapeErrorOf([&] { (*a)({arange({2, 3}), arange({3, 3})}); });
        QVERIFY2(contains(mb, "batch"), mb.c_str());
        auto s = layers::Subtract();
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*s)({arange({2, 3}), arange({2, 3}), arange({2, 3})}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*s)({arange({2, 3})}));
    }

    void elementwiseGradients_data() {
        QTest::addColumn<QString>("cls");
        QTest::addColumn<bool>("broadcast");
        for (const char* c : {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}) {
            QTest::newRow(c) << QString(c) << false;
            QTest::newRow((std::string(c) + " broadcast").c_str()) << QString(c) << true;
        }
    }
    void elementwiseGradients() {
        QFETCH(QString, cls);
        QFETCH(bool, broadcast);
        const std::string name = cls.toStdString();
        auto l = LayerRegistry::instance().create(name, Json::object());
        std::vector<std::vector<int64_t>> shapes;
        if (name == "Subtract") shapes = broadcast ? std::vector<std::vector<int64_t>>{{2, 3, 4}, {2, 1, 4}}
                                                   : std::vector<std::vector<int64_t>>{{2, 3}, {2, 3}};
        else shapes = broadcast ? std::vector<std::vector<int64_t>>{{2, 3, 4}, {2, 1, 4}, {2, 4}}
                                : std::vector<std::vector<int64_t>>{{2, 3}, {2, 3}, {2, 3}};
        STRATA_GRADCHECK(*l, separated(shapes, 5));
    }

    void maxMinGradientGoesToTheWinner() {
        auto m = layers::Maximum();
        Tensor a = Tensor::of({1, 3}, {1, 5, 2}), b = Tensor::of({1, 3}, {3, 5, 0});
        ConstTensorPtrs in{&a, &b};
        Tensors out, g;
        CallContext ctx;
        ctx.recordForBackward = true;
        m->call(in, out, ctx);
        Tensor ones({1, 3}, 1.0f);
        m->backward(in, out, {&ones}, g, ctx);
        // ties go to the first input (TensorFlow's maximum gradient)
        QVERIFY(allClose(g[0], Tensor::of({1, 3}, {0, 1, 1})));
        QVERIFY(allClose(g[1], Tensor::of({1, 3}, {1, 0, 0})));
    }

    // ---- masks ---------------------------------------------------------------------------------
    void outputMaskIsOrWhenAllInputsHaveOne() {
        auto a = layers::Add();
        QVERIFY(a->supportsMasking());
        Tensor x = arange({2, 3, 2});
        Tensor m1 = Tensor::of({2, 3}, {1, 0, 0, 1, 1, 0});
        Tensor m2 = Tensor::of({2, 3}, {0, 1, 0, 1, 0, 0});
        auto m = a->computeMask({&x, &x}, {&m1, &m2});
        QVERIFY(m.has_value());
        QVERIFY(allClose(*m, Tensor::of({2, 3}, {1, 1, 0, 1, 1, 0})));
        QVERIFY(!a->computeMask({&x, &x}, {&m1, nullptr}).has_value());
        QVERIFY(!a->computeMask({&x, &x}, {}).has_value());
    }

    void addIgnoresMasksInValues() {
        auto a = layers::Add();
        Tensor x = arange({1, 2, 2}), y = arange({1, 2, 2}, 10);
        Tensor m = Tensor::of({1, 2}, {1, 0});
        QVERIFY(allClose(callMasked(*a, {x, y}, {&m, &m}), Tensor::of({1, 2, 2}, {10, 12, 14, 16})));
    }

    void multiplyWithMasks() {
        Tensor x = Tensor::of({1, 3, 2}, {1, 2, 3, 4, 5, 6});
        Tensor y = Tensor::of({1, 3, 2}, {10, 20, 30, 40, 50, 60});
        Tensor mx = Tensor::of({1, 3}, {1, 0, 0});
        Tensor my = Tensor::of({1, 3}, {0, 1, 0});
        // both masked: masked-out factors count as 1; steps masked in both inputs become 0
        auto m = layers::Multiply();
        QVERIFY(allClose(callMasked(*m, {x, y}, {&mx, &my}), Tensor::of({1, 3, 2}, {1, 2, 30, 40, 0, 0})));
        // only x masked: its masked-out factors count as 1, no zeroing (no output mask)
        auto m2 = layers::Multiply();
        QVERIFY(allClose(callMasked(*m2, {x, y}, {&mx, nullptr}), Tensor::of({1, 3, 2}, {10, 40, 30, 40, 50, 60})));
        QString r = QString::fromStdString(maskedGradCheck(*layers::Multiply(), {x, y}, {&mx, &my}));
        QVERIFY2(r.isEmpty(), qPrintable(r));
        r = QString::fromStdString(maskedGradCheck(*layers::Multiply(), {x, y}, {&mx, nullptr}));
        QVERIFY2(r.isEmpty(), qPrintable(r));
    }

    void maximumMinimumWithMasks() {
        Tensor x = Tensor::of({1, 3, 2}, {1, 8, 3, 4, 5, 6});
        Tensor y = Tensor::of({1, 3, 2}, {2, 2, 9, 0, -1, -2});
        Tensor mx = Tensor::of({1, 3}, {1, 0, 0});
        Tensor my = Tensor::of({1, 3}, {1, 1, 0});
        // step 0 both valid: max; step 1 only y valid: y; step 2 neither: Keras ends with max(x, x)... x
        auto mmax = layers::Maximum();
        QVERIFY(allClose(callMasked(*mmax, {x, y}, {&mx, &my}), Tensor::of({1, 3, 2}, {2, 8, 9, 0, 5, 6})));
        auto mmin = layers::Minimum();
        QVERIFY(allClose(callMasked(*mmin, {x, y}, {&mx, &my}), Tensor::of({1, 3, 2}, {1, 2, 9, 0, 5, 6})));
        // only the second input masked: its masked-out steps are ignored
        auto m2 = layers::Maximum();
        QVERIFY(allClose(callMasked(*m2, {x, y}, {nullptr, &mx}), Tensor::of({1, 3, 2}, {2, 8, 3, 4, 5, 6})));
        // only the first input masked: its masked-out steps take the other input
        auto m3 = layers::Minimum();
        QVERIFY(allClose(callMasked(*m3, {x, y}, {&mx, nullptr}), Tensor::of({1, 3, 2}, {1, 2, 9, 0, -1, -2})));
        auto xs = separated({{2, 3, 2}, {2, 3, 2}, {2, 3, 2}}, 8);
        Tensor k1 = Tensor::of({2, 3}, {1, 0, 1, 0, 1, 0}), k2 = Tensor::of({2, 3}, {0, 0, 1, 1, 1, 0}),
               k3 = Tensor::of({2, 3}, {1, 1, 0, 0, 1, 0});
        QString r = QString::fromStdString(maskedGradCheck(*layers::Maximum(), xs, {&k1, &k2, &k3}));
        QVERIFY2(r.isEmpty(), qPrintable(r));
        r = QString::fromStdString(maskedGradCheck(*layers::Minimum(), xs, {&k1, nullptr, &k3}));
        QVERIFY2(r.isEmpty(), qPrintable(r));
    }

    void badMaskShapeIsAnError() {
        auto m = layers::Multiply();
        Tensor x = arange({1, 3, 2});
        Tensor bad = Tensor::of({1, 2}, {1, 0});
        QVERIFY_THROWS_EXCEPTION(ShapeError, callMasked(*m, {x, x}, {&bad, &bad}));
    }

    // ---- Concatenate ---------------------------------------------------------------------------
    void concatenateShapes() {
        auto c = layers::Concatenate();
        QCOMPARE(c->outputShapesFor({Shape{kNone, 3}, Shape{kNone, 4}})[0], (Shape{kNone, 7}));
        QCOMPARE(c->outputShapesFor({Shape{kNone, 2, 3}, Shape{kNone, 2, 4}, Shape{kNone, 2, 1}})[0], (Shape{kNone, 2, 8}));
        QCOMPARE(c->outputShapesFor({Shape{kNone, 3}, Shape{kNone, kNone}})[0], (Shape{kNone, kNone}));
        QCOMPARE(c->outputShapesFor({Shape{kNone, kNone, 3}, Shape{kNone, 5, 2}})[0], (Shape{kNone, kNone, 5}));
        auto c1 = layers::Concatenate(1);
        QCOMPARE(c1->outputShapesFor({Shape{kNone, 2, 5}, Shape{kNone, 1, 5}})[0], (Shape{kNone, 3, 5}));
        QCOMPARE(layers::Concatenate(-2)->outputShapesFor({Shape{kNone, 2, 5}, Shape{kNone, 1, 5}})[0], (Shape{kNone, 3, 5}));
        // mismatch outside the axis: names the input index and both shapes
        std::string msg = shapeErrorOf([&] { c1->outputShapesFor({Shape{kNone, 2, 5}, Shape{kNone, 2, 5}, Shape{kNone, 2, 4}}); });
        QVERIFY2(contains(msg, "'concatenate_1'") && contains(msg, "input 2") && contains(msg, "(None, 2, 4)") &&
                     contains(msg, "(None, 2, 5)"),
                 msg.c_str());
        std::string mr = shapeErrorOf([&] { c->outputShapesFor({Shape{kNone, 2, 5}, Shape{kNone, 5}}); });
        QVERIFY2(contains(mr, "input 1") && contains(mr, "rank"), mr.c_str());
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::Concatenate(3)->outputShapesFor({Shape{kNone, 2}, Shape{kNone, 2}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, c->outputShapesFor({Shape{kNone, 2}}));
    }

    void concatenateForward() {
        Tensor a = arange({2, 2, 3}), b = arange({2, 2, 1}, 100);
        auto c = layers::Concatenate();
        Tensor y = (*c)({a, b})[0];
        QCOMPARE(y.shape(), (std::vector<int64_t>{2, 2, 4}));
        for (int64_t i = 0; i < 2; ++i)
            for (int64_t j = 0; j < 2; ++j) {
                for (int64_t k = 0; k < 3; ++k) QCOMPARE(y.at({i, j, k}), a.at({i, j, k}));
                QCOMPARE(y.at({i, j, 3}), b.at({i, j, 0}));
            }
        // Keras docstring: axis=1 on (2, 2, 5) and (2, 1, 5)
        Tensor x = arange({2, 2, 5}), z = arange({2, 1, 5}, 20);
        auto c1 = layers::Concatenate(1);
        Tensor w = (*c1)({x, z})[0];
        QCOMPARE(w.shape(), (std::vector<int64_t>{2, 3, 5}));
        for (int64_t i = 0; i < 2; ++i)
            for (int64_t k = 0; k < 5; ++k) {
                QCOMPARE(w.at({i, 0, k}), x.at({i, 0, k}));
                QCOMPARE(w.at({i, 1, k}), x.at({i, 1, k}));
                QCOMPARE(w.at({i, 2, k}), z.at({i, 0, k}));
            }
        // batch axis
        auto c0 = layers::Concatenate(0);
        QVERIFY(allClose((*c0)({Tensor::of({1, 2}, {1, 2}), Tensor::of({2, 2}, {3, 4, 5, 6})})[0],
                         Tensor::of({3, 2}, {1, 2, 3, 4, 5, 6})));
        // runtime mismatch
        auto c2 = layers::Concatenate();
        c2->build({Shape{kNone, kNone, 3}, Shape{kNone, kNone, 1}});
        std::string msg = shapeErrorOf([&] { (*c2)({arange({2, 2, 3}), arange({2, 3, 1})}); });
        QVERIFY2(contains(msg, "input 1") && contains(msg, "(2, 3, 1)") && contains(msg, "(2, 2, 3)"), msg.c_str());
    }

    void concatenateMasks() {
        auto c = layers::Concatenate();  // axis -1: OR of the step masks (unmasked inputs count as all ones)
        Tensor a = arange({1, 3, 2}), b = arange({1, 3, 4});
        Tensor ma = Tensor::of({1, 3}, {1, 0, 0}), mb = Tensor::of({1, 3}, {0, 1, 0});
        QVERIFY(allClose(*c->computeMask({&a, &b}, {&ma, &mb}), Tensor::of({1, 3}, {1, 1, 0})));
        QVERIFY(allClose(*c->computeMask({&a, &b}, {&ma, nullptr}), Tensor::of({1, 3}, {1, 1, 1})));
        QVERIFY(!c->computeMask({&a, &b}, {nullptr, nullptr}).has_value());
        QVERIFY(!c->computeMask({&a, &b}, {}).has_value());
        auto c1 = layers::Concatenate(1);  // along time: masks are concatenated
        Tensor d = arange({1, 2, 2});
        Tensor md = Tensor::of({1, 2}, {0, 1});
        QVERIFY(allClose(*c1->computeMask({&a, &d}, {&ma, &md}), Tensor::of({1, 5}, {1, 0, 0, 0, 1})));
        QVERIFY(allClose(*c1->computeMask({&a, &d}, {nullptr, &md}), Tensor::of({1, 5}, {1, 1, 1, 0, 1})));
    }

    void concatenateGradients() {
        auto c = layers::Concatenate();
        STRATA_GRADCHECK(*c, {testing::randomTensor({2, 2, 3}, 1), testing::randomTensor({2, 2, 1}, 2),
                              testing::randomTensor({2, 2, 2}, 3)});
        auto c1 = layers::Concatenate(1);
        STRATA_GRADCHECK(*c1, {testing::randomTensor({2, 2, 3}, 4), testing::randomTensor({2, 1, 3}, 5)});
    }

    // ---- Dot -----------------------------------------------------------------------------------
    void dotShapes() {
        // Keras docstring: (1, 5, 2) . (1, 2, 5) with axes (1, 2) -> (1, 2, 2)
        auto d = layers::Dot({1, 2});
        QCOMPARE(d->outputShapesFor({Shape{1, 5, 2}, Shape{1, 2, 5}})[0], (Shape{1, 2, 2}));
        QCOMPARE(layers::Dot(1)->outputShapesFor({Shape{kNone, 8}, Shape{kNone, 8}})[0], (Shape{kNone, 1}));
        QCOMPARE(layers::Dot(-1)->outputShapesFor({Shape{kNone, 3, 4}, Shape{kNone, 5, 4}})[0], (Shape{kNone, 3, 5}));
        QCOMPARE(layers::Dot({2, 1})->outputShapesFor({Shape{kNone, 3, 4}, Shape{kNone, 4, 5}})[0], (Shape{kNone, 3, 5}));
        QCOMPARE(layers::Dot({1, 1})->outputShapesFor({Shape{kNone, 4}, Shape{kNone, 4, 6}})[0], (Shape{kNone, 6}));
        QCOMPARE(layers::Dot({-1, 1})->outputShapesFor({Shape{kNone, kNone, 4}, Shape{kNone, 4, 6}})[0],
                 (Shape{kNone, kNone, 6}));
        std::string msg = shapeErrorOf([&] { layers::Dot(1)->outputShapesFor({Shape{kNone, 3}, Shape{kNone, 4}}); });
        QVERIFY2(contains(msg, "'dot") && contains(msg, "(None, 3)") && contains(msg, "(None, 4)"), msg.c_str());
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::Dot(0)->outputShapesFor({Shape{kNone, 3}, Shape{kNone, 3}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::Dot(3)->outputShapesFor({Shape{kNone, 3}, Shape{kNone, 3}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::Dot(1)->outputShapesFor({Shape{kNone}, Shape{kNone, 3}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError,
                                 layers::Dot(1)->outputShapesFor({Shape{kNone, 3}, Shape{kNone, 3}, Shape{kNone, 3}}));
    }

    void dotForward() {
        // Keras docstring: x = arange(10).reshape(1, 5, 2), y = arange(10, 20).reshape(1, 2, 5), axes (1, 2)
        auto d = layers::Dot({1, 2});
        Tensor x = arange({1, 5, 2}), y = arange({1, 2, 5}, 10);
        QVERIFY(allClose((*d)({x, y})[0], Tensor::of({1, 2, 2}, {260, 360, 320, 445})));
        // general ranks against a naive loop: x (2, 3, 4, 2) axis 2, y (2, 5, 4) axis 2 -> (2, 3, 2, 5)
        auto d2 = layers::Dot({2, 2});
        Tensor a = testing::randomTensor({2, 3, 4, 2}, 21), b = testing::randomTensor({2, 5, 4}, 22);
        Tensor o = (*d2)({a, b})[0];
        QCOMPARE(o.shape(), (std::vector<int64_t>{2, 3, 2, 5}));
        for (int64_t n = 0; n < 2; ++n)
            for (int64_t i = 0; i < 3; ++i)
                for (int64_t j = 0; j < 2; ++j)
                    for (int64_t l = 0; l < 5; ++l) {
                        double s = 0;
                        for (int64_t k = 0; k < 4; ++k) s += double(a.at({n, i, k, j})) * b.at({n, l, k});
                        QVERIFY(std::fabs(o.at({n, i, j, l}) - s) < 1e-5);
                    }
        // vectors: (batch, n) . (batch, n) -> (batch, 1)
        auto d3 = layers::Dot(1);
        QVERIFY(allClose((*d3)({Tensor::of({2, 2}, {1, 2, 3, 4}), Tensor::of({2, 2}, {5, 6, 7, 8})})[0],
                         Tensor::of({2, 1}, {17, 53})));
        // (batch, n) . (batch, n, m) with axes (1, 1) -> (batch, m)
        auto d4 = layers::Dot({1, 1});
        QVERIFY(allClose((*d4)({Tensor::of({1, 2}, {1, 2}), Tensor::of({1, 2, 3}, {1, 2, 3, 4, 5, 6})})[0],
                         Tensor::of({1, 3}, {9, 12, 15})));
        // runtime mismatch
        auto d5 = layers::Dot(1);
        d5->build({Shape{kNone, kNone}, Shape{kNone, kNone}});
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*d5)({arange({2, 3}), arange({2, 4})}));
    }

    void dotNormalize() {
        auto d = layers::Dot(1, true);
        Tensor x = Tensor::of({2, 2}, {3, 4, 1, 0}), y = Tensor::of({2, 2}, {4, 3, 0, -2});
        // cosine: (12 + 12) / 25 = 0.96 and 0
        QVERIFY(allClose((*d)({x, y})[0], Tensor::of({2, 1}, {0.96f, 0.0f}), 1e-5f, 1e-6f));
        // zero vectors: rsqrt(0) is clamped to 1/epsilon, giving 0 (not NaN)
        auto z = layers::Dot(1, true);
        Tensor zero({1, 2}, 0.0f);
        Tensor r = (*z)({zero, Tensor::of({1, 2}, {1, 1})})[0];
        QVERIFY(!r.hasNonFinite());
        QCOMPARE(r[0], 0.0f);
        // along axis 1 of (batch, steps, features): cosine between columns
        auto dc = layers::Dot(1, true);
        Tensor a = testing::randomTensor({2, 3, 2}, 31), b = testing::randomTensor({2, 3, 4}, 32);
        Tensor o = (*dc)({a, b})[0];
        QCOMPARE(o.shape(), (std::vector<int64_t>{2, 2, 4}));
        for (int64_t n = 0; n < 2; ++n)
            for (int64_t i = 0; i < 2; ++i)
                for (int64_t j = 0; j < 4; ++j) {
                    double s = 0, na = 0, nb = 0;
                    for (int64_t k = 0; k < 3; ++k) {
                        s += double(a.at({n, k, i})) * b.at({n, k, j});
                        na += double(a.at({n, k, i})) * a.at({n, k, i});
                        nb += double(b.at({n, k, j})) * b.at({n, k, j});
                    }
                    QVERIFY(std::fabs(o.at({n, i, j}) - s / std::sqrt(na * nb)) < 1e-5);
                }
        QVERIFY(!d->computeMask({&x, &y}, {nullptr, nullptr}).has_value());
        Tensor m = Tensor::of({2}, {1, 0});
        QVERIFY(!d->computeMask({&x, &y}, {&m, &m}).has_value());
    }

    void dotGradients_data() {
        QTest::addColumn<QString>("axes");
        QTest::addColumn<bool>("normalize");
        QTest::addColumn<QString>("shapes");
        struct R {
            const char* axes;
            const char* shapes;
        };
        for (bool norm : {false, true})
            for (R r : {R{"1", "[[3,4],[3,4]]"}, R{"[1,2]", "[[2,5,3],[2,3,5]]"}, R{"-1", "[[2,3,4],[2,5,4]]"},
                        R{"[2,2]", "[[2,3,4,2],[2,5,4]]"}, R{"[1,1]", "[[2,4],[2,4,3]]"}, R{"[2,1]", "[[2,3,4],[2,4]]"}})
                QTest::newRow((std::string(r.axes) + " " + r.shapes + (norm ? " normalize" : "")).c_str())
                    << QString(r.axes) << norm << QString(r.shapes);
    }
    void dotGradients() {
        QFETCH(QString, axes);
        QFETCH(bool, normalize);
        QFETCH(QString, shapes);
        auto d = layers::Dot(Json::parse(axes.toStdString()), normalize);
        Json s = Json::parse(shapes.toStdString());
        STRATA_GRADCHECK(*d, {testing::randomTensor(s[0].get<std::vector<int64_t>>(), 41),
                              testing::randomTensor(s[1].get<std::vector<int64_t>>(), 42)});
    }

    // ---- functional helpers --------------------------------------------------------------------
    void lowerCaseHelpers() {
        KerasTensor a = Input({4}), b = Input({4}), c = Input({3, 4});
        QCOMPARE(layers::add({a, b}).shape(), (Shape{kNone, 4}));
        QCOMPARE(layers::subtract({a, b}).shape(), (Shape{kNone, 4}));
        QCOMPARE(layers::multiply({a, b, a}).shape(), (Shape{kNone, 4}));
        QCOMPARE(layers::average({a, c}).shape(), (Shape{kNone, 3, 4}));
        QCOMPARE(layers::maximum({a, b}).shape(), (Shape{kNone, 4}));
        QCOMPARE(layers::minimum({a, b}).shape(), (Shape{kNone, 4}));
        QCOMPARE(layers::concatenate({a, b}).shape(), (Shape{kNone, 8}));
        QCOMPARE(layers::concatenate({c, c}, 1).shape(), (Shape{kNone, 6, 4}));
        QCOMPARE(layers::dot({a, b}, 1).shape(), (Shape{kNone, 1}));
        KerasTensor cos = layers::dot({c, c}, Json::array({2, 2}), {{"normalize", true}});
        QCOMPARE(cos.shape(), (Shape{kNone, 3, 3}));
        QVERIFY(static_cast<Dot&>(cos.layer()).normalize());
        QCOMPARE(QString::fromStdString(layers::add({a, b}, {{"name", "sum"}}).layer().name()), QString("sum"));
        QCOMPARE(QString::fromStdString(a.layer().className()), QString("InputLayer"));
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::add({a, c, Input({5})}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::subtract({a, b, a}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::concatenate({a, c}));
    }

    void outputsAreReusedWithoutReallocation() {
        auto a = layers::Add();
        Tensor x = testing::randomTensor({4, 8}, 1), y = testing::randomTensor({4, 8}, 2);
        ConstTensorPtrs in{&x, &y};
        Tensors out;
        CallContext ctx;
        a->call(in, out, ctx);
        const float* p = out[0].data();
        a->call(in, out, ctx);
        QCOMPARE(out[0].data(), p);
    }
};

QTEST_APPLESS_MAIN(TestMergingLayers)
#include "test_merging_layers.moc"
