#pragma once
/// IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed (detected by content),
/// and keras.datasets.fashion_mnist.load_data().
///
/// Values are returned as float32 tensors holding the raw numbers (0..255 for ubyte images); the
/// caller scales them, as with Keras's uint8 arrays. Errors (IoError) name the file and the byte
/// offset where the data went wrong.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/tensor.h"

namespace strata {

/// Reads an IDX file (magic 0 0 type ndims, big-endian dims, big-endian data of type ubyte, sbyte,
/// short, int, float or double). `maxItems` >= 0 reads only the first items along the first dim.
Tensor readIdx(const std::string& path, int64_t maxItems = -1);

/// Writes a ubyte IDX file (plain, or gzip when the path ends in ".gz"); values must be integers in
/// [0, 255]. For tests and small exports.
void writeIdxUbyte(const std::string& path, const Tensor& values);

struct FashionMnist {
    Tensor xTrain;  ///< (60000, 28, 28), raw pixels 0..255
    Tensor yTrain;  ///< (60000,), class ids 0..9
    Tensor xTest;   ///< (10000, 28, 28)
    Tensor yTest;   ///< (10000,)
};

/// The directory loadFashionMnist() reads by default: $STRATA_DATASETS/fashion-mnist if the
/// variable is set, else /usr/share/datasets/fashion-mnist.
std::string defaultFashionMnistDir();

/// keras.datasets.fashion_mnist.load_data() from the four IDX files in `dir`
/// (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-..., t10k-labels-...).
/// `maxTrain` / `maxTest` >= 0 read only the first samples.
FashionMnist loadFashionMnist(const std::string& dir = defaultFashionMnistDir(), int64_t maxTrain = -1,
                              int64_t maxTest = -1);

/// Names of the ten Fashion-MNIST classes ("T-shirt/top", "Trouser", ...).
const std::vector<std::string>& fashionMnistClassNames();

}  // namespace strata
