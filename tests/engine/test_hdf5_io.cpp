// HDF5 wrapper (string attributes in every h5py form, datasets, refusals) and model save/load
// round trips in every format (.h5, .keras, .weights.h5 + config, legacy weights-only .h5).
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include "engine/core/errors.h"
#include "engine/graph/input_layer.h"
#include "engine/graph/model_config.h"
#include "engine/graph/sequential.h"
#include "engine/io/hdf5.h"
#include "engine/io/keras_archive.h"
#include "engine/io/keras_h5.h"
#include "engine/io/model_io.h"
#include "engine/io/weights_io.h"
#include "engine/io/zip_archive.h"
#include "engine/layers/core/dense.h"
#include "engine/layers/merging/add.h"
#include "engine/layers/merging/concatenate.h"
#include "engine/layers/normalization/batch_normalization.h"
#include "engine/layers/recurrent/bidirectional.h"
#include "engine/layers/recurrent/lstm.h"
#include "engine/layers/recurrent/time_distributed.h"

using namespace strata;

namespace {

// ---- raw HDF5 writers for the forms h5py produces ----------------------------------------------

hid_t fixedStrType(size_t len, H5T_str_t pad, H5T_cset_t cset = H5T_CSET_ASCII) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, len);
    H5Tset_strpad(t, pad);
    H5Tset_cset(t, cset);
    return t;
}

void rawFixedAttr(hid_t loc, const char* name, const std::vector<std::string>& values, size_t len, H5T_str_t pad,
                  bool scalar = false) {
    hid_t t = fixedStrType(len, pad);
    hsize_t n = values.size();
    hid_t s = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr);
    hid_t a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    std::vector<char> buf(values.size() * len, pad == H5T_STR_SPACEPAD ? ' ' : '\0');
    for (size_t i = 0; i < values.size(); ++i) std::memcpy(buf.data() + i * len, values[i].data(), std::min(len, values[i].size()));
    H5Awrite(a, t, buf.data());
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

void rawVlenAttr(hid_t loc, const char* name, const std::vector<std::string>& values, bool scalar, H5T_cset_t cset) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, cset);
    hsize_t n = values.size();
    hid_t s = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr);
    hid_t a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    H5Awrite(a, t, ptrs.data());
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

template <class F>
QString errorOf(F f) {
    try {
        f();
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return "<no error>";
}

// Fills every weight with deterministic non-trivial values (positive for variances).
void randomizeWeights(Model& m, uint64_t seed) {
    Rng rng(seed);
    for (Variable* v : m.weights()) {
        bool positive = v->name.find("variance") != std::string::npos;
        for (auto& x : v->value.values()) x = positive ? rng.uniform(0.5f, 2.0f) : rng.uniform(-1.0f, 1.0f);
    }
}

Tensor randomInput(std::vector<int64_t> shape, uint64_t seed) {
    Rng rng(seed);
    Tensor t(std::move(shape));
    for (auto& x : t.values()) x = rng.uniform(-2.0f, 2.0f);
    return t;
}

std::vector<Tensor> inputsFor(const Model& m, int64_t batch, uint64_t seed) {
    std::vector<Tensor> ins;
    for (const auto& kt : m.inputs()) {
        std::vector<int64_t> shape = kt.shape().dims();
        shape[0] = batch;
        ins.push_back(randomInput(shape, seed++));
    }
    return ins;
}

float maxDiff(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
    if (a.size() != b.size()) return INFINITY;
    float m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, maxAbsDiff(a[i], b[i]));
    return m;
}

// ---- models for the round trips -----------------------------------------------------------------

// Symbolic calls that work whether the factories return shared_ptr or a callable handle.
template <class P>
KerasTensor call(const P& layer, const KerasTensor& x) {
    return (*layer)(x);
}
template <class P>
KerasTensor call(const P& layer, const std::vector<KerasTensor>& xs) {
    return (*layer)(xs).at(0);
}

ModelPtr multiInOut() {
    auto a = Input({4}, "a");
    auto b = Input({3}, "b");
    auto d1 = call(layers::Dense(5, {{"activation", "relu"}}), a);
    auto c = call(layers::Concatenate(), std::vector<KerasTensor>{d1, b});
    auto o1 = call(layers::Dense(2, {{"name", "out_main"}}), c);
    auto o2 = call(layers::Dense(1, {{"activation", "sigmoid"}, {"name", "out_aux"}}), d1);
    return makeModel({a, b}, {o1, o2}, "multi");
}

ModelPtr sharedLayer() {
    auto a = Input({3});
    auto b = Input({3});
    LayerPtr shared = layers::Dense(4, {{"activation", "tanh"}, {"name", "shared"}});
    auto x = (*shared)(a);
    auto y = (*shared)(b);
    auto s = call(layers::Add(), std::vector<KerasTensor>{x, y});
    return makeModel({a, b}, {call(layers::Dense(2), s)}, "shared_model");
}

