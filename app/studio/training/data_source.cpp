#include "app/studio/training/data_source.h"

#include <QDir>
#include <QImage>
#include <QImageReader>
#include <algorithm>
#include <filesystem>

#include "engine/core/errors.h"
#include "engine/core/random.h"
#include "engine/data/batching.h"
#include "engine/data/csv.h"
#include "engine/data/idx.h"
#include "engine/data/npy.h"

namespace strata::studio {

namespace {

std::string fileName(const std::string& p) { return std::filesystem::path(p).filename().string(); }

void requireFile(const std::string& path, const std::string& role) {
    if (path.empty()) throw ValueError("the data source needs " + role + " (no file chosen)");
    if (!std::filesystem::exists(path)) throw IoError(role + " '" + path + "' does not exist");
}

void checkPair(const Tensor& x, const Tensor& y, const std::string& xName, const std::string& yName) {
    if (x.rank() == 0) throw ValueError(xName + " holds a scalar, not samples");
    if (!y.empty() && (y.rank() == 0 || y.dim(0) != x.dim(0)))
        throw ValueError(xName + " has " + std::to_string(x.dim(0)) + " samples but " + yName + " has " +
                         (y.rank() ? std::to_string(y.dim(0)) : std::string("none")) + " labels");
}

/// Holds out the last fraction of the rows as test data (when the source has no test arrays).
void splitTest(Dataset& d, double fraction) {
    if (fraction <= 0 || d.hasTest() || d.trainCount() < 2) return;
    const int64_t n = d.trainCount();
    const int64_t nTest = std::clamp<int64_t>(int64_t(double(n) * fraction), 1, n - 1);
    d.xTest = d.xTrain.slice0(n - nTest, n);
    d.xTrain = d.xTrain.slice0(0, n - nTest);
    if (!d.yTrain.empty()) {
        d.yTest = d.yTrain.slice0(n - nTest, n);
        d.yTrain = d.yTrain.slice0(0, n - nTest);
    }
}

Tensor limitRows(const Tensor& t, int64_t max) {
    if (max < 0 || t.rank() == 0 || t.dim(0) <= max) return t;
    return t.slice0(0, max);
}

void scalePixels(Dataset& d) {
    float mx = 0;
    for (float v : d.xTrain.values()) mx = std::max(mx, v);
    if (mx <= 1.0f || mx > 255.0f) return;  // already scaled, or not pixels
    for (Tensor* t : {&d.xTrain, &d.xTest}) {
        t->setDType(DType::Float32);
        for (float& v : t->values()) v /= 255.0f;
    }
    d.scaled = true;
}

/// Integer labels 0..k-1 get class names "0".."k-1" (so the predictions view and the confusion
/// matrix have axes); other labels (regression, one-hot) get none.
void defaultClassNames(Dataset& d) {
    if (!d.classNames.empty() || d.yTrain.rank() != 1) return;
    float mx = 0;
    for (float v : d.yTrain.values()) {
        if (v < 0 || v != float(int64_t(v))) return;
        mx = std::max(mx, v);
    }
    if (mx > 1000) return;
    for (int64_t k = 0; k <= int64_t(mx); ++k) d.classNames.push_back(std::to_string(k));
}

bool looksLikeImages(const std::vector<int64_t>& sample) {
    if (sample.size() == 2) return sample[0] >= 4 && sample[1] >= 4;
    if (sample.size() == 3) return sample[0] >= 4 && sample[1] >= 4 && (sample[2] == 1 || sample[2] == 3);
    return false;
}

const Tensor* findNpz(const NpzArrays& arrays, const std::string& key) {
    for (const auto& [name, t] : arrays)
        if (name == key) return &t;
    return nullptr;
}

std::string npzNames(const NpzArrays& arrays) {
    std::string s;
    for (const auto& [name, t] : arrays) s += (s.empty() ? "" : ", ") + name;
    return s;
}

/// A folder with one sub-folder per class: every readable image, resized, as (n, h, w[, 3]) raw
/// pixels 0..255 and class ids in sorted sub-folder order.
void loadImageFolder(const DataSourceSpec& spec, Dataset& d) {
    const QDir root(QString::fromStdString(spec.dir));
    if (spec.dir.empty() || !root.exists()) throw IoError("the image folder '" + spec.dir + "' does not exist");
    if (spec.imageWidth < 1 || spec.imageHeight < 1 || spec.imageWidth > 4096 || spec.imageHeight > 4096)
        throw ValueError("image size must be 1..4096 pixels, got " + std::to_string(spec.imageWidth) + "x" +
                         std::to_string(spec.imageHeight));
    const QStringList classes = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    if (classes.isEmpty()) throw ValueError("the image folder '" + spec.dir + "' has no sub-folders (one per class)");
    QStringList filters;
    for (const QByteArray& f : QImageReader::supportedImageFormats()) filters << "*." + QString::fromLatin1(f);
    const int w = spec.imageWidth, h = spec.imageHeight, c = spec.imageRgb ? 3 : 1;
    std::vector<float> pixels, labels;
    for (int k = 0; k < classes.size(); ++k) {
        const QDir sub(root.filePath(classes[k]));
        for (const QString& f : sub.entryList(filters, QDir::Files, QDir::Name)) {
            if (spec.maxTrain >= 0 && int64_t(labels.size()) >= spec.maxTrain) break;
            QImageReader reader(sub.filePath(f));
            QImage img = reader.read();
            if (img.isNull())
                throw IoError("cannot read image '" + sub.filePath(f).toStdString() + "': " + reader.errorString().toStdString());
            img = img.scaled(w, h, Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
                      .convertToFormat(c == 3 ? QImage::Format_RGB32 : QImage::Format_Grayscale8);
            for (int y = 0; y < h; ++y) {
                const uchar* line = img.constScanLine(y);
                for (int x = 0; x < w; ++x) {
                    if (c == 1) {
                        pixels.push_back(float(line[x]));
                    } else {
                        const QRgb px = reinterpret_cast<const QRgb*>(line)[x];
                        pixels.insert(pixels.end(), {float(qRed(px)), float(qGreen(px)), float(qBlue(px))});
                    }
                }
            }
            labels.push_back(float(k));
        }
        d.classNames.push_back(classes[k].toStdString());
    }
    if (labels.empty()) throw ValueError("the image folder '" + spec.dir + "' holds no readable images");
    const int64_t n = int64_t(labels.size());
    std::vector<int64_t> shape{n, h, w};
    if (c == 3) shape.push_back(3);
    // Classes were read one after the other; interleave them so a split takes every class.
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order[size_t(i)] = i;
    Rng rng(spec.maxTrain >= 0 ? uint64_t(spec.maxTrain) : 7);
    shuffleIndices(order, rng);
    d.xTrain = Tensor(shape, std::move(pixels)).gather0(order);
    d.yTrain = Tensor({n}, std::move(labels)).gather0(order);
    d.images = true;
}

}  // namespace

std::string kindName(DataSourceSpec::Kind kind) {
    switch (kind) {
    case DataSourceSpec::Kind::FashionMnist: return "fashion_mnist";
    case DataSourceSpec::Kind::Idx: return "idx";
    case DataSourceSpec::Kind::Npy: return "npy";
    case DataSourceSpec::Kind::Npz: return "npz";
    case DataSourceSpec::Kind::Csv: return "csv";
    case DataSourceSpec::Kind::ImageFolder: return "image_folder";
    }
    return "fashion_mnist";
}

DataSourceSpec::Kind parseKind(const std::string& name) {
    for (auto k : {DataSourceSpec::Kind::FashionMnist, DataSourceSpec::Kind::Idx, DataSourceSpec::Kind::Npy,
                   DataSourceSpec::Kind::Npz, DataSourceSpec::Kind::Csv, DataSourceSpec::Kind::ImageFolder})
        if (kindName(k) == name) return k;
    throw ConfigError("data source: unknown kind '" + name + "' (known: fashion_mnist, idx, npy, npz, csv, image_folder)");
}

Json DataSourceSpec::toJson() const {
    return Json{{"kind", kindName(kind)},       {"dir", dir},
                {"train_images", trainImages},  {"train_labels", trainLabels},
                {"test_images", testImages},    {"test_labels", testLabels},
                {"path", path},                 {"x_train_key", xTrainKey},
                {"y_train_key", yTrainKey},     {"x_test_key", xTestKey},
                {"y_test_key", yTestKey},       {"label_column", labelColumn},
                {"test_fraction", testFraction}, {"max_train", maxTrain},
                {"max_test", maxTest},          {"scale_to_01", scaleTo01},
                {"image_width", imageWidth},    {"image_height", imageHeight},
                {"image_rgb", imageRgb}};
}

DataSourceSpec DataSourceSpec::fromJson(const Json& j) {
    if (!j.is_object()) throw ConfigError("data source: expected an object, got " + j.dump());
    DataSourceSpec s;
    const auto str = [&](const char* key, std::string& out) {
        if (!j.contains(key) || j[key].is_null()) return;
        if (!j[key].is_string()) throw ConfigError(std::string("data source: '") + key + "' must be a string, got " + j[key].dump());
        out = j[key].get<std::string>();
    };
    const auto num = [&](const char* key, auto& out) {
        if (!j.contains(key) || j[key].is_null()) return;
        if (!j[key].is_number()) throw ConfigError(std::string("data source: '") + key + "' must be a number, got " + j[key].dump());
        out = j[key].get<std::decay_t<decltype(out)>>();
    };
    std::string kind = "fashion_mnist";
    str("kind", kind);
    s.kind = parseKind(kind);
    str("dir", s.dir);
    str("train_images", s.trainImages);
    str("train_labels", s.trainLabels);
    str("test_images", s.testImages);
    str("test_labels", s.testLabels);
    str("path", s.path);
    str("x_train_key", s.xTrainKey);
    str("y_train_key", s.yTrainKey);
    str("x_test_key", s.xTestKey);
    str("y_test_key", s.yTestKey);
    str("label_column", s.labelColumn);
    num("test_fraction", s.testFraction);
    num("max_train", s.maxTrain);
    num("max_test", s.maxTest);
    num("image_width", s.imageWidth);
    num("image_height", s.imageHeight);
    if (j.contains("image_rgb") && j["image_rgb"].is_boolean()) s.imageRgb = j["image_rgb"].get<bool>();
    if (j.contains("scale_to_01")) {
        if (!j["scale_to_01"].is_boolean()) throw ConfigError("data source: 'scale_to_01' must be true or false");
        s.scaleTo01 = j["scale_to_01"].get<bool>();
    }
    return s;
}

std::string DataSourceSpec::describe() const {
    switch (kind) {
    case Kind::FashionMnist: return "Fashion-MNIST";
    case Kind::Idx: return "IDX " + fileName(trainImages);
    case Kind::Npy: return "NPY " + fileName(trainImages);
    case Kind::Npz: return "NPZ " + fileName(path);
    case Kind::Csv: return "CSV " + fileName(path) + " (label: " + labelColumn + ")";
    case Kind::ImageFolder: return "images in " + fileName(dir);
    }
    return "data";
}

std::vector<int64_t> Dataset::sampleShape() const {
    if (xTrain.rank() == 0) return {};
    return std::vector<int64_t>(xTrain.shape().begin() + 1, xTrain.shape().end());
}

Dataset loadDataset(const DataSourceSpec& spec) {
    Dataset d;
    d.name = spec.describe();
    switch (spec.kind) {
    case DataSourceSpec::Kind::FashionMnist: {
        const std::string dir = spec.dir.empty() ? defaultFashionMnistDir() : spec.dir;
        if (!std::filesystem::is_directory(dir))
            throw IoError("the Fashion-MNIST folder '" + dir + "' does not exist (set STRATA_DATASETS or choose IDX files)");
        FashionMnist f = loadFashionMnist(dir, spec.maxTrain, spec.maxTest);
        d.xTrain = std::move(f.xTrain);
        d.yTrain = std::move(f.yTrain);
        d.xTest = std::move(f.xTest);
        d.yTest = std::move(f.yTest);
        d.classNames = fashionMnistClassNames();
        d.images = true;
        break;
    }
    case DataSourceSpec::Kind::Idx: {
        requireFile(spec.trainImages, "the IDX training images");
        requireFile(spec.trainLabels, "the IDX training labels");
        d.xTrain = readIdx(spec.trainImages, spec.maxTrain);
        d.yTrain = readIdx(spec.trainLabels, spec.maxTrain);
        checkPair(d.xTrain, d.yTrain, "'" + fileName(spec.trainImages) + "'", "'" + fileName(spec.trainLabels) + "'");
        if (!spec.testImages.empty()) {
            requireFile(spec.testImages, "the IDX test images");
            requireFile(spec.testLabels, "the IDX test labels");
            d.xTest = readIdx(spec.testImages, spec.maxTest);
            d.yTest = readIdx(spec.testLabels, spec.maxTest);
            checkPair(d.xTest, d.yTest, "'" + fileName(spec.testImages) + "'", "'" + fileName(spec.testLabels) + "'");
        }
        d.images = looksLikeImages(d.sampleShape());
        break;
    }
    case DataSourceSpec::Kind::Npy: {
        requireFile(spec.trainImages, "the NPY features file");
        d.xTrain = limitRows(loadNpy(spec.trainImages), spec.maxTrain);
        if (!spec.trainLabels.empty()) {
            requireFile(spec.trainLabels, "the NPY labels file");
            d.yTrain = limitRows(loadNpy(spec.trainLabels), spec.maxTrain);
        }
        checkPair(d.xTrain, d.yTrain, "'" + fileName(spec.trainImages) + "'", "'" + fileName(spec.trainLabels) + "'");
        if (!spec.testImages.empty()) {
            requireFile(spec.testImages, "the NPY test features file");
            d.xTest = limitRows(loadNpy(spec.testImages), spec.maxTest);
            if (!spec.testLabels.empty()) d.yTest = limitRows(loadNpy(spec.testLabels), spec.maxTest);
            checkPair(d.xTest, d.yTest, "'" + fileName(spec.testImages) + "'", "'" + fileName(spec.testLabels) + "'");
        }
        d.images = looksLikeImages(d.sampleShape());
        break;
    }
    case DataSourceSpec::Kind::Npz: {
        requireFile(spec.path, "the NPZ archive");
        const NpzArrays arrays = loadNpz(spec.path);
        const std::string file = fileName(spec.path);
        const auto need = [&](const std::string& key, bool required) -> const Tensor* {
            const Tensor* t = findNpz(arrays, key);
            if (!t && required)
                throw ValueError("'" + file + "' has no array '" + key + "' (it holds: " + npzNames(arrays) + ")");
            return t;
        };
        d.xTrain = limitRows(*need(spec.xTrainKey, true), spec.maxTrain);
        if (const Tensor* y = need(spec.yTrainKey, false)) d.yTrain = limitRows(*y, spec.maxTrain);
        checkPair(d.xTrain, d.yTrain, file + ":" + spec.xTrainKey, file + ":" + spec.yTrainKey);
        if (const Tensor* x = need(spec.xTestKey, false)) {
            d.xTest = limitRows(*x, spec.maxTest);
            if (const Tensor* y = need(spec.yTestKey, false)) d.yTest = limitRows(*y, spec.maxTest);
            checkPair(d.xTest, d.yTest, file + ":" + spec.xTestKey, file + ":" + spec.yTestKey);
        }
        d.images = looksLikeImages(d.sampleShape());
        break;
    }
    case DataSourceSpec::Kind::Csv: {
        requireFile(spec.path, "the CSV file");
        CsvOptions o;
        if (!spec.labelColumn.empty()) o.labelColumns = {spec.labelColumn};
        CsvData c = readCsv(spec.path, o);
        d.xTrain = std::move(c.features);
        d.yTrain = std::move(c.labels);
        d.featureNames = std::move(c.featureNames);
        if (spec.maxTrain >= 0) {
            d.xTrain = limitRows(d.xTrain, spec.maxTrain);
            d.yTrain = limitRows(d.yTrain, spec.maxTrain);
        }
        break;
    }
    case DataSourceSpec::Kind::ImageFolder: loadImageFolder(spec, d); break;
    }
    splitTest(d, spec.testFraction);
    if (spec.scaleTo01 && d.images) scalePixels(d);
    defaultClassNames(d);
    return d;
}

Dataset firstSamples(const Dataset& data, int64_t trainCount, int64_t testCount) {
    Dataset d = data;
    d.xTrain = limitRows(data.xTrain, trainCount);
    d.yTrain = limitRows(data.yTrain, trainCount);
    d.xTest = limitRows(data.xTest, testCount);
    d.yTest = limitRows(data.yTest, testCount);
    return d;
}

}  // namespace strata::studio
