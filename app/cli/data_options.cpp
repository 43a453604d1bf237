#include "app/cli/data_options.h"

#include <algorithm>
#include <cmath>

#include "engine/core/errors.h"
#include "engine/data/csv.h"
#include "engine/data/idx.h"
#include "engine/data/npy.h"

namespace strata::cli {

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    if (s.size() < suffix.size()) return false;
    for (size_t i = 0; i < suffix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
    return true;
}

std::vector<std::string> splitOn(const std::string& s, char sep) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        size_t p = s.find(sep, start);
        parts.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
        if (p == std::string::npos) break;
        start = p + 1;
    }
    return parts;
}

bool isFashionMnist(const std::string& s) { return s == "fashion_mnist" || s == "fashion-mnist"; }

/// keras.datasets.fashion_mnist.load_data() with the pixels scaled to [0, 1] (as every Keras
/// guide does before fit).
Dataset fashionMnist(Split split, int64_t maxSamples) {
    const std::string dir = defaultFashionMnistDir();
    FashionMnist d = loadFashionMnist(dir, split == Split::Train ? maxSamples : 0, split == Split::Test ? maxSamples : 0);
    Dataset ds;
    Tensor& x = split == Split::Train ? d.xTrain : d.xTest;
    x.vector() *= 1.0f / 255.0f;
    ds.x.push_back(std::move(x));
    ds.y.push_back(std::move(split == Split::Train ? d.yTrain : d.yTest));
    ds.source = std::string("fashion_mnist (") + (split == Split::Train ? "training" : "test") + " images in " + dir + ")";
    return ds;
}

Tensor loadArrayFile(const std::string& path) {
    if (!endsWith(path, ".npy"))
        throw ValueError("'" + path + "': expected a .npy file (numpy.save) in --data or --input");
    return loadNpy(path);
}

Dataset npzData(const std::string& path, Split split) {
    NpzArrays arrays = loadNpz(path);
    auto find = [&](std::initializer_list<const char*> names) -> const Tensor* {
        for (const char* n : names)
            for (const auto& [k, t] : arrays)
                if (k == n) return &t;
        return nullptr;
    };
    const bool train = split == Split::Train;
    const Tensor* x = train ? find({"x_train", "x"}) : find({"x_test", "x"});
    const Tensor* y = train ? find({"y_train", "y"}) : find({"y_test", "y"});
    if (!x || !y) {
        std::string names;
        for (const auto& [k, t] : arrays) names += (names.empty() ? "" : ", ") + k;
        throw IoError("'" + path + "' has no arrays " + (train ? "x_train/y_train" : "x_test/y_test") +
                      " or x/y (it has: " + (names.empty() ? "none" : names) + ")");
    }
    Dataset ds;
    ds.x.push_back(*x);
    ds.y.push_back(*y);
    ds.source = path;
    return ds;
}

Dataset csvData(const std::string& spec) {
    std::vector<std::string> parts = splitOn(spec, ':');
    CsvOptions o;
    for (size_t i = 1; i < parts.size(); ++i) {
        const std::string& p = parts[i];
        auto eq = p.find('=');
        std::string key = p.substr(0, eq), value = eq == std::string::npos ? "" : p.substr(eq + 1);
        if (key == "label" && !value.empty()) o.labelColumns = splitOn(value, ';');
        else if (key == "features" && !value.empty()) o.featureColumns = splitOn(value, ';');
        else if (key == "noheader" && eq == std::string::npos) o.header = false;
        else
            throw ValueError("--data '" + spec + "': unknown CSV option '" + p +
                             "' (expected label=COLUMN, features=A;B or noheader)");
    }
    CsvData c = readCsv(parts[0], o);
    Dataset ds;
    ds.x.push_back(std::move(c.features));
    if (!c.labels.empty()) ds.y.push_back(std::move(c.labels));
    ds.source = parts[0];
    return ds;
}

void keepFirst(std::vector<Tensor>& arrays, int64_t n) {
    for (auto& t : arrays)
        if (t.rank() > 0 && t.dim(0) > n) t = t.slice0(0, n);
}

std::string sampleShape(const std::vector<int64_t>& dims) {
    return Shape(std::vector<int64_t>(dims.begin() + (dims.empty() ? 0 : 1), dims.end())).toString();
}

}  // namespace

Dataset loadDataset(const std::string& spec, Split split, int64_t maxSamples) {
    if (spec.empty()) throw ValueError("--data is empty (expected fashion_mnist, X.npy,Y.npy, DATA.npz or FILE.csv:label=COL)");
    Dataset ds;
    if (isFashionMnist(spec)) {
        return fashionMnist(split, maxSamples);  // reads only what it keeps
    } else if (endsWith(spec, ".npz")) {
        ds = npzData(spec, split);
    } else if (spec.find(".csv") != std::string::npos && (endsWith(spec, ".csv") || spec.find(".csv:") != std::string::npos)) {
        ds = csvData(spec);
    } else {
        std::vector<std::string> parts = splitOn(spec, ',');
        if (parts.size() != 2 || parts[0].empty() || parts[1].empty())
            throw ValueError("--data '" + spec +
                             "': expected fashion_mnist, X.npy,Y.npy (inputs,targets), DATA.npz or FILE.csv:label=COL");
        for (const auto& f : splitOn(parts[0], '+')) ds.x.push_back(loadArrayFile(f));
        for (const auto& f : splitOn(parts[1], '+')) ds.y.push_back(loadArrayFile(f));
        ds.source = spec;
    }
    if (maxSamples >= 0) {
        keepFirst(ds.x, maxSamples);
        keepFirst(ds.y, maxSamples);
    }
    return ds;
}

