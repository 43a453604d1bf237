#include "engine/training/losses.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "engine/core/errors.h"

namespace strata {

namespace {

constexpr float kLog2 = 0.69314718055994530942f;

inline float softplus(float z) { return std::max(z, 0.0f) + std::log1p(std::exp(-std::fabs(z))); }
inline float sigmoid(float x) {
    if (x >= 0) return 1.0f / (1.0f + std::exp(-x));
    float e = std::exp(x);
    return e / (1.0f + e);
}
inline float signOf(float v) { return v > 0 ? 1.0f : (v < 0 ? -1.0f : 0.0f); }

}  // namespace

std::string reductionName(Reduction r) {
    switch (r) {
        case Reduction::SumOverBatchSize: return "sum_over_batch_size";
        case Reduction::Sum: return "sum";
        case Reduction::Mean: return "mean";
        case Reduction::MeanWithSampleWeight: return "mean_with_sample_weight";
        case Reduction::None: return "none";
    }
    return "sum_over_batch_size";
}

Reduction parseReduction(const std::string& name) {
    if (name == "sum_over_batch_size" || name == "auto") return Reduction::SumOverBatchSize;
    if (name == "sum") return Reduction::Sum;
    if (name == "mean") return Reduction::Mean;
    if (name == "mean_with_sample_weight") return Reduction::MeanWithSampleWeight;
    if (name == "none" || name.empty()) return Reduction::None;
    throw ValueError("unknown loss reduction '" + name +
                     "' (expected sum_over_batch_size, sum, mean, mean_with_sample_weight or none)");
}

// ---- Loss base ----------------------------------------------------------------------------------

Loss::Loss(std::string className, std::string name, Reduction reduction)
    : className_(std::move(className)), name_(std::move(name)), reduction_(reduction) {}

Loss::~Loss() = default;

void Loss::fail(const std::string& what) const { throw ValueError("Loss '" + name_ + "': " + what); }

int64_t Loss::rowsOf(const Tensor& yPred) {
    if (yPred.rank() <= 1) return 1;
    int64_t c = yPred.dim(-1);
    return c ? yPred.size() / c : 0;
}

int64_t Loss::colsOf(const Tensor& yPred) {
    if (yPred.rank() == 0) return 1;
    if (yPred.rank() == 1) return yPred.dim(0);
    return yPred.dim(-1);
}

void Loss::checkSameShape(const Tensor& yTrue, const Tensor& yPred) const {
    const auto& a = yTrue.shape();
    const auto& b = yPred.shape();
    if (a == b) return;
    // Keras squeezes or expands a trailing 1 so that ranks agree (compared without copying).
    auto equalIgnoringTrailingOne = [](const std::vector<int64_t>& longer, const std::vector<int64_t>& shorter) {
        return longer.size() == shorter.size() + 1 && longer.back() == 1 &&
               std::equal(shorter.begin(), shorter.end(), longer.begin());
    };
    if (yTrue.size() == yPred.size() && (equalIgnoringTrailingOne(a, b) || equalIgnoringTrailingOne(b, a))) return;
    throw ShapeError("Loss '" + name_ + "': targets of shape " + yTrue.shapeString() +
                     " do not match predictions of shape " + yPred.shapeString());
}

float Loss::compute(const Tensor& yTrue, const Tensor& yPred, Tensor* grad, const Tensor* sampleWeight) {
    if (reduction_ == Reduction::None)
        fail("reduction 'none' gives one value per row; use values() instead of compute()");
    checkShapes(yTrue, yPred);
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    rowLoss_.resize(static_cast<size_t>(rows));
    maskActive_ = false;
    float* g = nullptr;
    if (grad) {
        grad->resize(yPred.shape());
        grad->setDType(DType::Float32);
        g = grad->data();
    }
    computeRows(yTrue, yPred, rowLoss_.data(), g);

    // Per-row weights: sample weights (per sample or per row) and the ignore_class mask, scaled as
    // Keras's apply_mask does so that the mean runs over the valid rows only.
    int64_t perSample = 1;
    if (sampleWeight) {
        int64_t batch = yPred.rank() >= 2 ? yPred.dim(0) : 1;
        if (sampleWeight->size() == rows) perSample = 1;
        else if (batch > 0 && sampleWeight->size() == batch && rows % batch == 0) perSample = rows / batch;
        else
            throw ShapeError("Loss '" + name_ + "': sample weights of shape " + sampleWeight->shapeString() +
                             " do not match predictions of shape " + yPred.shapeString());
    }
    float maskScale = 1.0f;
    if (maskActive_ &&
        (reduction_ == Reduction::SumOverBatchSize || reduction_ == Reduction::Mean)) {
        double valid = 0;
        for (int64_t r = 0; r < rows; ++r) valid += rowMask_[r];
        maskScale = static_cast<float>(double(rows) / (valid + kEpsilon));
    }
    auto weightOf = [&](int64_t r) -> float {
        float w = sampleWeight ? (*sampleWeight)[r / perSample] : 1.0f;
        if (maskActive_) w *= rowMask_[r] * maskScale;
        return w;
    };
    double sum = 0, weightSum = 0;
    const bool weighted = sampleWeight || maskActive_;
    if (weighted) {
        for (int64_t r = 0; r < rows; ++r) {
            float w = weightOf(r);
            sum += double(rowLoss_[r]) * w;
            weightSum += w;
        }
    } else {
        for (int64_t r = 0; r < rows; ++r) sum += rowLoss_[r];
        weightSum = double(rows);
    }
    double denom = 1.0;
    switch (reduction_) {
        case Reduction::Sum: denom = 1.0; break;
        case Reduction::SumOverBatchSize:
        case Reduction::Mean: denom = rows > 0 ? double(rows) : 1.0; break;
        case Reduction::MeanWithSampleWeight: denom = weightSum != 0 ? weightSum : 1.0; break;
        case Reduction::None: break;
    }
    if (g) {
        const float inv = static_cast<float>(1.0 / denom);
        for (int64_t r = 0; r < rows; ++r) {
            float s = weighted ? weightOf(r) * inv : inv;
            float* gr = g + r * cols;
            for (int64_t c = 0; c < cols; ++c) gr[c] *= s;
        }
    }
    if (rows == 0) return 0.0f;
    return static_cast<float>(sum / denom);
}

void Loss::rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out) {
    checkShapes(yTrue, yPred);
    out.resize(static_cast<size_t>(rowsOf(yPred)));
    maskActive_ = false;
    computeRows(yTrue, yPred, out.data(), nullptr);
    if (maskActive_)
        for (size_t r = 0; r < out.size(); ++r) out[r] *= rowMask_[r];
}