ModelPtr nested() {
    // Sequential inside Functional inside the outer model; the inner functional is frozen so the
    // legacy weight order (trainable first) differs from weights().
    auto inner = makeSequential({layers::InputLayer({3}), layers::Dense(4, {{"activation", "relu"}}),
                                 layers::BatchNormalization(), layers::Dense(2)},
                                "inner_seq");
    auto fi = Input({3});
    auto fo = call(layers::Dense(3), (*inner)(fi));
    auto mid = makeModel(fi, fo, "mid_functional");
    auto x = Input({3});
    auto y = (*mid)(x);
    auto z = call(layers::Dense(1, {{"name", "head"}}), y);
    auto m = makeModel(x, z, "outer");
    inner->setTrainable(false);
    return m;
}

ModelPtr batchNorm() {
    auto x = Input({6});
    auto h = call(layers::Dense(4), x);
    h = call(layers::BatchNormalization({{"momentum", 0.9}}), h);
    auto out = call(layers::Dense(2, {{"activation", "softmax"}}), h);
    return makeModel(x, out, "bn_model");
}

ModelPtr recurrent() {
    auto x = Input({5, 3});
    LayerPtr lstm = layers::LSTM(4, {{"return_sequences", true}});
    auto h = call(layers::Bidirectional(lstm), x);
    LayerPtr td = layers::Dense(2);
    h = call(layers::TimeDistributed(td), h);
    h = call(layers::LSTM(3), h);
    return makeModel(x, call(layers::Dense(1), h), "rnn_model");
}

ModelPtr sequentialMlp() {
    return makeSequential({layers::InputLayer({4}), layers::Dense(8, {{"activation", "relu"}}), layers::Dense(3)}, "mlp");
}

ModelPtr buildCase(const QString& name) {
    if (name == "multi") return multiInOut();
    if (name == "shared") return sharedLayer();
    if (name == "nested") return nested();
    if (name == "batchnorm") return batchNorm();
    if (name == "recurrent") return recurrent();
    return sequentialMlp();
}

}  // namespace

