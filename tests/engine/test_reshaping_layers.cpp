// Reshaping layers: Flatten, Reshape, Permute, RepeatVector, UpSampling1D/2D, ZeroPadding1D/2D,
// Cropping1D/2D. Config defaults and round trips, shapes with None dims, forward values against
// naive loops written here, every data_format / padding form, shape errors and gradients.
#include <QtTest/QtTest>

#include <cmath>

#include "engine/core/errors.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/reshaping/cropping1d.h"
#include "engine/layers/reshaping/cropping2d.h"
#include "engine/layers/reshaping/flatten.h"
#include "engine/layers/reshaping/permute.h"
#include "engine/layers/reshaping/repeat_vector.h"
#include "engine/layers/reshaping/reshape.h"
#include "engine/layers/reshaping/up_sampling1d.h"
#include "engine/layers/reshaping/up_sampling2d.h"
#include "engine/layers/reshaping/zero_padding1d.h"
#include "engine/layers/reshaping/zero_padding2d.h"
#include "tests/support/gradcheck.h"

using namespace strata;

namespace {

/// Tensor with values 0, 1, 2, ... (like np.arange(n).reshape(shape)).
Tensor arange(std::vector<int64_t> shape) {
    Tensor t(std::move(shape));
    for (int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
    return t;
}

/// getConfig -> registry create -> getConfig gives the same config.
void checkRoundTrip(const Layer& layer) {
    Json cfg = layer.getConfig();
    auto copy = LayerRegistry::instance().create(layer.className(), cfg, false);
    QCOMPARE(QString::fromStdString(copy->getConfig().dump()), QString::fromStdString(cfg.dump()));
    // and strict mode accepts what getConfig emits
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

}  // namespace

class TestReshapingLayers : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    // ---- registry ------------------------------------------------------------------------------
    void registered() {
        for (const char* c : {"Flatten", "Reshape", "Permute", "RepeatVector", "UpSampling1D", "UpSampling2D",
                              "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D"}) {
            const LayerSpec* s = LayerRegistry::instance().find(c);
            QVERIFY2(s, c);
            QCOMPARE(int(s->category), int(LayerCategory::Reshaping));
            QCOMPARE(s->arity.min, 1);
            QCOMPARE(s->arity.max, 1);
        }
    }

    // ---- Flatten -------------------------------------------------------------------------------
    void flattenConfig() {
        auto f = layers::Flatten();
        QCOMPARE(QString::fromStdString(f->name()), QString("flatten"));
        Json c = f->getConfig();
        QCOMPARE(c["data_format"].get<std::string>(), std::string("channels_last"));
        QCOMPARE(c["trainable"].get<bool>(), true);
        checkRoundTrip(*f);
        auto n = layers::Flatten({{"data_format", nullptr}});
        QCOMPARE(n->getConfig()["data_format"].get<std::string>(), std::string("channels_last"));
        auto cf = layers::Flatten({{"data_format", "channels_first"}});
        QVERIFY(cf->channelsFirst());
        checkRoundTrip(*cf);
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Flatten({{"data_format", "nchw"}}));
        f->build({Shape{kNone, 3, 4}});
        QCOMPARE(f->countParams(), int64_t(0));
    }

