// Every model of ../shared/reference/seed-models.md: Keras's parameter counts, output shapes and
// summary rows; the JSON config round trip gives the same summary; shared and nested weights.
#include <QtTest/QtTest>

#include "engine/graph/model_config.h"
#include "examples/reference/reference_models.h"
#include "tests/support/gradcheck.h"

using namespace strata;

static bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Cells of one table line split at "│", each trimmed.
static std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out;
    const std::string bar = "│";
    size_t start = line.find(bar);
    while (start != std::string::npos) {
        size_t end = line.find(bar, start + bar.size());
        if (end == std::string::npos) break;
        std::string c = line.substr(start + bar.size(), end - start - bar.size());
        c.erase(0, c.find_first_not_of(' '));
        c.erase(c.find_last_not_of(' ') + 1);
        out.push_back(c);
        start = end;
    }
    return out;
}

// The row of `layerName` in a summary as "dense (Dense) │ (None, 128) │ 100,480", with the cells that
// wrap onto continuation lines (blank first cell) joined back, as a reader sees them.
static std::string row(const std::string& summary, const std::string& layerName) {
    std::istringstream in(summary);
    std::string line;
    std::vector<std::string> found;
    while (std::getline(in, line)) {
        auto c = cells(line);
        if (found.empty()) {
            if (!c.empty() && c[0].rfind(layerName + " (", 0) == 0) found = c;
            continue;
        }
        if (c.size() != found.size() || !c[0].empty()) break;
        for (size_t i = 1; i < c.size(); ++i)
            if (!c[i].empty()) found[i] += " " + c[i];
    }
    if (found.empty()) return "<no row for " + layerName + ">";
    std::string out = "│";
    for (const auto& c : found) out += " " + c + " │";
    return out;
}

