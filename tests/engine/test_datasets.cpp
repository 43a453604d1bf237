// Data readers: IDX (plain and gzip, every element type, truncation and format errors), the
// Fashion-MNIST loader, CSV (header, columns by name/index, quoting, errors with line numbers),
// to_categorical and seeded batching.
#include <QtTest/QtTest>

#include <QTemporaryDir>
#include <fstream>
#include <set>

#include "engine/core/errors.h"
#include "engine/data/batching.h"
#include "engine/data/csv.h"
#include "engine/data/idx.h"

using namespace strata;

namespace {
void writeBytes(const std::string& path, const std::vector<unsigned char>& bytes) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}
void writeText(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
}
bool contains(const std::exception& e, const std::string& what) { return std::string(e.what()).find(what) != std::string::npos; }
}  // namespace

class TestDatasets : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string path(const char* name) { return tmp_.filePath(name).toStdString(); }

private slots:
    void idxRoundTripPlainAndGzip() {
        Tensor t({3, 2, 2});
        for (int64_t i = 0; i < t.size(); ++i) t[i] = float(i * 20 % 256);
        for (const char* name : {"a-idx3-ubyte", "a-idx3-ubyte.gz"}) {
            writeIdxUbyte(path(name), t);
            Tensor r = readIdx(path(name));
            QCOMPARE(r.shape(), (std::vector<int64_t>{3, 2, 2}));
            QVERIFY(allClose(r, t, 0, 0));
            Tensor first = readIdx(path(name), 2);
            QCOMPARE(first.shape(), (std::vector<int64_t>{2, 2, 2}));
            QCOMPARE(first[7], t[7]);
        }
        // The gzip file really is compressed (magic 1f 8b).
        std::ifstream gz(path("a-idx3-ubyte.gz"), std::ios::binary);
        QCOMPARE(gz.get(), 0x1f);
        QCOMPARE(gz.get(), 0x8b);
    }

    void idxElementTypes() {
        // int32 (0x0C), 2 items: 1, -2
        writeBytes(path("i32"), {0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFE});
        QVERIFY(allClose(readIdx(path("i32")), Tensor::of({2}, {1, -2}), 0, 0));
        // float32 (0x0D): 1.5 = 0x3FC00000
        writeBytes(path("f32"), {0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3F, 0xC0, 0, 0});
        QCOMPARE(readIdx(path("f32"))[0], 1.5f);
        // int16 (0x0B): -3 = 0xFFFD ; sbyte (0x09): -1
        writeBytes(path("i16"), {0, 0, 0x0B, 1, 0, 0, 0, 1, 0xFF, 0xFD});
        QCOMPARE(readIdx(path("i16"))[0], -3.0f);
        writeBytes(path("i8"), {0, 0, 0x09, 1, 0, 0, 0, 1, 0xFF});
        QCOMPARE(readIdx(path("i8"))[0], -1.0f);
    }

    void idxErrors() {
        // Truncated data: the header promises 4 bytes, the file has 2.
        writeBytes(path("trunc"), {0, 0, 0x08, 1, 0, 0, 0, 4, 7, 8});
        try {
            readIdx(path("trunc"));
            QFAIL("expected IoError");
        } catch (const IoError& e) {
            QVERIFY2(contains(e, "trunc") && contains(e, "byte 10") && contains(e, "truncated"), e.what());
        }
        writeBytes(path("magic"), {1, 2, 8, 1, 0, 0, 0, 1, 5});
        try {
            readIdx(path("magic"));
            QFAIL("expected IoError");
        } catch (const IoError& e) {
            QVERIFY2(contains(e, "magic") && contains(e, "not an IDX file"), e.what());
        }
        writeBytes(path("type"), {0, 0, 0x42, 1, 0, 0, 0, 1, 5});
        try {
            readIdx(path("type"));
            QFAIL("expected IoError");
        } catch (const IoError& e) {
            QVERIFY2(contains(e, "0x42") && contains(e, "byte 2"), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(IoError, readIdx(path("missing")));
        QVERIFY_THROWS_EXCEPTION(ValueError, writeIdxUbyte(path("bad"), Tensor::of({1}, {300})));
    }

    void fashionMnist() {
        const std::string dir = defaultFashionMnistDir();
        if (!QFileInfo::exists(QString::fromStdString(dir + "/train-labels-idx1-ubyte.gz")))
            QSKIP("Fashion-MNIST files not installed");
        FashionMnist d = loadFashionMnist(dir, 100, 50);
        QCOMPARE(d.xTrain.shape(), (std::vector<int64_t>{100, 28, 28}));
        QCOMPARE(d.yTrain.shape(), (std::vector<int64_t>{100}));
        QCOMPARE(d.xTest.shape(), (std::vector<int64_t>{50, 28, 28}));
        QCOMPARE(d.yTest.shape(), (std::vector<int64_t>{50}));
        // The well-known first labels of both splits.
        const float train[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
        const float test[10] = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
        for (int i = 0; i < 10; ++i) {
            QCOMPARE(d.yTrain[i], train[i]);
            QCOMPARE(d.yTest[i], test[i]);
        }
        float lo = 1e9f, hi = -1e9f;
        for (float v : d.xTrain.values()) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        QCOMPARE(lo, 0.0f);
        QCOMPARE(hi, 255.0f);
        QCOMPARE(QString::fromStdString(fashionMnistClassNames()[9]), QString("Ankle boot"));
        QVERIFY_THROWS_EXCEPTION(IoError, loadFashionMnist(path("nowhere")));
    }

    void csv() {
        writeText(path("data.csv"), "x1,x2,\"label, name\",y\r\n1,2.5,3,0\r\n-4,\"5e-1\",6,1\r\n\r\n7,8,9,1\r\n");
        CsvOptions o;
        o.labelColumns = {"y"};
        CsvData d = readCsv(path("data.csv"), o);
        QCOMPARE(d.columns.size(), size_t(4));
        QCOMPARE(QString::fromStdString(d.columns[2]), QString("label, name"));
        QCOMPARE(d.features.shape(), (std::vector<int64_t>{3, 3}));
        QVERIFY(allClose(d.features, Tensor::of({3, 3}, {1, 2.5f, 3, -4, 0.5f, 6, 7, 8, 9})));
        QVERIFY(allClose(d.labels, Tensor::of({3}, {0, 1, 1})));
        // Columns by index, two labels, a row limit.
        CsvOptions o2;
        o2.featureColumns = {"0"};
        o2.labelColumns = {"-1", "x2"};
        o2.maxRows = 2;
        CsvData d2 = readCsv(path("data.csv"), o2);
        QVERIFY(allClose(d2.features, Tensor::of({2, 1}, {1, -4})));
        QVERIFY(allClose(d2.labels, Tensor::of({2, 2}, {0, 2.5f, 1, 0.5f})));
        // No header.
        writeText(path("plain.csv"), "1;2\n3;4\n");
        CsvOptions o3;
        o3.header = false;
        o3.delimiter = ';';
        o3.labelColumns = {"1"};
        CsvData d3 = readCsv(path("plain.csv"), o3);
        QVERIFY(allClose(d3.features, Tensor::of({2, 1}, {1, 3})));
        QVERIFY(allClose(d3.labels, Tensor::of({2}, {2, 4})));
        // Errors name the file, the line and the column.
        writeText(path("bad.csv"), "a,b\n1,2\n3,oops\n");
        try {
            readCsv(path("bad.csv"));
            QFAIL("expected IoError");
        } catch (const IoError& e) {
            QVERIFY2(contains(e, "bad.csv") && contains(e, "line 3") && contains(e, "'b'") && contains(e, "oops"), e.what());
        }
        writeText(path("short.csv"), "a,b\n1,2\n3\n");
        try {
            readCsv(path("short.csv"));
            QFAIL("expected IoError");
        } catch (const IoError& e) {
            QVERIFY2(contains(e, "line 3") && contains(e, "expected 2 fields"), e.what());
        }
        CsvOptions o4;
        o4.labelColumns = {"nope"};
        QVERIFY_THROWS_EXCEPTION(IoError, readCsv(path("data.csv"), o4));
        QVERIFY_THROWS_EXCEPTION(IoError, readCsv(path("none.csv")));
    }

    void categorical() {
        Tensor c = toCategorical(Tensor::of({3}, {0, 2, 1}));
        QVERIFY(allClose(c, Tensor::of({3, 3}, {1, 0, 0, 0, 0, 1, 0, 1, 0}), 0, 0));
        Tensor c2 = toCategorical(Tensor::of({2, 1}, {1, 0}), 4);
        QCOMPARE(c2.shape(), (std::vector<int64_t>{2, 4}));
        QCOMPARE(c2[1], 1.0f);
        QCOMPARE(c2[4], 1.0f);
        Tensor seq = toCategorical(Tensor::of({2, 2}, {0, 1, 1, 0}), 2);
        QCOMPARE(seq.shape(), (std::vector<int64_t>{2, 2, 2}));
        QVERIFY_THROWS_EXCEPTION(ValueError, toCategorical(Tensor::of({2}, {0, 5}), 3));
        QVERIFY_THROWS_EXCEPTION(ValueError, toCategorical(Tensor::of({1}, {0.5f})));
    }

    void batching() {
        Rng a(7), b(7);
        auto p = shuffledIndices(10, a);
        QCOMPARE(p, shuffledIndices(10, b));
        std::set<int64_t> s(p.begin(), p.end());
        QCOMPARE(int(s.size()), 10);
        QVERIFY(p != (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));

        Tensor x({10, 2});
        Tensor y({10});
        for (int i = 0; i < 10; ++i) {
            x[2 * i] = float(i);
            x[2 * i + 1] = float(-i);
            y[i] = float(i);
        }
        BatchIterator it({&x, &y}, 4, true, Rng(3));
        QCOMPARE(it.numBatches(), int64_t(3));
        for (int epoch = 0; epoch < 2; ++epoch) {
            it.reset();
            std::set<float> seen;
            int batches = 0;
            while (it.next()) {
                const Tensor& bx = it.batch()[0];
                const Tensor& by = it.batch()[1];
                QCOMPARE(bx.dim(0), by.dim(0));
                for (int64_t i = 0; i < by.size(); ++i) {
                    QCOMPARE(bx[2 * i], by[i]);  // rows stay aligned across arrays
                    seen.insert(by[i]);
                }
                ++batches;
            }
            QCOMPARE(batches, 3);
            QCOMPARE(int(seen.size()), 10);
        }
        BatchIterator drop({&x}, 4, false, Rng(1), true);
        drop.reset();
        int n = 0;
        while (drop.next()) {
            QCOMPARE(drop.batch()[0].dim(0), int64_t(4));
            ++n;
        }
        QCOMPARE(n, 2);
        Tensor three = Tensor::of({3}, {1, 2, 3});
        QVERIFY_THROWS_EXCEPTION(ValueError, BatchIterator({&x, &three}, 2));
        Tensor dst;
        sliceRows(x, 2, 4, dst);
        QVERIFY(allClose(dst, Tensor::of({2, 2}, {2, -2, 3, -3})));
    }
};

QTEST_MAIN(TestDatasets)
#include "test_datasets.moc"