Tensor Loss::values(const Tensor& yTrue, const Tensor& yPred) {
    std::vector<float> v;
    rowValues(yTrue, yPred, v);
    std::vector<int64_t> shape = yPred.shape();
    if (!shape.empty()) shape.pop_back();
    return Tensor(shape, std::move(v));
}

Json Loss::getConfig() const { return Json{{"name", name_}, {"reduction", reductionName(reduction_)}}; }

// ---- regression ---------------------------------------------------------------------------------

MeanSquaredError::MeanSquaredError(Reduction r, const std::string& name) : Loss("MeanSquaredError", name, r) {}

void MeanSquaredError::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float* t = yTrue.data();
    const float* p = yPred.data();
    const float invC = cols ? 1.0f / float(cols) : 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        const float* tr = t + r * cols;
        const float* pr = p + r * cols;
        for (int64_t c = 0; c < cols; ++c) {
            float d = pr[c] - tr[c];
            s += d * d;
        }
        rowLoss[r] = s * invC;
        if (grad) {
            float* gr = grad + r * cols;
            const float k = 2.0f * invC;
            for (int64_t c = 0; c < cols; ++c) gr[c] = k * (pr[c] - tr[c]);
        }
    }
}

MeanAbsoluteError::MeanAbsoluteError(Reduction r, const std::string& name) : Loss("MeanAbsoluteError", name, r) {}

