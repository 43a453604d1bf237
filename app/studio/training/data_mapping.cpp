#include "app/studio/training/data_mapping.h"

#include <algorithm>

#include "engine/core/errors.h"
#include "engine/core/shape.h"
#include "engine/data/batching.h"

namespace strata::studio {

namespace {

std::string dimsText(const std::vector<int64_t>& dims) {
    std::string s = "(";
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i) s += ", ";
        s += dims[i] == kNone ? std::string("None") : std::to_string(dims[i]);
    }
    if (dims.size() == 1) s += ",";
    return s + ")";
}

std::vector<int64_t> sampleDims(const Tensor& t) {
    return t.rank() ? std::vector<int64_t>(t.shape().begin() + 1, t.shape().end()) : std::vector<int64_t>{};
}

bool matches(const std::vector<int64_t>& actual, const std::vector<int64_t>& expected) {
    if (actual.size() != expected.size()) return false;
    for (size_t i = 0; i < actual.size(); ++i)
        if (expected[i] != kNone && expected[i] != actual[i]) return false;
    return true;
}

int indexOf(const std::vector<std::string>& names, const std::string& name, const std::string& what,
            const Model& model) {
    if (name.empty()) return 0;
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
        std::string known;
        for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
        throw DataMismatchError("the model '" + model.name() + "' has no " + what + " '" + name + "' (it has: " + known + ")");
    }
    return int(it - names.begin());
}

bool isCategoricalLoss(const std::string& loss) {
    return loss == "categorical_crossentropy" || loss == "CategoricalCrossentropy" || loss == "categorical_hinge" ||
           loss == "kl_divergence" || loss == "kld";
}
bool isSparseLoss(const std::string& loss) {
    return loss == "sparse_categorical_crossentropy" || loss == "SparseCategoricalCrossentropy";
}

/// Labels adapted to an output with per-sample dims `outDims` under `loss`.
Tensor adaptLabels(const Tensor& y, const std::vector<int64_t>& outDims, const std::string& loss,
                   const std::string& outputName, const std::string& source, const std::string& split,
                   std::vector<std::string>& notes) {
    const std::vector<int64_t> yDims = sampleDims(y);
    const std::string where = "output '" + outputName + "'";
    if (isSparseLoss(loss)) {
        if (!(yDims.empty() || (yDims.size() == 1 && yDims[0] == 1)))
            throw DataMismatchError(where + " uses " + loss + ", which needs one class id per sample, but the " + split +
                                    " labels of '" + source + "' have shape " + dimsText(yDims) +
                                    " per sample (one-hot labels need categorical_crossentropy)");
        const int64_t classes = outDims.empty() ? kNone : outDims.back();
        for (int64_t i = 0; i < y.size(); ++i) {
            const float v = y[i];
            if (v < 0 || v != float(int64_t(v)) || (classes != kNone && int64_t(v) >= classes))
                throw DataMismatchError(where + " has " + std::to_string(classes) + " units but the " + split +
                                        " labels of '" + source + "' hold " + std::to_string(v) + " at sample " +
                                        std::to_string(i) + " (class ids must be 0.." + std::to_string(classes - 1) + ")");
        }
        return y;
    }
    if (isCategoricalLoss(loss) && yDims.empty() && !outDims.empty() && outDims.back() != kNone) {
        Tensor oneHot = toCategorical(y, outDims.back());
        notes.push_back(split + " labels for " + where + ": class ids one-hot encoded to " +
                        std::to_string(outDims.back()) + " columns for " + loss);
        return oneHot;
    }
    Tensor out;
    if (matches(yDims, outDims)) return y;
    if (adaptSampleShape(y, outDims, out)) return out;
    throw DataMismatchError(where + " produces samples of shape " + dimsText(outDims) + " but the " + split +
                            " labels of '" + source + "' have shape " + dimsText(yDims));
}

}  // namespace

