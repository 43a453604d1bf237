#include "engine/core/tensor.h"

#include <cmath>
#include <limits>

#include "engine/core/errors.h"

namespace strata {

std::string dtypeName(DType t) { return t == DType::Int32 ? "int32" : "float32"; }

DType parseDType(const std::string& name) {
    if (name == "float32" || name == "float") return DType::Float32;
    if (name == "int32" || name == "int64" || name == "int" || name == "uint8" || name == "int8" ||
        name == "int16")
        return DType::Int32;
    throw ValueError("unsupported dtype '" + name + "' (expected float32 or int32)");
}

int64_t product(const std::vector<int64_t>& dims) {
    int64_t n = 1;
    for (auto d : dims) n *= d;
    return n;
}

std::string shapeToString(const std::vector<int64_t>& dims) { return Shape(dims).toString(); }

static void checkDims(const std::vector<int64_t>& shape) {
    for (auto d : shape)
        if (d < 0) throw ShapeError("tensor dims must be known and non-negative, got " + shapeToString(shape));
}

Tensor::Tensor(std::vector<int64_t> shape, float fill, DType dtype)
    : shape_(std::move(shape)), dtype_(dtype) {
    checkDims(shape_);
    data_.assign(static_cast<size_t>(product(shape_)), fill);
}

Tensor::Tensor(std::vector<int64_t> shape, std::vector<float> values, DType dtype)
    : shape_(std::move(shape)), data_(std::move(values)), dtype_(dtype) {
    checkDims(shape_);
    if (static_cast<int64_t>(data_.size()) != product(shape_))
        throw ShapeError("tensor of shape " + shapeToString(shape_) + " needs " +
                         std::to_string(product(shape_)) + " values, got " + std::to_string(data_.size()));
}

Tensor Tensor::of(std::vector<int64_t> shape, std::initializer_list<float> values) {
    return Tensor(std::move(shape), std::vector<float>(values));
}

static int64_t flatIndex(const std::vector<int64_t>& shape, std::initializer_list<int64_t> idx) {
    if (idx.size() != shape.size())
        throw ShapeError("index of rank " + std::to_string(idx.size()) + " into tensor of shape " +
                         shapeToString(shape));
    int64_t flat = 0;
    size_t k = 0;
    for (auto i : idx) {
        if (i < 0 || i >= shape[k]) throw ShapeError("index out of range for shape " + shapeToString(shape));
        flat = flat * shape[k] + i;
        ++k;
    }
    return flat;
}

float& Tensor::at(std::initializer_list<int64_t> idx) { return data_[flatIndex(shape_, idx)]; }
float Tensor::at(std::initializer_list<int64_t> idx) const { return data_[flatIndex(shape_, idx)]; }

void Tensor::resize(const std::vector<int64_t>& shape) {
    checkDims(shape);
    if (shape_ != shape) shape_ = shape;
    data_.resize(static_cast<size_t>(product(shape_)));
}

void Tensor::resize(const std::vector<int64_t>& shape, float v) {
    resize(shape);
    fill(v);
}

void Tensor::setZero() { std::fill(data_.begin(), data_.end(), 0.0f); }
void Tensor::fill(float v) { std::fill(data_.begin(), data_.end(), v); }

Tensor Tensor::reshaped(std::vector<int64_t> shape) const {
    Tensor t = *this;
    t.reshapeInPlace(std::move(shape));
    return t;
}

void Tensor::reshapeInPlace(std::vector<int64_t> shape) {
    checkDims(shape);
    if (product(shape) != size())
        throw ShapeError("cannot reshape tensor of shape " + shapeToString(shape_) + " to " + shapeToString(shape));
    shape_ = std::move(shape);
}

MatrixMap Tensor::matrix() {
    int64_t cols = rank() ? shape_.back() : 1;
    int64_t rows = cols ? size() / cols : 0;
    return MatrixMap(data_.data(), rows, cols);
}
ConstMatrixMap Tensor::matrix() const {
    int64_t cols = rank() ? shape_.back() : 1;
    int64_t rows = cols ? size() / cols : 0;
    return ConstMatrixMap(data_.data(), rows, cols);
}
MatrixMap Tensor::matrix(int64_t rows, int64_t cols) {
    if (rows * cols != size()) throw ShapeError("matrix view " + std::to_string(rows) + "x" + std::to_string(cols) +
                                                " of tensor " + shapeString());
    return MatrixMap(data_.data(), rows, cols);
}
ConstMatrixMap Tensor::matrix(int64_t rows, int64_t cols) const {
    if (rows * cols != size()) throw ShapeError("matrix view " + std::to_string(rows) + "x" + std::to_string(cols) +
                                                " of tensor " + shapeString());
    return ConstMatrixMap(data_.data(), rows, cols);
}

Tensor Tensor::slice0(int64_t begin, int64_t end) const {
    if (rank() == 0 || begin < 0 || end > shape_[0] || begin > end)
        throw ShapeError("slice [" + std::to_string(begin) + ", " + std::to_string(end) + ") of tensor " + shapeString());
    auto shape = shape_;
    shape[0] = end - begin;
    int64_t row = shape_[0] ? size() / shape_[0] : 0;
    std::vector<float> v(data_.begin() + begin * row, data_.begin() + end * row);
    return Tensor(std::move(shape), std::move(v), dtype_);
}

Tensor Tensor::gather0(const std::vector<int64_t>& rows) const {
    auto shape = shape_;
    shape[0] = static_cast<int64_t>(rows.size());
    int64_t row = shape_[0] ? size() / shape_[0] : 0;
    Tensor out(shape, 0.0f, dtype_);
    for (size_t i = 0; i < rows.size(); ++i) {
        if (rows[i] < 0 || rows[i] >= shape_[0]) throw ShapeError("gather index out of range");
        std::copy_n(data_.begin() + rows[i] * row, row, out.data_.begin() + static_cast<int64_t>(i) * row);
    }
    return out;
}

bool Tensor::hasNonFinite() const {
    for (float v : data_)
        if (!std::isfinite(v)) return true;
    return false;
}

bool allClose(const Tensor& a, const Tensor& b, float rtol, float atol) {
    if (a.shape() != b.shape()) return false;
    for (int64_t i = 0; i < a.size(); ++i) {
        float x = a[i], y = b[i];
        if (std::isnan(x) || std::isnan(y)) return false;
        if (std::fabs(x - y) > atol + rtol * std::fabs(y)) return false;
    }
    return true;
}

float maxAbsDiff(const Tensor& a, const Tensor& b) {
    if (a.shape() != b.shape()) return std::numeric_limits<float>::infinity();
    float m = 0;
    for (int64_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

}  // namespace strata