class TestReferenceModels : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    void parameterCountsMatchKeras_data() {
        QTest::addColumn<int>("index");
        auto refs = reference::referenceModels();
        for (size_t i = 0; i < refs.size(); ++i) QTest::newRow(refs[i].id.c_str()) << int(i);
    }
    void parameterCountsMatchKeras() {
        QFETCH(int, index);
        auto ref = reference::referenceModels()[index];
        auto model = ref.build();
        QCOMPARE(model->countParams(), ref.expectedParams);
        // The config round trip rebuilds the same model with the same summary.
        auto again = modelFromJson(modelToJson(*model));
        QCOMPARE(again->countParams(), ref.expectedParams);
        QCOMPARE(QString::fromStdString(again->summary()), QString::fromStdString(model->summary()));
    }

    void twoBranchRows() {
        auto s = reference::twoBranchConcatenate()->summary();
        QCOMPARE(row(s, "input_layer"), std::string("│ input_layer (InputLayer) │ (None, 784) │ 0 │ - │"));
        QCOMPARE(row(s, "dense"), std::string("│ dense (Dense) │ (None, 128) │ 100,480 │ input_layer[0][0] │"));
        QCOMPARE(row(s, "concatenate"),
                 std::string("│ concatenate (Concatenate) │ (None, 256) │ 0 │ dense[0][0], dense_1[0][0] │"));
        QCOMPARE(row(s, "dense_2"), std::string("│ dense_2 (Dense) │ (None, 64) │ 16,448 │ concatenate[0][0] │"));
        QCOMPARE(row(s, "softmax"), std::string("│ softmax (Softmax) │ (None, 10) │ 0 │ dense_3[0][0] │"));
        QVERIFY2(contains(s, "Total params: 218,058"), s.c_str());
    }

    void blockModelRows() {
        auto s = reference::blockModelReused()->summary();
        QVERIFY2(contains(row(s, "functional"), "(Functional) │ (None, 64) │ 12,864"), s.c_str());
        QVERIFY2(contains(row(s, "functional_1"), "(None, 64) │ 4,160"), s.c_str());
        QVERIFY2(contains(row(s, "functional_2"), "(None, 64) │ 4,160"), s.c_str());
        QVERIFY2(contains(s, "Total params: 21,834"), s.c_str());
    }

    void ticketClassifier() {
        auto model = reference::ticketClassifier();
        QCOMPARE(model->inputNames(), (std::vector<std::string>{"title", "text_body", "tags"}));
        QCOMPARE(model->outputNames(), (std::vector<std::string>{"priority", "department"}));
        auto s = model->summary();
        QVERIFY2(contains(row(s, "concatenate"), "(None, 20100)"), s.c_str());
        QVERIFY2(contains(row(s, "dense_features"), "1,286,464"), s.c_str());
        QCOMPARE(model->getLayer(4)->name(), std::string("dense_features"));
        auto three = reference::ticketClassifierWithDifficulty();
        QCOMPARE(int(three->outputs().size()), 3);
        QCOMPARE(three->outputs()[2].shape(), (Shape{kNone, 3}));
    }

    void autoencoderShapes() {
        auto enc = reference::encoder();
        QCOMPARE(enc->countParams(), int64_t(18672));
        clearSession();  // the autoencoder is numbered as in a fresh session, like the reference
        auto ae = reference::autoencoder();
        auto s = ae->summary();
        QVERIFY2(contains(row(s, "max_pooling2d"), "(None, 8, 8, 32)"), s.c_str());
        QVERIFY2(contains(row(s, "conv2d_transpose_3"), "(None, 28, 28, 1) │ 145"), s.c_str());
        QVERIFY2(contains(row(s, "up_sampling2d"), "(None, 24, 24, 32)"), s.c_str());
        clearSession();
        auto two = reference::autoencoderFromTwoModels();
        auto s2 = two->summary();
        QVERIFY2(contains(row(s2, "encoder"), "(Functional) │ (None, 16) │ 18,672"), s2.c_str());
        QVERIFY2(contains(row(s2, "decoder"), "(Functional) │ (None, 28, 28, 1) │ 9,569"), s2.c_str());
    }

    void toyResNetRows() {
        auto s = reference::toyResNet()->summary();
        QVERIFY2(contains(row(s, "max_pooling2d"), "(None, 9, 9, 64)"), s.c_str());
        QVERIFY2(contains(row(s, "conv2d_6"), "(None, 7, 7, 64) │ 36,928"), s.c_str());
        QVERIFY2(contains(row(s, "add"), "conv2d_3[0][0], max_pooling2d[0][0]"), s.c_str());
        QVERIFY2(contains(row(s, "dense"), "16,640"), s.c_str());
        QVERIFY2(contains(row(s, "dense_1"), "2,570"), s.c_str());
    }

    void sharedWeights() {
        auto m = reference::sharedDenseThreeTimes();
        QCOMPARE(int(m->weights().size()), 2);
        auto e = reference::sharedEmbedding();
        QCOMPARE(e->countParams(), int64_t(128000));
        QCOMPARE(e->outputs()[0].shape(), (Shape{kNone, kNone, 128}));
        // Both inputs look up the same table.
        Tensor ids(std::vector<int64_t>{1, 3}, std::vector<float>{1, 2, 3}, DType::Int32);
        auto outs = e->predict({ids, ids});
        QVERIFY(allClose(outs[0], outs[1]));
    }

    void multiModalDictInputs() {
        auto m = reference::multiModalTextImage();
        QCOMPARE(m->inputNames(), (std::vector<std::string>{"image", "text"}));  // sorted like tree.flatten
        auto s = m->summary();
        QVERIFY2(contains(row(s, "lstm"), "12,416"), s.c_str());
        QVERIFY2(contains(row(s, "flatten_1"), "(None, 18432)"), s.c_str());
        QVERIFY2(contains(row(s, "dense"), "18,465"), s.c_str());
        // Variable-length text: predict with 5 and with 9 time steps.
        Tensor img = testing::randomTensor({2, 28, 28, 1});
        QCOMPARE(m->predict({img, testing::randomTensor({2, 5, 64})})[0].shape(), (std::vector<int64_t>{2, 1}));
        QCOMPARE(m->predict({img, testing::randomTensor({2, 9, 64})})[0].shape(), (std::vector<int64_t>{2, 1}));
    }

    void modelCalledOnNewInputReusesWeights() {
        auto model = reference::twoBranchConcatenate();
        auto xIn = Input({784});
        auto model2 = makeModel(xIn, (*model)(xIn));
        QCOMPARE(model2->countParams(), model->countParams());
        Tensor x = testing::randomTensor({3, 784});
        QVERIFY(allClose(model2->predict(x), model->predict(x)));
    }
};

QTEST_APPLESS_MAIN(TestReferenceModels)
#include "test_reference_models.moc"
