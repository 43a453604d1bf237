// Model diagrams (Keras's plot_model): DOT text of sequential, functional, multi-input/output,
// shared-layer and nested models with every option; in-process rendering to PNG/SVG/PDF/DOT with
// errors; the editor's Graphviz auto-layout; a 200-layer model; example images of a toy ResNet and
// a multi-input model written to the build directory (build-*/plot-examples/).
#include <QtTest/QtTest>

#include <fstream>
#include <sstream>

#include "engine/core/errors.h"
#include "engine/graph/input_layer.h"
#include "engine/graph/model.h"
#include "engine/graph/sequential.h"
#include "engine/layers/convolutional/conv2d.h"
#include "engine/layers/core/dense.h"
#include "engine/layers/core/embedding.h"
#include "engine/layers/merging/add.h"
#include "engine/layers/merging/concatenate.h"
#include "engine/layers/pooling/global_average_pooling2d.h"
#include "engine/layers/pooling/max_pooling2d.h"
#include "engine/layers/recurrent/lstm.h"
#include "engine/layers/regularization/dropout.h"
#include "plotting/graph_layout.h"
#include "plotting/graphviz_renderer.h"
#include "plotting/model_diagram.h"

using namespace strata;
using namespace strata::plotting;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

int count(const std::string& s, const std::string& part) {
    int n = 0;
    for (size_t p = s.find(part); p != std::string::npos; p = s.find(part, p + 1)) ++n;
    return n;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

DiagramOptions everything() {
    DiagramOptions o;
    o.showShapes = true;
    o.showDType = true;
    o.showLayerNames = true;
    o.showLayerActivations = true;
    o.showTrainable = true;
    return o;
}

// Keras's functional-API guide "toy ResNet" for CIFAR-10.
ModelPtr toyResNet() {
    auto inputs = Input({32, 32, 3}, "img");
    auto x = (*layers::Conv2D(32, 3, {{"activation", "relu"}}))(inputs);
    x = (*layers::Conv2D(64, 3, {{"activation", "relu"}}))(x);
    auto block1 = (*layers::MaxPooling2D(3))(x);
    x = (*layers::Conv2D(64, 3, {{"activation", "relu"}, {"padding", "same"}}))(block1);
    x = (*layers::Conv2D(64, 3, {{"activation", "relu"}, {"padding", "same"}}))(x);
    auto block2 = layers::add({x, block1});
    x = (*layers::Conv2D(64, 3, {{"activation", "relu"}, {"padding", "same"}}))(block2);
    x = (*layers::Conv2D(64, 3, {{"activation", "relu"}, {"padding", "same"}}))(x);
    auto block3 = layers::add({x, block2});
    x = (*layers::Conv2D(64, 3, {{"activation", "relu"}}))(block3);
    x = (*layers::GlobalAveragePooling2D())(x);
    x = (*layers::Dense(256, {{"activation", "relu"}}))(x);
    x = (*layers::Dropout(0.5))(x);
    auto outputs = (*layers::Dense(10))(x);
    return makeModel({inputs}, {outputs}, "toy_resnet");
}

// Keras's guide "ticket classifier" (title, body, tags -> priority, department), with the
// word embedding shared by title and body.
ModelPtr ticketClassifier() {
    auto title = Input({kNone}, "title", "int32");
    auto body = Input({kNone}, "body", "int32");
    auto tags = Input({12}, "tags");
    auto embedding = layers::Embedding(10000, 64, {{"name", "word_embedding"}});
    auto titleFeatures = (*layers::LSTM(128))((*embedding)(title));
    auto bodyFeatures = (*layers::LSTM(32))((*embedding)(body));
    auto x = layers::concatenate({titleFeatures, bodyFeatures, tags});
    auto priority = (*layers::Dense(1, {{"name", "priority"}, {"activation", "sigmoid"}}))(x);
    auto department = (*layers::Dense(4, {{"name", "department"}, {"activation", "softmax"}}))(x);
    return makeModel({title, body, tags}, {priority, department}, "ticket_classifier");
}

// An outer model using a functional encoder, a shared functional tower and a Sequential head.
ModelPtr nestedModel() {
    auto in = Input({28, 28, 1}, "image");
    auto c = (*layers::Conv2D(16, 3, {{"activation", "relu"}}))(in);
    auto p = (*layers::GlobalAveragePooling2D())(c);
    auto encoder = makeModel({in}, {p}, "encoder");
    auto tin = Input({16}, "features");
    auto t = (*layers::Dense(16, {{"activation", "relu"}, {"name", "tower_dense"}}))(tin);
    auto tower = makeModel({tin}, {t}, "tower");
    auto head = makeSequential({layers::Dense(8, {{"activation", "relu"}}), layers::Dense(1, {{"activation", "sigmoid"}})},
                               "head");
    auto a = Input({28, 28, 1}, "left");
    auto b = Input({28, 28, 1}, "right");
    auto fa = (*tower)((*encoder)(a));
    auto fb = (*tower)((*encoder)(b));
    auto out = (*head)(layers::concatenate({fa, fb}));
    encoder->setTrainable(false);
    return makeModel({a, b}, {out}, "siamese");
}

}  // namespace