void MeanAbsoluteError::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float invC = cols ? 1.0f / float(cols) : 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        for (int64_t c = 0; c < cols; ++c) {
            float d = yPred[r * cols + c] - yTrue[r * cols + c];
            s += std::fabs(d);
            if (grad) grad[r * cols + c] = signOf(d) * invC;
        }
        rowLoss[r] = s * invC;
    }
}

MeanAbsolutePercentageError::MeanAbsolutePercentageError(Reduction r, const std::string& name)
    : Loss("MeanAbsolutePercentageError", name, r) {}

void MeanAbsolutePercentageError::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float invC = cols ? 1.0f / float(cols) : 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        for (int64_t c = 0; c < cols; ++c) {
            float t = yTrue[r * cols + c], p = yPred[r * cols + c];
            float den = std::max(std::fabs(t), kEpsilon);
            s += std::fabs((t - p) / den);
            if (grad) grad[r * cols + c] = 100.0f * invC * signOf(p - t) / den;
        }
        rowLoss[r] = 100.0f * s * invC;
    }
}

MeanSquaredLogarithmicError::MeanSquaredLogarithmicError(Reduction r, const std::string& name)
    : Loss("MeanSquaredLogarithmicError", name, r) {}

void MeanSquaredLogarithmicError::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float invC = cols ? 1.0f / float(cols) : 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        for (int64_t c = 0; c < cols; ++c) {
            float p = yPred[r * cols + c], t = yTrue[r * cols + c];
            float pc = std::max(p, kEpsilon);
            float d = std::log(pc + 1.0f) - std::log(std::max(t, kEpsilon) + 1.0f);
            s += d * d;
            if (grad) grad[r * cols + c] = p >= kEpsilon ? 2.0f * invC * d / (pc + 1.0f) : 0.0f;
        }
        rowLoss[r] = s * invC;
    }
}

Huber::Huber(double delta, Reduction r, const std::string& name) : Loss("Huber", name, r), delta_(delta) {}

Json Huber::getConfig() const {
    Json j = Loss::getConfig();
    j["delta"] = delta_;
    return j;
}

void Huber::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float invC = cols ? 1.0f / float(cols) : 0.0f;
    const float delta = static_cast<float>(delta_);
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        for (int64_t c = 0; c < cols; ++c) {
            float e = yPred[r * cols + c] - yTrue[r * cols + c];
            float a = std::fabs(e);
            if (a <= delta) {
                s += 0.5f * e * e;
                if (grad) grad[r * cols + c] = e * invC;
            } else {
                s += delta * a - 0.5f * delta * delta;
                if (grad) grad[r * cols + c] = delta * signOf(e) * invC;
            }
        }
        rowLoss[r] = s * invC;
    }
}

LogCosh::LogCosh(Reduction r, const std::string& name) : Loss("LogCosh", name, r) {}

void LogCosh::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float invC = cols ? 1.0f / float(cols) : 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        for (int64_t c = 0; c < cols; ++c) {
            float x = yPred[r * cols + c] - yTrue[r * cols + c];
            s += x + softplus(-2.0f * x) - kLog2;
            if (grad) grad[r * cols + c] = std::tanh(x) * invC;
        }
        rowLoss[r] = s * invC;
    }
}

// ---- probabilistic ------------------------------------------------------------------------------

BinaryCrossentropy::BinaryCrossentropy(bool fromLogits, double labelSmoothing, int axis, Reduction r,
                                       const std::string& name)
    : Loss("BinaryCrossentropy", name, r), fromLogits_(fromLogits), labelSmoothing_(labelSmoothing) {
    if (axis != -1) throw NotSupportedError("BinaryCrossentropy: only axis=-1 is supported");
    if (labelSmoothing < 0 || labelSmoothing > 1) fail("label_smoothing must be in [0, 1]");
}

Json BinaryCrossentropy::getConfig() const {
    Json j = Loss::getConfig();
    j["from_logits"] = fromLogits_;
    j["label_smoothing"] = labelSmoothing_;
    j["axis"] = -1;
    return j;
}

