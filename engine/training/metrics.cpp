#include "engine/training/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/core/errors.h"

namespace strata {

namespace {

int64_t rowsOf(const Tensor& y) {
    if (y.rank() <= 1) return y.rank() == 0 ? 1 : 1;
    return y.dim(-1) ? y.size() / y.dim(-1) : 0;
}
int64_t colsOf(const Tensor& y) { return y.rank() == 0 ? 1 : y.dim(-1); }

void sameElements(const Metric& m, const Tensor& yTrue, const Tensor& yPred) {
    if (yTrue.size() != yPred.size())
        throw ShapeError("Metric '" + m.name() + "': targets of shape " + yTrue.shapeString() +
                         " do not match predictions of shape " + yPred.shapeString());
}

int64_t argmaxRow(const float* v, int64_t n) {
    int64_t a = 0;
    for (int64_t i = 1; i < n; ++i)
        if (v[i] > v[a]) a = i;
    return a;
}

}  // namespace

// ---- Mean ---------------------------------------------------------------------------------------

void Mean::addRows(const float* values, int64_t rows, const Tensor* sampleWeight, int64_t batch) {
    if (!sampleWeight) {
        double s = 0;
        for (int64_t r = 0; r < rows; ++r) s += values[r];
        total_ += s;
        count_ += double(rows);
        return;
    }
    int64_t per = 1;
    if (sampleWeight->size() == rows) per = 1;
    else if (batch > 0 && sampleWeight->size() == batch && rows % batch == 0) per = rows / batch;
    else
        throw ShapeError("Metric '" + name() + "': sample weights of shape " + sampleWeight->shapeString() +
                         " do not match " + std::to_string(rows) + " values");
    for (int64_t r = 0; r < rows; ++r) {
        double w = (*sampleWeight)[r / per];
        total_ += values[r] * w;
        count_ += w;
    }
}

void Mean::updateState(const Tensor&, const Tensor& yPred, const Tensor* sampleWeight) {
    addRows(yPred.data(), yPred.size(), sampleWeight, yPred.rank() ? yPred.dim(0) : 1);
}

// ---- MeanMetricWrapper --------------------------------------------------------------------------

MeanMetricWrapper::MeanMetricWrapper(std::string name, RowFn fn, MetricDirection direction)
    : Mean(std::move(name)), fn_(std::move(fn)), direction_(direction) {}

MeanMetricWrapper::MeanMetricWrapper(std::string name, MetricDirection direction)
    : Mean(std::move(name)), direction_(direction) {}

void MeanMetricWrapper::rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) {
    if (!fn_) throw ValueError("Metric '" + name() + "' has no function");
    fn_(yTrue, yPred, out);
}

void MeanMetricWrapper::updateState(const Tensor& yTrue, const Tensor& yPred, const Tensor* sampleWeight) {
    rowValues(yTrue, yPred, rows_);
    addRows(rows_.data(), static_cast<int64_t>(rows_.size()), sampleWeight, yPred.rank() >= 2 ? yPred.dim(0) : 1);
}

// ---- accuracy -----------------------------------------------------------------------------------

BinaryAccuracy::BinaryAccuracy(std::string name, double threshold)
    : MeanMetricWrapper(std::move(name), MetricDirection::Up), threshold_(static_cast<float>(threshold)) {}

Json BinaryAccuracy::getConfig() const {
    Json j = Metric::getConfig();
    j["threshold"] = threshold_;
    return j;
}

void BinaryAccuracy::rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) {
    sameElements(*this, yTrue, yPred);
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    out.resize(static_cast<size_t>(rows));
    const float inv = cols ? 1.0f / float(cols) : 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        for (int64_t c = 0; c < cols; ++c) {
            float p = yPred[r * cols + c] > threshold_ ? 1.0f : 0.0f;
            s += (p == yTrue[r * cols + c]) ? 1.0f : 0.0f;
        }
        out[r] = s * inv;
    }
}

CategoricalAccuracy::CategoricalAccuracy(std::string name) : MeanMetricWrapper(std::move(name), MetricDirection::Up) {}