Dataset loadInputs(const std::vector<std::string>& files, int64_t maxSamples) {
    Dataset ds;
    for (const auto& f : files) {
        if (isFashionMnist(f)) {
            Dataset fm = fashionMnist(Split::Test, maxSamples);
            ds.x.push_back(std::move(fm.x[0]));
        } else {
            ds.x.push_back(loadArrayFile(f));
        }
        ds.source += (ds.source.empty() ? "" : ", ") + f;
    }
    if (maxSamples >= 0) keepFirst(ds.x, maxSamples);
    return ds;
}

void fitToModel(const Model& model, Dataset& data, bool needTargets) {
    const auto& inputs = model.inputs();
    const auto names = model.inputNames();
    if (data.x.size() != inputs.size())
        throw ValueError("model '" + model.name() + "' has " + std::to_string(inputs.size()) + " input(s), but " +
                         data.source + " gives " + std::to_string(data.x.size()) + " input array(s)");
    for (size_t i = 0; i < inputs.size(); ++i) {
        Tensor& x = data.x[i];
        const Shape& want = inputs[i].shape();  // batch dim first
        const std::string who = "input '" + names[i] + "' of model '" + model.name() + "'";
        if (x.rank() == 0)
            throw ShapeError(who + " expects samples of shape " + want.withoutBatch().toString() + ", but " + data.source +
                             " holds a scalar");
        bool matches = x.rank() == want.rank();
        for (int d = 1; matches && d < want.rank(); ++d) matches = dimsCompatible(want[d], x.dim(d));
        if (matches) continue;
        const Shape sample = want.withoutBatch();
        const int64_t perSample = x.dim(0) ? x.size() / x.dim(0) : 0;
        if (sample.fullyDefined() && sample.elements() == perSample) {
            std::vector<int64_t> dims = {x.dim(0)};
            dims.insert(dims.end(), sample.dims().begin(), sample.dims().end());
            x.reshapeInPlace(dims);
            continue;
        }
        throw ShapeError(who + " expects samples of shape " + sample.toString() + ", but " + data.source +
                         " has samples of shape " + sampleShape(x.shape()) + " (array " + x.shapeString() + ")");
    }
    const int64_t n = data.x[0].dim(0);
    for (size_t i = 1; i < data.x.size(); ++i)
        if (data.x[i].dim(0) != n)
            throw ShapeError(data.source + ": input arrays have different numbers of samples (" + std::to_string(n) +
                             " for '" + names[0] + "', " + std::to_string(data.x[i].dim(0)) + " for '" + names[i] + "')");
    if (!needTargets) return;
    const auto outNames = model.outputNames();
    if (data.y.empty())
        throw ValueError(data.source + " has no targets (for a CSV file, name the label column: FILE.csv:label=COLUMN)");
    if (data.y.size() != outNames.size())
        throw ValueError("model '" + model.name() + "' has " + std::to_string(outNames.size()) + " output(s), but " +
                         data.source + " gives " + std::to_string(data.y.size()) + " target array(s)");
    for (size_t i = 0; i < data.y.size(); ++i)
        if (data.y[i].rank() == 0 || data.y[i].dim(0) != n)
            throw ShapeError(data.source + ": the targets for output '" + outNames[i] + "' have shape " +
                             data.y[i].shapeString() + ", but the inputs have " + std::to_string(n) + " samples");
}

double parseRescale(const std::string& text) {
    auto number = [&](const std::string& t) {
        size_t used = 0;
        double v = 0;
        try {
            v = std::stod(t, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != t.size() || !std::isfinite(v))
            throw ValueError("--rescale '" + text + "': expected a number or a fraction such as 1/255");
        return v;
    };
    auto slash = text.find('/');
    if (slash == std::string::npos) return number(text);
    double den = number(text.substr(slash + 1));
    if (den == 0) throw ValueError("--rescale '" + text + "': division by zero");
    return number(text.substr(0, slash)) / den;
}

void rescaleInputs(const Model& model, Dataset& data, double factor) {
    const auto& inputs = model.inputs();
    for (size_t i = 0; i < data.x.size() && i < inputs.size(); ++i) {
        if (inputs[i].dtype() != DType::Float32) continue;
        data.x[i].vector() *= static_cast<float>(factor);
        data.x[i].setDType(DType::Float32);
    }
}

CLI::Option* addRescaleOption(CLI::App* cmd, std::string& value) {
    return cmd->add_option("--rescale", value,
                           "Multiply the inputs by F before use, e.g. 1/255 for uint8 images saved with numpy "
                           "(fashion_mnist is already scaled)")
        ->type_name("F");
}

}  // namespace strata::cli
