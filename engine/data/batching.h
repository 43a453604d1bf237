#pragma once
/// Batching helpers for custom training loops: seeded shuffling, batches of rows of several arrays
/// gathered into reusable buffers, keras.utils.to_categorical, and row slicing.
#include <cstdint>
#include <vector>

#include "engine/core/random.h"
#include "engine/core/tensor.h"

namespace strata {

/// keras.utils.to_categorical: one-hot rows for integer labels; a trailing dim of 1 is dropped.
/// numClasses < 0: max label + 1. Throws ValueError naming a label that is not a valid class id.
Tensor toCategorical(const Tensor& labels, int64_t numClasses = -1);

/// 0..n-1 in a random order drawn from `rng` (Fisher-Yates, the same on every platform).
std::vector<int64_t> shuffledIndices(int64_t n, Rng& rng);
void shuffleIndices(std::vector<int64_t>& indices, Rng& rng);

/// Copies rows `rows[0..count)` of `src` into `dst` (resized; keeps its allocation when it fits).
void gatherRows(const Tensor& src, const int64_t* rows, int64_t count, Tensor& dst);
/// Copies rows [begin, end) of `src` into `dst`.
void sliceRows(const Tensor& src, int64_t begin, int64_t end, Tensor& dst);

/// Iterates over batches of rows of several arrays with the same first dim, reshuffling each
/// epoch if asked; batches are written into reusable tensors.
///
///   BatchIterator it({&x, &y}, 128, true, Rng(42));
///   for (int epoch = 0; epoch < 3; ++epoch) { it.reset(); while (it.next()) use(it.batch()[0], it.batch()[1]); }
class BatchIterator {
public:
    BatchIterator(std::vector<const Tensor*> arrays, int64_t batchSize, bool shuffle = true, Rng rng = Rng(1337),
                  bool dropRemainder = false);
    /// Starts a new epoch (reshuffles when shuffling).
    void reset();
    /// Fills batch(); false at the end of the epoch.
    bool next();
    const std::vector<Tensor>& batch() const { return batch_; }
    int64_t numBatches() const;
    int64_t numSamples() const { return n_; }
    /// Index of the batch last returned by next().
    int64_t batchIndex() const { return index_ - 1; }

private:
    std::vector<const Tensor*> arrays_;
    int64_t batchSize_, n_ = 0;
    bool shuffle_, dropRemainder_;
    Rng rng_;
    std::vector<int64_t> order_;
    int64_t index_ = 0;
    std::vector<Tensor> batch_;
};

}  // namespace strata
