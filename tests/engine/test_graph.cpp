// Functional and Sequential models built from Dense layers: Keras's layer order, names, parameter
// counts, shared layers, nested models, cutting, cloning, wiring errors, config round trips, summary
// text, predict and backward through a graph.
#include <QtTest/QtTest>

#include "engine/core/errors.h"
#include "engine/graph/input_layer.h"
#include "engine/graph/model.h"
#include "engine/graph/model_config.h"
#include "engine/graph/sequential.h"
#include "engine/layers/core/dense.h"
#include "tests/support/gradcheck.h"

using namespace strata;

static bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class TestGraph : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    void sequentialBuiltLazily() {
        auto model = makeSequential({layers::Dense(64, {{"activation", "relu"}}), layers::Dense(10, {{"activation", "softmax"}})});
        QVERIFY(model->weights().empty());
        try {
            model->summary();
            QFAIL("summary of an unbuilt model must fail");
        } catch (const ValueError& e) {
            QVERIFY(contains(e.what(), "not been built"));
        }
        model->buildWithShape(Shape{kNone, 3});
        QCOMPARE(model->countParams(), int64_t(906));
        QCOMPARE(int(model->weights().size()), 4);
        std::string s = model->summary();
        QVERIFY2(contains(s, "Model: \"sequential\""), s.c_str());
        QVERIFY2(contains(s, "dense (Dense)"), s.c_str());
        QVERIFY2(contains(s, "(None, 64)"), s.c_str());
        QVERIFY2(contains(s, "│           256 │") || contains(s, " 256 │"), s.c_str());
        QVERIFY2(contains(s, "dense_1 (Dense)"), s.c_str());
        QVERIFY2(contains(s, "Total params: 906 (3.54 KB)"), s.c_str());
        QVERIFY2(contains(s, "Trainable params: 906 (3.54 KB)"), s.c_str());
        QVERIFY2(contains(s, "Non-trainable params: 0 (0.00 B)"), s.c_str());
        QVERIFY2(!contains(s, "Connected to"), s.c_str());
        QVERIFY2(!contains(s, "input_layer"), s.c_str());
    }

    void sequentialWithInputSummarisesAfterEachAdd() {
        auto model = makeSequential({layers::InputLayer({3})});
        model->add(layers::Dense(64, {{"activation", "relu"}}));
        QCOMPARE(model->countParams(), int64_t(256));
        QVERIFY(contains(model->summary(), "Total params: 256"));
        model->add(layers::Dense(10));
        QCOMPARE(model->countParams(), int64_t(906));
        model->add(layers::Dense(4));
        QCOMPARE(int(model->layers().size()), 3);
    }

    void functionalLayerOrderAndConnectedTo() {
        auto inputs = Input({784});
        auto x1 = (*layers::Dense(128, {{"activation", "relu"}}))(inputs);
        auto x2 = (*layers::Dense(128, {{"activation", "tanh"}}))(inputs);
        auto d2 = layers::Dense(64);
        auto y = (*d2)(x1);
        auto z = (*layers::Dense(10))(x2);
        auto model = makeModel({inputs}, {y, z});
        auto ls = model->layers();
        std::vector<std::string> names;
        for (auto& l : ls) names.push_back(l->name());
        QCOMPARE(names, (std::vector<std::string>{"input_layer", "dense", "dense_1", "dense_2", "dense_3"}));
        QCOMPARE(model->name(), std::string("functional"));
        QVERIFY(!model->sequentialLike());
        std::string s = model->summary();
        QVERIFY2(contains(s, "Connected to"), s.c_str());
        QVERIFY2(contains(s, "input_layer[0][0]"), s.c_str());
        QVERIFY2(contains(s, "input_layer (InputLayer)"), s.c_str());
        QCOMPARE(model->countParams(), int64_t(100480 * 2 + 8256 + 1290));
    }

    void sharedLayerHasOneSetOfWeights() {
        auto layer = layers::Dense(784, {{"activation", "relu"}});
        auto xin = Input({784});
        auto x = (*layer)((*layer)((*layer)(xin)));
        auto model = makeModel(xin, x);
        QCOMPARE(model->countParams(), int64_t(615440));
        QCOMPARE(int(model->layers().size()), 2);
        QCOMPARE(int(layer->inboundNodes().size()), 3);
        QVERIFY(contains(model->summary(), "Connected to"));  // shared layer: not sequential-like
        // All three calls use the same kernel: predict equals applying the layer three times.
        Tensor in = testing::randomTensor({2, 784}, 5, 0.0f, 0.1f);
        Tensor expected = (*layer)((*layer)((*layer)(in)));
        QVERIFY(allClose(model->predict(in), expected));
    }

    void nestedModelSharesWeights() {
        auto in = Input({4});
        auto inner = makeModel(in, (*layers::Dense(3))(in), "block");
        auto outerIn = Input({4});
        auto out = (*layers::Dense(2))((*inner)(outerIn));
        auto outer = makeModel(outerIn, out);
        QCOMPARE(outer->countParams(), int64_t(15 + 8));
        std::string s = outer->summary();
        QVERIFY2(contains(s, "block (Functional)"), s.c_str());
        QVERIFY2(contains(s, "(None, 3)"), s.c_str());
        // Changing the inner model's weights changes the outer model's predictions.
        Tensor x = testing::randomTensor({3, 4});
        Tensor before = outer->predict(x);
        auto w = inner->getWeights();
        w[0].fill(0.5f);
        inner->setWeights(w);
        Tensor after = outer->predict(x);
        QVERIFY(!allClose(before, after));
        auto expanded = outer->summary({.expandNested = true});
        QVERIFY2(contains(expanded, "└ dense (Dense)"), expanded.c_str());
    }

    void cloneModelHasSameStructureFreshWeights() {
        auto in = Input({5});
        auto model = makeModel(in, (*layers::Dense(4, {{"activation", "tanh"}}))((*layers::Dense(8))(in)), "orig");
        auto clone = cloneModel(*model);
        QCOMPARE(clone->countParams(), model->countParams());
        QCOMPARE(clone->layers().size(), model->layers().size());
        QVERIFY(clone->layers()[1].get() != model->layers()[1].get());
        QVERIFY(!allClose(clone->getWeights()[0], model->getWeights()[0]));
        Tensor x = testing::randomTensor({3, 5});
        QVERIFY(!allClose(clone->predict(x), model->predict(x)));
        clone->setWeights(model->getWeights());
        QVERIFY(allClose(clone->predict(x), model->predict(x)));
    }

    void cutInTheMiddleKeepsOnlyNeededLayers() {
        auto in = Input({10});
        auto a = (*layers::Dense(20))(in);
        auto b = (*layers::Dense(30))(a);
        auto c = (*layers::Dense(5))(b);
        auto full = makeModel(in, c);
        auto tail = makeModel(a, c);  // starts at the output of the first Dense
        QCOMPARE(tail->countParams(), int64_t(20 * 30 + 30 + 30 * 5 + 5));
        QCOMPARE(int(tail->layers().size()), 3);  // new input + 2 dense
        QCOMPARE(tail->inputs()[0].shape(), (Shape{kNone, 20}));
        // Shares weights with the full model.
        Tensor x = testing::randomTensor({2, 10});
        auto head = makeModel(in, a);
        QVERIFY(allClose(tail->predict(head->predict(x)), full->predict(x)));
        // Feature extraction from an intermediate layer.
        auto features = makeModel({in}, {a, b});
        QCOMPARE(int(features->outputs().size()), 2);
    }

    void wiringErrorsAreClear() {
        auto in = Input({3});
        auto other = Input({3}, "other");
        auto y = (*layers::Dense(2))(other);
        try {
            makeModel(in, y);
            QFAIL("expected graph disconnected");
        } catch (const GraphError& e) {
            QVERIFY2(contains(e.what(), "Graph disconnected") && contains(e.what(), "'other'"), e.what());
        }
        auto d = layers::Dense(2, {{"name", "same"}});
        auto d2 = layers::Dense(2, {{"name", "same"}});
        try {
            makeModel(in, (*d2)((*d)(in)));
            QFAIL("expected duplicate names");
        } catch (const GraphError& e) {
            QVERIFY2(contains(e.what(), "\"same\""), e.what());
        }
        auto dense = layers::Dense(4);
        (*dense)(Input({3}));
        try {
            (*dense)(Input({5}));
            QFAIL("expected incompatible input");
        } catch (const ShapeError& e) {
            QVERIFY2(contains(e.what(), "'dense") && contains(e.what(), "(None, 5)"), e.what());
        }
    }

    void configRoundTripKeepsSharingAndNesting() {
        auto in = Input({6}, "x");
        auto shared = layers::Dense(6, {{"activation", "relu"}});
        auto blockIn = Input({6});
        auto block = makeModel(blockIn, (*layers::Dense(3))(blockIn), "block");
        auto h = (*shared)((*shared)(in));
        auto out = (*block)(h);
        auto model = makeModel(in, out, "roundtrip");
        Json j = modelToJson(*model);
        QCOMPARE(j["class_name"].get<std::string>(), std::string("Functional"));
        auto again = modelFromJson(j);
        QCOMPARE(again->name(), std::string("roundtrip"));
        QCOMPARE(again->countParams(), model->countParams());
        QCOMPARE(int(again->getLayer(shared->name())->inboundNodes().size()), 2);
        QVERIFY(again->getLayer("block")->isModel());
        again->setWeights(model->getWeights());
        Tensor x = testing::randomTensor({4, 6});
        QVERIFY(allClose(again->predict(x), model->predict(x)));
        QCOMPARE(modelToJson(*again).dump(), j.dump());
    }

    void readsKeras2StyleConfig() {
        const char* text = R"({"class_name": "Model", "keras_version": "2.2.4", "config": {
          "name": "m", "layers": [
            {"name": "input_1", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "dtype": "float32", "sparse": false, "name": "input_1"}, "inbound_nodes": []},
            {"name": "d", "class_name": "Dense", "config": {"name": "d", "trainable": true, "units": 2, "activation": "linear", "use_bias": true,
               "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": null}},
               "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null,
               "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null},
             "inbound_nodes": [[["input_1", 0, 0, {}]]]}],
          "input_layers": [["input_1", 0, 0]], "output_layers": [["d", 0, 0]]}})";
        auto m = modelFromJsonString(text);
        QCOMPARE(m->countParams(), int64_t(10));
        QCOMPARE(m->inputs()[0].shape(), (Shape{kNone, 4}));
        const char* seq = R"({"class_name": "Sequential", "config": [
            {"class_name": "Dense", "config": {"name": "a", "units": 3, "batch_input_shape": [null, 2]}},
            {"class_name": "Dense", "config": {"name": "b", "units": 1}}]})";
        auto s = modelFromJsonString(seq);
        QCOMPARE(s->countParams(), int64_t(9 + 4));
        QCOMPARE(s->inputNames()[0], std::string("a_input"));
    }

    void badConfigsGiveClearErrors() {
        QVERIFY_THROWS_EXCEPTION(ConfigError, modelFromJsonString("{not json", "f.json"));
        try {
            modelFromJsonString(R"({"class_name": "Functional", "config": {"name": "m", "layers": [
                {"class_name": "Lambda", "name": "lam", "config": {"name": "lam"}, "inbound_nodes": []}],
                "input_layers": [], "output_layers": []}})", "m.json");
            QFAIL("Lambda must be refused");
        } catch (const Error& e) {
            QVERIFY2(contains(e.what(), "m.json") && contains(e.what(), "Lambda") && contains(e.what(), "lam"), e.what());
        }
        try {
            modelFromJsonString(R"({"class_name": "Functional", "config": {"name": "m", "layers": [
                {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": "many"}, "inbound_nodes": []}],
                "input_layers": [], "output_layers": []}})", "m.json");
            QFAIL("bad units must be refused");
        } catch (const Error& e) {
            QVERIFY2(contains(e.what(), "units") && contains(e.what(), "'d'"), e.what());
        }
        // Deep nesting is refused, not a stack overflow.
        std::string deep = R"({"class_name": "Sequential", "config": {"layers": [)";
        for (int i = 0; i < 200; ++i) deep += R"({"class_name": "Sequential", "config": {"layers": [)";
        for (int i = 0; i < 200; ++i) deep += "]}}";
        deep += "]}}";
        QVERIFY_THROWS_EXCEPTION(ConfigError, modelFromJsonString(deep));
    }

    void backwardThroughGraphMatchesNumeric() {
        auto in = Input({4});
        auto shared = layers::Dense(4, {{"activation", "tanh"}});
        auto a = (*shared)(in);
        auto b = (*shared)(a);
        auto blockIn = Input({4});
        auto block = makeModel(blockIn, (*layers::Dense(3, {{"activation", "sigmoid"}}))(blockIn));
        auto c = (*block)(b);
        auto model = makeModel({in}, {c, a});
        STRATA_GRADCHECK(*model, {testing::randomTensor({3, 4}, 9)});
    }
};

QTEST_APPLESS_MAIN(TestGraph)
#include "test_graph.moc"
