#include "engine/data/batching.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "engine/core/errors.h"

namespace strata {

Tensor toCategorical(const Tensor& labels, int64_t numClasses) {
    std::vector<int64_t> shape = labels.shape();
    if (shape.size() > 1 && shape.back() == 1) shape.pop_back();
    const int64_t n = labels.size();
    if (numClasses < 0) {
        float m = -1;
        for (int64_t i = 0; i < n; ++i) m = std::max(m, labels[i]);
        numClasses = static_cast<int64_t>(m) + 1;
    }
    shape.push_back(numClasses);
    Tensor out(shape, 0.0f);
    for (int64_t i = 0; i < n; ++i) {
        const float v = labels[i];
        const int64_t k = static_cast<int64_t>(v);
        if (float(k) != v || k < 0 || k >= numClasses)
            throw ValueError("to_categorical: label " + std::to_string(v) + " at index " + std::to_string(i) +
                             " is not a class id in [0, " + std::to_string(numClasses) + ")");
        out[i * numClasses + k] = 1.0f;
    }
    return out;
}

void shuffleIndices(std::vector<int64_t>& order, Rng& rng) {
    for (int64_t i = static_cast<int64_t>(order.size()) - 1; i > 0; --i) {
        const uint64_t r = rng.next();
        const int64_t j = static_cast<int64_t>((static_cast<unsigned __int128>(r) * uint64_t(i + 1)) >> 64);
        std::swap(order[size_t(i)], order[size_t(j)]);
    }
}

std::vector<int64_t> shuffledIndices(int64_t n, Rng& rng) {
    std::vector<int64_t> v(static_cast<size_t>(std::max<int64_t>(n, 0)));
    std::iota(v.begin(), v.end(), int64_t(0));
    shuffleIndices(v, rng);
    return v;
}

namespace {
void resizeRows(const Tensor& src, int64_t count, Tensor& dst) {
    if (src.rank() == 0) throw ShapeError("cannot take rows of a scalar tensor");
    thread_local std::vector<int64_t> shape;
    shape.assign(src.shape().begin(), src.shape().end());
    shape[0] = count;
    dst.resize(shape);
    dst.setDType(src.dtype());
}
}  // namespace

void gatherRows(const Tensor& src, const int64_t* rows, int64_t count, Tensor& dst) {
    resizeRows(src, count, dst);
    const int64_t n = src.dim(0);
    const int64_t row = n ? src.size() / n : 0;
    for (int64_t i = 0; i < count; ++i) {
        if (rows[i] < 0 || rows[i] >= n)
            throw ShapeError("row " + std::to_string(rows[i]) + " out of range for a tensor of shape " + src.shapeString());
        std::memcpy(dst.data() + i * row, src.data() + rows[i] * row, sizeof(float) * size_t(row));
    }
}

void sliceRows(const Tensor& src, int64_t begin, int64_t end, Tensor& dst) {
    if (src.rank() == 0 || begin < 0 || end > src.dim(0) || begin > end)
        throw ShapeError("rows [" + std::to_string(begin) + ", " + std::to_string(end) + ") of tensor " +
                         src.shapeString());
    resizeRows(src, end - begin, dst);
    const int64_t row = src.dim(0) ? src.size() / src.dim(0) : 0;
    std::memcpy(dst.data(), src.data() + begin * row, sizeof(float) * size_t((end - begin) * row));
}

BatchIterator::BatchIterator(std::vector<const Tensor*> arrays, int64_t batchSize, bool shuffle, Rng rng,
                             bool dropRemainder)
    : arrays_(std::move(arrays)), batchSize_(batchSize), shuffle_(shuffle), dropRemainder_(dropRemainder),
      rng_(std::move(rng)) {
    if (batchSize <= 0) throw ValueError("BatchIterator: batch size must be positive");
    if (arrays_.empty()) throw ValueError("BatchIterator: no arrays");
    for (size_t i = 0; i < arrays_.size(); ++i) {
        if (!arrays_[i] || arrays_[i]->rank() == 0)
            throw ValueError("BatchIterator: array " + std::to_string(i) + " has no sample dimension");
        if (i == 0) n_ = arrays_[i]->dim(0);
        else if (arrays_[i]->dim(0) != n_)
            throw ValueError("BatchIterator: array " + std::to_string(i) + " has " + std::to_string(arrays_[i]->dim(0)) +
                             " samples, array 0 has " + std::to_string(n_));
    }
    order_.resize(size_t(n_));
    std::iota(order_.begin(), order_.end(), int64_t(0));
    batch_.resize(arrays_.size());
    index_ = numBatches();  // call reset() to start
}

int64_t BatchIterator::numBatches() const {
    return dropRemainder_ ? n_ / batchSize_ : (n_ + batchSize_ - 1) / batchSize_;
}

void BatchIterator::reset() {
    if (shuffle_) shuffleIndices(order_, rng_);
    index_ = 0;
}

bool BatchIterator::next() {
    if (index_ >= numBatches()) return false;
    const int64_t begin = index_ * batchSize_;
    const int64_t count = std::min(batchSize_, n_ - begin);
    for (size_t i = 0; i < arrays_.size(); ++i) gatherRows(*arrays_[i], order_.data() + begin, count, batch_[i]);
    ++index_;
    return true;
}

}  // namespace strata