class TestHdf5Io : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    // ---- the wrapper ---------------------------------------------------------------------------

    void stringAttributesInEveryForm() {
        QTemporaryDir dir;
        std::string p = dir.filePath("s.h5").toStdString();
        {
            hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
            rawVlenAttr(f, "vlen_utf8", {"{\"a\": \"\xc3\xa9\"}"}, true, H5T_CSET_UTF8);
            rawVlenAttr(f, "vlen_ascii", {"2.1.3"}, true, H5T_CSET_ASCII);
            rawVlenAttr(f, "vlen_array", {"dense", "dense_1", ""}, false, H5T_CSET_UTF8);
            rawFixedAttr(f, "fixed_scalar", {"tensorflow"}, 10, H5T_STR_NULLPAD, true);
            rawFixedAttr(f, "fixed_nullterm", {"abc"}, 8, H5T_STR_NULLTERM, true);
            rawFixedAttr(f, "fixed_space", {"abc"}, 8, H5T_STR_SPACEPAD, true);
            rawFixedAttr(f, "fixed_array", {"dense_1/kernel:0", "dense_1/bias:0"}, 16, H5T_STR_NULLPAD);
            // numpy.asarray([]) as Keras 2 writes weight_names of layers without weights
            hsize_t zero = 0;
            hid_t s = H5Screate_simple(1, &zero, nullptr);
            hid_t a = H5Acreate2(f, "empty", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
            H5Aclose(a);
            H5Sclose(s);
            // a number
            hid_t s1 = H5Screate(H5S_SCALAR);
            hid_t a1 = H5Acreate2(f, "number", H5T_STD_I64LE, s1, H5P_DEFAULT, H5P_DEFAULT);
            int64_t v = 42;
            H5Awrite(a1, H5T_NATIVE_INT64, &v);
            H5Aclose(a1);
            H5Sclose(s1);
            H5Fclose(f);
        }
        h5::File f = h5::File::openRead(p);
        h5::Group r = f.root();
        QCOMPARE(QString::fromStdString(r.readStringAttr("vlen_utf8")), QString::fromUtf8("{\"a\": \"\xc3\xa9\"}"));
        QCOMPARE(QString::fromStdString(r.readStringAttr("vlen_ascii")), QString("2.1.3"));
        auto arr = r.readStringListAttr("vlen_array");
        QCOMPARE(int(arr.size()), 3);
        QCOMPARE(QString::fromStdString(arr[1]), QString("dense_1"));
        QCOMPARE(QString::fromStdString(r.readStringAttr("fixed_scalar")), QString("tensorflow"));
        QCOMPARE(QString::fromStdString(r.readStringAttr("fixed_nullterm")), QString("abc"));
        QCOMPARE(QString::fromStdString(r.readStringAttr("fixed_space")), QString("abc"));
        auto fa = r.readStringListAttr("fixed_array");
        QCOMPARE(int(fa.size()), 2);
        QCOMPARE(QString::fromStdString(fa[0]), QString("dense_1/kernel:0"));
        QCOMPARE(QString::fromStdString(fa[1]), QString("dense_1/bias:0"));
        QVERIFY(r.readStringListAttr("empty").empty());
        QCOMPARE(r.readNumberAttr("number"), std::vector<double>{42});
        QString msg = errorOf([&] { r.readStringAttr("number"); });
        QVERIFY2(msg.contains("s.h5") && msg.contains("@number") && msg.contains("expected a string"), qPrintable(msg));
        msg = errorOf([&] { r.readStringAttr("vlen_array"); });
        QVERIFY2(msg.contains("expected one string"), qPrintable(msg));
        msg = errorOf([&] { r.readStringAttr("nope"); });
        QVERIFY2(msg.contains("missing attribute") && msg.contains("s.h5"), qPrintable(msg));
    }

    void writesWhatH5pyWrites() {
        QTemporaryDir dir;
        std::string p = dir.filePath("w.h5").toStdString();
        {
            h5::File f = h5::File::create(p);
            h5::Group r = f.root();
            r.writeStringAttr("model_config", "{\"x\": 1}");
            r.writeFixedStringListAttr("layer_names", {"dense", "dense_12"});
            r.writeFixedStringListAttr("weight_names", {});
            f.close();
        }
        hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        hid_t a = H5Aopen(f, "model_config", H5P_DEFAULT);
        hid_t t = H5Aget_type(a);
        QVERIFY(H5Tis_variable_str(t) > 0);
        QCOMPARE(H5Tget_cset(t), H5T_CSET_UTF8);
        H5Tclose(t);
        H5Aclose(a);
        a = H5Aopen(f, "layer_names", H5P_DEFAULT);
        t = H5Aget_type(a);
        QCOMPARE(H5Tis_variable_str(t), 0);
        QCOMPARE(int(H5Tget_size(t)), 8);  // numpy 'S8'
        QCOMPARE(H5Tget_strpad(t), H5T_STR_NULLPAD);
        H5Tclose(t);
        H5Aclose(a);
        a = H5Aopen(f, "weight_names", H5P_DEFAULT);
        t = H5Aget_type(a);
        QCOMPARE(H5Tget_class(t), H5T_FLOAT);  // numpy.asarray([]) is float64
        H5Tclose(t);
        H5Aclose(a);
        H5Fclose(f);
    }

    void kerasChunkedStringLists() {
        QTemporaryDir dir;
        std::string p = dir.filePath("c.h5").toStdString();
        std::vector<std::string> names;
        for (int i = 0; i < 5000; ++i) names.push_back("block_" + std::to_string(i) + "_expand_BN/moving_variance:0");
        {
            h5::File f = h5::File::create(p);
            h5::Group r = f.root();
            r.writeKerasStringList("weight_names", names);
            r.writeKerasStringList("small", {"a", "b"});
            f.close();
        }
        h5::File f = h5::File::openRead(p);
        h5::Group r = f.root();
        QVERIFY(!r.hasAttr("weight_names"));
        QVERIFY(r.hasAttr("weight_names0"));
        QVERIFY(r.hasAttr("weight_names1"));
        QCOMPARE(r.readKerasStringList("weight_names"), names);
        QCOMPARE(r.readKerasStringList("small"), (std::vector<std::string>{"a", "b"}));
        QVERIFY(r.readKerasStringList("absent").empty());
    }

    void datasets() {
        QTemporaryDir dir;
        std::string p = dir.filePath("d.h5").toStdString();
        {
            hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
            hsize_t dims[2] = {2, 3};
            double d64[6] = {0.5, 1, 2, 3, 4, -5};
            hid_t s = H5Screate_simple(2, dims, nullptr);
            hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
            H5Pset_create_intermediate_group(lcpl, 1);
            hid_t ds = H5Dcreate2(f, "g/dense/kernel:0", H5T_IEEE_F64LE, s, lcpl, H5P_DEFAULT, H5P_DEFAULT);
            H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d64);
            H5Dclose(ds);
            int64_t i64[6] = {1, 2, 3, 4, 5, 6};
            ds = H5Dcreate2(f, "ints", H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, i64);
            H5Dclose(ds);
            H5Sclose(s);
            // a chunked dataset declaring 2^32 elements, never written (tiny on disk)
            hsize_t big[2] = {hsize_t(1) << 20, hsize_t(1) << 12};
            hsize_t chunk[2] = {64, 64};
            hid_t bs = H5Screate_simple(2, big, nullptr);
            hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
            H5Pset_chunk(dcpl, 2, chunk);
            ds = H5Dcreate2(f, "huge", H5T_IEEE_F32LE, bs, H5P_DEFAULT, dcpl, H5P_DEFAULT);
            H5Dclose(ds);
            H5Pclose(dcpl);
            H5Sclose(bs);
            // a string dataset
            hid_t t = fixedStrType(4, H5T_STR_NULLPAD);
            hid_t ss = H5Screate(H5S_SCALAR);
            ds = H5Dcreate2(f, "text", t, ss, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, "abcd");
            H5Dclose(ds);
            H5Sclose(ss);
            H5Tclose(t);
            H5Pclose(lcpl);
            H5Fclose(f);
        }
        h5::File f = h5::File::openRead(p);
        h5::Group r = f.root();
        QVERIFY(r.hasGroup("g"));
        QVERIFY(r.hasDataset("g/dense/kernel:0"));
        QVERIFY(!r.hasDataset("g/dense"));
        QVERIFY(!r.has("g/nothing/x"));
        Tensor k = r.group("g").readTensor("dense/kernel:0");
        QCOMPARE(k.shape(), (std::vector<int64_t>{2, 3}));
        QCOMPARE(k.values(), (std::vector<float>{0.5f, 1, 2, 3, 4, -5}));
        QCOMPARE(k.dtype(), DType::Float32);
        Tensor ints = r.readTensor("ints");
        QCOMPARE(ints.dtype(), DType::Int32);
        QCOMPARE(ints[5], 6.0f);
        QString msg = errorOf([&] { r.readTensor("huge"); });
        QVERIFY2(msg.contains("absurd size") && msg.contains("d.h5:/huge"), qPrintable(msg));
        msg = errorOf([&] { r.readTensor("text"); });
        QVERIFY2(msg.contains("expected a numeric dataset") && msg.contains("d.h5:/text"), qPrintable(msg));
        msg = errorOf([&] { r.group("g").readTensor("dense/bias:0"); });
        QVERIFY2(msg.contains("d.h5:/g/dense/bias:0") && msg.contains("missing"), qPrintable(msg));
        msg = errorOf([&] { r.group("nope"); });
        QVERIFY2(msg.contains("d.h5:/nope"), qPrintable(msg));
        // our own writer and reader agree, scalars included
        std::string p2 = dir.filePath("d2.h5").toStdString();
        {
            h5::File w = h5::File::create(p2);
            h5::Group root = w.root();
            root.writeTensor("a/b:0", Tensor::of({2, 2}, {1, 2, 3, 4}));
            root.writeTensor("s", Tensor::scalar(3));
            w.close();
        }
        h5::File r2 = h5::File::openRead(p2);
        QCOMPARE(r2.root().readTensor("a/b:0").values(), (std::vector<float>{1, 2, 3, 4}));
        QCOMPARE(r2.root().readTensor("s").rank(), 0);
    }

    /// A dataset's shape must be backed by data in the file before Strata allocates for it.
    void datasetsMustStoreTheirData() {
        // The fuzzer's input: an optimizer slot whose dataspace says (8257568, 96) floats over 12 KiB
        // of contiguous storage; Strata allocated 3 GiB for it before libhdf5 failed.
        const std::string fuzz = std::string(STRATA_SOURCE_DIR) + "/tests/data/hdf5/fuzz_optimizer_weight_huge_shape.h5";
        QString msg = errorOf([&] { loadModel(fuzz); });
        QVERIFY2(msg.contains("fuzz_optimizer_weight_huge_shape.h5:/optimizer_weights/rmsprop/"
                              "sequential_3_gru_1_gru_cell_recurrent_kernel_velocity'") &&
                     msg.contains("declares 3170906112 bytes of data but the file stores 12288"),
                 qPrintable(msg));

        QTemporaryDir dir;
        const std::string p = dir.filePath("s.h5").toStdString();
        haddr_t placedAt = 0;
        {
            hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
            hsize_t dims[2] = {1024, 1024}, chunk[2] = {256, 1024};
            hid_t s = H5Screate_simple(2, dims, nullptr);
            std::vector<float> zeros(1024 * 1024, 0.0f), ramp(1024 * 1024);
            for (size_t i = 0; i < ramp.size(); ++i) ramp[i] = float(i % 977);
            // zeros under gzip 9: about 1000:1, the most deflate gives, and sound
            hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
            H5Pset_chunk(dcpl, 2, chunk);
            H5Pset_deflate(dcpl, 9);
            hid_t ds = H5Dcreate2(f, "zeros_gzip", H5T_IEEE_F32LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
            H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
            H5Dclose(ds);
            // chunked and never written: 4 MiB declared, nothing stored
            ds = H5Dcreate2(f, "unwritten_chunked", H5T_IEEE_F32LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
            H5Dclose(ds);
            H5Pclose(dcpl);
            // contiguous and never written
            ds = H5Dcreate2(f, "unwritten", H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            H5Dclose(ds);
            ds = H5Dcreate2(f, "ramp", H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, ramp.data());
            placedAt = H5Dget_offset(ds);
            H5Dclose(ds);
            H5Sclose(s);
            H5Fclose(f);
        }
        {
            h5::File f = h5::File::openRead(p);
            const Tensor z = f.root().readTensor("zeros_gzip");
            QCOMPARE(z.size(), int64_t(1024 * 1024));
            QCOMPARE(*std::max_element(z.values().begin(), z.values().end()), 0.0f);
            QCOMPARE(f.root().readTensor("ramp")[1000], 23.0f);
            msg = errorOf([&] { f.root().readTensor("unwritten_chunked"); });
            QVERIFY2(msg.contains("s.h5:/unwritten_chunked'") && msg.contains("declares 4194304 bytes") &&
                         msg.contains("more than any compression allows"),
                     qPrintable(msg));
            msg = errorOf([&] { f.root().readTensor("unwritten"); });
            QVERIFY2(msg.contains("s.h5:/unwritten'") && msg.contains("the file stores 0"), qPrintable(msg));
        }
        // The ramp's layout message moved to an address 1 MiB before the end of the file: the
        // 4 MiB it declares run past the end.
        std::string bytes;
        {
            std::ifstream in(p, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        std::string address(8, '\0'), size(8, '\0');
        const uint64_t moved = bytes.size() - (1u << 20), stored = 4u << 20;
        for (int i = 0; i < 8; ++i) {
            address[i] = char((uint64_t(placedAt) >> (8 * i)) & 0xff);
            size[i] = char((stored >> (8 * i)) & 0xff);
        }
        const size_t at = bytes.find(address + size);
        QVERIFY(at != std::string::npos);
        for (int i = 0; i < 8; ++i) bytes[at + i] = char((moved >> (8 * i)) & 0xff);
        const std::string bad = dir.filePath("moved.h5").toStdString();
        {
            std::ofstream out(bad, std::ios::binary);
            out << bytes;
        }
        h5::File f = h5::File::openRead(bad);
        QCOMPARE(f.root().readTensor("zeros_gzip").size(), int64_t(1024 * 1024));
        msg = errorOf([&] { f.root().readTensor("ramp"); });
        QVERIFY2(msg.contains("moved.h5:/ramp'") && msg.contains("runs past the end of the file"), qPrintable(msg));
    }

    void notHdf5AndTruncated() {
        QTemporaryDir dir;
        QString p = dir.filePath("fake.h5");
        {
            std::ofstream out(p.toStdString());
            out << "not an hdf5 file";
        }
        QString msg = errorOf([&] { h5::File::openRead(p.toStdString()); });
        QVERIFY2(msg.contains("fake.h5") && msg.contains("not an HDF5 file"), qPrintable(msg));
        msg = errorOf([&] { loadModel(p.toStdString()); });
        QVERIFY2(msg.contains("fake.h5") && msg.contains("not a model file"), qPrintable(msg));
        // a real model file cut in half
        auto m = sequentialMlp();
        QString full = dir.filePath("m.h5");
        saveModel(*m, full.toStdString());
        std::ifstream in(full.toStdString(), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        QString cut = dir.filePath("cut.h5");
        {
            std::ofstream out(cut.toStdString(), std::ios::binary);
            out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
        }
        msg = errorOf([&] { loadModel(cut.toStdString()); });
        QVERIFY2(msg.contains("cut.h5"), qPrintable(msg));
        // an HDF5 file that is not a Keras file
        QString other = dir.filePath("other.h5");
        {
            h5::File f = h5::File::create(other.toStdString());
            f.root().writeTensor("data", Tensor::of({1}, {1}));
            f.close();
        }
        msg = errorOf([&] { loadModel(other.toStdString()); });
        QVERIFY2(msg.contains("other.h5") && msg.contains("not a Keras model"), qPrintable(msg));
    }

    void damagedGlobalHeapRefusedNotHung() {
        // libhdf5 1.10 loops forever on a global heap whose free-space entry has size 0 (found by
        // the model-file fuzzer). Make exactly that damage in a file we saved, and expect a clear
        // refusal naming the file and the offset instead of a hang.
        QTemporaryDir dir;
        QString p = dir.filePath("heap.h5");
        auto m = sequentialMlp();
        saveModel(*m, p.toStdString());
        std::string bytes;
        {
            std::ifstream in(p.toStdString(), std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        const size_t gcol = bytes.find(std::string("GCOL\x01\0\0\0", 8));
        QVERIFY2(gcol != std::string::npos, "the saved file has no global heap (no variable-length strings?)");
        auto le = [&](size_t at, int n) {
            uint64_t v = 0;
            for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
            return v;
        };
        const uint64_t size = le(gcol + 8, 8);
        size_t at = gcol + 16;
        bool patched = false;
        while (at + 16 <= gcol + size) {
            const uint64_t index = le(at, 2), objSize = le(at + 8, 8);
            if (index == 0) {
                std::memset(&bytes[at + 8], 0, 8);  // free space of size 0
                patched = true;
                break;
            }
            at += 16 + (objSize + 7) / 8 * 8;
        }
        QVERIFY2(patched, "no free-space entry found in the collection");
        QString bad = dir.filePath("bad_heap.h5");
        {
            std::ofstream out(bad.toStdString(), std::ios::binary);
            out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        }
        QString msg = errorOf([&] { loadModel(bad.toStdString()); });
        QVERIFY2(msg.contains("bad_heap.h5") && msg.contains("global heap") &&
                     msg.contains(QString::number(at)),
                 qPrintable(msg));
        // The same bytes inside a .keras archive (read from memory) are refused the same way.
        msg = errorOf([&] { h5::File::openImage(std::make_shared<const std::string>(bytes), "model.weights.h5"); });
        QVERIFY2(msg.contains("model.weights.h5") && msg.contains("global heap"), qPrintable(msg));
        // And the undamaged file still loads.
        QVERIFY(loadModel(p.toStdString()) != nullptr);
    }

    // ---- round trips --------------------------------------------------------------------------

    void roundTrip_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("format");
        for (const char* m : {"multi", "shared", "nested", "batchnorm", "recurrent", "mlp"})
            for (const char* f : {"h5", "keras", "weights.h5", "legacy-weights"})
                QTest::newRow((std::string(m) + " " + f).c_str()) << QString(m) << QString(f);
    }
    void roundTrip() {
        QFETCH(QString, model);
        QFETCH(QString, format);
        QTemporaryDir dir;
        auto m = buildCase(model);
        randomizeWeights(*m, 7);
        auto ins = inputsFor(*m, 3, 11);
        auto before = m->predict(ins);
        ModelPtr back;
        if (format == "h5" || format == "keras") {
            std::string path = dir.filePath("model." + format).toStdString();
            saveModel(*m, path);
            back = loadModel(path);
        } else {
            std::string cfg = dir.filePath("model.json").toStdString();
            saveModel(*m, cfg);
            std::string path = dir.filePath(format == "weights.h5" ? "model.weights.h5" : "w.h5").toStdString();
            saveWeightsFile(*m, path);
            LoadOptions lo;
            lo.configPath = cfg;
            back = loadModel(path, lo);
            // and into an existing model
            auto fresh = loadModelConfigFile(cfg);
            loadWeightsFile(*fresh, path);
            QCOMPARE(maxDiff(fresh->predict(ins), before), 0.0f);
        }
        QCOMPARE(int(back->weights().size()), int(m->weights().size()));
        auto after = back->predict(ins);
        QCOMPARE(maxDiff(after, before), 0.0f);
        for (size_t i = 0; i < m->weights().size(); ++i) {
            QCOMPARE(back->weights()[i]->value.values(), m->weights()[i]->value.values());
            QCOMPARE(back->weights()[i]->trainable, m->weights()[i]->trainable);
        }
        QCOMPARE(back->inputNames(), m->inputNames());
        QCOMPARE(back->outputNames(), m->outputNames());
    }

    void savesAtomicallyAndByExtension() {
        QTemporaryDir dir;
        auto m = sequentialMlp();
        QString msg = errorOf([&] { saveModel(*m, dir.filePath("model.txt").toStdString()); });
        QVERIFY2(msg.contains("extension"), qPrintable(msg));
        for (const char* name : {"a.h5", "b.keras", "c.weights.h5", "d.json", "e.HDF5"}) {
            saveModel(*m, dir.filePath(name).toStdString());
            QVERIFY(QFileInfo::exists(dir.filePath(name)));
        }
        // no temporary files left behind
        QDir d(dir.path());
        for (const auto& e : d.entryList(QDir::Files)) QVERIFY2(!e.contains(".tmp"), qPrintable(e));
        // a failed save leaves the old file intact
        saveModel(*m, dir.filePath("keep.h5").toStdString());
        auto sizeBefore = QFileInfo(dir.filePath("keep.h5")).size();
        QVERIFY(QDir(dir.path()).mkdir("keep.keras"));  // a directory where the archive should go
        QVERIFY_THROWS_EXCEPTION(Error, saveModel(*m, dir.filePath("keep.keras").toStdString()));
        QCOMPARE(QFileInfo(dir.filePath("keep.h5")).size(), sizeBefore);
    }

    void keras3Layout() {
        QTemporaryDir dir;
        auto m = recurrent();
        std::string path = dir.filePath("r.keras").toStdString();
        saveModel(*m, path);
        zipio::Reader zr(path);
        QVERIFY(zr.contains("config.json"));
        QVERIFY(zr.contains("metadata.json"));
        QVERIFY(zr.contains("model.weights.h5"));
        Json meta = Json::parse(zr.read("metadata.json", 1 << 20));
        QVERIFY(meta["keras_version"].get<std::string>().rfind("3.", 0) == 0);
        Json cfg = Json::parse(zr.read("config.json", 1 << 20));
        QCOMPARE(QString::fromStdString(cfg["class_name"].get<std::string>()), QString("Functional"));
        std::string bytes = zr.read("model.weights.h5", 1 << 26);
        h5::File f = h5::File::openImage(std::make_shared<const std::string>(bytes), "r.keras:model.weights.h5");
        h5::Group r = f.root();
        // Functional keeps its InputLayer in model.layers; keys are snake_case class names
        QVERIFY(r.hasGroup("vars"));
        QVERIFY(r.hasGroup("layers/input_layer/vars"));
        QCOMPARE(r.datasetInfo("layers/bidirectional/forward_layer/cell/vars/0").shape, (std::vector<int64_t>{3, 16}));
        QCOMPARE(r.datasetInfo("layers/bidirectional/backward_layer/cell/vars/1").shape, (std::vector<int64_t>{4, 16}));
        QCOMPARE(r.datasetInfo("layers/time_distributed/layer/vars/0").shape, (std::vector<int64_t>{8, 2}));
        QCOMPARE(r.datasetInfo("layers/lstm/cell/vars/2").shape, (std::vector<int64_t>{12}));
        QCOMPARE(r.datasetInfo("layers/dense/vars/1").shape, (std::vector<int64_t>{1}));
        QCOMPARE(QString::fromStdString(r.group("layers/dense/vars").readStringAttr("name")),
                 QString::fromStdString(m->layers().back()->name()));

        // nested: Sequential has no InputLayer entry; frozen BatchNormalization keeps its order
        clearSession();
        auto n = nested();
        std::string np = dir.filePath("n.weights.h5").toStdString();
        saveModel(*n, np);
        h5::File nf = h5::File::openRead(np);
        h5::Group nr = nf.root();
        QVERIFY(nr.hasGroup("layers/functional/layers/sequential/layers/dense/vars"));
        QVERIFY(!nr.hasGroup("layers/functional/layers/sequential/layers/input_layer"));
        QCOMPARE(nr.datasetInfo("layers/functional/layers/sequential/layers/batch_normalization/vars/3").shape,
                 (std::vector<int64_t>{4}));
        QCOMPARE(nr.datasetInfo("layers/functional/layers/dense/vars/0").shape, (std::vector<int64_t>{2, 3}));
        QCOMPARE(nr.datasetInfo("layers/dense/vars/0").shape, (std::vector<int64_t>{3, 1}));
    }

    void legacyLayout() {
        QTemporaryDir dir;
        auto m = nested();
        std::string path = dir.filePath("n.h5").toStdString();
        saveModel(*m, path);
        h5::File f = h5::File::openRead(path);
        h5::Group r = f.root();
        Json cfg = Json::parse(r.readStringAttr("model_config"));
        QCOMPARE(QString::fromStdString(cfg["class_name"].get<std::string>()), QString("Functional"));
        QVERIFY(r.readStringAttr("keras_version").rfind("3.", 0) == 0);
        QCOMPARE(QString::fromStdString(r.readStringAttr("backend")), QString("tensorflow"));
        h5::Group w = r.group("model_weights");
        auto names = w.readKerasStringList("layer_names");
        QCOMPARE(int(names.size()), 3);  // input, mid_functional, head
        auto wn = w.group("head").readKerasStringList("weight_names");
        QCOMPARE(wn, (std::vector<std::string>{"head/kernel:0", "head/bias:0"}));
        QVERIFY(w.group("head").hasDataset("head/kernel:0"));
        // the nested model lists all its weights, trainable first (the frozen inner ones last)
        auto nw = w.group("mid_functional").readKerasStringList("weight_names");
        QCOMPARE(int(nw.size()), 2 + 4 + 2 + 2);
        QCOMPARE(QString::fromStdString(nw[0]), QString("dense_2/kernel:0"));  // mid_functional's own Dense
        QCOMPARE(QString::fromStdString(nw[1]), QString("dense_2/bias:0"));
        QCOMPARE(QString::fromStdString(nw[2]), QString("dense/kernel:0"));    // then the frozen inner model
        QVERIFY(w.group(names[0]).readKerasStringList("weight_names").empty());
    }

    // ---- mismatches -----------------------------------------------------------------------------

    void shapeMismatchNamesLayerAndWeight() {
        QTemporaryDir dir;
        auto m = sequentialMlp();
        std::string w = dir.filePath("w.h5").toStdString();
        saveWeightsFile(*m, w);
        clearSession();
        auto other = makeSequential({layers::InputLayer({4}), layers::Dense(9, {{"name", m->layers()[0]->name()}}),
                                     layers::Dense(3, {{"name", m->layers()[1]->name()}})});
        QString msg = errorOf([&] { loadWeightsFile(*other, w); });
        QVERIFY2(msg.contains("w.h5") && msg.contains("'dense'") && msg.contains("dense/kernel") &&
                     msg.contains("(4, 9)") && msg.contains("(4, 8)"),
                 qPrintable(msg));
        // the same through the Keras 3 layout
        std::string w3 = dir.filePath("w.weights.h5").toStdString();
        saveWeightsFile(*m, w3);
        msg = errorOf([&] { loadWeightsFile(*other, w3); });
        QVERIFY2(msg.contains("w.weights.h5") && msg.contains("'dense'") && msg.contains("(4, 9)") &&
                     msg.contains("(4, 8)") && msg.contains("/layers/dense/vars/0"),
                 qPrintable(msg));
    }

    void missingAndExtraLayers() {
        QTemporaryDir dir;
        auto m = sequentialMlp();
        std::string w = dir.filePath("w.h5").toStdString();
        saveWeightsFile(*m, w);
        auto bigger = makeSequential({layers::InputLayer({4}), layers::Dense(8, {{"name", "dense"}}),
                                      layers::Dense(3, {{"name", "dense_1"}}), layers::Dense(2, {{"name", "extra_head"}})});
        QString msg = errorOf([&] { loadWeightsFile(*bigger, w); });
        QVERIFY2(msg.contains("w.h5") && msg.contains("no weights in the file for layer(s) 'extra_head'"), qPrintable(msg));
        auto smaller = makeSequential({layers::InputLayer({4}), layers::Dense(8, {{"name", "dense"}})});
        msg = errorOf([&] { loadWeightsFile(*smaller, w); });
        QVERIFY2(msg.contains("the model does not have: 'dense_1'"), qPrintable(msg));
        std::string w3 = dir.filePath("w.weights.h5").toStdString();
        saveWeightsFile(*m, w3);
        msg = errorOf([&] { loadWeightsFile(*bigger, w3); });
        QVERIFY2(msg.contains("'extra_head'") && msg.contains("/layers/dense_2"), qPrintable(msg));
        // a weights-only file without --config
        msg = errorOf([&] { loadModel(w); });
        QVERIFY2(msg.contains("--config"), qPrintable(msg));
    }

    void nonFiniteWeightsRefused() {
        QTemporaryDir dir;
        auto m = sequentialMlp();
        m->weights()[2]->value[1] = NAN;
        std::string path = dir.filePath("nan.keras").toStdString();
        saveModel(*m, path);
        QString msg = errorOf([&] { loadModel(path); });
        QVERIFY2(msg.contains("nan.keras") && msg.contains("NaN") && msg.contains("dense_1/kernel"), qPrintable(msg));
        LoadOptions lo;
        lo.allowNonFiniteWeights = true;
        auto back = loadModel(path, lo);
        QVERIFY(std::isnan(back->weights()[2]->value[1]));
        std::string h5 = dir.filePath("nan.h5").toStdString();
        saveModel(*m, h5);
        msg = errorOf([&] { loadModel(h5); });
        QVERIFY2(msg.contains("nan.h5") && msg.contains("NaN"), qPrintable(msg));
    }

    void keras1Refused() {
        QTemporaryDir dir;
        std::string path = dir.filePath("k1.h5").toStdString();
        {
            h5::File f = h5::File::create(path);
            h5::Group r = f.root();
            r.writeStringAttr("keras_version", "1.2.2");
            r.writeStringAttr("model_config", modelToJsonString(*sequentialMlp()));
            r.createGroup("model_weights").writeKerasStringList("layer_names", {});
            f.close();
        }
        QString msg = errorOf([&] { loadModel(path); });
        QVERIFY2(msg.contains("k1.h5") && msg.contains("Keras 1.2.2"), qPrintable(msg));
    }

    void lambdaRefusedNamingAll() {
        QTemporaryDir dir;
        Json cfg = modelToJson(*sequentialMlp());
        Json lam = {{"class_name", "Lambda"}, {"config", {{"name", "my_lambda"}, {"function", "xyz"}}}};
        cfg["config"]["layers"].push_back(lam);
        lam["config"]["name"] = "other_lambda";
        cfg["config"]["layers"].push_back(lam);
        std::string path = dir.filePath("lam.h5").toStdString();
        {
            h5::File f = h5::File::create(path);
            h5::Group r = f.root();
            r.writeStringAttr("keras_version", "2.4.0");
            r.writeStringAttr("model_config", cfg.dump());
            r.createGroup("model_weights").writeKerasStringList("layer_names", {});
            f.close();
        }
        try {
            loadModel(path);
            QFAIL("expected NotSupportedError");
        } catch (const NotSupportedError& e) {
            QString msg = e.what();
            QVERIFY2(msg.contains("lam.h5") && msg.contains("'my_lambda'") && msg.contains("'other_lambda'") &&
                         msg.contains("Lambda"),
                     qPrintable(msg));
        }
    }

    void keras2FilesUseKeras2HardSigmoid() {
        // The same LSTM(hard_sigmoid) weights give different outputs as a Keras 2 and a Keras 3 file.
        QTemporaryDir dir;
        auto x = Input({4, 2});
        auto y = call(layers::LSTM(3, {{"recurrent_activation", "hard_sigmoid"}}), x);
        auto m = makeModel(x, y);
        randomizeWeights(*m, 3);
        std::string p3 = dir.filePath("k3.h5").toStdString();
        saveModel(*m, p3);
        std::string p2 = dir.filePath("k2.h5").toStdString();
        {
            h5::File f = h5::File::create(p2);
            h5::Group r = f.root();
            r.writeStringAttr("keras_version", "2.2.4");
            r.writeStringAttr("model_config", modelToJsonString(*m));
            h5::Group wg = r.createGroup("model_weights");
            saveLegacyWeights(*m, wg);
            f.close();
        }
        Tensor in = randomInput({2, 4, 2}, 5);
        Tensor a = loadModel(p3)->predict(in);
        Tensor b = loadModel(p2)->predict(in);
        QCOMPARE(maxAbsDiff(a, m->predict(in)), 0.0f);
        QVERIFY(maxAbsDiff(a, b) > 1e-4f);
    }
};

QTEST_APPLESS_MAIN(TestHdf5Io)
#include "test_hdf5_io.moc"