void CategoricalAccuracy::rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) {
    sameElements(*this, yTrue, yPred);
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    out.resize(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r)
        out[r] = argmaxRow(yTrue.data() + r * cols, cols) == argmaxRow(yPred.data() + r * cols, cols) ? 1.0f : 0.0f;
}

SparseCategoricalAccuracy::SparseCategoricalAccuracy(std::string name)
    : MeanMetricWrapper(std::move(name), MetricDirection::Up) {}

void SparseCategoricalAccuracy::rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    if (yTrue.size() != rows)
        throw ShapeError("Metric '" + name() + "': sparse targets of shape " + yTrue.shapeString() +
                         " do not match predictions of shape " + yPred.shapeString());
    out.resize(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r)
        out[r] = float(argmaxRow(yPred.data() + r * cols, cols)) == yTrue[r] ? 1.0f : 0.0f;
}

namespace {
float inTopK(const float* pred, int64_t cols, int64_t target, int k) {
    if (target < 0 || target >= cols) return 0.0f;
    const float v = pred[target];
    if (!std::isfinite(v)) return 0.0f;
    int64_t greater = 0;
    for (int64_t c = 0; c < cols; ++c)
        if (pred[c] > v) ++greater;
    return greater < k ? 1.0f : 0.0f;
}
}  // namespace

TopKCategoricalAccuracy::TopKCategoricalAccuracy(int k, std::string name)
    : MeanMetricWrapper(std::move(name), MetricDirection::Up), k_(k) {}

Json TopKCategoricalAccuracy::getConfig() const {
    Json j = Metric::getConfig();
    j["k"] = k_;
    return j;
}

void TopKCategoricalAccuracy::rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) {
    sameElements(*this, yTrue, yPred);
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    out.resize(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r)
        out[r] = inTopK(yPred.data() + r * cols, cols, argmaxRow(yTrue.data() + r * cols, cols), k_);
}

SparseTopKCategoricalAccuracy::SparseTopKCategoricalAccuracy(int k, std::string name)
    : MeanMetricWrapper(std::move(name), MetricDirection::Up), k_(k) {}

Json SparseTopKCategoricalAccuracy::getConfig() const {
    Json j = Metric::getConfig();
    j["k"] = k_;
    return j;
}

void SparseTopKCategoricalAccuracy::rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    if (yTrue.size() != rows)
        throw ShapeError("Metric '" + name() + "': sparse targets of shape " + yTrue.shapeString() +
                         " do not match predictions of shape " + yPred.shapeString());
    out.resize(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r)
        out[r] = inTopK(yPred.data() + r * cols, cols, static_cast<int64_t>(yTrue[r]), k_);
}

// ---- regression ---------------------------------------------------------------------------------

LossMetric::LossMetric(std::string name, LossPtr loss, std::string className, MetricDirection direction)
    : MeanMetricWrapper(std::move(name), direction), loss_(std::move(loss)), className_(std::move(className)) {}

void LossMetric::rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) {
    loss_->rowValues(yTrue, yPred, out);
}

std::shared_ptr<LossMetric> MeanSquaredErrorMetric(std::string name) {
    return std::make_shared<LossMetric>(std::move(name), std::make_shared<MeanSquaredError>(), "MeanSquaredError");
}
std::shared_ptr<LossMetric> MeanAbsoluteErrorMetric(std::string name) {
    return std::make_shared<LossMetric>(std::move(name), std::make_shared<MeanAbsoluteError>(), "MeanAbsoluteError");
}
std::shared_ptr<LossMetric> MeanAbsolutePercentageErrorMetric(std::string name) {
    return std::make_shared<LossMetric>(std::move(name), std::make_shared<MeanAbsolutePercentageError>(),
                                        "MeanAbsolutePercentageError");
}

