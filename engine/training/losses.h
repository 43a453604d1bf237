#pragma once
/// Keras losses (keras/src/losses/losses.py): value and gradient with respect to the predictions.
///
/// Every loss reduces the last axis to one value per row (Keras's `axis=-1`), then reduces the rows
/// with Keras's "sum_over_batch_size" (sum / number of rows) unless another reduction is chosen.
/// Probabilities are clipped to [1e-7, 1 - 1e-7] (keras.backend.epsilon()) like Keras; gradients
/// follow the clip (zero where the clip is active), as automatic differentiation of Keras's formula
/// would. Targets may have the shape of the predictions or drop a trailing 1 (Keras's
/// squeeze_or_expand_to_same_rank); sparse losses take integer class ids of shape yPred[:-1] or
/// yPred[:-1] + (1,).
///
/// `compute` allocates nothing once its scratch buffers have grown to the batch size.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/json.h"
#include "engine/core/tensor.h"

namespace strata {

/// keras.backend.epsilon().
constexpr float kEpsilon = 1e-7f;

enum class Reduction { SumOverBatchSize, Sum, Mean, MeanWithSampleWeight, None };
std::string reductionName(Reduction r);
Reduction parseReduction(const std::string& name);  ///< throws ValueError

class Loss {
public:
    Loss(std::string className, std::string name, Reduction reduction = Reduction::SumOverBatchSize);
    virtual ~Loss();

    const std::string& className() const { return className_; }
    const std::string& name() const { return name_; }
    void setName(std::string name) { name_ = std::move(name); }
    Reduction reduction() const { return reduction_; }

    /// The reduced loss of a batch. If `grad` is given it is resized like `yPred` and receives
    /// d(loss)/d(yPred). `sampleWeight` (optional) has one weight per sample (yPred's first dim)
    /// or one per row. Throws ShapeError/ValueError naming the loss on bad shapes or labels.
    float compute(const Tensor& yTrue, const Tensor& yPred, Tensor* grad = nullptr,
                  const Tensor* sampleWeight = nullptr);
    float operator()(const Tensor& yTrue, const Tensor& yPred) { return compute(yTrue, yPred); }

    /// Unreduced values (Keras reduction=None): one per row, shape yPred.shape[:-1].
    Tensor values(const Tensor& yTrue, const Tensor& yPred);
    /// Unreduced values into `out` (resized to the number of rows); for metric wrappers.
    void rowValues(const Tensor& yTrue, const Tensor& yPred, std::vector<float>& out);

    /// Keras get_config(): name, reduction and the loss's own arguments.
    virtual Json getConfig() const;

protected:
    /// Rows of yPred: everything but the last axis (1 for rank 0/1 predictions).
    static int64_t rowsOf(const Tensor& yPred);
    static int64_t colsOf(const Tensor& yPred);
    /// Checks that yTrue has the elements of yPred (same shape up to a trailing 1).
    void checkSameShape(const Tensor& yTrue, const Tensor& yPred) const;
    /// Validates shapes (default: checkSameShape).
    virtual void checkShapes(const Tensor& yTrue, const Tensor& yPred) const { checkSameShape(yTrue, yPred); }
    /// Fills rowLoss[r] for each row and, if `grad` is not null, grad[r, :] = d rowLoss[r] / d yPred[r, :].
    virtual void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) = 0;
    /// Set by computeRows of losses that drop rows (ignore_class): rowMask_[r] is 1 or 0.
    bool maskActive_ = false;
    std::vector<float> rowMask_;
    [[noreturn]] void fail(const std::string& what) const;

private:
    std::string className_;
    std::string name_;
    Reduction reduction_;
    std::vector<float> rowLoss_;  // scratch
};

using LossPtr = std::shared_ptr<Loss>;

// ---- regression ---------------------------------------------------------------------------------

class MeanSquaredError : public Loss {
public:
    explicit MeanSquaredError(Reduction r = Reduction::SumOverBatchSize, const std::string& name = "mean_squared_error");
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
};

class MeanAbsoluteError : public Loss {
public:
    explicit MeanAbsoluteError(Reduction r = Reduction::SumOverBatchSize, const std::string& name = "mean_absolute_error");
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
};

class MeanAbsolutePercentageError : public Loss {
public:
    explicit MeanAbsolutePercentageError(Reduction r = Reduction::SumOverBatchSize,
                                         const std::string& name = "mean_absolute_percentage_error");
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
};