void BinaryCrossentropy::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float invC = cols ? 1.0f / float(cols) : 0.0f;
    const float ls = static_cast<float>(labelSmoothing_);
    const float hi = 1.0f - kEpsilon;
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        for (int64_t c = 0; c < cols; ++c) {
            const int64_t i = r * cols + c;
            float t = yTrue[i];
            if (ls != 0.0f) t = t * (1.0f - ls) + 0.5f * ls;
            const float x = yPred[i];
            if (fromLogits_) {
                // -t*log_sigmoid(x) - (1-t)*log_sigmoid(-x)
                s += t * softplus(-x) + (1.0f - t) * softplus(x);
                if (grad) grad[i] = (sigmoid(x) - t) * invC;
            } else {
                float p = std::clamp(x, kEpsilon, hi);
                s += -(t * std::log(p) + (1.0f - t) * std::log(1.0f - p));
                if (grad) grad[i] = (x >= kEpsilon && x <= hi) ? (-t / p + (1.0f - t) / (1.0f - p)) * invC : 0.0f;
            }
        }
        rowLoss[r] = s * invC;
    }
}

CategoricalCrossentropy::CategoricalCrossentropy(bool fromLogits, double labelSmoothing, int axis, Reduction r,
                                                 const std::string& name)
    : Loss("CategoricalCrossentropy", name, r), fromLogits_(fromLogits), labelSmoothing_(labelSmoothing) {
    if (axis != -1) throw NotSupportedError("CategoricalCrossentropy: only axis=-1 is supported");
    if (labelSmoothing < 0 || labelSmoothing > 1) fail("label_smoothing must be in [0, 1]");
}

Json CategoricalCrossentropy::getConfig() const {
    Json j = Loss::getConfig();
    j["from_logits"] = fromLogits_;
    j["label_smoothing"] = labelSmoothing_;
    j["axis"] = -1;
    return j;
}

namespace {

/// Crossentropy of one row of probabilities/logits against target weights `target(c)`.
/// Probabilities: normalised to sum 1, clipped, -sum t log p. Logits: log_softmax.
template <class TargetFn>
float crossentropyRow(const float* x, int64_t cols, bool fromLogits, TargetFn target, float* grad) {
    if (fromLogits) {
        float m = x[0];
        for (int64_t c = 1; c < cols; ++c) m = std::max(m, x[c]);
        double z = 0;
        for (int64_t c = 0; c < cols; ++c) z += std::exp(double(x[c] - m));
        const float lse = m + static_cast<float>(std::log(z));
        float s = 0, tsum = 0;
        for (int64_t c = 0; c < cols; ++c) {
            float t = target(c);
            if (t != 0.0f) s -= t * (x[c] - lse);
            tsum += t;
        }
        if (grad)
            for (int64_t c = 0; c < cols; ++c) grad[c] = std::exp(x[c] - lse) * tsum - target(c);
        return s;
    }
    float sum = 0;
    for (int64_t c = 0; c < cols; ++c) sum += x[c];
    const float hi = 1.0f - kEpsilon;
    float s = 0;
    double gq = 0;  // sum_i g_i q_i for the normalisation's gradient
    for (int64_t c = 0; c < cols; ++c) {
        const float q = x[c] / sum;
        const float p = std::clamp(q, kEpsilon, hi);
        const float t = target(c);
        if (t != 0.0f) s -= t * std::log(p);
        if (grad) {
            float gc = (q >= kEpsilon && q <= hi) ? -t / p : 0.0f;
            grad[c] = gc;
            gq += double(gc) * q;
        }
    }
    if (grad) {
        const float inv = 1.0f / sum;
        for (int64_t c = 0; c < cols; ++c) grad[c] = (grad[c] - static_cast<float>(gq)) * inv;
    }
    return s;
}

}  // namespace

void CategoricalCrossentropy::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float ls = static_cast<float>(labelSmoothing_);
    const float lsAdd = cols ? ls / float(cols) : 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
        const float* t = yTrue.data() + r * cols;
        auto target = [&](int64_t c) { return ls != 0.0f ? t[c] * (1.0f - ls) + lsAdd : t[c]; };
        rowLoss[r] = crossentropyRow(yPred.data() + r * cols, cols, fromLogits_, target, grad ? grad + r * cols : nullptr);
    }
}

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(bool fromLogits, std::optional<int64_t> ignoreClass,
                                                             Reduction r, const std::string& name)
    : Loss("SparseCategoricalCrossentropy", name, r), fromLogits_(fromLogits), ignoreClass_(ignoreClass) {}

