// Convolutional layers: Conv1D, Conv2D, Conv2DTranspose, SeparableConv2D, DepthwiseConv2D.
// Configs and Keras defaults, weight layouts and parameter counts, output shapes for every
// padding/stride/dilation/data_format, forward values against naive loop convolutions written
// here (independently of the engine's im2col code), errors, and gradient checks.
#include <QtTest/QtTest>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/errors.h"
#include "engine/layers/convolutional/conv1d.h"
#include "engine/layers/convolutional/conv1d_transpose.h"
#include "engine/layers/convolutional/conv2d.h"
#include "engine/layers/convolutional/conv2d_transpose.h"
#include "engine/layers/convolutional/conv_utils.h"
#include "engine/layers/convolutional/depthwise_conv1d.h"
#include "engine/layers/convolutional/depthwise_conv2d.h"
#include "engine/layers/convolutional/separable_conv1d.h"
#include "engine/layers/convolutional/separable_conv2d.h"
#include "engine/layers/layer_registry.h"
#include "tests/support/gradcheck.h"

using namespace strata;

namespace {

// ---- naive reference implementations ------------------------------------------------------------

/// A batch of images in a canonical (n, c, h, w) array; 1-D data has h = 1.
struct Canon {
    int64_t N = 0, C = 0, H = 1, W = 0;
    std::vector<float> v;
    Canon(int64_t n, int64_t c, int64_t h, int64_t w) : N(n), C(c), H(h), W(w), v(size_t(n * c * h * w), 0.0f) {}
    float& at(int64_t n, int64_t c, int64_t h, int64_t w) { return v[size_t(((n * C + c) * H + h) * W + w)]; }
    float at(int64_t n, int64_t c, int64_t h, int64_t w) const { return v[size_t(((n * C + c) * H + h) * W + w)]; }
};

int64_t flatIndex(const std::vector<int64_t>& shape, bool cf, int64_t n, int64_t c, int64_t h, int64_t w) {
    if (shape.size() == 3) {  // 1-D
        if (cf) return (n * shape[1] + c) * shape[2] + w;
        return (n * shape[1] + w) * shape[2] + c;
    }
    if (cf) return ((n * shape[1] + c) * shape[2] + h) * shape[3] + w;
    return ((n * shape[1] + h) * shape[2] + w) * shape[3] + c;
}

Canon toCanon(const Tensor& t, bool cf) {
    const auto& s = t.shape();
    const bool one = s.size() == 3;
    int64_t N = s[0], C = cf ? s[1] : s.back();
    int64_t H = one ? 1 : (cf ? s[2] : s[1]);
    int64_t W = one ? (cf ? s[2] : s[1]) : (cf ? s[3] : s[2]);
    Canon out(N, C, H, W);
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t h = 0; h < H; ++h)
                for (int64_t w = 0; w < W; ++w) out.at(n, c, h, w) = t[flatIndex(s, cf, n, c, h, w)];
    return out;
}

Tensor fromCanon(const Canon& a, bool cf, int rank) {
    std::vector<int64_t> shape;
    if (rank == 1) shape = cf ? std::vector<int64_t>{a.N, a.C, a.W} : std::vector<int64_t>{a.N, a.W, a.C};
    else shape = cf ? std::vector<int64_t>{a.N, a.C, a.H, a.W} : std::vector<int64_t>{a.N, a.H, a.W, a.C};
    Tensor t(shape);
    for (int64_t n = 0; n < a.N; ++n)
        for (int64_t c = 0; c < a.C; ++c)
            for (int64_t h = 0; h < a.H; ++h)
                for (int64_t w = 0; w < a.W; ++w) t[flatIndex(shape, cf, n, c, h, w)] = a.at(n, c, h, w);
    return t;
}

/// Spatial settings per axis (h then w); 1-D data uses k = s = d = 1 on h.
struct Axis {
    int64_t k = 1, s = 1, d = 1;
};

int64_t keff(const Axis& a) { return (a.k - 1) * a.d + 1; }

/// Output length and pad-before of a forward conv, computed the TF way.
std::pair<int64_t, int64_t> convLengthAndPad(int64_t n, const Axis& a, const std::string& padding) {
    if (padding == "valid") return {(n - keff(a)) / a.s + 1, 0};
    int64_t out = (n + a.s - 1) / a.s;
    if (padding == "causal") return {out, a.d * (a.k - 1)};
    int64_t total = std::max<int64_t>((out - 1) * a.s + keff(a) - n, 0);
    return {out, total / 2};
}

float applyAct(float v, const std::string& act) {
    if (act == "relu") return std::max(v, 0.0f);
    if (act == "tanh") return std::tanh(v);
    if (act == "sigmoid") return 1.0f / (1.0f + std::exp(-v));
    return v;
}

/// y[n, f, oh, ow] = b[f] + sum x[n, g*Cg + c, oh*s - pad + kh*d, ...] * K[kh, kw, c, f].
Canon refConv(const Canon& x, const Tensor& K, const Tensor* bias, Axis ah, Axis aw, const std::string& padding,
              int64_t groups, int64_t F, const std::string& act = "linear") {
    auto [OH, padT] = convLengthAndPad(x.H, ah, padding);
    auto [OW, padL] = convLengthAndPad(x.W, aw, padding);
    const int64_t Cg = x.C / groups, Fg = F / groups;
    Canon y(x.N, F, OH, OW);
    for (int64_t n = 0; n < x.N; ++n)
        for (int64_t f = 0; f < F; ++f) {
            const int64_t g = f / Fg;
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow) {
                    double acc = bias ? (*bias)[f] : 0.0;
                    for (int64_t kh = 0; kh < ah.k; ++kh)
                        for (int64_t kw = 0; kw < aw.k; ++kw)
                            for (int64_t c = 0; c < Cg; ++c) {
                                int64_t ih = oh * ah.s - padT + kh * ah.d, iw = ow * aw.s - padL + kw * aw.d;
                                if (ih < 0 || ih >= x.H || iw < 0 || iw >= x.W) continue;
                                acc += double(x.at(n, g * Cg + c, ih, iw)) * K[((kh * aw.k + kw) * Cg + c) * F + f];
                            }
                    y.at(n, f, oh, ow) = applyAct(float(acc), act);
                }
        }
    return y;
}

/// Keras's transposed-conv output length (hard-coded from compute_conv_transpose_output_shape).
int64_t transposeLength(int64_t n, const Axis& a, const std::string& padding, int64_t op) {
    const int64_t ke = keff(a);
    if (padding == "valid") return (n - 1) * a.s + ke + (op < 0 ? std::max(ke, a.s) - ke : op);
    return op < 0 ? n * a.s : (n - 1) * a.s + ke % 2 + op;
}

/// Scatter: y[n, f, i*s + kh*d - crop, ...] += x[n, c, i, j] * K[kh, kw, f, c], where crop is the
/// pad-before TF's conv2d_transpose uses (the forward conv's "same" padding from the output size).
Canon refConvTranspose(const Canon& x, const Tensor& K, const Tensor* bias, Axis ah, Axis aw,
                       const std::string& padding, int64_t opH, int64_t opW, int64_t F, const std::string& act = "linear") {
    const int64_t OH = transposeLength(x.H, ah, padding, opH), OW = transposeLength(x.W, aw, padding, opW);
    auto crop = [&](int64_t in, int64_t out, const Axis& a) -> int64_t {
        if (padding == "valid") return 0;
        return std::max<int64_t>((in - 1) * a.s + keff(a) - out, 0) / 2;
    };
    const int64_t cropH = x.H == 1 && ah.k == 1 ? 0 : crop(x.H, OH, ah), cropW = crop(x.W, OW, aw);
    Canon y(x.N, F, OH, OW);
    for (int64_t n = 0; n < x.N; ++n) {
        for (int64_t f = 0; f < F; ++f)
            for (int64_t h = 0; h < OH; ++h)
                for (int64_t w = 0; w < OW; ++w) y.at(n, f, h, w) = bias ? (*bias)[f] : 0.0f;
        for (int64_t c = 0; c < x.C; ++c)
            for (int64_t i = 0; i < x.H; ++i)
                for (int64_t j = 0; j < x.W; ++j)
                    for (int64_t kh = 0; kh < ah.k; ++kh)
                        for (int64_t kw = 0; kw < aw.k; ++kw) {
                            int64_t oh = i * ah.s + kh * ah.d - cropH, ow = j * aw.s + kw * aw.d - cropW;
                            if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                            for (int64_t f = 0; f < F; ++f)
                                y.at(n, f, oh, ow) += x.at(n, c, i, j) * K[((kh * aw.k + kw) * F + f) * x.C + c];
                        }
    }
    for (auto& v : y.v) v = applyAct(v, act);
    return y;
}