bool adaptSampleShape(const Tensor& x, const std::vector<int64_t>& expected, Tensor& out) {
    const std::vector<int64_t> actual = sampleDims(x);
    if (matches(actual, expected)) {
        out = x;
        return true;
    }
    // Same number of values per sample and at most one unknown dim: a layout change only.
    int64_t known = 1, unknown = -1;
    for (size_t i = 0; i < expected.size(); ++i) {
        if (expected[i] == kNone) {
            if (unknown >= 0) return false;
            unknown = int64_t(i);
        } else {
            known *= expected[i];
        }
    }
    const int64_t per = product(actual);
    if (known == 0 || per % known != 0 || (unknown < 0 && per != known)) return false;
    std::vector<int64_t> shape{x.rank() ? x.dim(0) : 0};
    for (size_t i = 0; i < expected.size(); ++i) shape.push_back(int64_t(i) == unknown ? per / known : expected[i]);
    out = x.reshaped(shape);
    return true;
}

PreparedData prepareTrainingData(const Model& model, const std::vector<Dataset>& datasets,
                                 const std::vector<DataBinding>& bindingsIn, const TrainingSettings& settings) {
    if (datasets.empty()) throw DataMismatchError("no data source is chosen: pick one in the Data dock");
    std::vector<DataBinding> bindings = bindingsIn;
    if (bindings.empty()) bindings.push_back({});
    const std::vector<std::string> inputs = model.inputNames();
    const std::vector<std::string> outputs = model.outputNames();

    PreparedData p;
    for (const DataBinding& b : bindings) {
        if (b.dataset < 0 || size_t(b.dataset) >= datasets.size())
            throw DataMismatchError("a data binding names source #" + std::to_string(b.dataset + 1) + " but there are " +
                                    std::to_string(datasets.size()) + " sources");
        const Dataset& d = datasets[size_t(b.dataset)];
        if (d.trainCount() == 0) throw DataMismatchError("the data source '" + d.name + "' holds no training samples");
        const int in = indexOf(inputs, b.input, "input", model);
        const std::string inName = inputs[size_t(in)];
        const std::vector<int64_t> expected = model.inputs()[size_t(in)].shape().withoutBatch().dims();

        const auto adaptX = [&](const Tensor& x, const std::string& split) {
            Tensor out;
            if (!adaptSampleShape(x, expected, out))
                throw DataMismatchError("input '" + inName + "' expects samples of shape " + dimsText(expected) + " but the " +
                                        split + " features of '" + d.name + "' have shape " + dimsText(sampleDims(x)));
            if (sampleDims(x) != sampleDims(out))
                p.notes.push_back("input '" + inName + "': " + split + " samples " + dimsText(sampleDims(x)) +
                                  " reshaped to " + dimsText(sampleDims(out)));
            return out;
        };
        p.x[inName] = adaptX(d.xTrain, "training");
        if (d.hasTest()) p.xTest[inName] = adaptX(d.xTest, "test");

        if (b.output != "-") {
            const int out = indexOf(outputs, b.output, "output", model);
            const std::string outName = outputs[size_t(out)];
            if (d.yTrain.empty())
                throw DataMismatchError("output '" + outName + "' needs labels but '" + d.name + "' has none");
            const std::vector<int64_t> outDims = model.outputs()[size_t(out)].shape().withoutBatch().dims();
            const std::string loss = settings.outputFor(outName).loss;
            p.y[outName] = adaptLabels(d.yTrain, outDims, loss, outName, d.name, "training", p.notes);
            if (d.hasTest() && !d.yTest.empty())
                p.yTest[outName] = adaptLabels(d.yTest, outDims, loss, outName, d.name, "test", p.notes);
        }
    }
    for (const auto& n : inputs)
        if (!p.x.count(n)) throw DataMismatchError("input '" + n + "' has no data: bind a source to it in the Data dock");
    // Every array must have the same number of samples.
    p.trainCount = p.x.begin()->second.dim(0);
    for (const auto* m : {&p.x, &p.y})
        for (const auto& [name, t] : *m)
            if (t.dim(0) != p.trainCount)
                throw DataMismatchError("'" + name + "' has " + std::to_string(t.dim(0)) + " training samples but '" +
                                        p.x.begin()->first + "' has " + std::to_string(p.trainCount));
    p.testCount = p.xTest.empty() ? 0 : p.xTest.begin()->second.dim(0);
    if (p.xTest.size() != p.x.size()) {  // test data only if every input has some
        p.xTest.clear();
        p.yTest.clear();
        p.testCount = 0;
    }
    return p;
}

}  // namespace strata::studio