void RootMeanSquaredError::updateState(const Tensor& yTrue, const Tensor& yPred, const Tensor* sampleWeight) {
    sameElements(*this, yTrue, yPred);
    const int64_t n = yPred.size();
    if (!sampleWeight) {
        double s = 0;
        for (int64_t i = 0; i < n; ++i) {
            double d = double(yPred[i]) - yTrue[i];
            s += d * d;
        }
        total_ += s;
        count_ += double(n);
        return;
    }
    const int64_t batch = yPred.rank() ? yPred.dim(0) : 1;
    if (batch <= 0 || n % sampleWeight->size() != 0 || sampleWeight->size() > batch * (n / std::max<int64_t>(batch, 1)))
        throw ShapeError("Metric '" + name() + "': sample weights of shape " + sampleWeight->shapeString() +
                         " do not match predictions of shape " + yPred.shapeString());
    const int64_t per = n / sampleWeight->size();
    for (int64_t i = 0; i < n; ++i) {
        double d = double(yPred[i]) - yTrue[i];
        double w = (*sampleWeight)[i / per];
        total_ += d * d * w;
        count_ += w;
    }
}

double RootMeanSquaredError::result() const { return std::sqrt(Mean::result()); }

// ---- Precision / Recall -------------------------------------------------------------------------

Precision::Precision(double threshold, int classId, std::string name)
    : Metric(std::move(name)), threshold_(static_cast<float>(threshold)), classId_(classId) {}

Json Precision::getConfig() const {
    Json j = Metric::getConfig();
    j["thresholds"] = threshold_;
    j["top_k"] = nullptr;
    j["class_id"] = classId_ >= 0 ? Json(classId_) : Json(nullptr);
    return j;
}

void Precision::updateState(const Tensor& yTrue, const Tensor& yPred, const Tensor* sampleWeight) {
    sameElements(*this, yTrue, yPred);
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    if (classId_ >= cols)
        throw ValueError("Metric '" + name() + "': class_id " + std::to_string(classId_) + " out of range for " +
                         std::to_string(cols) + " classes");
    const int64_t batch = yPred.rank() >= 2 ? yPred.dim(0) : 1;
    const int64_t perRow = classId_ >= 0 ? 1 : cols;
    const int64_t values = rows * perRow;
    int64_t per = 1;
    if (sampleWeight) {
        if (sampleWeight->size() == values) per = 1;
        else if (sampleWeight->size() == rows) per = perRow;
        else if (batch > 0 && sampleWeight->size() == batch) per = values / batch;
        else
            throw ShapeError("Metric '" + name() + "': sample weights of shape " + sampleWeight->shapeString() +
                             " do not match predictions of shape " + yPred.shapeString());
    }
    int64_t k = 0;
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
            if (classId_ >= 0 && c != classId_) continue;
            const bool predPos = yPred[r * cols + c] > threshold_;
            const bool truePos = yTrue[r * cols + c] != 0.0f;
            const double w = sampleWeight ? double((*sampleWeight)[k / per]) : 1.0;
            ++k;
            if (predPos && truePos) tp_ += w;
            else if (predPos && !truePos) fp_ += w;
            else if (!predPos && truePos) fn_ += w;
        }
}

double Precision::result() const { return tp_ + fp_ > 0 ? tp_ / (tp_ + fp_) : 0.0; }

Recall::Recall(double threshold, int classId, std::string name) : Precision(threshold, classId, std::move(name)) {}

double Recall::result() const { return tp_ + fn_ > 0 ? tp_ / (tp_ + fn_) : 0.0; }

// ---- AUC ----------------------------------------------------------------------------------------

AUC::AUC(int numThresholds, Curve curve, Summation summation, std::string name, bool fromLogits)
    : Metric(std::move(name)), n_(numThresholds), curve_(curve), summation_(summation), fromLogits_(fromLogits) {
    if (numThresholds <= 1) throw ValueError("AUC: num_thresholds must be > 1, got " + std::to_string(numThresholds));
    resetState();
}

void AUC::resetState() {
    pos_.assign(static_cast<size_t>(n_), 0.0);
    neg_.assign(static_cast<size_t>(n_), 0.0);
}