class TestModelDiagram : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    void sequentialDefaultsLikeKeras() {
        auto model = makeSequential({layers::InputLayer({3}), layers::Dense(64, {{"activation", "relu"}}),
                                     layers::Dense(10, {{"activation", "softmax"}})});
        std::string dot = modelToDot(*model);
        QVERIFY2(contains(dot, "digraph \"sequential\""), dot.c_str());
        QVERIFY2(contains(dot, "rankdir=\"TB\""), dot.c_str());
        QVERIFY2(contains(dot, "dpi=200"), dot.c_str());
        QVERIFY2(contains(dot, "splines=\"ortho\""), dot.c_str());
        // plot_model's defaults: type only, no shapes; a Sequential has no input box.
        QCOMPARE(count(dot, "<B>Dense</B>"), 2);
        QVERIFY2(!contains(dot, "</B> (Dense)"), dot.c_str());
        QVERIFY2(!contains(dot, "Output shape") && !contains(dot, "Input shape"), dot.c_str());
        QVERIFY2(!contains(dot, "InputLayer"), dot.c_str());
        QVERIFY2(contains(dot, "tooltip=\"dense (Dense)\""), dot.c_str());
        QVERIFY2(contains(dot, "\"dense\" -> \"dense_1\";"), dot.c_str());
        QCOMPARE(count(dot, "->"), 1);
        validateDot(dot);
    }

    void labelsShowEveryOption() {
        auto inputs = Input({784}, "pixels");
        auto hidden = layers::Dense(64, {{"activation", "relu"}, {"name", "hidden"}});
        auto frozen = layers::Dense(10, {{"name", "frozen_head"}});
        auto x = (*hidden)(inputs);
        x = (*layers::Dropout(0.2))(x);
        auto y = (*frozen)(x);
        auto model = makeModel({inputs}, {y}, "mlp");
        frozen->setTrainable(false);
        std::string dot = modelToDot(*model, everything());
        QVERIFY2(contains(dot, "<B>pixels</B> (InputLayer)"), dot.c_str());
        QVERIFY2(contains(dot, "<B>hidden</B> (Dense)"), dot.c_str());
        QVERIFY2(contains(dot, "<B>dropout</B> (Dropout)"), dot.c_str());
        QVERIFY2(contains(dot, "Input shape: <B>(None, 784)</B>"), dot.c_str());
        QVERIFY2(contains(dot, "Output shape: <B>(None, 64)</B>"), dot.c_str());
        QVERIFY2(contains(dot, "Output shape: <B>(None, 10)</B>"), dot.c_str());
        QVERIFY2(contains(dot, "Output dtype: <B>float32</B>"), dot.c_str());
        QVERIFY2(contains(dot, "Activation: <B>relu</B>"), dot.c_str());
        QVERIFY2(contains(dot, "Activation: <B>linear</B>"), dot.c_str());
        QCOMPARE(count(dot, "Activation:"), 2);  // Dropout has no activation
        QCOMPARE(count(dot, "<B>Trainable</B>"), 1);
        QCOMPARE(count(dot, "<B>Non-trainable</B>"), 1);  // Dropout and InputLayer have no weights
        QCOMPARE(count(dot, "Input shape:"), 3);            // not for the InputLayer
        QCOMPARE(count(dot, "Output shape:"), 4);
        QVERIFY2(contains(dot, "\"pixels\" -> \"hidden\""), dot.c_str());
        QVERIFY2(contains(dot, "\"hidden\" -> \"dropout\""), dot.c_str());
        QVERIFY2(contains(dot, "\"dropout\" -> \"frozen_head\""), dot.c_str());
        // Family colours: Dense is Core, Dropout Regularization, InputLayer Inputs & outputs.
        QVERIFY2(contains(dot, familyStyle(LayerCategory::Core).header), dot.c_str());
        QVERIFY2(contains(dot, familyStyle(LayerCategory::Regularization).header), dot.c_str());
        QVERIFY2(contains(dot, familyStyle(LayerCategory::InputsOutputs).header), dot.c_str());
        validateDot(dot);
    }

    void namesAreEscaped() {
        auto inputs = Input({4}, "in<&>");
        auto y = (*layers::Dense(2, {{"name", "a\"b"}}))(inputs);
        auto model = makeModel({inputs}, {y});
        DiagramOptions o;
        o.showLayerNames = true;
        std::string dot = modelToDot(*model, o);
        QVERIFY2(contains(dot, "<B>in&lt;&amp;&gt;</B>"), dot.c_str());
        QVERIFY2(contains(dot, "\"a\\\"b\" ["), dot.c_str());
        validateDot(dot);
    }

    void multiInputMultiOutput() {
        auto model = ticketClassifier();
        DiagramOptions o;
        o.showShapes = true;
        o.showLayerNames = true;
        std::string dot = modelToDot(*model, o);
        for (const char* name : {"\"title\" [", "\"body\" [", "\"tags\" [", "\"concatenate\" [", "\"priority\" [",
                                 "\"department\" ["})
            QVERIFY2(contains(dot, name), name);
        QVERIFY2(contains(dot, "\"tags\" -> \"concatenate\""), dot.c_str());
        QVERIFY2(contains(dot, "\"lstm\" -> \"concatenate\""), dot.c_str());
        QVERIFY2(contains(dot, "\"lstm_1\" -> \"concatenate\""), dot.c_str());
        QVERIFY2(contains(dot, "\"concatenate\" -> \"priority\""), dot.c_str());
        QVERIFY2(contains(dot, "\"concatenate\" -> \"department\""), dot.c_str());
        QVERIFY2(contains(dot, "Input shape: <B>[(None, 128), (None, 32), (None, 12)]</B>"), dot.c_str());
        QVERIFY2(contains(dot, "Output shape: <B>(None, 172)</B>"), dot.c_str());
        QVERIFY2(contains(dot, "Output shape: <B>(None, 4)</B>"), dot.c_str());
        QCOMPARE(count(dot, "->"), 9);
        validateDot(dot);
    }

    void sharedLayerDrawnOnceAndMarked() {
        auto model = ticketClassifier();
        DiagramOptions o;
        o.showShapes = true;
        o.showLayerNames = true;
        std::string dot = modelToDot(*model, o);
        QCOMPARE(count(dot, "\n  \"word_embedding\" ["), 1);
        QVERIFY2(contains(dot, "shared ×2"), dot.c_str());
        QVERIFY2(contains(dot, std::string("COLOR=\"") + kSharedColor + "\""), dot.c_str());
        // Both calls enter and leave the one box, each edge labelled with its call.
        QVERIFY2(contains(dot, "\"title\" -> \"word_embedding\" [color=\"#D81B60\", penwidth=2, headlabel=\"call 1\""),
                 dot.c_str());
        QVERIFY2(contains(dot, "\"body\" -> \"word_embedding\" [color=\"#D81B60\", penwidth=2, headlabel=\"call 2\""),
                 dot.c_str());
        QVERIFY2(contains(dot, "\"word_embedding\" -> \"lstm\" [color=\"#D81B60\", penwidth=2, taillabel=\"call 1\""),
                 dot.c_str());
        QVERIFY2(contains(dot, "\"word_embedding\" -> \"lstm_1\" [color=\"#D81B60\", penwidth=2, taillabel=\"call 2\""),
                 dot.c_str());
        // Different shapes per call are listed per call; equal ones once.
        QVERIFY2(contains(dot, "Output shape: <B>(None, None, 64)</B>"), dot.c_str());

        // A layer called twice on the same merge: two distinct edges into the merge.
        clearSession();
        auto a = Input({3, 8}, "a");
        auto b = Input({5, 8}, "b");
        auto shared = layers::Dense(4, {{"name", "proj"}});
        auto pa = (*shared)(a);
        auto pb = (*shared)(b);
        auto joined = layers::concatenate({pa, pb}, 1);
        auto siamese = makeModel({a, b}, {joined});
        std::string d2 = modelToDot(*siamese, o);
        QCOMPARE(count(d2, "\"proj\" -> \"concatenate\""), 2);
        QVERIFY2(contains(d2, "taillabel=\"call 1\""), d2.c_str());
        QVERIFY2(contains(d2, "taillabel=\"call 2\""), d2.c_str());
        // Shapes that differ between calls are listed per call.
        QVERIFY2(contains(d2, "Input shape: call 1: <B>(None, 3, 8)</B><BR/>call 2: <B>(None, 5, 8)</B>"), d2.c_str());
        QVERIFY2(contains(d2, "Output shape: call 1: <B>(None, 3, 4)</B><BR/>call 2: <B>(None, 5, 4)</B>"), d2.c_str());
        QVERIFY2(contains(d2, "Output shape: <B>(None, 8, 4)</B>"), d2.c_str());
        validateDot(d2);
    }

    void nestedModelsCollapsedAndExpanded() {
        auto innerIn = Input({16}, "inner_in");
        auto h = (*layers::Dense(8, {{"name", "inner_hidden"}}))(innerIn);
        auto innerOut = (*layers::Dense(4, {{"name", "inner_out"}}))(h);
        auto encoder = makeModel({innerIn}, {innerOut}, "encoder");
        auto head = makeSequential({layers::Dense(3, {{"name", "head_a"}}), layers::Dense(2, {{"name", "head_b"}})}, "head");

        auto x = Input({16}, "x");
        auto code = (*encoder)(x);
        auto out = (*head)(code);
        auto model = makeModel({x}, {out}, "outer");

        DiagramOptions o;
        o.showLayerNames = true;
        std::string collapsed = modelToDot(*model, o);
        QVERIFY2(contains(collapsed, "<B>encoder</B> (Functional)"), collapsed.c_str());
        QVERIFY2(contains(collapsed, "<B>head</B> (Sequential)"), collapsed.c_str());
        QVERIFY2(!contains(collapsed, "cluster"), collapsed.c_str());
        QVERIFY2(!contains(collapsed, "inner_hidden"), collapsed.c_str());
        QVERIFY2(contains(collapsed, "\"x\" -> \"encoder\""), collapsed.c_str());
        QVERIFY2(contains(collapsed, "\"encoder\" -> \"head\""), collapsed.c_str());
        QVERIFY2(contains(collapsed, familyStyle(LayerCategory::ModelsBlocks).header), collapsed.c_str());

        o.expandNested = true;
        std::string dot = modelToDot(*model, o);
        QVERIFY2(contains(dot, "subgraph \"cluster_encoder\""), dot.c_str());
        QVERIFY2(contains(dot, "subgraph \"cluster_head\""), dot.c_str());
        QVERIFY2(contains(dot, "label=<<B>encoder</B> (Functional)>"), dot.c_str());
        QVERIFY2(contains(dot, "\"encoder/inner_in\" ["), dot.c_str());
        QVERIFY2(contains(dot, "\"encoder/inner_hidden\" ["), dot.c_str());
        QVERIFY2(contains(dot, "\"head/head_a\" ["), dot.c_str());
        // No box for the Sequential's implicit input.
        QCOMPARE(count(dot, "</B> (InputLayer)"), 2);
        // Outer input -> the functional's input box; its output layer -> the Sequential's first layer.
        QVERIFY2(contains(dot, "\"x\" -> \"encoder/inner_in\""), dot.c_str());
        QVERIFY2(contains(dot, "\"encoder/inner_in\" -> \"encoder/inner_hidden\""), dot.c_str());
        QVERIFY2(contains(dot, "\"encoder/inner_hidden\" -> \"encoder/inner_out\""), dot.c_str());
        QVERIFY2(contains(dot, "\"encoder/inner_out\" -> \"head/head_a\""), dot.c_str());
        QVERIFY2(contains(dot, "\"head/head_a\" -> \"head/head_b\""), dot.c_str());
        QVERIFY2(!contains(dot, "-> \"encoder\""), dot.c_str());
        QVERIFY2(!contains(dot, "\"encoder\" ->"), dot.c_str());
        QCOMPARE(count(dot, "->"), 5);
        validateDot(dot);
        // The cluster renders.
        QVERIFY(renderDiagramData(dot, "svg").find("encoder") != std::string::npos);
    }

    void sharedNestedModelExpanded() {
        auto in = Input({4}, "tower_in");
        auto t = (*layers::Dense(4, {{"name", "tower_dense"}}))(in);
        auto tower = makeModel({in}, {t}, "tower");
        auto a = Input({4}, "left");
        auto b = Input({4}, "right");
        auto merged = layers::concatenate({(*tower)(a), (*tower)(b)});
        auto model = makeModel({a, b}, {merged}, "twins");
        DiagramOptions o;
        o.showLayerNames = true;
        o.expandNested = true;
        std::string dot = modelToDot(*model, o);
        QCOMPARE(count(dot, "subgraph \"cluster_tower\""), 1);
        QVERIFY2(contains(dot, "shared ×2"), dot.c_str());
        QVERIFY2(contains(dot, "\"left\" -> \"tower/tower_in\""), dot.c_str());
        QVERIFY2(contains(dot, "\"right\" -> \"tower/tower_in\""), dot.c_str());
        QVERIFY2(contains(dot, "\"tower/tower_dense\" -> \"concatenate\""), dot.c_str());
        validateDot(dot);
    }

    void rankdirDpiSplinesAndErrors() {
        auto model = makeSequential({layers::InputLayer({3}), layers::Dense(2)});
        DiagramOptions o;
        o.rankdir = "LR";
        o.dpi = 96;
        o.splines = "spline";
        std::string dot = modelToDot(*model, o);
        QVERIFY2(contains(dot, "rankdir=\"LR\""), dot.c_str());
        QVERIFY2(contains(dot, "dpi=96"), dot.c_str());
        QVERIFY2(contains(dot, "splines=\"spline\""), dot.c_str());
        o.rankdir = "XY";
        QVERIFY_THROWS_EXCEPTION(ValueError, modelToDot(*model, o));
        o.rankdir = "TB";
        o.dpi = 0;
        QVERIFY_THROWS_EXCEPTION(ValueError, modelToDot(*model, o));
        o.dpi = 72;
        o.splines = "wiggly";
        QVERIFY_THROWS_EXCEPTION(ValueError, modelToDot(*model, o));

        auto unbuilt = makeSequential({layers::Dense(2)});
        try {
            modelToDot(*unbuilt);
            QFAIL("an unbuilt model must not plot");
        } catch (const ValueError& e) {
            QVERIFY2(contains(e.what(), "not yet been built"), e.what());
        }
    }

    void layerRange() {
        auto inputs = Input({4}, "in");
        auto x = (*layers::Dense(4, {{"name", "d1"}}))(inputs);
        x = (*layers::Dense(4, {{"name", "d2"}}))(x);
        x = (*layers::Dense(4, {{"name", "d3"}}))(x);
        x = (*layers::Dense(4, {{"name", "d4"}}))(x);
        auto model = makeModel({inputs}, {x});
        DiagramOptions o;
        o.layerRange = {"d2", "d3"};
        std::string dot = modelToDot(*model, o);
        QVERIFY2(contains(dot, "\"d2\" ["), dot.c_str());
        QVERIFY2(contains(dot, "\"d3\" ["), dot.c_str());
        QVERIFY2(!contains(dot, "\"d1\""), dot.c_str());
        QVERIFY2(!contains(dot, "\"d4\""), dot.c_str());
        QVERIFY2(!contains(dot, "\"in\""), dot.c_str());
        QCOMPARE(count(dot, "->"), 1);
        // Regular expressions as in Keras 2: first match of the start, last match of the end.
        o.layerRange = {"d[0-9]", "d[0-9]"};
        dot = modelToDot(*model, o);
        QVERIFY2(contains(dot, "\"d1\" [") && contains(dot, "\"d4\" [") && !contains(dot, "\"in\" ["), dot.c_str());
        QCOMPARE(count(dot, "->"), 3);
        o.layerRange = {"d3", "d2"};
        QVERIFY_THROWS_EXCEPTION(ValueError, modelToDot(*model, o));
        o.layerRange = {"nope", "d2"};
        try {
            modelToDot(*model, o);
            QFAIL("unknown layer_range name must fail");
        } catch (const ValueError& e) {
            QVERIFY2(contains(e.what(), "nope") && contains(e.what(), "d1, d2"), e.what());
        }
        o.layerRange = {"d1"};
        QVERIFY_THROWS_EXCEPTION(ValueError, modelToDot(*model, o));
    }

    void multiOutputLayerEdgesNameTheOutput() {
        auto inputs = Input({5, 3}, "seq");
        auto outs = (*layers::LSTM(4, {{"return_state", true}}))(std::vector<KerasTensor>{inputs});
        QCOMPARE(int(outs.size()), 3);
        auto merged = layers::concatenate({outs[0], outs[2]});
        auto model = makeModel({inputs}, {merged});
        DiagramOptions o;
        o.showShapes = true;
        std::string dot = modelToDot(*model, o);
        QVERIFY2(contains(dot, "taillabel=\"out 0\""), dot.c_str());
        QVERIFY2(contains(dot, "taillabel=\"out 2\""), dot.c_str());
        QVERIFY2(contains(dot, "Output shape: <B>[(None, 4), (None, 4), (None, 4)]</B>"), dot.c_str());
        validateDot(dot);
    }

    void rendersPngSvgPdfAndDot() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto model = toyResNet();
        DiagramOptions o = everything();
        o.dpi = 72;
        const std::string base = dir.path().toStdString() + "/model";
        plotModel(*model, base + ".png", o);
        plotModel(*model, base + ".svg", o);
        plotModel(*model, base + ".PDF", o);
        plotModel(*model, base + ".dot", o);
        std::string png = readFile(base + ".png");
        QVERIFY(png.size() > 1000);
        QCOMPARE(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
        std::string svg = readFile(base + ".svg");
        QVERIFY2(contains(svg, "<svg"), svg.substr(0, 300).c_str());
        QVERIFY(contains(svg, "conv2d"));
        std::string pdf = readFile(base + ".PDF");
        QCOMPARE(pdf.substr(0, 5), std::string("%PDF-"));
        // dpi scales bitmaps only; SVG stays in points (Graphviz 2.43 would clip a scaled SVG).
        const std::string small = "digraph { graph [dpi=72]; a -> b }", big = "digraph { graph [dpi=200]; a -> b }";
        QVERIFY(renderDiagramData(big, "png").size() > renderDiagramData(small, "png").size());
        QVERIFY(contains(renderDiagramData(big, "svg"), "scale(1 1)"));
        auto svgSize = [](const std::string& svg) {
            size_t b = svg.find("<svg");
            return svg.substr(b, svg.find('>', b) - b);
        };
        QCOMPARE(svgSize(renderDiagramData(big, "svg")), svgSize(renderDiagramData(small, "svg")));
        std::string dot = readFile(base + ".dot");
        QCOMPARE(dot, modelToDot(*model, o));
        // No temporary files are left behind.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), qsizetype(4));
    }

    void renderErrors() {
        QTemporaryDir dir;
        const std::string base = dir.path().toStdString();
        const std::string dot = "digraph { a -> b }";
        try {
            renderDiagram(dot, base + "/x.bmpx");
            QFAIL("unknown extension must fail");
        } catch (const ValueError& e) {
            QVERIFY2(contains(e.what(), ".bmpx") && contains(e.what(), ".png"), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(ValueError, renderDiagram(dot, base + "/noext"));
        try {
            renderDiagram("digraph { a -> ", base + "/bad.png");
            QFAIL("bad DOT must fail");
        } catch (const ValueError& e) {
            QVERIFY2(contains(e.what(), "syntax error"), e.what());
        }
        QVERIFY(!QFile::exists(QString::fromStdString(base + "/bad.png")));
        QVERIFY_THROWS_EXCEPTION(ValueError, renderDiagram("digraph { a -> ", base + "/bad.dot"));
        try {
            renderDiagram(dot, base + "/missing/dir/x.png");
            QFAIL("unwritable path must fail");
        } catch (const IoError& e) {
            QVERIFY2(contains(e.what(), "missing/dir/x.png"), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(NotSupportedError, renderDiagramData(dot, "no-such-format"));
        // Graphviz still works after errors.
        QVERIFY(renderDiagramData(dot, "svg").find("<svg") != std::string::npos);
        QVERIFY_THROWS_EXCEPTION(ValueError, plotModel(*toyResNet(), base + "/x.jpg2"));
    }

    void largeModelRenders() {
        auto inputs = Input({32}, "in");
        auto x = inputs;
        for (int i = 0; i < 199; ++i) x = (*layers::Dense(32, {{"activation", i % 2 ? "relu" : "tanh"}}))(x);
        auto model = makeModel({inputs}, {x}, "deep");
        QCOMPARE(int(model->layers().size()), 200);
        DiagramOptions o;
        o.showShapes = true;
        o.showLayerNames = true;
        o.dpi = 36;
        std::string dot = modelToDot(*model, o);
        QCOMPARE(count(dot, "->"), 199);
        QElapsedTimer timer;
        timer.start();
        std::string png = renderDiagramData(dot, "png");
        qInfo("200-layer model: %lld ms, %zu bytes of PNG", static_cast<long long>(timer.elapsed()), png.size());
        QCOMPARE(png.substr(0, 4), std::string("\x89PNG", 4));
        std::string svg = renderDiagramData(dot, "svg");
        QVERIFY(contains(svg, "dense_198"));
    }

    void editorLayout() {
        GraphDescription g;
        g.nodes = {{"in", QSizeF(120, 40)}, {"a", QSizeF(160, 60)}, {"b", QSizeF(100, 60)}, {"sum", QSizeF(80, 30)}};
        g.edges = {{"in", "a"}, {"in", "b"}, {"a", "sum"}, {"b", "sum"}};
        GraphLayout layout = layoutGraph(g);
        QCOMPARE(int(layout.centers.size()), 4);
        QVERIFY(layout.centers["a"].y() > layout.centers["in"].y());
        QVERIFY(layout.centers["sum"].y() > layout.centers["a"].y());
        QCOMPARE(layout.centers["a"].y(), layout.centers["b"].y());
        // No overlap between a and b, at least nodeSeparation apart.
        QRectF ra(layout.topLeft["a"], g.nodes[1].size), rb(layout.topLeft["b"], g.nodes[2].size);
        QVERIFY(!ra.intersects(rb));
        QVERIFY(std::abs(layout.centers["a"].x() - layout.centers["b"].x()) >= (160 + 100) / 2.0 + g.nodeSeparation - 1);
        // Ranks at least rankSeparation apart, everything inside the bounding box.
        QVERIFY(layout.topLeft["a"].y() - (layout.topLeft["in"].y() + 40) >= g.rankSeparation - 1);
        for (const auto& n : g.nodes) {
            QRectF r(layout.topLeft[n.id], n.size);
            QVERIFY(r.left() >= -0.5 && r.top() >= -0.5);
            QVERIFY(r.right() <= layout.size.width() + 0.5 && r.bottom() <= layout.size.height() + 0.5);
        }
        QCOMPARE(int(layout.edges.size()), 4);
        for (const auto& e : layout.edges) {
            QVERIFY(e.points.size() >= 4);
            QCOMPARE((e.points.size() - 1) % 3, size_t(0));
        }
        // The edge a -> sum starts below a and ends above sum.
        const auto& e = layout.edges[2];
        QVERIFY(std::abs(e.points.front().y() - (layout.topLeft["a"].y() + 60)) < 2);
        QVERIFY(std::abs(e.points.back().y() - layout.topLeft["sum"].y()) < 2);
        QCOMPARE(layoutPositions(g), layout.topLeft);

        g.rankdir = "LR";
        auto lr = layoutPositions(g);
        QVERIFY(lr["a"].x() > lr["in"].x() + 120);

        GraphDescription empty;
        QVERIFY(layoutGraph(empty).centers.empty());
        GraphDescription dup;
        dup.nodes = {{"x", QSizeF(1, 1)}, {"x", QSizeF(1, 1)}};
        QVERIFY_THROWS_EXCEPTION(ValueError, layoutGraph(dup));
        GraphDescription dangling;
        dangling.nodes = {{"x", QSizeF(1, 1)}};
        dangling.edges = {{"x", "y"}};
        QVERIFY_THROWS_EXCEPTION(ValueError, layoutGraph(dangling));
        dangling.edges.clear();
        dangling.rankdir = "up";
        QVERIFY_THROWS_EXCEPTION(ValueError, layoutGraph(dangling));
    }

    void exampleImages() {
        // The images of docs/images/ come from here; they are written to the build directory.
        const std::string dir = std::string(STRATA_BINARY_DIR) + "/plot-examples";
        QDir().mkpath(QString::fromStdString(dir));
        DiagramOptions o;
        o.showShapes = true;
        o.showLayerNames = true;
        o.showLayerActivations = true;
        o.dpi = 72;
        plotModel(*toyResNet(), dir + "/toy_resnet.png", o);
        clearSession();
        plotModel(*ticketClassifier(), dir + "/multi_input.png", o);
        clearSession();
        DiagramOptions all = everything();
        all.dpi = 72;
        all.rankdir = "LR";
        plotModel(*toyResNet(), dir + "/toy_resnet_lr.svg", all);
        plotModel(*toyResNet(), dir + "/toy_resnet_all_lr.png", all);
        clearSession();
        DiagramOptions plain;
        plain.dpi = 72;
        plotModel(*toyResNet(), dir + "/toy_resnet_plain.png", plain);
        clearSession();
        DiagramOptions nested = o;
        nested.expandNested = true;
        nested.showTrainable = true;
        plotModel(*nestedModel(), dir + "/nested_expanded.png", nested);
        clearSession();
        plotModel(*nestedModel(), dir + "/nested_collapsed.png", o);
        QVERIFY(QFileInfo(QString::fromStdString(dir + "/toy_resnet.png")).size() > 1000);
        QVERIFY(QFileInfo(QString::fromStdString(dir + "/multi_input.png")).size() > 1000);
    }
};

QTEST_GUILESS_MAIN(TestModelDiagram)
#include "test_model_diagram.moc"