    void flattenShapes() {
        auto f = layers::Flatten();
        QCOMPARE(f->outputShapesFor({Shape{kNone, 10, 64}})[0], (Shape{kNone, 640}));
        QCOMPARE(f->outputShapesFor({Shape{kNone, 2, 3, 4}})[0], (Shape{kNone, 24}));
        QCOMPARE(f->outputShapesFor({Shape{kNone, kNone, 3}})[0], (Shape{kNone, kNone}));
        QCOMPARE(f->outputShapesFor({Shape{kNone}})[0], (Shape{kNone, 1}));
        QCOMPARE(f->outputShapesFor({Shape{5, 2, 2}})[0], (Shape{5, 4}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, f->outputShapesFor({Shape{}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, f->outputShapesFor({Shape{kNone, 2}, Shape{kNone, 2}}));
    }

    void flattenForward() {
        Tensor x = arange({2, 3, 2, 2});
        auto last = layers::Flatten();
        Tensor y = (*last)(x);
        QCOMPARE(y.shape(), (std::vector<int64_t>{2, 12}));
        QCOMPARE(y.values(), x.values());
        // channels_first: (b, c, h, w) is read as channels-last (b, h, w, c) before flattening.
        auto first = layers::Flatten({{"data_format", "channels_first"}});
        Tensor z = (*first)(x);
        QCOMPARE(z.shape(), (std::vector<int64_t>{2, 12}));
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t c = 0; c < 3; ++c)
                for (int64_t h = 0; h < 2; ++h)
                    for (int64_t w = 0; w < 2; ++w)
                        QCOMPARE(z.at({b, (h * 2 + w) * 3 + c}), x.at({b, c, h, w}));
        // rank 2 channels_first: transposing (0, 1) is the identity
        Tensor r2 = arange({2, 5});
        QCOMPARE((*first)(r2).values(), r2.values());
        // rank 1: (batch,) -> (batch, 1)
        auto one = layers::Flatten();
        Tensor v = (*one)(Tensor::of({3}, {1, 2, 3}));
        QCOMPARE(v.shape(), (std::vector<int64_t>{3, 1}));
        // ids pass through with their dtype
        Tensor ids({2, 2, 2}, 1.0f, DType::Int32);
        auto fi = layers::Flatten();
        QCOMPARE(int((*fi)(ids).dtype()), int(DType::Int32));
        QCOMPARE(int(fi->computeOutputDType({DType::Int32})[0]), int(DType::Int32));
    }

    void flattenGradients() {
        auto a = layers::Flatten();
        STRATA_GRADCHECK(*a, {testing::randomTensor({2, 3, 2, 2}, 1)});
        auto b = layers::Flatten({{"data_format", "channels_first"}});
        STRATA_GRADCHECK(*b, {testing::randomTensor({2, 3, 2, 2}, 2)});
        auto c = layers::Flatten({{"data_format", "channels_first"}});
        STRATA_GRADCHECK(*c, {testing::randomTensor({2, 2, 3}, 3)});
    }

    // ---- Reshape -------------------------------------------------------------------------------
    void reshapeConfig() {
        auto r = layers::Reshape({3, 4});
        QCOMPARE(r->getConfig()["target_shape"], Json::array({3, 4}));
        checkRoundTrip(*r);
        QVERIFY_THROWS_EXCEPTION(ConfigError, LayerRegistry::instance().create("Reshape", Json::object()));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Reshape({-1, 2, -1}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Reshape({0, 2}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Reshape({-2, 2}));
        r->build({Shape{kNone, 12}});
        QCOMPARE(r->countParams(), int64_t(0));
    }

    void reshapeShapes() {
        QCOMPARE(layers::Reshape({3, 4})->outputShapesFor({Shape{kNone, 12}})[0], (Shape{kNone, 3, 4}));
        QCOMPARE(layers::Reshape({-1, 2, 2})->outputShapesFor({Shape{kNone, 12}})[0], (Shape{kNone, 3, 2, 2}));
        QCOMPARE(layers::Reshape({6, -1})->outputShapesFor({Shape{4, 3, 4}})[0], (Shape{4, 6, 2}));
        // unknown input dims: -1 becomes None, a known target is taken as is
        QCOMPARE(layers::Reshape({-1, 2})->outputShapesFor({Shape{kNone, kNone, 4}})[0], (Shape{kNone, kNone, 2}));
        QCOMPARE(layers::Reshape({5, 2})->outputShapesFor({Shape{kNone, kNone}})[0], (Shape{kNone, 5, 2}));
        QCOMPARE(layers::Reshape({1})->outputShapesFor({Shape{kNone}})[0], (Shape{kNone, 1}));
        // the element count must be kept: ShapeError naming both shapes
        auto bad = layers::Reshape({5, 2});
        std::string msg = shapeErrorOf([&] { bad->outputShapesFor({Shape{kNone, 12}}); });
        QVERIFY2(contains(msg, "(None, 12)") && contains(msg, "(5, 2)") && contains(msg, "'reshape"), msg.c_str());
        std::string msg2 = shapeErrorOf([&] { layers::Reshape({-1, 2})->outputShapesFor({Shape{kNone, 7}}); });
        QVERIFY2(contains(msg2, "(None, 7)") && contains(msg2, "(-1, 2)"), msg2.c_str());
    }

    void reshapeForward() {
        auto r = layers::Reshape({-1, 2});
        Tensor x = arange({2, 3, 4});
        Tensor y = (*r)(x);
        QCOMPARE(y.shape(), (std::vector<int64_t>{2, 6, 2}));
        QCOMPARE(y.values(), x.values());
        // built for (None, None, 4): a call with 3 x 5 = 15 elements per sample cannot fit (-1, 2)
        auto r2 = layers::Reshape({-1, 2});
        r2->build({Shape{kNone, kNone, 5}});
        Tensor odd = arange({2, 3, 5});
        std::string msg = shapeErrorOf([&] { (*r2)(odd); });
        QVERIFY2(contains(msg, "(2, 3, 5)") && contains(msg, "(-1, 2)"), msg.c_str());
        // batch of any size
        auto r3 = layers::Reshape({2, 2});
        QCOMPARE((*r3)(arange({5, 4})).shape(), (std::vector<int64_t>{5, 2, 2}));
        QCOMPARE((*r3)(arange({1, 4})).shape(), (std::vector<int64_t>{1, 2, 2}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*r3)(arange({1, 5})));
    }

    void reshapeGradients() {
        auto r = layers::Reshape({-1, 3});
        STRATA_GRADCHECK(*r, {testing::randomTensor({2, 2, 3}, 4)});
    }

    // ---- Permute -------------------------------------------------------------------------------
    void permuteConfigAndShapes() {
        auto p = layers::Permute({2, 1});
        QCOMPARE(p->getConfig()["dims"], Json::array({2, 1}));
        checkRoundTrip(*p);
        QCOMPARE(p->outputShapesFor({Shape{kNone, 10, 64}})[0], (Shape{kNone, 64, 10}));
        QCOMPARE(layers::Permute({3, 1, 2})->outputShapesFor({Shape{kNone, 2, kNone, 4}})[0],
                 (Shape{kNone, 4, 2, kNone}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Permute({1, 3}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Permute({0, 1}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Permute({1, 1}));
        std::string msg = shapeErrorOf([&] { p->outputShapesFor({Shape{kNone, 2, 3, 4}}); });
        QVERIFY2(contains(msg, "rank 3") && contains(msg, "(None, 2, 3, 4)"), msg.c_str());
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*p)(arange({2, 3})));
    }

    void permuteForward() {
        auto p = layers::Permute({3, 1, 2});
        Tensor x = arange({2, 3, 4, 5});
        Tensor y = (*p)(x);
        QCOMPARE(y.shape(), (std::vector<int64_t>{2, 5, 3, 4}));
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t i = 0; i < 3; ++i)
                for (int64_t j = 0; j < 4; ++j)
                    for (int64_t k = 0; k < 5; ++k) QCOMPARE(y.at({b, k, i, j}), x.at({b, i, j, k}));
        auto q = layers::Permute({2, 1});
        Tensor m = Tensor::of({1, 2, 3}, {1, 2, 3, 4, 5, 6});
        QVERIFY(allClose((*q)(m), Tensor::of({1, 3, 2}, {1, 4, 2, 5, 3, 6})));
    }

    void permuteGradients() {
        auto p = layers::Permute({3, 1, 2});
        STRATA_GRADCHECK(*p, {testing::randomTensor({2, 2, 3, 4}, 5)});
        auto q = layers::Permute({2, 1});
        STRATA_GRADCHECK(*q, {testing::randomTensor({2, 3, 4}, 6)});
    }

    // ---- RepeatVector --------------------------------------------------------------------------
    void repeatVector() {
        auto r = layers::RepeatVector(3);
        QCOMPARE(r->getConfig()["n"].get<int>(), 3);
        checkRoundTrip(*r);
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::RepeatVector(0));
        QVERIFY_THROWS_EXCEPTION(ConfigError, LayerRegistry::instance().create("RepeatVector", Json::object()));
        QCOMPARE(r->outputShapesFor({Shape{kNone, 32}})[0], (Shape{kNone, 3, 32}));
        QCOMPARE(r->outputShapesFor({Shape{kNone, kNone}})[0], (Shape{kNone, 3, kNone}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, r->outputShapesFor({Shape{kNone, 2, 3}}));
        Tensor y = (*r)(Tensor::of({2, 2}, {1, 2, 3, 4}));
        QVERIFY(allClose(y, Tensor::of({2, 3, 2}, {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4})));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*r)(arange({2, 2, 2})));
        STRATA_GRADCHECK(*r, {testing::randomTensor({2, 4}, 7)});
    }

    // ---- UpSampling1D --------------------------------------------------------------------------
    void upSampling1D() {
        auto u = layers::UpSampling1D();
        QCOMPARE(u->getConfig()["size"].get<int>(), 2);
        checkRoundTrip(*u);
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::UpSampling1D(0));
        QCOMPARE(u->outputShapesFor({Shape{kNone, 5, 3}})[0], (Shape{kNone, 10, 3}));
        QCOMPARE(u->outputShapesFor({Shape{kNone, kNone, 3}})[0], (Shape{kNone, kNone, 3}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, u->outputShapesFor({Shape{kNone, 5}}));
        // Keras docstring example
        Tensor y = (*u)(arange({2, 2, 3}));
        QVERIFY(allClose(y, Tensor::of({2, 4, 3}, {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5,  //
                                                   6, 7, 8, 6, 7, 8, 9, 10, 11, 9, 10, 11})));
        auto u3 = layers::UpSampling1D(3);
        Tensor x = arange({1, 2, 2});
        Tensor z = (*u3)(x);
        QCOMPARE(z.shape(), (std::vector<int64_t>{1, 6, 2}));
        for (int64_t t = 0; t < 6; ++t)
            for (int64_t f = 0; f < 2; ++f) QCOMPARE(z.at({0, t, f}), x.at({0, t / 3, f}));
        STRATA_GRADCHECK(*u3, {testing::randomTensor({2, 3, 2}, 8)});
    }

    // ---- UpSampling2D --------------------------------------------------------------------------
    void upSampling2DConfig() {
        auto u = layers::UpSampling2D();
        Json c = u->getConfig();
        QCOMPARE(c["size"], Json::array({2, 2}));
        QCOMPARE(c["data_format"].get<std::string>(), std::string("channels_last"));
        QCOMPARE(c["interpolation"].get<std::string>(), std::string("nearest"));
        checkRoundTrip(*u);
        auto v = layers::UpSampling2D(3, {{"interpolation", "BILINEAR"}, {"data_format", "channels_first"}});
        QCOMPARE(v->getConfig()["size"], Json::array({3, 3}));
        QCOMPARE(v->getConfig()["interpolation"].get<std::string>(), std::string("bilinear"));
        checkRoundTrip(*v);
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::UpSampling2D({0, 2}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::UpSampling2D({1, 2, 3}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::UpSampling2D(2, {{"interpolation", "cubic"}}));
    }

    void upSampling2DShapes() {
        QCOMPARE(layers::UpSampling2D({2, 3})->outputShapesFor({Shape{kNone, 4, 5, 6}})[0], (Shape{kNone, 8, 15, 6}));
        QCOMPARE(layers::UpSampling2D({2, 3}, {{"data_format", "channels_first"}})->outputShapesFor({Shape{kNone, 6, 4, kNone}})[0],
                 (Shape{kNone, 6, 8, kNone}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::UpSampling2D()->outputShapesFor({Shape{kNone, 4, 5}}));
    }

    void upSampling2DNearest() {
        // Keras docstring: size (1, 2) on np.arange(12).reshape(2, 2, 1, 3)
        auto u = layers::UpSampling2D({1, 2});
        Tensor y = (*u)(arange({2, 2, 1, 3}));
        QVERIFY(allClose(y, Tensor::of({2, 2, 2, 3}, {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5,  //
                                                      6, 7, 8, 6, 7, 8, 9, 10, 11, 9, 10, 11})));
        // both layouts against a naive loop
        Tensor x = arange({2, 3, 2, 2});  // channels_last (b, h, w, c) or channels_first (b, c, h, w)
        auto cl = layers::UpSampling2D({2, 3});
        Tensor a = (*cl)(x);
        QCOMPARE(a.shape(), (std::vector<int64_t>{2, 6, 6, 2}));
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t h = 0; h < 6; ++h)
                for (int64_t w = 0; w < 6; ++w)
                    for (int64_t c = 0; c < 2; ++c) QCOMPARE(a.at({b, h, w, c}), x.at({b, h / 2, w / 3, c}));
        auto cf = layers::UpSampling2D({2, 3}, {{"data_format", "channels_first"}});
        Tensor f = (*cf)(x);
        QCOMPARE(f.shape(), (std::vector<int64_t>{2, 3, 4, 6}));
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t c = 0; c < 3; ++c)
                for (int64_t h = 0; h < 4; ++h)
                    for (int64_t w = 0; w < 6; ++w) QCOMPARE(f.at({b, c, h, w}), x.at({b, c, h / 2, w / 3}));
    }

    void upSampling2DBilinear() {
        // tf.image.resize([[1, 2], [3, 4]], (4, 4), "bilinear") (half-pixel centers)
        auto u = layers::UpSampling2D(2, {{"interpolation", "bilinear"}});
        Tensor y = (*u)(Tensor::of({1, 2, 2, 1}, {1, 2, 3, 4}));
        QVERIFY(allClose(y, Tensor::of({1, 4, 4, 1}, {1.0f, 1.25f, 1.75f, 2.0f, 1.5f, 1.75f, 2.25f, 2.5f,  //
                                                      2.5f, 2.75f, 3.25f, 3.5f, 3.0f, 3.25f, 3.75f, 4.0f}),
                         0, 1e-6f));
        // general factors and channels against an independent double-precision formula
        Tensor x = testing::randomTensor({2, 3, 4, 2}, 11);
        auto v = layers::UpSampling2D({3, 2}, {{"interpolation", "bilinear"}});
        Tensor z = (*v)(x);
        QCOMPARE(z.shape(), (std::vector<int64_t>{2, 9, 8, 2}));
        auto src = [](int64_t o, int64_t in, int64_t out, int64_t& lo, int64_t& hi, double& t) {
            double c = (o + 0.5) * double(in) / double(out) - 0.5;
            double fl = std::floor(c);
            lo = std::max<int64_t>(int64_t(fl), 0);
            hi = std::min<int64_t>(int64_t(std::ceil(c)), in - 1);
            t = c - fl;
        };
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t oh = 0; oh < 9; ++oh)
                for (int64_t ow = 0; ow < 8; ++ow)
                    for (int64_t c = 0; c < 2; ++c) {
                        int64_t h0, h1, w0, w1;
                        double th, tw;
                        src(oh, 3, 9, h0, h1, th);
                        src(ow, 4, 8, w0, w1, tw);
                        double v00 = x.at({b, h0, w0, c}), v01 = x.at({b, h0, w1, c});
                        double v10 = x.at({b, h1, w0, c}), v11 = x.at({b, h1, w1, c});
                        double e = (1 - th) * ((1 - tw) * v00 + tw * v01) + th * ((1 - tw) * v10 + tw * v11);
                        QVERIFY(std::fabs(z.at({b, oh, ow, c}) - e) < 1e-5);
                    }
        // channels_first gives the transposed result
        auto w = layers::UpSampling2D({3, 2}, {{"interpolation", "bilinear"}, {"data_format", "channels_first"}});
        Tensor xcf({2, 2, 3, 4});
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t c = 0; c < 2; ++c)
                for (int64_t h = 0; h < 3; ++h)
                    for (int64_t ww = 0; ww < 4; ++ww) xcf.at({b, c, h, ww}) = x.at({b, h, ww, c});
        Tensor zcf = (*w)(xcf);
        QCOMPARE(zcf.shape(), (std::vector<int64_t>{2, 2, 9, 8}));
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t c = 0; c < 2; ++c)
                for (int64_t h = 0; h < 9; ++h)
                    for (int64_t ww = 0; ww < 8; ++ww) QCOMPARE(zcf.at({b, c, h, ww}), z.at({b, h, ww, c}));
    }

    void upSampling2DGradients_data() {
        QTest::addColumn<QString>("interpolation");
        QTest::addColumn<QString>("dataFormat");
        for (const char* i : {"nearest", "bilinear"})
            for (const char* f : {"channels_last", "channels_first"})
                QTest::newRow((std::string(i) + " " + f).c_str()) << QString(i) << QString(f);
    }
    void upSampling2DGradients() {
        QFETCH(QString, interpolation);
        QFETCH(QString, dataFormat);
        auto u = layers::UpSampling2D({2, 3}, {{"interpolation", interpolation.toStdString()},
                                               {"data_format", dataFormat.toStdString()}});
        STRATA_GRADCHECK(*u, {testing::randomTensor({2, 3, 2, 2}, 12)});
    }

    // ---- ZeroPadding1D -------------------------------------------------------------------------
    void zeroPadding1D() {
        auto z = layers::ZeroPadding1D();
        QCOMPARE(z->getConfig()["padding"], Json::array({1, 1}));
        checkRoundTrip(*z);
        auto z2 = layers::ZeroPadding1D(2);
        QCOMPARE(z2->getConfig()["padding"], Json::array({2, 2}));
        auto z12 = layers::ZeroPadding1D({1, 2});
        QCOMPARE(z12->getConfig()["padding"], Json::array({1, 2}));
        checkRoundTrip(*z12);
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ZeroPadding1D(-1));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ZeroPadding1D({1, 2, 3}));
        QCOMPARE(z12->outputShapesFor({Shape{kNone, 5, 3}})[0], (Shape{kNone, 8, 3}));
        QCOMPARE(z12->outputShapesFor({Shape{kNone, kNone, 3}})[0], (Shape{kNone, kNone, 3}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, z12->outputShapesFor({Shape{kNone, 5}}));
        // Keras docstring: padding=2 on np.arange(12).reshape(2, 2, 3)
        Tensor y = (*z2)(arange({2, 2, 3}));
        QVERIFY(allClose(y, Tensor::of({2, 6, 3}, {0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0,  //
                                                   0, 0, 0, 0, 0, 0, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0, 0, 0})));
        Tensor x = arange({1, 2, 2});
        QVERIFY(allClose((*z12)(x), Tensor::of({1, 5, 2}, {0, 0, 0, 1, 2, 3, 0, 0, 0, 0})));
        STRATA_GRADCHECK(*z12, {testing::randomTensor({2, 3, 2}, 13)});
    }

    // ---- ZeroPadding2D -------------------------------------------------------------------------
    void zeroPadding2DConfig() {
        auto z = layers::ZeroPadding2D();
        QCOMPARE(z->getConfig()["padding"], Json::parse("[[1,1],[1,1]]"));
        QCOMPARE(z->getConfig()["data_format"].get<std::string>(), std::string("channels_last"));
        checkRoundTrip(*z);
        QCOMPARE(layers::ZeroPadding2D(2)->getConfig()["padding"], Json::parse("[[2,2],[2,2]]"));
        QCOMPARE(layers::ZeroPadding2D({1, 2})->getConfig()["padding"], Json::parse("[[1,1],[2,2]]"));
        auto n = layers::ZeroPadding2D(Json::parse("[[1,2],[3,4]]"));
        QCOMPARE(n->getConfig()["padding"], Json::parse("[[1,2],[3,4]]"));
        checkRoundTrip(*n);
        QCOMPARE(layers::ZeroPadding2D(Json::parse("[1,[3,4]]"))->getConfig()["padding"], Json::parse("[[1,1],[3,4]]"));
        // a Keras 2 / Keras 3 file config
        auto k = LayerRegistry::instance().create(
            "ZeroPadding2D", Json::parse(R"({"name":"zp","trainable":true,"dtype":"float32",
                                             "padding":[[0,1],[0,1]],"data_format":"channels_last"})"), false);
        QCOMPARE(k->getConfig()["padding"], Json::parse("[[0,1],[0,1]]"));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ZeroPadding2D(-1));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ZeroPadding2D({1, 2, 3}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ZeroPadding2D(Json::parse("[[1,2,3],[1,1]]")));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::ZeroPadding2D(Json("same")));
    }

    void zeroPadding2DShapesAndForward() {
        auto n = layers::ZeroPadding2D(Json::parse("[[1,2],[3,4]]"));
        QCOMPARE(n->outputShapesFor({Shape{kNone, 5, 6, 3}})[0], (Shape{kNone, 8, 13, 3}));
        QCOMPARE(n->outputShapesFor({Shape{kNone, kNone, 6, 3}})[0], (Shape{kNone, kNone, 13, 3}));
        auto ncf = layers::ZeroPadding2D(Json::parse("[[1,2],[3,4]]"), {{"data_format", "channels_first"}});
        QCOMPARE(ncf->outputShapesFor({Shape{kNone, 3, 5, 6}})[0], (Shape{kNone, 3, 8, 13}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, n->outputShapesFor({Shape{kNone, 5, 6}}));
        // Keras docstring: padding=1 on np.arange(4).reshape(1, 1, 2, 2)
        auto z = layers::ZeroPadding2D(1);
        Tensor y = (*z)(arange({1, 1, 2, 2}));
        Tensor e({1, 3, 4, 2}, 0.0f);
        e.at({0, 1, 1, 0}) = 0, e.at({0, 1, 1, 1}) = 1, e.at({0, 1, 2, 0}) = 2, e.at({0, 1, 2, 1}) = 3;
        QVERIFY(allClose(y, e));
        // both layouts against naive loops
        Tensor x = arange({2, 2, 3, 2});
        Tensor a = (*n)(x);
        QCOMPARE(a.shape(), (std::vector<int64_t>{2, 5, 10, 2}));
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t h = 0; h < 5; ++h)
                for (int64_t w = 0; w < 10; ++w)
                    for (int64_t c = 0; c < 2; ++c) {
                        int64_t sh = h - 1, sw = w - 3;
                        float ex = (sh >= 0 && sh < 2 && sw >= 0 && sw < 3) ? x.at({b, sh, sw, c}) : 0.0f;
                        QCOMPARE(a.at({b, h, w, c}), ex);
                    }
        Tensor f = (*ncf)(x);  // x read as (b, c=2, h=3, w=2)
        QCOMPARE(f.shape(), (std::vector<int64_t>{2, 2, 6, 9}));
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t c = 0; c < 2; ++c)
                for (int64_t h = 0; h < 6; ++h)
                    for (int64_t w = 0; w < 9; ++w) {
                        int64_t sh = h - 1, sw = w - 3;
                        float ex = (sh >= 0 && sh < 3 && sw >= 0 && sw < 2) ? x.at({b, c, sh, sw}) : 0.0f;
                        QCOMPARE(f.at({b, c, h, w}), ex);
                    }
    }

    void zeroPadding2DGradients() {
        auto n = layers::ZeroPadding2D(Json::parse("[[1,2],[0,1]]"));
        STRATA_GRADCHECK(*n, {testing::randomTensor({2, 2, 3, 2}, 14)});
        auto ncf = layers::ZeroPadding2D(Json::parse("[[1,0],[2,1]]"), {{"data_format", "channels_first"}});
        STRATA_GRADCHECK(*ncf, {testing::randomTensor({2, 2, 3, 2}, 15)});
    }

    // ---- Cropping1D ----------------------------------------------------------------------------
    void cropping1D() {
        auto c = layers::Cropping1D();
        QCOMPARE(c->getConfig()["cropping"], Json::array({1, 1}));
        checkRoundTrip(*c);
        auto c12 = layers::Cropping1D({1, 2});
        checkRoundTrip(*c12);
        QCOMPARE(layers::Cropping1D(2)->getConfig()["cropping"], Json::array({2, 2}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Cropping1D(-1));
        QCOMPARE(c12->outputShapesFor({Shape{kNone, 5, 3}})[0], (Shape{kNone, 2, 3}));
        QCOMPARE(c12->outputShapesFor({Shape{kNone, kNone, 3}})[0], (Shape{kNone, kNone, 3}));
        std::string msg = shapeErrorOf([&] { c12->outputShapesFor({Shape{kNone, 3, 3}}); });
        QVERIFY2(contains(msg, "(None, 3, 3)") && contains(msg, "cropping1d"), msg.c_str());
        QVERIFY_THROWS_EXCEPTION(ShapeError, c12->outputShapesFor({Shape{kNone, 3}}));
        Tensor x = arange({2, 5, 2});
        Tensor y = (*c12)(x);
        QCOMPARE(y.shape(), (std::vector<int64_t>{2, 2, 2}));
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t t = 0; t < 2; ++t)
                for (int64_t f = 0; f < 2; ++f) QCOMPARE(y.at({b, t, f}), x.at({b, t + 1, f}));
        // built for unknown steps, called with too few
        auto c3 = layers::Cropping1D({1, 2});
        c3->build({Shape{kNone, kNone, 2}});
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*c3)(arange({1, 3, 2})));
        STRATA_GRADCHECK(*c12, {testing::randomTensor({2, 5, 2}, 16)});
    }

    // ---- Cropping2D ----------------------------------------------------------------------------
    void cropping2DConfig() {
        auto c = layers::Cropping2D();
        QCOMPARE(c->getConfig()["cropping"], Json::parse("[[0,0],[0,0]]"));
        QCOMPARE(c->getConfig()["data_format"].get<std::string>(), std::string("channels_last"));
        checkRoundTrip(*c);
        QCOMPARE(layers::Cropping2D(2)->getConfig()["cropping"], Json::parse("[[2,2],[2,2]]"));
        QCOMPARE(layers::Cropping2D({1, 2})->getConfig()["cropping"], Json::parse("[[1,1],[2,2]]"));
        auto n = layers::Cropping2D(Json::parse("[[2,2],[4,4]]"));
        checkRoundTrip(*n);
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Cropping2D(-2));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Cropping2D({1, 2, 3}));
    }

    void cropping2DShapesAndForward() {
        // Keras docstring: ((2, 2), (4, 4)) on (2, 28, 28, 3) -> (2, 24, 20, 3)
        auto n = layers::Cropping2D(Json::parse("[[2,2],[4,4]]"));
        QCOMPARE(n->outputShapesFor({Shape{2, 28, 28, 3}})[0], (Shape{2, 24, 20, 3}));
        QCOMPARE(n->outputShapesFor({Shape{kNone, kNone, 28, 3}})[0], (Shape{kNone, kNone, 20, 3}));
        auto ncf = layers::Cropping2D(Json::parse("[[2,2],[4,4]]"), {{"data_format", "channels_first"}});
        QCOMPARE(ncf->outputShapesFor({Shape{kNone, 3, 28, 28}})[0], (Shape{kNone, 3, 24, 20}));
        std::string msg = shapeErrorOf([&] { n->outputShapesFor({Shape{kNone, 4, 28, 3}}); });
        QVERIFY2(contains(msg, "(None, 4, 28, 3)"), msg.c_str());
        QVERIFY_THROWS_EXCEPTION(ShapeError, ncf->outputShapesFor({Shape{kNone, 28, 28, 8}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, n->outputShapesFor({Shape{kNone, 28, 28}}));
        auto c = layers::Cropping2D(Json::parse("[[1,0],[1,2]]"));
        Tensor x = arange({2, 4, 5, 3});
        Tensor y = (*c)(x);
        QCOMPARE(y.shape(), (std::vector<int64_t>{2, 3, 2, 3}));
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t h = 0; h < 3; ++h)
                for (int64_t w = 0; w < 2; ++w)
                    for (int64_t ch = 0; ch < 3; ++ch) QCOMPARE(y.at({b, h, w, ch}), x.at({b, h + 1, w + 1, ch}));
        auto cf = layers::Cropping2D(Json::parse("[[1,0],[1,2]]"), {{"data_format", "channels_first"}});
        Tensor xf = arange({2, 3, 4, 5});
        Tensor yf = (*cf)(xf);
        QCOMPARE(yf.shape(), (std::vector<int64_t>{2, 3, 3, 2}));
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t ch = 0; ch < 3; ++ch)
                for (int64_t h = 0; h < 3; ++h)
                    for (int64_t w = 0; w < 2; ++w) QCOMPARE(yf.at({b, ch, h, w}), xf.at({b, ch, h + 1, w + 1}));
        // the zero cropping is the identity
        auto id = layers::Cropping2D();
        QCOMPARE((*id)(x).values(), x.values());
    }

    void cropping2DGradients() {
        auto c = layers::Cropping2D(Json::parse("[[1,0],[1,2]]"));
        STRATA_GRADCHECK(*c, {testing::randomTensor({2, 4, 5, 2}, 17)});
        auto cf = layers::Cropping2D(Json::parse("[[0,1],[2,0]]"), {{"data_format", "channels_first"}});
        STRATA_GRADCHECK(*cf, {testing::randomTensor({2, 2, 4, 5}, 18)});
    }

    // ---- shared behaviour ----------------------------------------------------------------------
    void outputsAreReusedWithoutReallocation() {
        auto z = layers::ZeroPadding2D(1);
        Tensor x = testing::randomTensor({2, 3, 3, 2}, 19);
        ConstTensorPtrs in{&x};
        Tensors out;
        CallContext ctx;
        z->call(in, out, ctx);
        const float* p = out[0].data();
        z->call(in, out, ctx);
        QCOMPARE(out[0].data(), p);
    }

    void noMaskIsPassedOn() {
        auto f = layers::Flatten();
        Tensor x = arange({2, 3, 2});
        Tensor m = Tensor::of({2, 3}, {1, 1, 0, 1, 0, 0});
        QVERIFY(!f->computeMask({&x}, {&m}).has_value());
    }

    void nullOutputGradientGivesZeros() {
        auto p = layers::Permute({2, 1});
        Tensor x = arange({1, 2, 3});
        ConstTensorPtrs in{&x};
        Tensors out, grads;
        CallContext ctx;
        p->call(in, out, ctx);
        p->backward(in, out, {nullptr}, grads, ctx);
        QCOMPARE(grads.size(), size_t(1));
        QCOMPARE(grads[0].shape(), x.shape());
        for (float v : grads[0].values()) QCOMPARE(v, 0.0f);
    }
};

QTEST_APPLESS_MAIN(TestReshapingLayers)
#include "test_reshaping_layers.moc"