Json AUC::getConfig() const {
    Json j = Metric::getConfig();
    j["num_thresholds"] = n_;
    j["curve"] = curve_ == Curve::ROC ? "ROC" : "PR";
    j["summation_method"] = summation_ == Summation::Interpolation ? "interpolation"
                            : summation_ == Summation::Minoring    ? "minoring"
                                                                   : "majoring";
    j["multi_label"] = false;
    j["num_labels"] = nullptr;
    j["label_weights"] = nullptr;
    j["from_logits"] = fromLogits_;
    return j;
}

void AUC::updateState(const Tensor& yTrue, const Tensor& yPred, const Tensor* sampleWeight) {
    sameElements(*this, yTrue, yPred);
    const int64_t n = yPred.size();
    int64_t per = 1;
    if (sampleWeight) {
        if (sampleWeight->size() <= 0 || n % sampleWeight->size() != 0)
            throw ShapeError("Metric '" + name() + "': sample weights of shape " + sampleWeight->shapeString() +
                             " do not match predictions of shape " + yPred.shapeString());
        per = n / sampleWeight->size();
    }
    const float scale = float(n_ - 1);
    for (int64_t i = 0; i < n; ++i) {
        float p = yPred[i];
        if (fromLogits_) p = 1.0f / (1.0f + std::exp(-p));
        if (!(p >= 0.0f && p <= 1.0f))
            throw ValueError("Metric '" + name() + "': predictions must be in [0, 1], got " + std::to_string(p) +
                             " at index " + std::to_string(i));
        // Threshold j counts p when p > t_j; t_0 = -eps, t_j = j/(n-1), t_{n-1} = 1+eps.
        int64_t bucket = static_cast<int64_t>(std::ceil(p * scale)) - 1;
        bucket = std::clamp<int64_t>(bucket, 0, n_ - 1);
        const double w = sampleWeight ? double((*sampleWeight)[i / per]) : 1.0;
        if (yTrue[i] != 0.0f) pos_[bucket] += w;
        else neg_[bucket] += w;
    }
}

double AUC::result() const {
    const size_t n = static_cast<size_t>(n_);
    std::vector<double> tp(n), fp(n), fn(n), tn(n);
    double totalPos = 0, totalNeg = 0;
    for (size_t j = 0; j < n; ++j) {
        totalPos += pos_[j];
        totalNeg += neg_[j];
    }
    double cp = 0, cn = 0;
    for (size_t j = n; j-- > 0;) {
        cp += pos_[j];
        cn += neg_[j];
        tp[j] = cp;
        fp[j] = cn;
    }
    tp[n - 1] = fp[n - 1] = 0;  // nothing is above 1 + epsilon
    for (size_t j = 0; j < n; ++j) {
        fn[j] = totalPos - tp[j];
        tn[j] = totalNeg - fp[j];
    }
    auto divNoNan = [](double a, double b) { return b != 0 ? a / b : 0.0; };
    if (curve_ == Curve::PR && summation_ == Summation::Interpolation) {
        // Davis & Goadrich interpolation, as Keras's interpolate_pr_auc.
        double auc = 0;
        for (size_t j = 0; j + 1 < n; ++j) {
            double dtp = tp[j] - tp[j + 1];
            double p0 = tp[j] + fp[j], p1 = tp[j + 1] + fp[j + 1];
            double dp = p0 - p1;
            double slope = divNoNan(dtp, std::max(dp, 0.0));
            double intercept = tp[j + 1] - slope * p1;
            double ratio = (p0 > 0 && p1 > 0) ? divNoNan(p0, std::max(p1, 0.0)) : 1.0;
            auc += divNoNan(slope * (dtp + intercept * std::log(ratio)), std::max(tp[j + 1] + fn[j + 1], 0.0));
        }
        return auc;
    }
    std::vector<double> x(n), y(n);
    for (size_t j = 0; j < n; ++j) {
        double recall = divNoNan(tp[j], tp[j] + fn[j]);
        if (curve_ == Curve::ROC) {
            x[j] = divNoNan(fp[j], fp[j] + tn[j]);
            y[j] = recall;
        } else {
            x[j] = recall;
            y[j] = divNoNan(tp[j], tp[j] + fp[j]);
        }
    }
    double auc = 0;
    for (size_t j = 0; j + 1 < n; ++j) {
        double h = summation_ == Summation::Interpolation ? (y[j] + y[j + 1]) / 2.0
                   : summation_ == Summation::Minoring    ? std::min(y[j], y[j + 1])
                                                          : std::max(y[j], y[j + 1]);
        auc += (x[j] - x[j + 1]) * h;
    }
    return auc;
}