Json SparseCategoricalCrossentropy::getConfig() const {
    Json j = Loss::getConfig();
    j["from_logits"] = fromLogits_;
    j["ignore_class"] = ignoreClass_ ? Json(*ignoreClass_) : Json(nullptr);
    return j;
}

void SparseCategoricalCrossentropy::checkShapes(const Tensor& yTrue, const Tensor& yPred) const {
    if (yPred.rank() < 1)
        throw ShapeError("Loss '" + name() + "': predictions must have a class axis, got shape " + yPred.shapeString());
    const auto& p = yPred.shape();
    const auto& t = yTrue.shape();
    size_t tr = t.size();
    if (tr == p.size() && tr > 0 && t.back() == 1) --tr;  // (batch, 1) labels
    if (tr != p.size() - 1 || !std::equal(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(tr), p.begin())) {
        std::vector<int64_t> want(p.begin(), p.end() - 1);
        throw ShapeError("Loss '" + name() + "': sparse targets of shape " + yTrue.shapeString() +
                         " do not match predictions of shape " + yPred.shapeString() + " (expected " +
                         shapeToString(want) + " class ids)");
    }
}

void SparseCategoricalCrossentropy::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    if (ignoreClass_) {
        maskActive_ = true;
        rowMask_.resize(static_cast<size_t>(rows));
    }
    for (int64_t r = 0; r < rows; ++r) {
        const float label = yTrue[r];
        float* g = grad ? grad + r * cols : nullptr;
        if (ignoreClass_ && label == float(*ignoreClass_)) {
            rowMask_[r] = 0.0f;
            rowLoss[r] = 0.0f;
            if (g) std::fill(g, g + cols, 0.0f);
            continue;
        }
        if (ignoreClass_) rowMask_[r] = 1.0f;
        const int64_t k = static_cast<int64_t>(label);
        if (float(k) != label || k < 0 || k >= cols)
            fail("label " + std::to_string(label) + " at row " + std::to_string(r) + " is not a class id in [0, " +
                 std::to_string(cols) + ")");
        auto target = [k](int64_t c) { return c == k ? 1.0f : 0.0f; };
        rowLoss[r] = crossentropyRow(yPred.data() + r * cols, cols, fromLogits_, target, g);
    }
}

KLDivergence::KLDivergence(Reduction r, const std::string& name) : Loss("KLDivergence", name, r) {}

void KLDivergence::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        for (int64_t c = 0; c < cols; ++c) {
            const int64_t i = r * cols + c;
            float t = std::clamp(yTrue[i], kEpsilon, 1.0f);
            float p = std::clamp(yPred[i], kEpsilon, 1.0f);
            s += t * std::log(t / p);
            if (grad) grad[i] = (yPred[i] >= kEpsilon && yPred[i] <= 1.0f) ? -t / p : 0.0f;
        }
        rowLoss[r] = s;
    }
}

Poisson::Poisson(Reduction r, const std::string& name) : Loss("Poisson", name, r) {}

void Poisson::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float invC = cols ? 1.0f / float(cols) : 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        for (int64_t c = 0; c < cols; ++c) {
            const int64_t i = r * cols + c;
            float p = yPred[i], t = yTrue[i];
            s += p - t * std::log(p + kEpsilon);
            if (grad) grad[i] = (1.0f - t / (p + kEpsilon)) * invC;
        }
        rowLoss[r] = s * invC;
    }
}

// ---- hinge --------------------------------------------------------------------------------------

namespace {
/// Keras's convert_binary_labels_to_hinge: {0,1} -> {-1,1} when every target is 0 or 1.
bool binaryLabels(const Tensor& yTrue) {
    for (float v : yTrue.values())
        if (v != 0.0f && v != 1.0f) return false;
    return true;
}
}  // namespace