/// y[n, c*dm + m, oh, ow] = b + sum x[n, c, ...] * K[kh, kw, c, m].
Canon refDepthwise(const Canon& x, const Tensor& K, const Tensor* bias, Axis ah, Axis aw, const std::string& padding,
                   int64_t dm, const std::string& act = "linear") {
    auto [OH, padT] = convLengthAndPad(x.H, ah, padding);
    auto [OW, padL] = convLengthAndPad(x.W, aw, padding);
    Canon y(x.N, x.C * dm, OH, OW);
    for (int64_t n = 0; n < x.N; ++n)
        for (int64_t c = 0; c < x.C; ++c)
            for (int64_t m = 0; m < dm; ++m)
                for (int64_t oh = 0; oh < OH; ++oh)
                    for (int64_t ow = 0; ow < OW; ++ow) {
                        double acc = bias ? (*bias)[c * dm + m] : 0.0;
                        for (int64_t kh = 0; kh < ah.k; ++kh)
                            for (int64_t kw = 0; kw < aw.k; ++kw) {
                                int64_t ih = oh * ah.s - padT + kh * ah.d, iw = ow * aw.s - padL + kw * aw.d;
                                if (ih < 0 || ih >= x.H || iw < 0 || iw >= x.W) continue;
                                acc += double(x.at(n, c, ih, iw)) * K[((kh * aw.k + kw) * x.C + c) * dm + m];
                            }
                        y.at(n, c * dm + m, oh, ow) = applyAct(float(acc), act);
                    }
    return y;
}

Canon refPointwise(const Canon& x, const Tensor& P, const Tensor* bias, int64_t F, const std::string& act = "linear") {
    Canon y(x.N, F, x.H, x.W);
    for (int64_t n = 0; n < x.N; ++n)
        for (int64_t f = 0; f < F; ++f)
            for (int64_t h = 0; h < x.H; ++h)
                for (int64_t w = 0; w < x.W; ++w) {
                    double acc = bias ? (*bias)[f] : 0.0;
                    for (int64_t c = 0; c < x.C; ++c) acc += double(x.at(n, c, h, w)) * P[c * F + f];
                    y.at(n, f, h, w) = applyAct(float(acc), act);
                }
    return y;
}

// ---- helpers ------------------------------------------------------------------------------------

/// Gives every weight of a built layer random values (biases included, so they are tested).
void randomizeWeights(Layer& layer, uint64_t seed) {
    for (Variable* w : layer.weights()) w->value = testing::randomTensor(w->value.shape(), seed++, -0.7f, 0.7f);
}

Tensor call(Layer& layer, const Tensor& x) {
    return layer(x);
}

std::string errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

Axis axisOf(const Json& cfg, int i) {
    Axis a;
    a.k = cfg["kernel_size"][i].get<int64_t>();
    a.s = cfg["strides"][i].get<int64_t>();
    a.d = cfg["dilation_rate"][i].get<int64_t>();
    return a;
}

#define CHECK_CLOSE(actual, expected, what)                                                                  \
    do {                                                                                                     \
        const Tensor& _a = (actual);                                                                         \
        const Tensor& _e = (expected);                                                                       \
        std::string _m = std::string(what) + ": got shape " + _a.shapeString() + ", expected " +             \
                         _e.shapeString() + ", max diff " + std::to_string(maxAbsDiff(_a, _e));              \
        QVERIFY2(allClose(_a, _e, 1e-4f, 1e-4f), _m.c_str());                                                \
    } while (0)

}  // namespace