// ---- lookup -------------------------------------------------------------------------------------

namespace {

/// Keras's is_binary_or_sparse_categorical from the shapes of one output.
void classify(const std::vector<int64_t>& yt, const std::vector<int64_t>& yp, bool& binary, bool& sparse) {
    binary = !yp.empty() && yp.back() == 1;
    sparse = !yt.empty() && !yp.empty() &&
             (yt.size() < yp.size() || (yt.back() == 1 && yp.back() > 1));
}

MetricPtr lossMetric(const std::string& lossName, const std::string& metricName) {
    LossPtr loss = makeLoss(lossName);
    return std::make_shared<LossMetric>(metricName, loss, loss->className());
}

const std::map<std::string, std::function<MetricPtr(const std::string& name, const Json& cfg)>>& table() {
    auto num = [](const Json& c, const char* k, double d) { return c.contains(k) && c[k].is_number() ? c[k].get<double>() : d; };
    static const std::map<std::string, std::function<MetricPtr(const std::string&, const Json&)>> t = {
        {"BinaryAccuracy", [num](const std::string& n, const Json& c) { return std::make_shared<BinaryAccuracy>(n, num(c, "threshold", 0.5)); }},
        {"CategoricalAccuracy", [](const std::string& n, const Json&) { return std::make_shared<CategoricalAccuracy>(n); }},
        {"SparseCategoricalAccuracy", [](const std::string& n, const Json&) { return std::make_shared<SparseCategoricalAccuracy>(n); }},
        {"TopKCategoricalAccuracy", [num](const std::string& n, const Json& c) { return std::make_shared<TopKCategoricalAccuracy>(int(num(c, "k", 5)), n); }},
        {"SparseTopKCategoricalAccuracy", [num](const std::string& n, const Json& c) { return std::make_shared<SparseTopKCategoricalAccuracy>(int(num(c, "k", 5)), n); }},
        {"MeanSquaredError", [](const std::string& n, const Json&) { return MeanSquaredErrorMetric(n); }},
        {"MeanAbsoluteError", [](const std::string& n, const Json&) { return MeanAbsoluteErrorMetric(n); }},
        {"MeanAbsolutePercentageError", [](const std::string& n, const Json&) { return MeanAbsolutePercentageErrorMetric(n); }},
        {"RootMeanSquaredError", [](const std::string& n, const Json&) { return std::make_shared<RootMeanSquaredError>(n); }},
        {"Precision", [num](const std::string& n, const Json& c) {
             return std::make_shared<Precision>(num(c, "thresholds", 0.5), int(num(c, "class_id", -1)), n); }},
        {"Recall", [num](const std::string& n, const Json& c) {
             return std::make_shared<Recall>(num(c, "thresholds", 0.5), int(num(c, "class_id", -1)), n); }},
        {"AUC", [num](const std::string& n, const Json& c) {
             AUC::Curve curve = c.value("curve", std::string("ROC")) == "PR" ? AUC::Curve::PR : AUC::Curve::ROC;
             std::string s = c.value("summation_method", std::string("interpolation"));
             AUC::Summation sum = s == "minoring" ? AUC::Summation::Minoring
                                  : s == "majoring" ? AUC::Summation::Majoring : AUC::Summation::Interpolation;
             return std::make_shared<AUC>(int(num(c, "num_thresholds", 200)), curve, sum, n,
                                          c.value("from_logits", false)); }},
        {"Mean", [](const std::string& n, const Json&) { return std::make_shared<Mean>(n); }},
    };
    return t;
}

const std::map<std::string, std::string>& aliases() {
    static const std::map<std::string, std::string> t = {
        {"binary_accuracy", "BinaryAccuracy"},
        {"categorical_accuracy", "CategoricalAccuracy"},
        {"sparse_categorical_accuracy", "SparseCategoricalAccuracy"},
        {"top_k_categorical_accuracy", "TopKCategoricalAccuracy"},
        {"sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy"},
        {"mean_squared_error", "MeanSquaredError"},
        {"mse", "MeanSquaredError"},
        {"MSE", "MeanSquaredError"},
        {"mean_absolute_error", "MeanAbsoluteError"},
        {"mae", "MeanAbsoluteError"},
        {"MAE", "MeanAbsoluteError"},
        {"mean_absolute_percentage_error", "MeanAbsolutePercentageError"},
        {"mape", "MeanAbsolutePercentageError"},
        {"MAPE", "MeanAbsolutePercentageError"},
        {"root_mean_squared_error", "RootMeanSquaredError"},
        {"precision", "Precision"},
        {"recall", "Recall"},
        {"auc", "AUC"},
        {"mean", "Mean"},
    };
    return t;
}

}  // namespace