class MeanSquaredLogarithmicError : public Loss {
public:
    explicit MeanSquaredLogarithmicError(Reduction r = Reduction::SumOverBatchSize,
                                         const std::string& name = "mean_squared_logarithmic_error");
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
};

class Huber : public Loss {
public:
    explicit Huber(double delta = 1.0, Reduction r = Reduction::SumOverBatchSize, const std::string& name = "huber_loss");
    Json getConfig() const override;
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
private:
    double delta_;
};

class LogCosh : public Loss {
public:
    explicit LogCosh(Reduction r = Reduction::SumOverBatchSize, const std::string& name = "log_cosh");
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
};

// ---- probabilistic ------------------------------------------------------------------------------

class BinaryCrossentropy : public Loss {
public:
    explicit BinaryCrossentropy(bool fromLogits = false, double labelSmoothing = 0.0, int axis = -1,
                                Reduction r = Reduction::SumOverBatchSize,
                                const std::string& name = "binary_crossentropy");
    Json getConfig() const override;
    bool fromLogits() const { return fromLogits_; }
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
private:
    bool fromLogits_;
    double labelSmoothing_;
};

class CategoricalCrossentropy : public Loss {
public:
    explicit CategoricalCrossentropy(bool fromLogits = false, double labelSmoothing = 0.0, int axis = -1,
                                     Reduction r = Reduction::SumOverBatchSize,
                                     const std::string& name = "categorical_crossentropy");
    Json getConfig() const override;
    bool fromLogits() const { return fromLogits_; }
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
private:
    bool fromLogits_;
    double labelSmoothing_;
};

class SparseCategoricalCrossentropy : public Loss {
public:
    explicit SparseCategoricalCrossentropy(bool fromLogits = false, std::optional<int64_t> ignoreClass = std::nullopt,
                                           Reduction r = Reduction::SumOverBatchSize,
                                           const std::string& name = "sparse_categorical_crossentropy");
    Json getConfig() const override;
    bool fromLogits() const { return fromLogits_; }
protected:
    void checkShapes(const Tensor& yTrue, const Tensor& yPred) const override;
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
private:
    bool fromLogits_;
    std::optional<int64_t> ignoreClass_;
};

class KLDivergence : public Loss {
public:
    explicit KLDivergence(Reduction r = Reduction::SumOverBatchSize, const std::string& name = "kl_divergence");
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
};

class Poisson : public Loss {
public:
    explicit Poisson(Reduction r = Reduction::SumOverBatchSize, const std::string& name = "poisson");
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
};

// ---- hinge --------------------------------------------------------------------------------------

/// Targets in {0, 1} are converted to {-1, 1} when the whole batch is binary (Keras's
/// convert_binary_labels_to_hinge).
class Hinge : public Loss {
public:
    explicit Hinge(Reduction r = Reduction::SumOverBatchSize, const std::string& name = "hinge");
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
};

class SquaredHinge : public Loss {
public:
    explicit SquaredHinge(Reduction r = Reduction::SumOverBatchSize, const std::string& name = "squared_hinge");
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
};

class CategoricalHinge : public Loss {
public:
    explicit CategoricalHinge(Reduction r = Reduction::SumOverBatchSize, const std::string& name = "categorical_hinge");
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
};

// ---- similarity ---------------------------------------------------------------------------------

/// -sum(l2_normalize(yTrue) * l2_normalize(yPred)) over the last axis.
class CosineSimilarity : public Loss {
public:
    explicit CosineSimilarity(int axis = -1, Reduction r = Reduction::SumOverBatchSize,
                              const std::string& name = "cosine_similarity");
    Json getConfig() const override;
protected:
    void computeRows(const Tensor& yTrue, const Tensor& yPred, float* rowLoss, float* grad) override;
};

// ---- lookup -------------------------------------------------------------------------------------

/// keras.losses.get: a Keras name ("mse", "binary_crossentropy", "BinaryCrossentropy", ...) or a
/// config {"class_name": "BinaryCrossentropy", "config": {"from_logits": true}}. A loss made
/// from a name is named by that name, as compile() does. Throws ValueError listing the names.
LossPtr makeLoss(const Json& identifier);
/// All names makeLoss accepts.
std::vector<std::string> lossNames();

}  // namespace strata