class TestConvolutionalLayers : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    // ---- configs ----------------------------------------------------------------------------------

    void defaultsAndRoundTrip() {
        struct C {
            std::string cls;
            Json kwargs;
        };
        std::vector<C> cases = {
            {"Conv1D", {{"filters", 4}, {"kernel_size", 3}}},
            {"Conv2D", {{"filters", 4}, {"kernel_size", 3}}},
            {"Conv2DTranspose", {{"filters", 4}, {"kernel_size", 3}}},
            {"SeparableConv2D", {{"filters", 4}, {"kernel_size", 3}}},
            {"DepthwiseConv2D", {{"kernel_size", 3}}},
        };
        for (const auto& c : cases) {
            auto layer = LayerRegistry::instance().create(c.cls, c.kwargs);
            Json cfg = layer->getConfig();
            const int rank = c.cls == "Conv1D" ? 1 : 2;
            QCOMPARE(cfg["kernel_size"], Json(std::vector<int64_t>(rank, 3)));
            QCOMPARE(cfg["strides"], Json(std::vector<int64_t>(rank, 1)));
            QCOMPARE(cfg["dilation_rate"], Json(std::vector<int64_t>(rank, 1)));
            QCOMPARE(cfg["padding"], Json("valid"));
            QCOMPARE(cfg["data_format"], Json("channels_last"));
            QCOMPARE(cfg["activation"], Json("linear"));
            QCOMPARE(cfg["use_bias"], Json(true));
            QCOMPARE(cfg["bias_initializer"], Json("zeros"));
            QVERIFY(cfg["activity_regularizer"].is_null());
            if (c.cls == "Conv1D" || c.cls == "Conv2D") {
                QCOMPARE(cfg["groups"], Json(1));
                QCOMPARE(cfg["kernel_initializer"], Json("glorot_uniform"));
            }
            if (c.cls == "Conv2DTranspose") QVERIFY(cfg["output_padding"].is_null());
            if (c.cls == "SeparableConv2D" || c.cls == "DepthwiseConv2D") {
                QCOMPARE(cfg["depth_multiplier"], Json(1));
                QCOMPARE(cfg["depthwise_initializer"], Json("glorot_uniform"));
                QVERIFY(!cfg.contains("groups"));
            }
            if (c.cls == "SeparableConv2D") QCOMPARE(cfg["pointwise_initializer"], Json("glorot_uniform"));
            auto again = LayerRegistry::instance().create(c.cls, cfg, false);
            QCOMPARE(again->getConfig(), cfg);
            QCOMPARE(again->className(), c.cls);
        }
    }

    void factoriesAndNames() {
        auto a = layers::Conv2D(32, {3, 5}, {{"padding", "same"}});
        auto b = layers::Conv2D(32, 3);
        QCOMPARE(QString::fromStdString(a->name()), QString("conv2d"));
        QCOMPARE(QString::fromStdString(b->name()), QString("conv2d_1"));
        QCOMPARE(a->config()["kernel_size"], Json({3, 5}));
        QCOMPARE(b->config()["kernel_size"], Json({3, 3}));
        QCOMPARE(a->config()["padding"], Json("same"));
        QCOMPARE(layers::Conv1D(8, 5)->config()["kernel_size"], Json({5}));
        QCOMPARE(layers::Conv2DTranspose(8, {2, 2})->config()["kernel_size"], Json({2, 2}));
        QCOMPARE(layers::Conv2DTranspose(8, 4)->config()["kernel_size"], Json({4, 4}));
        QCOMPARE(layers::SeparableConv2D(8, {1, 3})->config()["kernel_size"], Json({1, 3}));
        QCOMPARE(layers::SeparableConv2D(8, 3)->config()["filters"], Json(8));
        QCOMPARE(layers::DepthwiseConv2D({3, 3}, {{"depth_multiplier", 2}})->config()["depth_multiplier"], Json(2));
        QCOMPARE(QString::fromStdString(layers::DepthwiseConv2D(3)->name()), QString("depthwise_conv2d_1"));
        QCOMPARE(QString::fromStdString(layers::Conv2DTranspose(1, 3)->name()), QString("conv2d_transpose_2"));
        QCOMPARE(QString::fromStdString(layers::SeparableConv2D(1, 3)->name()), QString("separable_conv2d_2"));
        // Keras's alias class names.
        auto c = LayerRegistry::instance().create("Convolution2D", {{"filters", 2}, {"kernel_size", 3}});
        QCOMPARE(QString::fromStdString(c->className()), QString("Conv2D"));
        QVERIFY(LayerRegistry::instance().contains("Convolution1D"));
        QVERIFY(LayerRegistry::instance().contains("SeparableConvolution2D"));
        QVERIFY(LayerRegistry::instance().contains("Convolution2DTranspose"));
        QCOMPARE(LayerRegistry::instance().get("Conv2D").category, LayerCategory::Convolution);
        QCOMPARE(QString::fromStdString(LayerRegistry::instance().get("Conv2D").brief(a->config())),
                 QString("32 · 3×5"));
    }

    void keras2Configs() {
        // tf.keras 2 writes groups=1 for these classes and Conv2DTranspose has output_padding.
        Json dw = {{"name", "dw"},  {"trainable", true}, {"dtype", "float32"}, {"kernel_size", {3, 3}},
                   {"strides", {1, 1}}, {"padding", "same"}, {"data_format", "channels_last"},
                   {"dilation_rate", {1, 1}}, {"groups", 1}, {"activation", "relu"}, {"use_bias", true},
                   {"bias_initializer", {{"class_name", "Zeros"}, {"config", Json::object()}}},
                   {"depth_multiplier", 2},
                   {"depthwise_initializer", {{"class_name", "GlorotUniform"}, {"config", {{"seed", nullptr}}}}},
                   {"depthwise_regularizer", nullptr}, {"depthwise_constraint", nullptr}};
        auto l = LayerRegistry::instance().create("DepthwiseConv2D", dw, false);
        QVERIFY(!l->getConfig().contains("groups"));
        l->build({Shape{kNone, 5, 5, 3}});
        QCOMPARE(l->countParams(), int64_t(3 * 3 * 3 * 2 + 6));

        Json tr = {{"filters", 3}, {"kernel_size", {3, 3}}, {"strides", {2, 2}}, {"padding", "same"},
                   {"output_padding", {1, 1}}, {"groups", 1}, {"activation", "linear"}};
        auto t = LayerRegistry::instance().create("Conv2DTranspose", tr, false);
        QCOMPARE(t->getConfig()["output_padding"], Json({1, 1}));
        QCOMPARE(t->outputShapesFor({Shape{kNone, 4, 4, 2}})[0], (Shape{kNone, 8, 8, 3}));
        Json bad = tr;
        bad["groups"] = 2;
        QVERIFY_THROWS_EXCEPTION(ConfigError, LayerRegistry::instance().create("Conv2DTranspose", bad, false));
        // Upper-case padding strings are accepted (Keras lower-cases them).
        auto up = LayerRegistry::instance().create("Conv2D", {{"filters", 1}, {"kernel_size", 3}, {"padding", "SAME"}});
        QCOMPARE(up->config()["padding"], Json("same"));
    }

    void badConfigs() {
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(0, 3));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(4, 0));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(4, {3, 3, 3}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(4, 3, {{"strides", 0}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(4, 3, {{"strides", 2}, {"dilation_rate", 2}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(4, 3, {{"padding", "causal"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(4, 3, {{"padding", "full"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(4, 3, {{"groups", 3}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(4, 3, {{"groups", 0}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(4, 3, {{"data_format", "channels_middle"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(4, 3, {{"activation", "nope"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2D(4, 3, {{"depth_multiplier", 2}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2DTranspose(4, 3, {{"padding", "causal"}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2DTranspose(4, 3, {{"strides", 2}, {"output_padding", 2}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2DTranspose(4, 3, {{"output_padding", 1}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::Conv2DTranspose(4, 3, {{"groups", 1}}));  // strict API
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::DepthwiseConv2D(3, {{"depth_multiplier", 0}}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::SeparableConv2D(0, 3));
        QVERIFY_THROWS_EXCEPTION(ConfigError, LayerRegistry::instance().create("Conv1D", {{"filters", 4}, {"kernel_size", {3, 3}}}));
        std::string msg = errorOf([] { layers::Conv2D(4, 3, {{"strides", 2}, {"dilation_rate", 2}}); });
        QVERIFY2(contains(msg, "Conv2D") && contains(msg, "dilation_rate"), msg.c_str());
    }

    // ---- weights ----------------------------------------------------------------------------------

    void weightLayoutsAndCounts() {
        auto c = layers::Conv2D(16, 3);
        c->build({Shape{kNone, 28, 28, 1}});
        QCOMPARE(c->countParams(), int64_t(160));
        auto w = c->weights();
        QCOMPARE(int(w.size()), 2);
        QCOMPARE(w[0]->value.shape(), (std::vector<int64_t>{3, 3, 1, 16}));
        QCOMPARE(w[1]->value.shape(), (std::vector<int64_t>{16}));
        QCOMPARE(QString::fromStdString(w[0]->path()), QString("conv2d/kernel"));
        QCOMPARE(QString::fromStdString(w[1]->path()), QString("conv2d/bias"));
        for (float b : w[1]->value.values()) QCOMPARE(b, 0.0f);
        // glorot_uniform with fan_in = 3*3*1, fan_out = 3*3*16
        const float limit = std::sqrt(6.0f / (9.0f + 144.0f));
        for (float k : w[0]->value.values()) QVERIFY(std::fabs(k) <= limit);

        auto c2 = layers::Conv2D(64, 3);
        c2->build({Shape{kNone, 13, 13, 32}});
        QCOMPARE(c2->countParams(), int64_t(3 * 3 * 32 * 64 + 64));

        auto g = layers::Conv2D(8, {3, 2}, {{"groups", 2}});
        g->build({Shape{kNone, 9, 9, 4}});
        QCOMPARE(g->weights()[0]->value.shape(), (std::vector<int64_t>{3, 2, 2, 8}));
        QCOMPARE(g->countParams(), int64_t(3 * 2 * 2 * 8 + 8));

        auto nb = layers::Conv2D(8, 3, {{"use_bias", false}, {"data_format", "channels_first"}});
        nb->build({Shape{kNone, 4, 9, 9}});
        QCOMPARE(int(nb->weights().size()), 1);
        QCOMPARE(nb->weights()[0]->value.shape(), (std::vector<int64_t>{3, 3, 4, 8}));

        auto c1 = layers::Conv1D(8, 3);
        c1->build({Shape{kNone, 10, 4}});
        QCOMPARE(c1->weights()[0]->value.shape(), (std::vector<int64_t>{3, 4, 8}));
        QCOMPARE(c1->countParams(), int64_t(104));
        auto c1g = layers::Conv1D(6, 5, {{"groups", 3}});
        c1g->build({Shape{kNone, 10, 6}});
        QCOMPARE(c1g->countParams(), int64_t(5 * 2 * 6 + 6));

        auto t = layers::Conv2DTranspose(16, 3);
        t->build({Shape{kNone, 7, 7, 1}});
        QCOMPARE(t->countParams(), int64_t(160));
        QCOMPARE(t->weights()[0]->value.shape(), (std::vector<int64_t>{3, 3, 16, 1}));
        QCOMPARE(QString::fromStdString(t->weights()[0]->path()), QString("conv2d_transpose/kernel"));
        auto t2 = layers::Conv2DTranspose(1, 3);
        t2->build({Shape{kNone, 7, 7, 16}});
        QCOMPARE(t2->countParams(), int64_t(145));
        QCOMPARE(t2->weights()[0]->value.shape(), (std::vector<int64_t>{3, 3, 1, 16}));

        auto s = layers::SeparableConv2D(32, 3);
        s->build({Shape{kNone, 10, 10, 16}});
        auto sw = s->weights();
        QCOMPARE(int(sw.size()), 3);
        QCOMPARE(QString::fromStdString(sw[0]->path()), QString("separable_conv2d/depthwise_kernel"));
        QCOMPARE(QString::fromStdString(sw[1]->path()), QString("separable_conv2d/pointwise_kernel"));
        QCOMPARE(QString::fromStdString(sw[2]->path()), QString("separable_conv2d/bias"));
        QCOMPARE(sw[0]->value.shape(), (std::vector<int64_t>{3, 3, 16, 1}));
        QCOMPARE(sw[1]->value.shape(), (std::vector<int64_t>{1, 1, 16, 32}));
        QCOMPARE(s->countParams(), int64_t(144 + 512 + 32));
        auto s2 = layers::SeparableConv2D(8, 3, {{"depth_multiplier", 2}});
        s2->build({Shape{kNone, 10, 10, 3}});
        QCOMPARE(s2->weights()[1]->value.shape(), (std::vector<int64_t>{1, 1, 6, 8}));
        QCOMPARE(s2->countParams(), int64_t(3 * 3 * 3 * 2 + 6 * 8 + 8));

        auto d = layers::DepthwiseConv2D(3);
        d->build({Shape{kNone, 10, 10, 16}});
        QCOMPARE(d->countParams(), int64_t(160));
        auto d2 = layers::DepthwiseConv2D({3, 3}, {{"depth_multiplier", 2}});
        d2->build({Shape{kNone, 10, 10, 16}});
        auto dw = d2->weights();
        QCOMPARE(QString::fromStdString(dw[0]->path()), QString("depthwise_conv2d_1/kernel"));
        QCOMPARE(dw[0]->value.shape(), (std::vector<int64_t>{3, 3, 16, 2}));
        QCOMPARE(dw[1]->value.shape(), (std::vector<int64_t>{32}));
        QCOMPARE(d2->countParams(), int64_t(320));
    }

    // ---- shapes -----------------------------------------------------------------------------------

    void outputShapes() {
        struct C {
            std::string cls;
            Json kwargs;
            Shape in, out;
        };
        std::vector<C> cases = {
            // Conv2D
            {"Conv2D", {{"filters", 8}, {"kernel_size", 3}}, {kNone, 28, 28, 3}, {kNone, 26, 26, 8}},
            {"Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"padding", "same"}}, {kNone, 28, 28, 3}, {kNone, 28, 28, 8}},
            {"Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"strides", 2}}, {kNone, 28, 28, 3}, {kNone, 13, 13, 8}},
            {"Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}}, {kNone, 28, 28, 3}, {kNone, 14, 14, 8}},
            {"Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"strides", {2, 3}}, {"padding", "same"}}, {kNone, 7, 7, 3}, {kNone, 4, 3, 8}},
            {"Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"dilation_rate", 2}}, {kNone, 28, 28, 3}, {kNone, 24, 24, 8}},
            {"Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"dilation_rate", {2, 1}}, {"padding", "same"}}, {kNone, 9, 9, 3}, {kNone, 9, 9, 8}},
            {"Conv2D", {{"filters", 8}, {"kernel_size", {3, 5}}}, {kNone, 10, 12, 1}, {kNone, 8, 8, 8}},
            {"Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"data_format", "channels_first"}}, {kNone, 3, 28, 20}, {kNone, 8, 26, 18}},
            {"Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"strides", 2}, {"data_format", "channels_first"}, {"padding", "same"}}, {4, 3, 9, 9}, {4, 8, 5, 5}},
            {"Conv2D", {{"filters", 8}, {"kernel_size", 3}}, {kNone, kNone, kNone, 3}, {kNone, kNone, kNone, 8}},
            {"Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"groups", 2}}, {kNone, 5, kNone, 4}, {kNone, 3, kNone, 8}},
            // Conv1D
            {"Conv1D", {{"filters", 8}, {"kernel_size", 3}}, {kNone, 10, 4}, {kNone, 8, 8}},
            {"Conv1D", {{"filters", 8}, {"kernel_size", 3}, {"padding", "same"}}, {kNone, 10, 4}, {kNone, 10, 8}},
            {"Conv1D", {{"filters", 8}, {"kernel_size", 3}, {"padding", "causal"}}, {kNone, 10, 4}, {kNone, 10, 8}},
            {"Conv1D", {{"filters", 8}, {"kernel_size", 3}, {"padding", "causal"}, {"strides", 2}}, {kNone, 11, 4}, {kNone, 6, 8}},
            {"Conv1D", {{"filters", 8}, {"kernel_size", 3}, {"padding", "causal"}, {"dilation_rate", 2}}, {kNone, 10, 4}, {kNone, 10, 8}},
            {"Conv1D", {{"filters", 8}, {"kernel_size", 3}, {"dilation_rate", 2}}, {kNone, 10, 4}, {kNone, 6, 8}},
            {"Conv1D", {{"filters", 8}, {"kernel_size", 3}, {"strides", 3}}, {kNone, 10, 4}, {kNone, 3, 8}},
            {"Conv1D", {{"filters", 8}, {"kernel_size", 3}, {"data_format", "channels_first"}}, {kNone, 4, 10}, {kNone, 8, 8}},
            {"Conv1D", {{"filters", 8}, {"kernel_size", 3}, {"padding", "causal"}}, {kNone, kNone, 4}, {kNone, kNone, 8}},
            // Conv2DTranspose
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", 3}}, {kNone, 5, 5, 4}, {kNone, 7, 7, 2}},
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", 3}, {"strides", 2}}, {kNone, 5, 5, 4}, {kNone, 11, 11, 2}},
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}}, {kNone, 5, 5, 4}, {kNone, 10, 10, 2}},
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", 3}, {"strides", 2}, {"output_padding", 1}}, {kNone, 5, 5, 4}, {kNone, 12, 12, 2}},
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", 3}, {"strides", 2}, {"output_padding", 1}, {"padding", "same"}}, {kNone, 5, 5, 4}, {kNone, 10, 10, 2}},
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", 3}, {"strides", 2}, {"output_padding", 0}, {"padding", "same"}}, {kNone, 5, 5, 4}, {kNone, 9, 9, 2}},
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", 2}, {"strides", 3}}, {kNone, 5, 5, 4}, {kNone, 15, 15, 2}},
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", 3}, {"dilation_rate", 2}}, {kNone, 5, 5, 4}, {kNone, 9, 9, 2}},
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", 3}, {"dilation_rate", 2}, {"padding", "same"}}, {kNone, 5, 5, 4}, {kNone, 5, 5, 2}},
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", {4, 3}}, {"strides", {2, 1}}, {"padding", "same"}}, {kNone, 5, 6, 4}, {kNone, 10, 6, 2}},
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", 3}, {"strides", 2}, {"data_format", "channels_first"}}, {kNone, 4, 5, 6}, {kNone, 2, 11, 13}},
            {"Conv2DTranspose", {{"filters", 2}, {"kernel_size", 3}, {"strides", 2}}, {kNone, kNone, 5, 4}, {kNone, kNone, 11, 2}},
            // DepthwiseConv2D
            {"DepthwiseConv2D", {{"kernel_size", 3}, {"depth_multiplier", 2}}, {kNone, 8, 8, 3}, {kNone, 6, 6, 6}},
            {"DepthwiseConv2D", {{"kernel_size", 3}, {"strides", 2}, {"padding", "same"}}, {kNone, 8, 7, 3}, {kNone, 4, 4, 3}},
            {"DepthwiseConv2D", {{"kernel_size", 3}, {"dilation_rate", 2}}, {kNone, 8, 8, 3}, {kNone, 4, 4, 3}},
            {"DepthwiseConv2D", {{"kernel_size", 3}, {"depth_multiplier", 3}, {"data_format", "channels_first"}}, {kNone, 2, 8, 8}, {kNone, 6, 6, 6}},
            // SeparableConv2D
            {"SeparableConv2D", {{"filters", 5}, {"kernel_size", 3}}, {kNone, 8, 8, 3}, {kNone, 6, 6, 5}},
            {"SeparableConv2D", {{"filters", 5}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}}, {kNone, 8, 8, 3}, {kNone, 4, 4, 5}},
            {"SeparableConv2D", {{"filters", 5}, {"kernel_size", 3}, {"data_format", "channels_first"}}, {kNone, 3, 8, 9}, {kNone, 5, 6, 7}},
        };
        for (const auto& c : cases) {
            auto layer = LayerRegistry::instance().create(c.cls, c.kwargs);
            Shape got = layer->outputShapesFor({c.in})[0];
            std::string what = c.cls + " " + c.kwargs.dump() + " on " + c.in.toString() + ": got " + got.toString() +
                               ", expected " + c.out.toString();
            QVERIFY2(got == c.out, what.c_str());
            // Concrete tensors give the same shape (None -> 3 for unknown dims where possible).
            if (c.in.fullyDefined() || c.in[0] == kNone) {
                bool allKnown = true;
                for (int i = 1; i < c.in.rank(); ++i) allKnown = allKnown && c.in[i] != kNone;
                if (!allKnown) continue;
                std::vector<int64_t> dims = c.in.dims();
                dims[0] = 2;
                Tensor y = (*layer)(testing::randomTensor(dims));
                std::vector<int64_t> expected = c.out.dims();
                expected[0] = 2;
                QVERIFY2(y.shape() == expected, (what + " (eager " + y.shapeString() + ")").c_str());
            }
        }
    }

    void shapeErrors() {
        auto c = layers::Conv2D(4, 3);
        std::string msg = errorOf([&] { c->outputShapesFor({Shape{kNone, 3}}); });
        QVERIFY2(contains(msg, "'conv2d'") && contains(msg, "input 0") && contains(msg, "rank 4") &&
                     contains(msg, "(None, 3)"),
                 msg.c_str());
        QVERIFY_THROWS_EXCEPTION(ShapeError, c->outputShapesFor({Shape{kNone, 3}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*c)(testing::randomTensor({2, 3})));
        QVERIFY(!c->built());
        // Too small for a valid 3x3 kernel.
        QVERIFY_THROWS_EXCEPTION(ShapeError, c->outputShapesFor({Shape{kNone, 2, 5, 1}}));
        msg = errorOf([&] { c->outputShapesFor({Shape{kNone, 2, 5, 1}}); });
        QVERIFY2(contains(msg, "input 0") && contains(msg, "output size"), msg.c_str());
        // Unknown channels.
        QVERIFY_THROWS_EXCEPTION(ShapeError, c->outputShapesFor({Shape{kNone, 5, 5, kNone}}));
        // After building on 3 channels, other channel counts are errors, symbolic and eager.
        c->build({Shape{kNone, 5, 5, 3}});
        QVERIFY_THROWS_EXCEPTION(ShapeError, c->outputShapesFor({Shape{kNone, 5, 5, 2}}));
        msg = errorOf([&] { (*c)(testing::randomTensor({1, 5, 5, 2})); });
        QVERIFY2(contains(msg, "'conv2d'") && contains(msg, "expected 3 channels"), msg.c_str());
        msg = errorOf([&] { (*c)(testing::randomTensor({1, 2, 2, 3})); });
        QVERIFY2(contains(msg, "'conv2d'") && contains(msg, "output size"), msg.c_str());
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*c)(testing::randomTensor({1, 5, 5, 3, 1})));
        // Arity.
        QVERIFY_THROWS_EXCEPTION(ShapeError, c->outputShapesFor({Shape{kNone, 5, 5, 3}, Shape{kNone, 5, 5, 3}}));
        // Groups must divide the input channels.
        auto g = layers::Conv2D(4, 3, {{"groups", 2}});
        QVERIFY_THROWS_EXCEPTION(ShapeError, g->outputShapesFor({Shape{kNone, 5, 5, 3}}));
        // Other classes.
        auto c1 = layers::Conv1D(4, 3);
        msg = errorOf([&] { c1->outputShapesFor({Shape{kNone, 5, 5, 3}}); });
        QVERIFY2(contains(msg, "input 0") && contains(msg, "rank 3"), msg.c_str());
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::Conv2DTranspose(4, 3)->outputShapesFor({Shape{kNone, 3}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::DepthwiseConv2D(3)->outputShapesFor({Shape{kNone, 5, 3}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::SeparableConv2D(2, 3)->outputShapesFor({Shape{kNone, 5, 3}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, layers::DepthwiseConv2D(3)->outputShapesFor({Shape{kNone, 2, 2, 3}}));
        auto t = layers::Conv2DTranspose(4, 3);
        t->build({Shape{kNone, 4, 4, 2}});
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*t)(testing::randomTensor({1, 4, 4, 3})));
        auto d = layers::DepthwiseConv2D(3);
        d->build({Shape{kNone, 4, 4, 2}});
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*d)(testing::randomTensor({1, 4, 4, 3})));
        auto s = layers::SeparableConv2D(2, 3);
        s->build({Shape{kNone, 4, 4, 2}});
        QVERIFY_THROWS_EXCEPTION(ShapeError, (*s)(testing::randomTensor({1, 4, 4, 3})));
    }

    // ---- forward values ---------------------------------------------------------------------------

    void forwardByHand() {
        // 3x3 input 1..9, 2x2 kernel of ones.
        Tensor x = Tensor::of({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
        auto c = layers::Conv2D(1, 2);
        c->build({Shape{kNone, 3, 3, 1}});
        c->setWeights({Tensor({2, 2, 1, 1}, 1.0f), Tensor::of({1}, {0.5f})});
        QVERIFY(allClose((*c)(x), Tensor::of({1, 2, 2, 1}, {12.5f, 16.5f, 24.5f, 28.5f})));
        // "same": the extra pad goes to the bottom/right (TF).
        auto s = layers::Conv2D(1, 2, {{"padding", "same"}, {"use_bias", false}});
        s->build({Shape{kNone, 3, 3, 1}});
        s->setWeights({Tensor({2, 2, 1, 1}, 1.0f)});
        QVERIFY(allClose((*s)(x), Tensor::of({1, 3, 3, 1}, {12, 16, 9, 24, 28, 15, 15, 17, 9})));
        // Strided "same" on 4x4 with 3x3: total pad 1, all after.
        Tensor x4({1, 4, 4, 1});
        for (int i = 0; i < 16; ++i) x4[i] = float(i + 1);
        auto s2 = layers::Conv2D(1, 3, {{"padding", "same"}, {"strides", 2}, {"use_bias", false}});
        s2->build({Shape{kNone, 4, 4, 1}});
        s2->setWeights({Tensor({3, 3, 1, 1}, 1.0f)});
        // out[0,0] = sum rows 0-2, cols 0-2 = 1+2+3+5+6+7+9+10+11 = 54; out[0,1] = cols 2-3 (+pad) = 3+4+7+8+11+12 = 45
        // out[1,0] = rows 2-3, cols 0-2 = 9+10+11+13+14+15 = 72; out[1,1] = 11+12+15+16 = 54
        QVERIFY(allClose((*s2)(x4), Tensor::of({1, 2, 2, 1}, {54, 45, 72, 54})));
        // Causal Conv1D: y[t] = x[t-1] + 2 x[t] with kernel [1, 2].
        auto cc = layers::Conv1D(1, 2, {{"padding", "causal"}, {"use_bias", false}});
        cc->build({Shape{kNone, 4, 1}});
        cc->setWeights({Tensor::of({2, 1, 1}, {1, 2})});
        QVERIFY(allClose((*cc)(Tensor::of({1, 4, 1}, {1, 2, 3, 4})), Tensor::of({1, 4, 1}, {2, 5, 8, 11})));
        // Transposed, stride 2, 2x2 kernel of ones: every input pixel becomes a 2x2 block.
        auto t = layers::Conv2DTranspose(1, 2, {{"strides", 2}, {"use_bias", false}});
        t->build({Shape{kNone, 2, 2, 1}});
        t->setWeights({Tensor({2, 2, 1, 1}, 1.0f)});
        QVERIFY(allClose((*t)(Tensor::of({1, 2, 2, 1}, {1, 2, 3, 4})),
                         Tensor::of({1, 4, 4, 1}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4})));
        // Depthwise, multiplier 2: channel c -> outputs 2c (weight 1) and 2c+1 (weight -1) on a 1x1 kernel.
        auto d = layers::DepthwiseConv2D(1, {{"depth_multiplier", 2}, {"use_bias", false}});
        d->build({Shape{kNone, 1, 1, 2}});
        d->setWeights({Tensor::of({1, 1, 2, 2}, {1, -1, 10, -10})});
        QVERIFY(allClose((*d)(Tensor::of({1, 1, 1, 2}, {3, 4})), Tensor::of({1, 1, 1, 4}, {3, -3, 40, -40})));
    }

    void conv2dAgainstNaive() {
        std::vector<std::pair<Json, std::vector<int64_t>>> cases = {
            {{{"filters", 4}, {"kernel_size", 3}}, {2, 7, 6, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"padding", "same"}}, {2, 7, 6, 3}},
            {{{"filters", 4}, {"kernel_size", 2}, {"padding", "same"}}, {2, 7, 6, 3}},
            {{{"filters", 4}, {"kernel_size", {3, 2}}, {"strides", 2}}, {2, 7, 6, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}}, {2, 7, 6, 3}},
            {{{"filters", 4}, {"kernel_size", 4}, {"strides", {3, 2}}, {"padding", "same"}}, {2, 8, 7, 2}},
            {{{"filters", 4}, {"kernel_size", 3}, {"dilation_rate", 2}}, {2, 7, 8, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"dilation_rate", {2, 3}}, {"padding", "same"}}, {2, 7, 8, 3}},
            {{{"filters", 6}, {"kernel_size", 3}, {"groups", 3}}, {2, 6, 5, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"groups", 2}, {"padding", "same"}, {"strides", 2}}, {2, 6, 5, 6}},
            {{{"filters", 4}, {"kernel_size", 1}}, {2, 4, 5, 3}},
            {{{"filters", 4}, {"kernel_size", 1}, {"groups", 2}}, {2, 4, 5, 6}},
            {{{"filters", 4}, {"kernel_size", 1}, {"strides", 2}}, {2, 5, 5, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"activation", "relu"}}, {2, 6, 6, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"use_bias", false}, {"activation", "tanh"}}, {2, 6, 6, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"data_format", "channels_first"}}, {2, 3, 7, 6}},
            {{{"filters", 4}, {"kernel_size", 3}, {"data_format", "channels_first"}, {"padding", "same"}, {"strides", 2},
              {"activation", "sigmoid"}}, {2, 3, 7, 6}},
            {{{"filters", 6}, {"kernel_size", 2}, {"data_format", "channels_first"}, {"groups", 2}, {"dilation_rate", 2}},
             {2, 4, 7, 6}},
        };
        int seed = 10;
        for (const auto& [kwargs, shape] : cases) {
            auto layer = makeLayer<Conv2D>("Conv2D", kwargs);
            Tensor x = testing::randomTensor(shape, ++seed);
            Tensor y = (*layer)(x);
            randomizeWeights(*layer, ++seed);
            y = (*layer)(x);
            const Json cfg = layer->config();
            const bool cf = cfg["data_format"] == "channels_first";
            const Tensor* b = layer->bias() ? &layer->bias()->value : nullptr;
            Canon ref = refConv(toCanon(x, cf), layer->kernel()->value, b, axisOf(cfg, 0), axisOf(cfg, 1),
                                cfg["padding"].get<std::string>(), cfg["groups"].get<int64_t>(),
                                cfg["filters"].get<int64_t>(), cfg["activation"].get<std::string>());
            CHECK_CLOSE(y, fromCanon(ref, cf, 2), "Conv2D " + kwargs.dump());
        }
    }

    void conv1dAgainstNaive() {
        std::vector<std::pair<Json, std::vector<int64_t>>> cases = {
            {{{"filters", 3}, {"kernel_size", 3}}, {2, 9, 2}},
            {{{"filters", 3}, {"kernel_size", 4}, {"padding", "same"}}, {2, 9, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"padding", "causal"}}, {2, 9, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"padding", "causal"}, {"strides", 2}}, {2, 9, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"padding", "causal"}, {"dilation_rate", 3}}, {2, 9, 2}},
            {{{"filters", 3}, {"kernel_size", 2}, {"dilation_rate", 2}}, {2, 9, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"strides", 3}}, {2, 10, 2}},
            {{{"filters", 4}, {"kernel_size", 3}, {"groups", 2}, {"padding", "same"}}, {2, 8, 6}},
            {{{"filters", 3}, {"kernel_size", 3}, {"data_format", "channels_first"}, {"padding", "causal"}}, {2, 2, 9}},
            {{{"filters", 3}, {"kernel_size", 3}, {"data_format", "channels_first"}, {"activation", "tanh"}}, {2, 2, 9}},
        };
        int seed = 100;
        for (const auto& [kwargs, shape] : cases) {
            auto layer = makeLayer<Conv1D>("Conv1D", kwargs);
            Tensor x = testing::randomTensor(shape, ++seed);
            (*layer)(x);
            randomizeWeights(*layer, ++seed);
            Tensor y = (*layer)(x);
            const Json cfg = layer->config();
            const bool cf = cfg["data_format"] == "channels_first";
            const Tensor* b = layer->bias() ? &layer->bias()->value : nullptr;
            Canon ref = refConv(toCanon(x, cf), layer->kernel()->value, b, Axis{}, axisOf(cfg, 0),
                                cfg["padding"].get<std::string>(), cfg["groups"].get<int64_t>(),
                                cfg["filters"].get<int64_t>(), cfg["activation"].get<std::string>());
            CHECK_CLOSE(y, fromCanon(ref, cf, 1), "Conv1D " + kwargs.dump());
        }
        // Causality: changing the last step changes only the last output.
        auto c = layers::Conv1D(2, 3, {{"padding", "causal"}, {"dilation_rate", 2}});
        Tensor x = testing::randomTensor({1, 8, 3}, 5);
        Tensor y0 = (*c)(x);
        x.at({0, 7, 1}) += 1.0f;
        Tensor y1 = (*c)(x);
        for (int64_t t = 0; t < 7; ++t)
            for (int64_t f = 0; f < 2; ++f) QCOMPARE(y0.at({0, t, f}), y1.at({0, t, f}));
    }

    void conv2dTransposeAgainstNaive() {
        std::vector<std::pair<Json, std::vector<int64_t>>> cases = {
            {{{"filters", 3}, {"kernel_size", 3}}, {2, 4, 5, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"padding", "same"}}, {2, 4, 5, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"strides", 2}}, {2, 4, 5, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}}, {2, 4, 5, 2}},
            {{{"filters", 3}, {"kernel_size", 4}, {"strides", 2}, {"padding", "same"}}, {2, 4, 5, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"strides", 2}, {"output_padding", 1}}, {2, 4, 5, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"strides", 2}, {"output_padding", 1}, {"padding", "same"}}, {2, 4, 5, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"strides", 2}, {"output_padding", 0}, {"padding", "same"}}, {2, 4, 5, 2}},
            {{{"filters", 3}, {"kernel_size", 5}, {"strides", 3}, {"output_padding", {2, 1}}, {"padding", "same"}}, {2, 3, 4, 2}},
            {{{"filters", 3}, {"kernel_size", 2}, {"strides", 3}}, {2, 3, 4, 2}},
            {{{"filters", 3}, {"kernel_size", 2}, {"strides", 3}, {"padding", "same"}}, {2, 3, 4, 2}},
            {{{"filters", 3}, {"kernel_size", {2, 3}}, {"strides", {3, 2}}, {"padding", "same"}}, {2, 3, 4, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"dilation_rate", 2}}, {2, 3, 4, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"dilation_rate", 2}, {"padding", "same"}}, {2, 3, 4, 2}},
            {{{"filters", 3}, {"kernel_size", 3}, {"strides", 2}, {"activation", "relu"}, {"use_bias", false}}, {2, 3, 3, 4}},
            {{{"filters", 3}, {"kernel_size", 3}, {"strides", 2}, {"data_format", "channels_first"}}, {2, 2, 4, 5}},
            {{{"filters", 3}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}, {"output_padding", 1},
              {"data_format", "channels_first"}, {"activation", "tanh"}}, {2, 2, 4, 5}},
        };
        int seed = 200;
        for (const auto& [kwargs, shape] : cases) {
            auto layer = makeLayer<Conv2DTranspose>("Conv2DTranspose", kwargs);
            Tensor x = testing::randomTensor(shape, ++seed);
            (*layer)(x);
            randomizeWeights(*layer, ++seed);
            Tensor y = (*layer)(x);
            const Json cfg = layer->config();
            const bool cf = cfg["data_format"] == "channels_first";
            const Tensor* b = layer->bias() ? &layer->bias()->value : nullptr;
            int64_t opH = -1, opW = -1;
            if (!cfg["output_padding"].is_null()) {
                opH = cfg["output_padding"][0].get<int64_t>();
                opW = cfg["output_padding"][1].get<int64_t>();
            }
            Canon ref = refConvTranspose(toCanon(x, cf), layer->kernel()->value, b, axisOf(cfg, 0), axisOf(cfg, 1),
                                         cfg["padding"].get<std::string>(), opH, opW, cfg["filters"].get<int64_t>(),
                                         cfg["activation"].get<std::string>());
            CHECK_CLOSE(y, fromCanon(ref, cf, 2), "Conv2DTranspose " + kwargs.dump());
        }
    }

    void transposeIsAdjointOfConv() {
        // <conv(x), y> == <x, conv_transpose(y)> with the same kernel (no bias): checks the
        // transposed layer is exactly the adjoint Keras defines, independently of the naive loops.
        for (std::string padding : {"valid", "same"}) {
            for (int64_t stride : {1, 2, 3}) {
                const int64_t k = 3, n = 7;
                auto c = layers::Conv2D(2, k, {{"strides", stride}, {"padding", padding}, {"use_bias", false}});
                c->build({Shape{kNone, n, n, 3}});
                randomizeWeights(*c, 3);
                Tensor x = testing::randomTensor({1, n, n, 3}, 4);
                Tensor cx = (*c)(x);
                Json kw = {{"strides", stride}, {"padding", padding}, {"use_bias", false}};
                const int64_t m = cx.dim(1);
                // Pick output_padding so the transposed output is n x n again.
                int64_t base = padding == "same" ? (m - 1) * stride + k % 2 : (m - 1) * stride + k;
                if (n - base >= 0 && n - base < stride) kw["output_padding"] = n - base;
                else continue;
                auto t = layers::Conv2DTranspose(3, k, kw);
                t->build({Shape{kNone, m, m, 2}});
                // conv kernel (k, k, 3, 2) -> transposed kernel (k, k, filters=3, in=2): same layout.
                t->setWeights({c->kernel()->value});
                Tensor yv = testing::randomTensor(cx.shape(), 5);
                Tensor ty = (*t)(yv);
                QCOMPARE(ty.shape(), x.shape());
                double lhs = 0, rhs = 0;
                for (int64_t i = 0; i < cx.size(); ++i) lhs += double(cx[i]) * yv[i];
                for (int64_t i = 0; i < x.size(); ++i) rhs += double(x[i]) * ty[i];
                QVERIFY2(std::fabs(lhs - rhs) < 1e-3 * std::max(1.0, std::fabs(lhs)),
                         (padding + " stride " + std::to_string(stride)).c_str());
            }
        }
    }

    void depthwiseAgainstNaive() {
        std::vector<std::pair<Json, std::vector<int64_t>>> cases = {
            {{{"kernel_size", 3}}, {2, 6, 5, 3}},
            {{{"kernel_size", 3}, {"depth_multiplier", 2}}, {2, 6, 5, 3}},
            {{{"kernel_size", 3}, {"depth_multiplier", 3}, {"padding", "same"}, {"strides", 2}}, {2, 7, 6, 2}},
            {{{"kernel_size", {2, 3}}, {"padding", "same"}}, {2, 6, 5, 4}},
            {{{"kernel_size", 3}, {"dilation_rate", 2}, {"padding", "same"}}, {2, 7, 6, 3}},
            {{{"kernel_size", 3}, {"activation", "relu"}, {"use_bias", false}}, {2, 6, 5, 3}},
            {{{"kernel_size", 3}, {"depth_multiplier", 2}, {"data_format", "channels_first"}}, {2, 3, 6, 5}},
            {{{"kernel_size", 3}, {"padding", "same"}, {"strides", 2}, {"data_format", "channels_first"},
              {"activation", "tanh"}}, {2, 3, 6, 5}},
        };
        int seed = 300;
        for (const auto& [kwargs, shape] : cases) {
            auto layer = makeLayer<DepthwiseConv2D>("DepthwiseConv2D", kwargs);
            Tensor x = testing::randomTensor(shape, ++seed);
            (*layer)(x);
            randomizeWeights(*layer, ++seed);
            Tensor y = (*layer)(x);
            const Json cfg = layer->config();
            const bool cf = cfg["data_format"] == "channels_first";
            const Tensor* b = layer->bias() ? &layer->bias()->value : nullptr;
            Canon ref = refDepthwise(toCanon(x, cf), layer->kernel()->value, b, axisOf(cfg, 0), axisOf(cfg, 1),
                                     cfg["padding"].get<std::string>(), cfg["depth_multiplier"].get<int64_t>(),
                                     cfg["activation"].get<std::string>());
            CHECK_CLOSE(y, fromCanon(ref, cf, 2), "DepthwiseConv2D " + kwargs.dump());
        }
    }

    void separableAgainstNaive() {
        std::vector<std::pair<Json, std::vector<int64_t>>> cases = {
            {{{"filters", 4}, {"kernel_size", 3}}, {2, 6, 5, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"depth_multiplier", 2}}, {2, 6, 5, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"padding", "same"}, {"strides", 2}}, {2, 7, 6, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"dilation_rate", 2}, {"padding", "same"}}, {2, 7, 6, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"activation", "relu"}, {"use_bias", false}}, {2, 6, 5, 3}},
            {{{"filters", 4}, {"kernel_size", 3}, {"depth_multiplier", 2}, {"data_format", "channels_first"},
              {"activation", "tanh"}}, {2, 3, 6, 5}},
        };
        int seed = 400;
        for (const auto& [kwargs, shape] : cases) {
            auto layer = makeLayer<SeparableConv2D>("SeparableConv2D", kwargs);
            Tensor x = testing::randomTensor(shape, ++seed);
            (*layer)(x);
            randomizeWeights(*layer, ++seed);
            Tensor y = (*layer)(x);
            const Json cfg = layer->config();
            const bool cf = cfg["data_format"] == "channels_first";
            const Tensor* b = layer->bias() ? &layer->bias()->value : nullptr;
            Canon mid = refDepthwise(toCanon(x, cf), layer->depthwiseKernel()->value, nullptr, axisOf(cfg, 0),
                                     axisOf(cfg, 1), cfg["padding"].get<std::string>(),
                                     cfg["depth_multiplier"].get<int64_t>());
            Canon ref = refPointwise(mid, layer->pointwiseKernel()->value, b, cfg["filters"].get<int64_t>(),
                                     cfg["activation"].get<std::string>());
            CHECK_CLOSE(y, fromCanon(ref, cf, 2), "SeparableConv2D " + kwargs.dump());
        }
    }

    void channelsFirstMatchesChannelsLast() {
        // Same weights, transposed data: outputs are the transposes of each other.
        auto last = layers::Conv2D(5, 3, {{"padding", "same"}, {"strides", 2}, {"activation", "softplus"}});
        auto first = layers::Conv2D(5, 3, {{"padding", "same"}, {"strides", 2}, {"activation", "softplus"},
                                           {"data_format", "channels_first"}});
        Tensor x = testing::randomTensor({2, 7, 6, 3}, 9);
        Canon cx = toCanon(x, false);
        Tensor xf = fromCanon(cx, true, 2);
        (*last)(x);
        randomizeWeights(*last, 1);
        first->build({Shape{kNone, 3, 7, 6}});
        first->setWeights(last->getWeights());
        Tensor yl = (*last)(x), yf = (*first)(xf);
        CHECK_CLOSE(fromCanon(toCanon(yf, true), false, 2), yl, "channels_first vs channels_last");
    }

    void oneDimensionalVariants() {
        // Conv1DTranspose, DepthwiseConv1D, SeparableConv1D share the 2-D code with height 1.
        auto t = layers::Conv1DTranspose(3, 3, {{"strides", 2}, {"padding", "same"}});
        QCOMPARE(t->outputShapesFor({Shape{kNone, 5, 4}})[0], (Shape{kNone, 10, 3}));
        t->build({Shape{kNone, 5, 4}});
        QCOMPARE(t->weights()[0]->value.shape(), (std::vector<int64_t>{3, 3, 4}));
        QCOMPARE(t->countParams(), int64_t(3 * 3 * 4 + 3));
        QCOMPARE(layers::Conv1DTranspose(3, 3, {{"strides", 2}, {"output_padding", 1}})->outputShapesFor({Shape{kNone, 5, 4}})[0],
                 (Shape{kNone, 12, 3}));
        auto d = layers::DepthwiseConv1D(3, {{"depth_multiplier", 2}});
        QCOMPARE(d->outputShapesFor({Shape{kNone, 9, 4}})[0], (Shape{kNone, 7, 8}));
        d->build({Shape{kNone, 9, 4}});
        QCOMPARE(d->weights()[0]->value.shape(), (std::vector<int64_t>{3, 4, 2}));
        QCOMPARE(d->countParams(), int64_t(24 + 8));
        auto s = layers::SeparableConv1D(5, 3, {{"padding", "same"}, {"data_format", "channels_first"}});
        QCOMPARE(s->outputShapesFor({Shape{kNone, 4, 9}})[0], (Shape{kNone, 5, 9}));
        s->build({Shape{kNone, 4, 9}});
        QCOMPARE(s->weights()[1]->value.shape(), (std::vector<int64_t>{1, 4, 5}));
        QCOMPARE(s->countParams(), int64_t(12 + 20 + 5));
        QVERIFY(LayerRegistry::instance().contains("Convolution1DTranspose"));
        QVERIFY(LayerRegistry::instance().contains("SeparableConvolution1D"));
        QVERIFY_THROWS_EXCEPTION(ConfigError, layers::DepthwiseConv1D(3, {{"padding", "causal"}}));

        struct C {
            std::string cls;
            Json kwargs;
            std::vector<int64_t> shape;
        };
        std::vector<C> cases = {
            {"Conv1DTranspose", {{"filters", 3}, {"kernel_size", 3}, {"strides", 2}}, {2, 4, 2}},
            {"Conv1DTranspose", {{"filters", 3}, {"kernel_size", 4}, {"strides", 3}, {"padding", "same"}, {"output_padding", 1}}, {2, 4, 2}},
            {"Conv1DTranspose", {{"filters", 3}, {"kernel_size", 3}, {"data_format", "channels_first"}, {"padding", "same"}}, {2, 2, 5}},
            {"DepthwiseConv1D", {{"kernel_size", 3}, {"depth_multiplier", 2}, {"padding", "same"}, {"strides", 2}}, {2, 7, 3}},
            {"DepthwiseConv1D", {{"kernel_size", 2}, {"dilation_rate", 2}, {"data_format", "channels_first"}}, {2, 3, 7}},
            {"SeparableConv1D", {{"filters", 4}, {"kernel_size", 3}, {"depth_multiplier", 2}}, {2, 7, 3}},
            {"SeparableConv1D", {{"filters", 4}, {"kernel_size", 3}, {"padding", "same"}, {"strides", 2}, {"data_format", "channels_first"}}, {2, 3, 7}},
        };
        int seed = 500;
        for (const auto& c : cases) {
            auto layer = LayerRegistry::instance().create(c.cls, c.kwargs);
            Tensor x = testing::randomTensor(c.shape, ++seed);
            (*layer)(x);
            randomizeWeights(*layer, ++seed);
            Tensor y = (*layer)(x);
            const Json cfg = layer->config();
            const bool cf = cfg["data_format"] == "channels_first";
            const std::string pad = cfg["padding"].get<std::string>();
            auto ws = layer->weights();
            Canon ref(0, 0, 1, 0);
            if (c.cls == "Conv1DTranspose") {
                int64_t op = cfg["output_padding"].is_null() ? -1 : cfg["output_padding"][0].get<int64_t>();
                ref = refConvTranspose(toCanon(x, cf), ws[0]->value, &ws[1]->value, Axis{}, axisOf(cfg, 0), pad, -1, op,
                                       cfg["filters"].get<int64_t>());
            } else if (c.cls == "DepthwiseConv1D") {
                ref = refDepthwise(toCanon(x, cf), ws[0]->value, &ws[1]->value, Axis{}, axisOf(cfg, 0), pad,
                                   cfg["depth_multiplier"].get<int64_t>());
            } else {
                Canon mid = refDepthwise(toCanon(x, cf), ws[0]->value, nullptr, Axis{}, axisOf(cfg, 0), pad,
                                         cfg["depth_multiplier"].get<int64_t>());
                ref = refPointwise(mid, ws[1]->value, &ws[2]->value, cfg["filters"].get<int64_t>());
            }
            CHECK_CLOSE(y, fromCanon(ref, cf, 1), c.cls + " " + c.kwargs.dump());
            STRATA_GRADCHECK(*layer, {x});
        }
    }

    // ---- execution details ------------------------------------------------------------------------

    void threadedMatchesSingleThreaded() {
        // Large enough to be split over the pool; results must not depend on the thread count.
        const int saved = conv::numThreads();
        struct Run {
            Tensor y, dx;
            std::vector<Tensor> dw;
        };
        auto run = [](Layer& layer, const Tensor& x) {
            ConstTensorPtrs in{&x};
            Tensors out;
            CallContext ctx;
            ctx.recordForBackward = true;
            layer.call(in, out, ctx);
            Tensor g = testing::randomTensor(out[0].shape(), 77);
            for (Variable* w : layer.trainableWeights()) w->grad.resize(w->value.shape(), 0.0f);
            Tensors grads;
            ConstTensorPtrs gp{&g};
            layer.backward(in, out, gp, grads, ctx);
            Run r{out[0], grads[0], {}};
            for (Variable* w : layer.trainableWeights()) r.dw.push_back(w->grad);
            return r;
        };
        std::vector<std::shared_ptr<Layer>> ls = {
            layers::Conv2D(16, 3, {{"padding", "same"}, {"activation", "relu"}}),
            layers::Conv2D(16, 3, {{"groups", 2}, {"strides", 2}}),
            layers::Conv2D(16, 1),
            layers::Conv2DTranspose(8, 3, {{"strides", 2}, {"padding", "same"}}),
            layers::DepthwiseConv2D(3, {{"depth_multiplier", 2}}),
            layers::SeparableConv2D(16, 3, {{"padding", "same"}}),
        };
        Tensor x = testing::randomTensor({9, 16, 16, 8}, 21);
        for (auto& l : ls) {
            (*l)(x);
            randomizeWeights(*l, 5);
            conv::setNumThreads(1);
            Run a = run(*l, x);
            conv::setNumThreads(2);
            Run b = run(*l, x);
            conv::setNumThreads(3);
            Run c = run(*l, x);
            CHECK_CLOSE(b.y, a.y, l->className() + " output");
            CHECK_CLOSE(c.y, a.y, l->className() + " output");
            CHECK_CLOSE(b.dx, a.dx, l->className() + " input gradient");
            CHECK_CLOSE(c.dx, a.dx, l->className() + " input gradient");
            for (size_t i = 0; i < a.dw.size(); ++i) {
                QVERIFY(allClose(b.dw[i], a.dw[i], 1e-4f, 1e-3f));
                QVERIFY(allClose(c.dw[i], a.dw[i], 1e-4f, 1e-3f));
            }
        }
        conv::setNumThreads(saved);
        // A larger Conv2D against the naive loops, on the threaded path.
        auto big = layers::Conv2D(8, 3, {{"padding", "same"}});
        Tensor xb = testing::randomTensor({12, 14, 14, 4}, 31);
        (*big)(xb);
        randomizeWeights(*big, 8);
        Canon ref = refConv(toCanon(xb, false), big->kernel()->value, &big->bias()->value, Axis{3, 1, 1},
                            Axis{3, 1, 1}, "same", 1, 8);
        CHECK_CLOSE((*big)(xb), fromCanon(ref, false, 2), "threaded Conv2D");
    }

    void outputBuffersAreReused() {
        auto c = layers::Conv2D(8, 3, {{"data_format", "channels_first"}, {"activation", "gelu"}});
        Tensor x = testing::randomTensor({4, 3, 10, 10}, 3);
        ConstTensorPtrs in{&x};
        Tensors out;
        std::unique_ptr<LayerCache> slot;
        CallContext ctx;
        ctx.training = true;
        ctx.cacheSlot = &slot;
        c->call(in, out, ctx);
        const float* p = out[0].data();
        Tensor first = out[0];
        c->call(in, out, ctx);
        QVERIFY(out[0].data() == p);
        QVERIFY(allClose(out[0], first, 0, 0));
        // A smaller batch reuses the same buffers too.
        Tensor xs = testing::randomTensor({2, 3, 10, 10}, 3);
        ConstTensorPtrs ins{&xs};
        c->call(ins, out, ctx);
        QVERIFY(out[0].data() == p);
        QCOMPARE(out[0].shape(), (std::vector<int64_t>{2, 8, 8, 8}));
    }

    void missingOutputGradientGivesZeros() {
        auto c = layers::Conv2D(2, 3);
        Tensor x = testing::randomTensor({1, 5, 5, 2});
        ConstTensorPtrs in{&x};
        Tensors out, grads;
        CallContext ctx;
        ctx.recordForBackward = true;
        c->call(in, out, ctx);
        c->backward(in, out, {nullptr}, grads, ctx);
        QCOMPARE(grads[0].shape(), x.shape());
        for (float v : grads[0].values()) QCOMPARE(v, 0.0f);
    }

    void frozenLayerSkipsWeightGradients() {
        auto c = layers::Conv2D(2, 3);
        Tensor x = testing::randomTensor({1, 5, 5, 2});
        c->build({Shape{kNone, 5, 5, 2}});
        c->setTrainable(false);
        QVERIFY(c->trainableWeights().empty());
        STRATA_GRADCHECK(*c, {x});  // input gradients only
        for (Variable* w : c->weights()) QVERIFY(w->grad.empty() || w->grad.size() == 0);
    }

    // ---- gradients --------------------------------------------------------------------------------

    void gradients_data() {
        QTest::addColumn<QString>("cls");
        QTest::addColumn<QString>("kwargs");
        QTest::addColumn<QString>("shape");
        auto row = [](const char* name, const char* cls, Json kw, std::vector<int64_t> shape) {
            QTest::newRow(name) << QString(cls) << QString::fromStdString(kw.dump())
                                << QString::fromStdString(Json(shape).dump());
        };
        row("conv2d valid", "Conv2D", {{"filters", 3}, {"kernel_size", 3}}, {2, 5, 6, 2});
        row("conv2d same stride2", "Conv2D", {{"filters", 3}, {"kernel_size", 3}, {"padding", "same"}, {"strides", 2}}, {2, 5, 6, 2});
        row("conv2d dilation", "Conv2D", {{"filters", 3}, {"kernel_size", 2}, {"dilation_rate", 2}, {"padding", "same"}}, {2, 5, 5, 2});
        row("conv2d groups", "Conv2D", {{"filters", 4}, {"kernel_size", 3}, {"groups", 2}, {"activation", "tanh"}}, {2, 5, 5, 4});
        row("conv2d 1x1", "Conv2D", {{"filters", 3}, {"kernel_size", 1}, {"activation", "sigmoid"}}, {2, 3, 4, 5});
        row("conv2d gelu", "Conv2D", {{"filters", 3}, {"kernel_size", 3}, {"activation", "gelu"}}, {2, 5, 5, 2});
        row("conv2d softmax", "Conv2D", {{"filters", 3}, {"kernel_size", 3}, {"activation", "softmax"}}, {2, 5, 5, 2});
        row("conv2d channels_first", "Conv2D", {{"filters", 3}, {"kernel_size", 3}, {"data_format", "channels_first"}, {"padding", "same"}, {"activation", "swish"}}, {2, 2, 5, 6});
        row("conv2d no bias", "Conv2D", {{"filters", 3}, {"kernel_size", {2, 3}}, {"use_bias", false}, {"strides", {1, 2}}}, {2, 5, 6, 2});
        row("conv1d valid", "Conv1D", {{"filters", 3}, {"kernel_size", 3}}, {2, 7, 2});
        row("conv1d causal dilated", "Conv1D", {{"filters", 3}, {"kernel_size", 3}, {"padding", "causal"}, {"dilation_rate", 2}, {"activation", "tanh"}}, {2, 7, 2});
        row("conv1d same stride2", "Conv1D", {{"filters", 3}, {"kernel_size", 4}, {"padding", "same"}, {"strides", 2}}, {2, 7, 2});
        row("conv1d groups channels_first", "Conv1D", {{"filters", 4}, {"kernel_size", 3}, {"groups", 2}, {"data_format", "channels_first"}, {"activation", "elu"}}, {2, 4, 7});
        row("transpose valid", "Conv2DTranspose", {{"filters", 3}, {"kernel_size", 3}}, {2, 3, 4, 2});
        row("transpose same stride2", "Conv2DTranspose", {{"filters", 3}, {"kernel_size", 3}, {"padding", "same"}, {"strides", 2}, {"activation", "tanh"}}, {2, 3, 4, 2});
        row("transpose output_padding", "Conv2DTranspose", {{"filters", 2}, {"kernel_size", 3}, {"strides", 2}, {"output_padding", 1}}, {2, 3, 3, 2});
        row("transpose same output_padding", "Conv2DTranspose", {{"filters", 2}, {"kernel_size", 4}, {"strides", 3}, {"padding", "same"}, {"output_padding", {2, 1}}}, {2, 3, 3, 2});
        row("transpose dilation", "Conv2DTranspose", {{"filters", 2}, {"kernel_size", 2}, {"dilation_rate", 2}, {"padding", "same"}}, {2, 3, 4, 2});
        row("transpose stride > kernel", "Conv2DTranspose", {{"filters", 2}, {"kernel_size", 2}, {"strides", 3}, {"activation", "gelu"}}, {2, 3, 3, 2});
        row("transpose channels_first", "Conv2DTranspose", {{"filters", 3}, {"kernel_size", 3}, {"strides", 2}, {"data_format", "channels_first"}, {"activation", "softplus"}}, {2, 2, 3, 4});
        row("depthwise", "DepthwiseConv2D", {{"kernel_size", 3}}, {2, 5, 5, 3});
        row("depthwise multiplier", "DepthwiseConv2D", {{"kernel_size", 3}, {"depth_multiplier", 2}, {"padding", "same"}, {"strides", 2}, {"activation", "tanh"}}, {2, 5, 6, 3});
        row("depthwise dilation", "DepthwiseConv2D", {{"kernel_size", 2}, {"dilation_rate", 2}, {"activation", "gelu"}}, {2, 5, 5, 2});
        row("depthwise channels_first", "DepthwiseConv2D", {{"kernel_size", 3}, {"depth_multiplier", 2}, {"data_format", "channels_first"}, {"padding", "same"}}, {2, 2, 5, 4});
        row("separable", "SeparableConv2D", {{"filters", 3}, {"kernel_size", 3}}, {2, 5, 5, 2});
        row("separable multiplier", "SeparableConv2D", {{"filters", 3}, {"kernel_size", 3}, {"depth_multiplier", 2}, {"padding", "same"}, {"strides", 2}, {"activation", "swish"}}, {2, 5, 6, 2});
        row("separable dilation", "SeparableConv2D", {{"filters", 2}, {"kernel_size", 2}, {"dilation_rate", 2}, {"use_bias", false}}, {2, 5, 5, 3});
        row("separable channels_first", "SeparableConv2D", {{"filters", 3}, {"kernel_size", 3}, {"data_format", "channels_first"}, {"activation", "tanh"}}, {2, 2, 5, 5});
    }
    void gradients() {
        QFETCH(QString, cls);
        QFETCH(QString, kwargs);
        QFETCH(QString, shape);
        auto layer = LayerRegistry::instance().create(cls.toStdString(), Json::parse(kwargs.toStdString()));
        std::vector<int64_t> dims = Json::parse(shape.toStdString()).get<std::vector<int64_t>>();
        Tensor x = testing::randomTensor(dims, 3, -0.8f, 0.8f);
        layer->build({Shape(dims)});
        randomizeWeights(*layer, 11);
        STRATA_GRADCHECK(*layer, {x});
    }
};

QTEST_APPLESS_MAIN(TestConvolutionalLayers)
#include "test_convolutional_layers.moc"