Hinge::Hinge(Reduction r, const std::string& name) : Loss("Hinge", name, r) {}

void Hinge::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float invC = cols ? 1.0f / float(cols) : 0.0f;
    const bool convert = binaryLabels(yTrue);
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        for (int64_t c = 0; c < cols; ++c) {
            const int64_t i = r * cols + c;
            float t = convert ? 2.0f * yTrue[i] - 1.0f : yTrue[i];
            float m = 1.0f - t * yPred[i];
            s += std::max(m, 0.0f);
            if (grad) grad[i] = m > 0 ? -t * invC : 0.0f;
        }
        rowLoss[r] = s * invC;
    }
}

SquaredHinge::SquaredHinge(Reduction r, const std::string& name) : Loss("SquaredHinge", name, r) {}

void SquaredHinge::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float invC = cols ? 1.0f / float(cols) : 0.0f;
    const bool convert = binaryLabels(yTrue);
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0;
        for (int64_t c = 0; c < cols; ++c) {
            const int64_t i = r * cols + c;
            float t = convert ? 2.0f * yTrue[i] - 1.0f : yTrue[i];
            float m = std::max(1.0f - t * yPred[i], 0.0f);
            s += m * m;
            if (grad) grad[i] = -2.0f * t * m * invC;
        }
        rowLoss[r] = s * invC;
    }
}

CategoricalHinge::CategoricalHinge(Reduction r, const std::string& name) : Loss("CategoricalHinge", name, r) {}

void CategoricalHinge::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    for (int64_t r = 0; r < rows; ++r) {
        const float* t = yTrue.data() + r * cols;
        const float* p = yPred.data() + r * cols;
        float pos = 0, neg = -INFINITY;
        int64_t arg = 0;
        for (int64_t c = 0; c < cols; ++c) {
            pos += t[c] * p[c];
            float v = (1.0f - t[c]) * p[c];
            if (v > neg) {
                neg = v;
                arg = c;
            }
        }
        float m = neg - pos + 1.0f;
        rowLoss[r] = std::max(m, 0.0f);
        if (grad) {
            float* g = grad + r * cols;
            for (int64_t c = 0; c < cols; ++c) g[c] = m > 0 ? -t[c] + (c == arg ? 1.0f - t[c] : 0.0f) : 0.0f;
        }
    }
}

// ---- similarity ---------------------------------------------------------------------------------

CosineSimilarity::CosineSimilarity(int axis, Reduction r, const std::string& name)
    : Loss("CosineSimilarity", name, r) {
    if (axis != -1) throw NotSupportedError("CosineSimilarity: only axis=-1 is supported");
}

Json CosineSimilarity::getConfig() const {
    Json j = Loss::getConfig();
    j["axis"] = -1;
    return j;
}

void CosineSimilarity::computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) {
    const int64_t rows = rowsOf(yPred), cols = colsOf(yPred);
    const float invEps = 1.0f / kEpsilon;
    for (int64_t r = 0; r < rows; ++r) {
        const float* t = yTrue.data() + r * cols;
        const float* p = yPred.data() + r * cols;
        double st = 0, sp = 0, stp = 0;
        for (int64_t c = 0; c < cols; ++c) {
            st += double(t[c]) * t[c];
            sp += double(p[c]) * p[c];
            stp += double(t[c]) * p[c];
        }
        // Keras's normalize: x * min(rsqrt(sum x^2), 1/epsilon)
        const float rt = st > 0 ? std::min(static_cast<float>(1.0 / std::sqrt(st)), invEps) : invEps;
        const bool pClamped = !(sp > 0) || 1.0 / std::sqrt(sp) >= invEps;
        const float rp = pClamped ? invEps : static_cast<float>(1.0 / std::sqrt(sp));
        const float dot = static_cast<float>(stp) * rt * rp;  // a . b
        rowLoss[r] = -dot;
        if (grad) {
            float* g = grad + r * cols;
            for (int64_t c = 0; c < cols; ++c) {
                const float a = t[c] * rt;
                const float b = p[c] * rp;
                g[c] = pClamped ? -a * rp : -rp * (a - b * dot);
            }
        }
    }
}

