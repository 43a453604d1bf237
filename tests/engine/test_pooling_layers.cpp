// Pooling layers: configs and Keras defaults, output shapes, forward values against naive loops,
// masks, errors and gradients.
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/core/errors.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/pooling/average_pooling1d.h"
#include "engine/layers/pooling/average_pooling2d.h"
#include "engine/layers/pooling/global_average_pooling1d.h"
#include "engine/layers/pooling/global_average_pooling2d.h"
#include "engine/layers/pooling/global_max_pooling1d.h"
#include "engine/layers/pooling/global_max_pooling2d.h"
#include "engine/layers/pooling/max_pooling1d.h"
#include "engine/layers/pooling/max_pooling2d.h"
#include "tests/support/gradcheck.h"

using namespace strata;

namespace {

std::shared_ptr<Layer> make(const std::string& cls, Json kwargs = Json::object()) {
    return LayerRegistry::instance().create(cls, kwargs, true);
}

// Values k * 0.05 in shuffled order: distinct and far apart compared with the gradient check's
// step, so max pooling never switches its argmax under the perturbation.
Tensor distinctTensor(std::vector<int64_t> shape, uint64_t seed) {
    Tensor t(std::move(shape));
    std::vector<int64_t> order(static_cast<size_t>(t.size()));
    std::iota(order.begin(), order.end(), 0);
    Rng rng(seed);
    std::shuffle(order.begin(), order.end(), rng.engine());
    for (int64_t i = 0; i < t.size(); ++i) t[i] = float(order[i]) * 0.05f - float(t.size()) * 0.025f;
    return t;
}

// (B, C, S...) <-> (B, S..., C), rank 3 or 4.
Tensor toChannelsLast(const Tensor& x) {
    auto s = x.shape();
    const int64_t B = s[0], C = s[1];
    int64_t S = 1;
    for (size_t i = 2; i < s.size(); ++i) S *= s[i];
    std::vector<int64_t> out{B};
    for (size_t i = 2; i < s.size(); ++i) out.push_back(s[i]);
    out.push_back(C);
    Tensor y(out);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t p = 0; p < S; ++p) y[(b * S + p) * C + c] = x[(b * C + c) * S + p];
    return y;
}
Tensor toChannelsFirst(const Tensor& x) {
    auto s = x.shape();
    const int64_t B = s[0], C = s.back();
    int64_t S = 1;
    for (size_t i = 1; i + 1 < s.size(); ++i) S *= s[i];
    std::vector<int64_t> out{B, C};
    for (size_t i = 1; i + 1 < s.size(); ++i) out.push_back(s[i]);
    Tensor y(out);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t p = 0; p < S; ++p) y[(b * C + c) * S + p] = x[(b * S + p) * C + c];
    return y;
}

// Naive pooling on channels_last input; 1D is 2D with height 1.
Tensor naivePool(const Tensor& xIn, bool isMax, std::vector<int64_t> k, std::vector<int64_t> st, bool same,
                 bool channelsFirst) {
    Tensor x = channelsFirst ? toChannelsLast(xIn) : xIn;
    const bool oneD = x.rank() == 3;
    const int64_t B = x.dim(0), C = x.dim(-1);
    const int64_t H = oneD ? 1 : x.dim(1), W = oneD ? x.dim(1) : x.dim(2);
    if (oneD) {
        k.insert(k.begin(), 1);
        st.insert(st.begin(), 1);
    }
    auto outAndPad = [&](int64_t n, int64_t kk, int64_t ss, int64_t& out, int64_t& before) {
        if (same) {
            out = (n + ss - 1) / ss;
            int64_t pad = std::max<int64_t>((out - 1) * ss + kk - n, 0);
            before = pad / 2;
        } else {
            out = (n - kk) / ss + 1;
            before = 0;
        }
    };
    int64_t OH, OW, pt, pl;
    outAndPad(H, k[0], st[0], OH, pt);
    outAndPad(W, k[1], st[1], OW, pl);
    Tensor y(oneD ? std::vector<int64_t>{B, OW, C} : std::vector<int64_t>{B, OH, OW, C});
    for (int64_t b = 0; b < B; ++b)
        for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow)
                for (int64_t c = 0; c < C; ++c) {
                    double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
                    int count = 0;
                    for (int64_t i = 0; i < k[0]; ++i)
                        for (int64_t j = 0; j < k[1]; ++j) {
                            int64_t h = oh * st[0] - pt + i, w = ow * st[1] - pl + j;
                            if (h < 0 || h >= H || w < 0 || w >= W) continue;  // padding
                            double v = x[((b * H + h) * W + w) * C + c];
                            acc = isMax ? std::max(acc, v) : acc + v;
                            ++count;
                        }
                    y[((b * OH + oh) * OW + ow) * C + c] = float(isMax ? acc : acc / count);
                }
    return channelsFirst ? toChannelsFirst(y) : y;
}

