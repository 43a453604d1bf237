#pragma once
/// Shared implementation of the windowed pooling layers (keras/src/layers/pooling/base_pooling.py):
/// MaxPooling1D/2D and AveragePooling1D/2D.
///
/// Keras semantics:
///   - pool_size and strides are tuples of `dims` ints; strides=None means strides = pool_size (the
///     normalized config then holds the tuple, as Keras's get_config does).
///   - padding "valid": out = floor((n - k) / s) + 1 (n < k is an error); "same" (TF rules):
///     out = ceil(n / s), total padding max((out - 1) * s + k - n, 0), the smaller half before.
///   - max pooling ignores padded positions; average pooling divides by the number of valid
///     (non-padded) elements of each window, like tf.nn.avg_pool.
///   - no mask is passed on.
/// 1D layers run through the 2D kernels with a height of 1.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

enum class PoolMode { Max, Average };

class BasePooling : public Layer {
public:
    BasePooling(std::string className, const Json& config, int dims, PoolMode mode);

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    int spatialDims() const { return dims_; }
    PoolMode mode() const { return mode_; }
    const std::vector<int64_t>& poolSize() const { return poolSize_; }
    const std::vector<int64_t>& strides() const { return strides_; }
    bool samePadding() const { return same_; }
    bool channelsFirst() const { return channelsFirst_; }

    /// The LayerSpec shared by the four pooling classes (Keras's constructor arguments).
    static LayerSpec makeSpec(const std::string& className, int dims, PoolMode mode, const std::string& doc);

    /// Everything the kernels need for one input shape (1D: H = OH = kh = sh = 1).
    struct Geometry {
        int64_t B = 0, C = 0, H = 1, W = 0, OH = 1, OW = 0;
        int64_t kh = 1, kw = 1, sh = 1, sw = 1, padTop = 0, padLeft = 0;
        bool channelsFirst = false;
    };

private:
    Geometry geometry(const std::vector<int64_t>& shape) const;
    std::vector<int64_t> outputShape(const Geometry& g) const;

    int dims_;
    PoolMode mode_;
    std::vector<int64_t> poolSize_;
    std::vector<int64_t> strides_;
    bool same_ = false;
    bool channelsFirst_ = false;
};

/// Output length of one spatial dim (kNone stays kNone); throws ShapeError if "valid" and n < k.
int64_t pooledLength(int64_t n, int64_t k, int64_t s, bool same);
/// Padding before the first element for "same" (TF rule), 0 for "valid".
int64_t poolPadBefore(int64_t n, int64_t k, int64_t s, bool same);
/// Normalizes data_format from a config (null -> "channels_last"), writes it back, returns true for
/// channels_first.
bool readDataFormat(Json& cfg);

}  // namespace strata