std::vector<std::string> metricNames() {
    std::vector<std::string> v = {"accuracy", "acc", "crossentropy", "ce"};
    for (const auto& [k, e] : aliases()) v.push_back(k);
    for (const auto& [k, e] : table()) v.push_back(k);
    return v;
}

MetricPtr makeMetric(const Json& identifier, const std::vector<int64_t>& yTrueShape,
                     const std::vector<int64_t>& yPredShape) {
    if (identifier.is_string()) {
        const std::string id = identifier.get<std::string>();
        std::string lower = id;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        bool binary = false, sparse = false;
        classify(yTrueShape, yPredShape, binary, sparse);
        if (lower == "accuracy" || lower == "acc") {
            if (binary) return std::make_shared<BinaryAccuracy>(id);
            if (sparse) return std::make_shared<SparseCategoricalAccuracy>(id);
            return std::make_shared<CategoricalAccuracy>(id);
        }
        if (lower == "crossentropy" || lower == "ce") {
            if (binary) return lossMetric("binary_crossentropy", id);
            if (sparse) return lossMetric("sparse_categorical_crossentropy", id);
            return lossMetric("categorical_crossentropy", id);
        }
        auto a = aliases().find(id);
        if (a != aliases().end()) return table().at(a->second)(id, Json::object());
        auto c = table().find(id);
        if (c != table().end()) {
            // Class names get the class's snake_case default name, like Keras instances.
            for (const auto& [alias, cls] : aliases())
                if (cls == id && alias.find('_') != std::string::npos) return c->second(alias, Json::object());
            return c->second(id == "AUC" ? "auc" : id == "Precision" ? "precision" : id == "Recall" ? "recall"
                                                                     : id == "Mean"   ? "mean"
                                                                                      : id,
                             Json::object());
        }
        // Any loss name is also a metric (keras.metrics.binary_crossentropy, ...).
        try {
            return lossMetric(id, id);
        } catch (const ValueError&) {
        }
        std::string names;
        for (const auto& n : metricNames()) names += (names.empty() ? "" : ", ") + n;
        throw ValueError("unknown metric '" + id + "' (known: " + names + ", and loss names)");
    }
    if (identifier.is_object() && identifier.contains("class_name") && identifier["class_name"].is_string()) {
        const std::string cls = identifier["class_name"].get<std::string>();
        Json cfg = identifier.contains("config") && identifier["config"].is_object() ? identifier["config"] : Json::object();
        auto c = table().find(cls);
        if (c == table().end()) throw ValueError("unknown metric class '" + cls + "'");
        std::string name = cfg.contains("name") && cfg["name"].is_string() ? cfg["name"].get<std::string>() : "";
        if (name.empty()) {
            MetricPtr probe = makeMetric(cls, yTrueShape, yPredShape);
            name = probe->name();
        }
        return c->second(name, cfg);
    }
    throw ValueError("a metric must be a Keras metric name or a {\"class_name\", \"config\"} object, got " +
                     identifier.dump());
}

}  // namespace strata