CallContext maskedContext(const Tensor* mask, bool record = true) {
    CallContext ctx;
    ctx.masks = {mask};
    ctx.recordForBackward = record;
    return ctx;
}

}  // namespace

class TestPoolingLayers : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    // ---- configs ------------------------------------------------------------------------------

    void windowedDefaults() {
        auto m2 = layers::MaxPooling2D();
        Json c = m2->getConfig();
        QCOMPARE(QString::fromStdString(m2->name()), QString("max_pooling2d"));
        QCOMPARE(c["pool_size"], Json::array({2, 2}));
        QCOMPARE(c["strides"], Json::array({2, 2}));  // None -> pool_size, as Keras's get_config
        QCOMPARE(c["padding"], Json("valid"));
        QCOMPARE(c["data_format"], Json("channels_last"));
        QCOMPARE(c["trainable"], Json(true));
        auto m1 = layers::MaxPooling1D();
        QCOMPARE(m1->getConfig()["pool_size"], Json::array({2}));
        QCOMPARE(m1->getConfig()["strides"], Json::array({2}));
        auto a1 = layers::AveragePooling1D(3, {{"strides", 1}});
        QCOMPARE(a1->getConfig()["pool_size"], Json::array({3}));
        QCOMPARE(a1->getConfig()["strides"], Json::array({1}));
        auto a2 = layers::AveragePooling2D({3, 2}, {{"strides", {1, 2}}, {"padding", "same"}});
        QCOMPARE(a2->poolSize(), (std::vector<int64_t>{3, 2}));
        QCOMPARE(a2->strides(), (std::vector<int64_t>{1, 2}));
        QVERIFY(a2->samePadding());
        QCOMPARE(QString::fromStdString(a2->name()), QString("average_pooling2d"));
        m1->build({Shape{kNone, 8, 3}});
        a1->build({Shape{kNone, 8, 3}});
        m2->build({Shape{kNone, 8, 8, 3}});
        a2->build({Shape{kNone, 8, 8, 3}});
        for (auto l : std::vector<std::shared_ptr<Layer>>{m1, m2, a1, a2}) {
            QCOMPARE(l->countParams(), int64_t(0));
            QVERIFY(l->weights().empty());
        }
        auto g = layers::GlobalAveragePooling2D();
        QCOMPARE(g->getConfig()["keepdims"], Json(false));
        QCOMPARE(g->getConfig()["data_format"], Json("channels_last"));
        g->build({Shape{kNone, 4, 4, 8}});
        QCOMPARE(g->countParams(), int64_t(0));
    }

    void roundTrip_data() {
        QTest::addColumn<QString>("cls");
        QTest::addColumn<QString>("kwargs");
        QTest::newRow("MaxPooling1D") << "MaxPooling1D" << R"({"pool_size": 3, "strides": 2, "padding": "same"})";
        QTest::newRow("AveragePooling1D") << "AveragePooling1D" << R"({"data_format": "channels_first"})";
        QTest::newRow("MaxPooling2D") << "MaxPooling2D" << R"({"pool_size": [3, 2], "padding": "same"})";
        QTest::newRow("AveragePooling2D") << "AveragePooling2D" << R"({"strides": 1})";
        QTest::newRow("GlobalMaxPooling1D") << "GlobalMaxPooling1D" << R"({"keepdims": true})";
        QTest::newRow("GlobalAveragePooling1D") << "GlobalAveragePooling1D" << R"({"data_format": "channels_first"})";
        QTest::newRow("GlobalMaxPooling2D") << "GlobalMaxPooling2D" << R"({})";
        QTest::newRow("GlobalAveragePooling2D") << "GlobalAveragePooling2D" << R"({"keepdims": true})";
    }
    void roundTrip() {
        QFETCH(QString, cls);
        QFETCH(QString, kwargs);
        auto l = make(cls.toStdString(), Json::parse(kwargs.toStdString()));
        Json cfg = l->getConfig();
        auto again = LayerRegistry::instance().create(cls.toStdString(), cfg, false);
        QCOMPARE(again->getConfig(), cfg);
        QCOMPARE(QString::fromStdString(again->className()), cls);
        // every spec key appears in the config
        for (const auto& p : LayerRegistry::instance().get(cls.toStdString()).params)
            QVERIFY2(cfg.contains(p.name), p.name.c_str());
    }

    void keras2ConfigsAndAliases() {
        // A Keras 2 (tf.keras) config with base-layer keys, loaded non-strictly.
        Json k2 = Json::parse(R"({"name": "max_pooling2d_3", "trainable": true, "dtype": "float32",
            "pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"})");
        auto l = LayerRegistry::instance().create("MaxPooling2D", k2, false);
        QCOMPARE(QString::fromStdString(l->name()), QString("max_pooling2d_3"));
        QCOMPARE(l->getConfig()["strides"], Json::array({2, 2}));
        Json g2 = Json::parse(R"({"name": "gap", "trainable": true, "dtype": "float32", "data_format": "channels_last"})");
        auto g = LayerRegistry::instance().create("GlobalAveragePooling2D", g2, false);
        QCOMPARE(g->getConfig()["keepdims"], Json(false));
        // data_format None means channels_last
        auto n = make("AveragePooling1D", {{"data_format", nullptr}});
        QCOMPARE(n->getConfig()["data_format"], Json("channels_last"));
        // Keras's short names
        for (const char* alias : {"MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D", "GlobalMaxPool1D",
                                  "GlobalMaxPool2D", "GlobalAvgPool1D", "GlobalAvgPool2D"}) {
            auto a = LayerRegistry::instance().create(alias, Json::object(), true);
            QVERIFY(a->className().find("Pooling") != std::string::npos);
        }
        QCOMPARE(QString::fromStdString(make("MaxPool2D")->className()), QString("MaxPooling2D"));
    }

    // ---- shapes -------------------------------------------------------------------------------

    void outputShapes_data() {
        QTest::addColumn<QString>("cls");
        QTest::addColumn<QString>("kwargs");
        QTest::addColumn<QString>("in");
        QTest::addColumn<QString>("out");
        auto row = [](const char* name, const char* cls, const char* kw, const char* in, const char* out) {
            QTest::newRow(name) << cls << kw << in << out;
        };
        row("mp1 default", "MaxPooling1D", "{}", "[null, 7, 3]", "[null, 3, 3]");
        row("mp1 s1 valid", "MaxPooling1D", R"({"strides": 1})", "[null, 7, 3]", "[null, 6, 3]");
        row("mp1 same", "MaxPooling1D", R"({"padding": "same"})", "[null, 7, 3]", "[null, 4, 3]");
        row("mp1 k3 s2 same", "MaxPooling1D", R"({"pool_size": 3, "strides": 2, "padding": "same"})", "[4, 10, 2]",
            "[4, 5, 2]");
        row("mp1 None steps", "MaxPooling1D", "{}", "[null, null, 3]", "[null, null, 3]");
        row("ap1 channels_first", "AveragePooling1D", R"({"data_format": "channels_first"})", "[null, 3, 9]",
            "[null, 3, 4]");
        row("mp2 default", "MaxPooling2D", "{}", "[null, 28, 28, 1]", "[null, 14, 14, 1]");
        row("mp2 odd", "MaxPooling2D", "{}", "[null, 7, 5, 2]", "[null, 3, 2, 2]");
        row("mp2 same odd", "MaxPooling2D", R"({"padding": "same"})", "[null, 7, 5, 2]", "[null, 4, 3, 2]");
        row("mp2 3x2 s1", "MaxPooling2D", R"({"pool_size": [3, 2], "strides": 1})", "[2, 6, 6, 4]", "[2, 4, 5, 4]");
        row("mp2 s(2,1) same", "MaxPooling2D", R"({"pool_size": 3, "strides": [2, 1], "padding": "same"})",
            "[null, 9, 4, 8]", "[null, 5, 4, 8]");
        row("mp2 None dims", "MaxPooling2D", "{}", "[null, null, 10, 3]", "[null, null, 5, 3]");
        row("ap2 channels_first", "AveragePooling2D", R"({"data_format": "channels_first"})", "[null, 3, 8, 6]",
            "[null, 3, 4, 3]");
        row("ap2 cf same s1", "AveragePooling2D",
            R"({"pool_size": 3, "strides": 1, "padding": "same", "data_format": "channels_first"})",
            "[null, 3, 8, 6]", "[null, 3, 8, 6]");
        row("ap2 stride > pool", "AveragePooling2D", R"({"pool_size": 2, "strides": 3})", "[null, 8, 8, 1]",
            "[null, 3, 3, 1]");
        row("gmp1", "GlobalMaxPooling1D", "{}", "[null, 7, 3]", "[null, 3]");
        row("gmp1 keepdims", "GlobalMaxPooling1D", R"({"keepdims": true})", "[null, null, 3]", "[null, 1, 3]");
        row("gap1 cf", "GlobalAveragePooling1D", R"({"data_format": "channels_first"})", "[null, 3, 7]", "[null, 3]");
        row("gap1 cf keepdims", "GlobalAveragePooling1D", R"({"data_format": "channels_first", "keepdims": true})",
            "[null, 3, 7]", "[null, 3, 1]");
        row("gmp2", "GlobalMaxPooling2D", "{}", "[null, 5, 5, 16]", "[null, 16]");
        row("gap2 keepdims", "GlobalAveragePooling2D", R"({"keepdims": true})", "[null, null, null, 16]",
            "[null, 1, 1, 16]");
        row("gap2 cf keepdims", "GlobalAveragePooling2D", R"({"keepdims": true, "data_format": "channels_first"})",
            "[8, 16, 5, 5]", "[8, 16, 1, 1]");
    }
    void outputShapes() {
        QFETCH(QString, cls);
        QFETCH(QString, kwargs);
        QFETCH(QString, in);
        QFETCH(QString, out);
        auto toShape = [](const QString& s) {
            Shape sh;
            for (const auto& d : Json::parse(s.toStdString())) sh.dims().push_back(d.is_null() ? kNone : d.get<int64_t>());
            return sh;
        };
        auto l = make(cls.toStdString(), Json::parse(kwargs.toStdString()));
        Shape inS = toShape(in), outS = toShape(out);
        auto got = l->outputShapesFor({inS});
        QCOMPARE(got.size(), size_t(1));
        QCOMPARE(QString::fromStdString(got[0].toString()), QString::fromStdString(outS.toString()));
        // a concrete call agrees (None dims -> 5 for the batch, 12 for spatial dims)
        std::vector<int64_t> concrete;
        for (int i = 0; i < inS.rank(); ++i) concrete.push_back(inS[i] == kNone ? (i == 0 ? 2 : 12) : inS[i]);
        auto concreteOut = l->outputShapesFor({Shape(concrete)})[0];
        Tensor y = (*l)(testing::randomTensor(concrete));
        QCOMPARE(QString::fromStdString(y.shapeString()), QString::fromStdString(concreteOut.toString()));
    }

    // ---- forward values -----------------------------------------------------------------------

    void kerasDocExamples() {
        // keras.layers.MaxPooling1D docstring: x = [1, 2, 3, 4, 5]
        Tensor x = Tensor::of({1, 5, 1}, {1, 2, 3, 4, 5});
        QVERIFY(allClose((*layers::MaxPooling1D(2, {{"strides", 1}}))(x), Tensor::of({1, 4, 1}, {2, 3, 4, 5})));
        QVERIFY(allClose((*layers::MaxPooling1D(2, {{"strides", 2}}))(x), Tensor::of({1, 2, 1}, {2, 4})));
        QVERIFY(allClose((*layers::MaxPooling1D(2, {{"strides", 1}, {"padding", "same"}}))(x),
                         Tensor::of({1, 5, 1}, {2, 3, 4, 5, 5})));
        // keras.layers.AveragePooling2D docstring: 3x3 image 1..9
        Tensor img = Tensor::of({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
        QVERIFY(allClose((*layers::AveragePooling2D(2, {{"strides", 1}}))(img), Tensor::of({1, 2, 2, 1}, {3, 4, 6, 7})));
        // "same": the padded positions are not counted (TF): the last column averages 2 values.
        QVERIFY(allClose((*layers::AveragePooling2D(2, {{"strides", 1}, {"padding", "same"}}))(img),
                         Tensor::of({1, 3, 3, 1}, {3, 4, 4.5f, 6, 7, 7.5f, 7.5f, 8.5f, 9})));
        // 3x4 image, 2x2 valid stride 2
        Tensor img2 = Tensor::of({1, 3, 4, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        QVERIFY(allClose((*layers::AveragePooling2D(2))(img2), Tensor::of({1, 1, 2, 1}, {3.5f, 5.5f})));
        QVERIFY(allClose((*layers::MaxPooling2D(2))(img2), Tensor::of({1, 1, 2, 1}, {6, 8})));
        // max pooling ignores padding even for negative inputs (no zero padding)
        Tensor neg = Tensor::of({1, 3, 1}, {-3, -2, -1});
        QVERIFY(allClose((*layers::MaxPooling1D(2, {{"padding", "same"}}))(neg), Tensor::of({1, 2, 1}, {-2, -1})));
        // AveragePooling1D same, k=3, s=1 on [1, 2, 3, 4]: edges average 2 values
        Tensor v = Tensor::of({1, 4, 1}, {1, 2, 3, 4});
        QVERIFY(allClose((*layers::AveragePooling1D(3, {{"strides", 1}, {"padding", "same"}}))(v),
                         Tensor::of({1, 4, 1}, {1.5f, 2, 3, 3.5f})));
    }

    void windowedAgainstNaive_data() {
        QTest::addColumn<QString>("cls");
        QTest::addColumn<QString>("kwargs");
        QTest::addColumn<QString>("shape");
        const char* variants1[] = {
            R"({})", R"({"strides": 1})", R"({"padding": "same"})", R"({"pool_size": 3, "strides": 2, "padding": "same"})",
            R"({"pool_size": 4, "strides": 3})", R"({"pool_size": 2, "strides": 3, "padding": "same"})",
            R"({"data_format": "channels_first"})", R"({"pool_size": 3, "strides": 1, "padding": "same", "data_format": "channels_first"})",
        };
        const char* variants2[] = {
            R"({})", R"({"strides": 1})", R"({"padding": "same"})", R"({"pool_size": [3, 2], "strides": [2, 1], "padding": "same"})",
            R"({"pool_size": 3, "strides": 2})", R"({"pool_size": [2, 3], "strides": [3, 1], "padding": "same"})",
            R"({"data_format": "channels_first"})", R"({"pool_size": 3, "strides": 1, "padding": "same", "data_format": "channels_first"})",
            R"({"pool_size": [4, 3], "strides": [1, 2], "data_format": "channels_first"})",
        };
        int i = 0;
        for (const char* cls : {"MaxPooling1D", "AveragePooling1D"})
            for (const char* kw : variants1) {
                bool cf = std::string(kw).find("channels_first") != std::string::npos;
                QTest::newRow((std::string(cls) + " " + std::to_string(i++)).c_str())
                    << cls << kw << (cf ? "[3, 4, 11]" : "[3, 11, 4]");
            }
        for (const char* cls : {"MaxPooling2D", "AveragePooling2D"})
            for (const char* kw : variants2) {
                bool cf = std::string(kw).find("channels_first") != std::string::npos;
                QTest::newRow((std::string(cls) + " " + std::to_string(i++)).c_str())
                    << cls << kw << (cf ? "[2, 3, 7, 9]" : "[2, 7, 9, 3]");
            }
    }
    void windowedAgainstNaive() {
        QFETCH(QString, cls);
        QFETCH(QString, kwargs);
        QFETCH(QString, shape);
        auto l = std::dynamic_pointer_cast<BasePooling>(make(cls.toStdString(), Json::parse(kwargs.toStdString())));
        QVERIFY(l);
        std::vector<int64_t> s = Json::parse(shape.toStdString()).get<std::vector<int64_t>>();
        Tensor x = testing::randomTensor(s, 11);
        Tensor y = (*l)(x);
        Tensor ref = naivePool(x, l->mode() == PoolMode::Max, l->poolSize(), l->strides(), l->samePadding(),
                               l->channelsFirst());
        QCOMPARE(QString::fromStdString(y.shapeString()), QString::fromStdString(ref.shapeString()));
        QVERIFY2(allClose(y, ref, 1e-5f, 1e-6f), ("max diff " + std::to_string(maxAbsDiff(y, ref))).c_str());
        // recording for backward gives the same numbers
        CallContext ctx;
        ctx.recordForBackward = true;
        Tensors outs;
        l->call({&x}, outs, ctx);
        QVERIFY(allClose(outs[0], ref, 1e-5f, 1e-6f));
    }

    void globalAgainstNaive() {
        Tensor x = testing::randomTensor({3, 4, 5, 6}, 5);  // (B, H, W, C)
        const int64_t B = 3, H = 4, W = 5, C = 6;
        Tensor mx({B, C}), av({B, C});
        for (int64_t b = 0; b < B; ++b)
            for (int64_t c = 0; c < C; ++c) {
                float m = -1e30f;
                double s = 0;
                for (int64_t h = 0; h < H; ++h)
                    for (int64_t w = 0; w < W; ++w) {
                        float v = x.at({b, h, w, c});
                        m = std::max(m, v);
                        s += v;
                    }
                mx.at({b, c}) = m;
                av.at({b, c}) = float(s / (H * W));
            }
        QVERIFY(allClose((*layers::GlobalMaxPooling2D())(x), mx));
        QVERIFY(allClose((*layers::GlobalAveragePooling2D())(x), av));
        QVERIFY(allClose((*layers::GlobalMaxPooling2D({{"keepdims", true}}))(x), mx.reshaped({B, 1, 1, C})));
        QVERIFY(allClose((*layers::GlobalAveragePooling2D({{"keepdims", true}}))(x), av.reshaped({B, 1, 1, C})));
        Tensor xcf = toChannelsFirst(x);
        QVERIFY(allClose((*layers::GlobalMaxPooling2D({{"data_format", "channels_first"}}))(xcf), mx));
        QVERIFY(allClose((*layers::GlobalAveragePooling2D({{"data_format", "channels_first"}, {"keepdims", true}}))(xcf),
                         av.reshaped({B, C, 1, 1})));
        // 1D: fold (H, W) into steps
        Tensor x1 = x.reshaped({B, H * W, C});
        QVERIFY(allClose((*layers::GlobalMaxPooling1D())(x1), mx));
        QVERIFY(allClose((*layers::GlobalAveragePooling1D())(x1), av));
        QVERIFY(allClose((*layers::GlobalAveragePooling1D({{"keepdims", true}}))(x1), av.reshaped({B, 1, C})));
        Tensor x1cf = toChannelsFirst(x1);
        QVERIFY(allClose((*layers::GlobalMaxPooling1D({{"data_format", "channels_first"}, {"keepdims", true}}))(x1cf),
                         mx.reshaped({B, C, 1})));
        QVERIFY(allClose((*layers::GlobalAveragePooling1D({{"data_format", "channels_first"}}))(x1cf), av));
    }

    // ---- masks --------------------------------------------------------------------------------

    void globalAverage1DMask() {
        // (2, 3, 2); row 0 keeps steps 0 and 2, row 1 keeps step 1 only
        Tensor x = Tensor::of({2, 3, 2}, {1, 10, 2, 20, 4, 40, 5, 50, 6, 60, 7, 70});
        Tensor mask = Tensor::of({2, 3}, {1, 0, 1, 0, 1, 0});
        auto gap = layers::GlobalAveragePooling1D();
        QVERIFY(gap->supportsMasking());
        CallContext ctx = maskedContext(&mask);
        Tensors outs;
        gap->call({&x}, outs, ctx);
        QVERIFY(allClose(outs[0], Tensor::of({2, 2}, {2.5f, 25, 6, 60})));
        // the mask is consumed
        QVERIFY(!gap->computeMask({&x}, {&mask}).has_value());
        // backward: gradient only on unmasked steps, divided by their count
        Tensor g = Tensor::of({2, 2}, {1, 2, 3, 4});
        Tensors grads;
        gap->backward({&x}, outs, {&g}, grads, ctx);
        QVERIFY(allClose(grads[0], Tensor::of({2, 3, 2}, {0.5f, 1, 0, 0, 0.5f, 1, 0, 0, 3, 4, 0, 0})));
        // channels_first: mask still (batch, steps)
        auto gapcf = layers::GlobalAveragePooling1D({{"data_format", "channels_first"}});
        Tensor xcf = toChannelsFirst(x);
        CallContext ctx2 = maskedContext(&mask);
        Tensors outs2;
        gapcf->call({&xcf}, outs2, ctx2);
        QVERIFY(allClose(outs2[0], Tensor::of({2, 2}, {2.5f, 25, 6, 60})));
        Tensors grads2;
        gapcf->backward({&xcf}, outs2, {&g}, grads2, ctx2);
        QVERIFY(allClose(grads2[0], toChannelsFirst(grads[0])));
        // a mask of the wrong shape
        Tensor bad = Tensor::of({2, 2}, {1, 1, 1, 1});
        CallContext ctx3 = maskedContext(&bad);
        QVERIFY_THROWS_EXCEPTION(ShapeError, gap->call({&x}, outs, ctx3));
    }

    void otherPoolingIgnoresMasks() {
        Tensor x = Tensor::of({1, 3, 1}, {1, 9, 2});
        Tensor mask = Tensor::of({1, 3}, {1, 0, 1});
        // Keras's GlobalMaxPooling1D has no mask support: it takes the max over every step.
        auto gmp = layers::GlobalMaxPooling1D();
        CallContext ctx = maskedContext(&mask);
        Tensors outs;
        gmp->call({&x}, outs, ctx);
        QVERIFY(allClose(outs[0], Tensor::of({1, 1}, {9})));
        QVERIFY(!gmp->computeMask({&x}, {&mask}).has_value());
        auto mp = layers::MaxPooling1D();
        QVERIFY(!mp->computeMask({&x}, {&mask}).has_value());
        auto ap = layers::AveragePooling2D();
        QVERIFY(!ap->computeMask({&x}, {&mask}).has_value());
    }

    // ---- errors -------------------------------------------------------------------------------

    void badConfigs() {
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::MaxPooling2D(0));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::MaxPooling2D({2, 2, 2}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::MaxPooling2D(2, {{"padding", "causal"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::MaxPooling2D(2, {{"strides", 0}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::AveragePooling1D(2, {{"data_format", "nhwc"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::AveragePooling1D(2, {{"pool_sise", 2}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::GlobalAveragePooling2D({{"keepdims", 1}}));
    }

    void badShapes() {
        auto mp = layers::MaxPooling2D();
        try {
            mp->outputShapesFor({Shape{kNone, 28, 28}});
            QFAIL("expected ShapeError");
        } catch (const ShapeError& e) {
            std::string m = e.what();
            QVERIFY2(m.find("'max_pooling2d'") != std::string::npos, m.c_str());
            QVERIFY2(m.find("input 0") != std::string::npos, m.c_str());
            QVERIFY2(m.find("(None, 28, 28)") != std::string::npos, m.c_str());
        }
        // valid pooling on a too small input
        auto big = layers::MaxPooling2D(5);
        QVERIFY_THROWS_EXCEPTION(ShapeError, big->outputShapesFor({Shape{kNone, 4, 8, 1}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*big)(Tensor({1, 4, 8, 1})));
        // same padding is fine
        QCOMPARE(layers::MaxPooling2D(5, {{"padding", "same"}})->outputShapesFor({Shape{kNone, 4, 8, 1}})[0],
                 (Shape{kNone, 1, 2, 1}));
        // forward on a tensor of the wrong rank
        auto ap1 = layers::AveragePooling1D();
        (*ap1)(Tensor({2, 6, 3}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*ap1)(Tensor({2, 6, 3, 1})));
        auto g2 = layers::GlobalMaxPooling2D();
        QVERIFY_THROWS_EXCEPTION(ShapeError, g2->outputShapesFor({Shape{kNone, 3}}));
        (*g2)(Tensor({1, 2, 2, 3}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*g2)(Tensor({1, 2, 3})));
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::GlobalAveragePooling1D()->outputShapesFor({Shape{kNone, 2, 3, 4}}));
    }

    // ---- steady state -------------------------------------------------------------------------

    void steadyStateReusesBuffers() {
        auto mp = layers::MaxPooling2D(2);
        Tensor x = testing::randomTensor({4, 8, 8, 16});
        Tensor g = testing::randomTensor({4, 4, 4, 16}, 3);
        std::unique_ptr<LayerCache> slot;
        Tensors outs, grads;
        const float* outPtr = nullptr;
        const float* gradPtr = nullptr;
        for (int step = 0; step < 3; ++step) {
            CallContext ctx;
            ctx.training = true;
            ctx.cacheSlot = &slot;
            mp->call({&x}, outs, ctx);
            mp->backward({&x}, outs, {&g}, grads, ctx);
            if (step == 0) {
                outPtr = outs[0].data();
                gradPtr = grads[0].data();
            } else {
                QCOMPARE(outs[0].data(), outPtr);
                QCOMPARE(grads[0].data(), gradPtr);
            }
        }
        // each output gradient lands on the argmax of its window
        for (int64_t b = 0; b < 4; ++b)
            for (int64_t oh = 0; oh < 4; ++oh)
                for (int64_t ow = 0; ow < 4; ++ow)
                    for (int64_t c = 0; c < 16; ++c) {
                        float best = -1e30f;
                        int64_t bh = 0, bw = 0;
                        for (int64_t i = 0; i < 2; ++i)
                            for (int64_t j = 0; j < 2; ++j)
                                if (x.at({b, 2 * oh + i, 2 * ow + j, c}) > best) {
                                    best = x.at({b, 2 * oh + i, 2 * ow + j, c});
                                    bh = 2 * oh + i;
                                    bw = 2 * ow + j;
                                }
                        QCOMPARE(grads[0].at({b, bh, bw, c}), g.at({b, oh, ow, c}));
                    }
    }

    void backwardWithoutRecordedForward() {
        // backward after an inference-only forward still works (maxima found again)
        auto mp = layers::MaxPooling1D(2);
        Tensor x = Tensor::of({1, 4, 1}, {1, 3, 5, 2});
        Tensor g = Tensor::of({1, 2, 1}, {10, 20});
        CallContext ctx;
        Tensors outs, grads;
        mp->call({&x}, outs, ctx);
        mp->backward({&x}, outs, {&g}, grads, ctx);
        QVERIFY(allClose(grads[0], Tensor::of({1, 4, 1}, {0, 10, 20, 0})));
        auto gm = layers::GlobalMaxPooling1D();
        CallContext ctx2;
        gm->call({&x}, outs, ctx2);
        Tensor g2 = Tensor::of({1, 1}, {7});
        gm->backward({&x}, outs, {&g2}, grads, ctx2);
        QVERIFY(allClose(grads[0], Tensor::of({1, 4, 1}, {0, 0, 7, 0})));
    }

    // ---- gradients ----------------------------------------------------------------------------

    void gradients_data() {
        QTest::addColumn<QString>("cls");
        QTest::addColumn<QString>("kwargs");
        QTest::addColumn<QString>("shape");
        auto row = [](const char* name, const char* cls, const char* kw, const char* shape) {
            QTest::newRow(name) << cls << kw << shape;
        };
        row("mp1 valid", "MaxPooling1D", "{}", "[2, 7, 3]");
        row("mp1 same k3 s2", "MaxPooling1D", R"({"pool_size": 3, "strides": 2, "padding": "same"})", "[2, 7, 3]");
        row("mp1 overlap cf", "MaxPooling1D", R"({"pool_size": 3, "strides": 1, "data_format": "channels_first"})", "[2, 3, 7]");
        row("ap1 valid", "AveragePooling1D", "{}", "[2, 7, 3]");
        row("ap1 same s1", "AveragePooling1D", R"({"pool_size": 3, "strides": 1, "padding": "same"})", "[2, 7, 3]");
        row("ap1 cf same", "AveragePooling1D", R"({"padding": "same", "data_format": "channels_first"})", "[2, 3, 7]");
        row("mp2 valid", "MaxPooling2D", "{}", "[2, 5, 6, 3]");
        row("mp2 same 3x3 s2", "MaxPooling2D", R"({"pool_size": 3, "strides": 2, "padding": "same"})", "[2, 5, 6, 3]");
        row("mp2 overlap s1", "MaxPooling2D", R"({"pool_size": [2, 3], "strides": 1})", "[1, 5, 6, 2]");
        row("mp2 cf same", "MaxPooling2D", R"({"padding": "same", "data_format": "channels_first"})", "[2, 3, 5, 5]");
        row("ap2 valid", "AveragePooling2D", "{}", "[2, 5, 6, 3]");
        row("ap2 same 3x3 s1", "AveragePooling2D", R"({"pool_size": 3, "strides": 1, "padding": "same"})", "[1, 5, 6, 2]");
        row("ap2 cf s(1,2)", "AveragePooling2D", R"({"pool_size": [3, 2], "strides": [1, 2], "data_format": "channels_first"})", "[2, 2, 5, 6]");
        row("gmp1", "GlobalMaxPooling1D", "{}", "[3, 5, 4]");
        row("gmp1 cf keepdims", "GlobalMaxPooling1D", R"({"data_format": "channels_first", "keepdims": true})", "[3, 4, 5]");
        row("gap1", "GlobalAveragePooling1D", "{}", "[3, 5, 4]");
        row("gap1 cf", "GlobalAveragePooling1D", R"({"data_format": "channels_first"})", "[3, 4, 5]");
        row("gmp2", "GlobalMaxPooling2D", "{}", "[2, 3, 4, 5]");
        row("gmp2 cf", "GlobalMaxPooling2D", R"({"data_format": "channels_first"})", "[2, 5, 3, 4]");
        row("gap2 keepdims", "GlobalAveragePooling2D", R"({"keepdims": true})", "[2, 3, 4, 5]");
        row("gap2 cf", "GlobalAveragePooling2D", R"({"data_format": "channels_first"})", "[2, 5, 3, 4]");
    }
    void gradients() {
        QFETCH(QString, cls);
        QFETCH(QString, kwargs);
        QFETCH(QString, shape);
        auto l = make(cls.toStdString(), Json::parse(kwargs.toStdString()));
        QVERIFY(l->supportsBackward());
        std::vector<int64_t> s = Json::parse(shape.toStdString()).get<std::vector<int64_t>>();
        testing::GradCheckOptions opt;
        opt.maxChecksPerTensor = 1000;  // every element
        STRATA_GRADCHECK(*l, {distinctTensor(s, 17)}, opt);
        opt.training = true;
        STRATA_GRADCHECK(*l, {distinctTensor(s, 19)}, opt);
    }

    void maskedGlobalAverageGradient() {
        // finite differences through the masked path
        auto gap = layers::GlobalAveragePooling1D();
        Tensor x = testing::randomTensor({3, 4, 2}, 23);
        Tensor mask = Tensor::of({3, 4}, {1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1});
        Tensor proj = testing::randomTensor({3, 2}, 29);
        auto loss = [&](const Tensor& in) {
            CallContext c = maskedContext(&mask, false);
            Tensors o;
            gap->call({&in}, o, c);
            double l = 0;
            for (int64_t i = 0; i < o[0].size(); ++i) l += double(o[0][i]) * proj[i];
            return l;
        };
        CallContext ctx = maskedContext(&mask);
        Tensors outs, grads;
        gap->call({&x}, outs, ctx);
        gap->backward({&x}, outs, {&proj}, grads, ctx);
        for (int64_t i = 0; i < x.size(); ++i) {
            Tensor xp = x, xm = x;
            xp[i] += 1e-2f;
            xm[i] -= 1e-2f;
            double num = (loss(xp) - loss(xm)) / 2e-2;
            QVERIFY2(std::fabs(num - grads[0][i]) < 1e-3, std::to_string(i).c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestPoolingLayers)
#include "test_pooling_layers.moc"
