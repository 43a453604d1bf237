#pragma once
/// Dense n-d tensors for computation: float32 storage, row-major, channels-last like Keras.
///
/// Token ids (Embedding inputs) travel in the same storage with dtype Int32: the values are exact
/// integers (|id| < 2^24, which float32 holds exactly) and the dtype tag tells layers and files that
/// they are ids. This keeps one buffer type through the executor and lets Keras's implicit casts
/// (an int32 Input feeding a Dense) cost nothing.
///
/// `resize` keeps the allocation when the new size fits, so buffers reused by the executor stop
/// allocating after the first batch.
#include <Eigen/Core>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/core/shape.h"

namespace strata {

enum class DType { Float32, Int32 };
std::string dtypeName(DType t);               ///< "float32" / "int32"
DType parseDType(const std::string& name);    ///< throws ValueError for anything else

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;
using VectorMap = Eigen::Map<Eigen::VectorXf>;
using ConstVectorMap = Eigen::Map<const Eigen::VectorXf>;

class Tensor {
public:
    Tensor() = default;
    explicit Tensor(std::vector<int64_t> shape, float fill = 0.0f, DType dtype = DType::Float32);
    Tensor(std::vector<int64_t> shape, std::vector<float> values, DType dtype = DType::Float32);
    /// Small tensors for tests: `Tensor::of({2, 2}, {1, 2, 3, 4})`.
    static Tensor of(std::vector<int64_t> shape, std::initializer_list<float> values);
    static Tensor scalar(float v) { return Tensor({}, std::vector<float>{v}); }

    const std::vector<int64_t>& shape() const { return shape_; }
    int rank() const { return static_cast<int>(shape_.size()); }
    /// Dim i; negative counts from the end.
    int64_t dim(int i) const { return shape_.at(i < 0 ? i + rank() : i); }
    int64_t size() const { return static_cast<int64_t>(data_.size()); }
    bool empty() const { return data_.empty() && shape_.empty(); }
    DType dtype() const { return dtype_; }
    void setDType(DType t) { dtype_ = t; }

    float* data() { return data_.data(); }
    const float* data() const { return data_.data(); }
    std::vector<float>& values() { return data_; }
    const std::vector<float>& values() const { return data_; }
    float& operator[](int64_t i) { return data_[static_cast<size_t>(i)]; }
    float operator[](int64_t i) const { return data_[static_cast<size_t>(i)]; }
    /// Element by full index, bounds-checked (for tests and slow paths).
    float& at(std::initializer_list<int64_t> idx);
    float at(std::initializer_list<int64_t> idx) const;

    /// Change the shape; keeps the allocation when it is large enough. Contents are unspecified
    /// unless `fill` is given.
    void resize(const std::vector<int64_t>& shape);
    void resize(const std::vector<int64_t>& shape, float fill);
    void setZero();
    void fill(float v);
    /// Same data, new shape of the same size (throws ShapeError otherwise).
    Tensor reshaped(std::vector<int64_t> shape) const;
    void reshapeInPlace(std::vector<int64_t> shape);

    /// Row-major matrix views. `matrix()` folds all leading dims into rows: (size/last, last).
    MatrixMap matrix();
    ConstMatrixMap matrix() const;
    MatrixMap matrix(int64_t rows, int64_t cols);
    ConstMatrixMap matrix(int64_t rows, int64_t cols) const;
    VectorMap vector() { return VectorMap(data_.data(), size()); }
    ConstVectorMap vector() const { return ConstVectorMap(data_.data(), size()); }

    /// The shape as a Shape (all dims known).
    Shape shapeObj() const { return Shape(shape_); }
    std::string shapeString() const { return shapeObj().toString(); }

    /// Rows [begin, end) along axis 0, copied.
    Tensor slice0(int64_t begin, int64_t end) const;
    /// Gather rows along axis 0 by index.
    Tensor gather0(const std::vector<int64_t>& rows) const;

    bool hasNonFinite() const;

private:
    std::vector<int64_t> shape_;
    std::vector<float> data_;
    DType dtype_ = DType::Float32;
};

int64_t product(const std::vector<int64_t>& dims);
std::string shapeToString(const std::vector<int64_t>& dims);

/// max |a-b| <= atol + rtol*|b| for every element, and equal shapes.
bool allClose(const Tensor& a, const Tensor& b, float rtol = 1e-4f, float atol = 1e-5f);
/// Largest absolute difference (infinity if shapes differ).
float maxAbsDiff(const Tensor& a, const Tensor& b);

using Tensors = std::vector<Tensor>;

}  // namespace strata