// ---- lookup -------------------------------------------------------------------------------------

namespace {

using Factory = std::function<LossPtr(const Json& cfg, const std::string& name)>;

Reduction reductionOf(const Json& cfg) {
    if (cfg.contains("reduction") && cfg["reduction"].is_string()) return parseReduction(cfg["reduction"]);
    if (cfg.contains("reduction") && cfg["reduction"].is_null()) return Reduction::None;
    return Reduction::SumOverBatchSize;
}
bool boolOf(const Json& cfg, const char* key, bool def) {
    return cfg.contains(key) && cfg[key].is_boolean() ? cfg[key].get<bool>() : def;
}
double numOf(const Json& cfg, const char* key, double def) {
    return cfg.contains(key) && cfg[key].is_number() ? cfg[key].get<double>() : def;
}
int axisOf(const Json& cfg) { return cfg.contains("axis") && cfg["axis"].is_number_integer() ? cfg["axis"].get<int>() : -1; }

struct Entry {
    std::string defaultName;
    Factory make;
};

const std::map<std::string, Entry>& classTable() {
    static const std::map<std::string, Entry> t = {
        {"MeanSquaredError", {"mean_squared_error", [](const Json& c, const std::string& n) {
             return std::make_shared<MeanSquaredError>(reductionOf(c), n); }}},
        {"MeanAbsoluteError", {"mean_absolute_error", [](const Json& c, const std::string& n) {
             return std::make_shared<MeanAbsoluteError>(reductionOf(c), n); }}},
        {"MeanAbsolutePercentageError", {"mean_absolute_percentage_error", [](const Json& c, const std::string& n) {
             return std::make_shared<MeanAbsolutePercentageError>(reductionOf(c), n); }}},
        {"MeanSquaredLogarithmicError", {"mean_squared_logarithmic_error", [](const Json& c, const std::string& n) {
             return std::make_shared<MeanSquaredLogarithmicError>(reductionOf(c), n); }}},
        {"Huber", {"huber_loss", [](const Json& c, const std::string& n) {
             return std::make_shared<Huber>(numOf(c, "delta", 1.0), reductionOf(c), n); }}},
        {"LogCosh", {"log_cosh", [](const Json& c, const std::string& n) {
             return std::make_shared<LogCosh>(reductionOf(c), n); }}},
        {"BinaryCrossentropy", {"binary_crossentropy", [](const Json& c, const std::string& n) {
             return std::make_shared<BinaryCrossentropy>(boolOf(c, "from_logits", false), numOf(c, "label_smoothing", 0.0),
                                                         axisOf(c), reductionOf(c), n); }}},
        {"CategoricalCrossentropy", {"categorical_crossentropy", [](const Json& c, const std::string& n) {
             return std::make_shared<CategoricalCrossentropy>(boolOf(c, "from_logits", false),
                                                              numOf(c, "label_smoothing", 0.0), axisOf(c),
                                                              reductionOf(c), n); }}},
        {"SparseCategoricalCrossentropy", {"sparse_categorical_crossentropy", [](const Json& c, const std::string& n) {
             std::optional<int64_t> ignore;
             if (c.contains("ignore_class") && c["ignore_class"].is_number_integer()) ignore = c["ignore_class"].get<int64_t>();
             return std::make_shared<SparseCategoricalCrossentropy>(boolOf(c, "from_logits", false), ignore,
                                                                    reductionOf(c), n); }}},
        {"KLDivergence", {"kl_divergence", [](const Json& c, const std::string& n) {
             return std::make_shared<KLDivergence>(reductionOf(c), n); }}},
        {"Poisson", {"poisson", [](const Json& c, const std::string& n) {
             return std::make_shared<Poisson>(reductionOf(c), n); }}},
        {"Hinge", {"hinge", [](const Json& c, const std::string& n) {
             return std::make_shared<Hinge>(reductionOf(c), n); }}},
        {"SquaredHinge", {"squared_hinge", [](const Json& c, const std::string& n) {
             return std::make_shared<SquaredHinge>(reductionOf(c), n); }}},
        {"CategoricalHinge", {"categorical_hinge", [](const Json& c, const std::string& n) {
             return std::make_shared<CategoricalHinge>(reductionOf(c), n); }}},
        {"CosineSimilarity", {"cosine_similarity", [](const Json& c, const std::string& n) {
             return std::make_shared<CosineSimilarity>(axisOf(c), reductionOf(c), n); }}},
    };
    return t;
}

/// Function names (and Keras's legacy aliases) -> class.
const std::map<std::string, std::string>& functionTable() {
    static const std::map<std::string, std::string> t = {
        {"mean_squared_error", "MeanSquaredError"},
        {"mse", "MeanSquaredError"},
        {"MSE", "MeanSquaredError"},
        {"mean_absolute_error", "MeanAbsoluteError"},
        {"mae", "MeanAbsoluteError"},
        {"MAE", "MeanAbsoluteError"},
        {"mean_absolute_percentage_error", "MeanAbsolutePercentageError"},
        {"mape", "MeanAbsolutePercentageError"},
        {"MAPE", "MeanAbsolutePercentageError"},
        {"mean_squared_logarithmic_error", "MeanSquaredLogarithmicError"},
        {"msle", "MeanSquaredLogarithmicError"},
        {"MSLE", "MeanSquaredLogarithmicError"},
        {"huber", "Huber"},
        {"huber_loss", "Huber"},
        {"log_cosh", "LogCosh"},
        {"logcosh", "LogCosh"},
        {"binary_crossentropy", "BinaryCrossentropy"},
        {"bce", "BinaryCrossentropy"},
        {"BCE", "BinaryCrossentropy"},
        {"categorical_crossentropy", "CategoricalCrossentropy"},
        {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"},
        {"kl_divergence", "KLDivergence"},
        {"kld", "KLDivergence"},
        {"KLD", "KLDivergence"},
        {"kullback_leibler_divergence", "KLDivergence"},
        {"poisson", "Poisson"},
        {"hinge", "Hinge"},
        {"squared_hinge", "SquaredHinge"},
        {"categorical_hinge", "CategoricalHinge"},
        {"cosine_similarity", "CosineSimilarity"},
    };
    return t;
}

}  // namespace

std::vector<std::string> lossNames() {
    std::vector<std::string> v;
    for (const auto& [k, e] : functionTable()) v.push_back(k);
    for (const auto& [k, e] : classTable()) v.push_back(k);
    return v;
}

LossPtr makeLoss(const Json& identifier) {
    auto unknown = [](const std::string& what) -> ValueError {
        std::string names;
        for (const auto& [k, e] : functionTable()) names += (names.empty() ? "" : ", ") + k;
        return ValueError("unknown loss " + what + " (known: " + names + ", and the class names)");
    };
    if (identifier.is_string()) {
        const std::string name = identifier.get<std::string>();
        auto f = functionTable().find(name);
        if (f != functionTable().end()) return classTable().at(f->second).make(Json::object(), name);
        auto c = classTable().find(name);
        if (c != classTable().end()) return c->second.make(Json::object(), c->second.defaultName);
        throw unknown("'" + name + "'");
    }
    if (identifier.is_object() && identifier.contains("class_name") && identifier["class_name"].is_string()) {
        std::string cls = identifier["class_name"].get<std::string>();
        Json cfg = identifier.contains("config") && identifier["config"].is_object() ? identifier["config"] : Json::object();
        auto c = classTable().find(cls);
        if (c == classTable().end()) {
            auto f = functionTable().find(cls);
            if (f == functionTable().end()) throw unknown("class '" + cls + "'");
            c = classTable().find(f->second);
        }
        std::string name = cfg.contains("name") && cfg["name"].is_string() ? cfg["name"].get<std::string>()
                                                                            : c->second.defaultName;
        return c->second.make(cfg, name);
    }
    throw ValueError("a loss must be a Keras loss name or a {\"class_name\", \"config\"} object, got " +
                     identifier.dump());
}

}  // namespace strata
