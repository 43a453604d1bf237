#pragma once
/// Shared machinery of the convolution layers: Keras's padding/output-size arithmetic, the settings
/// common to every conv layer, and the compute kernels (im2col + Eigen GEMM for dense/grouped
/// convolutions, direct loops for depthwise ones) on channels-last (NHWC) buffers.
///
/// Every kernel works on one "2-D" geometry; 1-D convolutions use height 1. Channels-first layers
/// transpose to channels-last around the kernels. Kernels split the batch over a small persistent
/// thread pool (numThreads()) and keep their scratch buffers in a Workspace, which layers hold in
/// their LayerCache so that steady-state calls do not allocate.
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/core/json.h"
#include "engine/core/parallel.h"
#include "engine/core/shape.h"
#include "engine/layers/layer_spec.h"

namespace strata::conv {

// The thread pool lives in engine/core/parallel.h; the conv kernels use it under these names.
using strata::FunctionRef;
using strata::numThreads;
using strata::parallelFor;
using strata::partsFor;
using strata::setNumThreads;

// ---- Keras padding arithmetic -------------------------------------------------------------------

enum class Padding { Valid, Same, Causal };
Padding parsePadding(const std::string& s);
std::string paddingName(Padding p);

inline int64_t effectiveKernel(int64_t k, int64_t dilation) { return (k - 1) * dilation + 1; }
/// Keras's compute_conv_output_shape for one spatial dim: kNone stays kNone; "valid" may return
/// a value <= 0 (the caller reports it).
int64_t convOutputLength(int64_t in, int64_t k, int64_t stride, int64_t dilation, Padding p);
/// Padding before (top/left) of a forward convolution: TF's "same" puts the extra pad after;
/// "causal" pads dilation*(k-1) before.
int64_t convPadBefore(int64_t in, int64_t k, int64_t stride, int64_t dilation, Padding p);
/// Keras's compute_conv_transpose_output_shape for one dim. outputPadding < 0 means None.
int64_t transposeOutputLength(int64_t in, int64_t k, int64_t stride, int64_t dilation, Padding p,
                              int64_t outputPadding);
/// How many leading positions of the "full" transposed convolution ((in-1)*s + k_eff long) are
/// cropped: output[o] = full[o + crop] (zero outside). From Keras's JAX padding conversion, which
/// agrees with TF's conv2d_transpose.
int64_t transposeCrop(int64_t k, int64_t stride, int64_t dilation, Padding p, int64_t outputPadding);

// ---- settings shared by the conv layers ---------------------------------------------------------

struct Settings {
    int rank = 2;
    std::vector<int64_t> kernel, strides, dilation;
    Padding padding = Padding::Valid;
    bool channelsFirst = false;
};

/// Reads kernel_size, strides, padding, data_format and dilation_rate from a normalized config
/// and validates them like Keras (positive sizes, not strides > 1 with dilation > 1, causal only
/// for rank 1 when allowCausal). Throws ConfigError naming the class and the key.
Settings readSettings(const std::string& cls, const Json& cfg, int rank, bool allowCausal);

/// Removes Keras 2's `groups` key from configs of layers that have no groups in Keras 3
/// (Keras 2 wrote groups=1 for Conv2DTranspose, DepthwiseConv2D, SeparableConv2D).
void dropLegacyGroups(const std::string& cls, Json& cfg);

/// "(batch, rows, cols, channels)" and the like, for error messages.
std::string layoutText(const Settings& s);
/// Checks the rank of input `index` (ShapeError "input 0: expected rank 4 ... got shape ...").
void checkRank(const Shape& in, const Settings& s, int index = 0);
int64_t channelsOf(const std::vector<int64_t>& dims, const Settings& s);
std::vector<int64_t> spatialOf(const std::vector<int64_t>& dims, const Settings& s);
/// Builds (batch, spatial..., channels) or (batch, channels, spatial...).
std::vector<int64_t> assembleShape(int64_t batch, const std::vector<int64_t>& spatial, int64_t channels,
                                   const Settings& s);
/// Output spatial dims of a forward conv; ShapeError if a known dim would be <= 0.
std::vector<int64_t> convOutputSpatial(const std::vector<int64_t>& inDims, const Settings& s, int index = 0);
/// Output spatial dims of a transposed conv.
std::vector<int64_t> transposeOutputSpatial(const std::vector<int64_t>& inDims, const Settings& s,
                                            const std::vector<int64_t>& outputPadding);

/// LayerSpec parameters shared by the conv layers (Keras names, defaults and docs).
ParamSpec filtersParam();
ParamSpec kernelSizeParam(int rank);
ParamSpec stridesParam(int rank);
ParamSpec paddingParam(bool allowCausal);
ParamSpec dataFormatParam();
ParamSpec dilationParam(int rank);
/// "32 · 3×3 · relu" for the node text.
std::string brief(const Json& c, const std::string& countKey);

// ---- compute kernels (channels-last) ------------------------------------------------------------

/// One convolution in NHWC layout. A 1-D convolution has inH = outH = kH = 1.
struct Geometry {
    int64_t batch = 0;
    int64_t inH = 1, inW = 1, inC = 0;
    int64_t outH = 1, outW = 1, outC = 0;
    int64_t kH = 1, kW = 1;
    int64_t strideH = 1, strideW = 1, dilH = 1, dilW = 1;
    int64_t padTop = 0, padLeft = 0;  ///< pads after are implicit (out-of-range reads are zeros)
    int64_t groups = 1;

    int64_t groupInC() const { return inC / groups; }
    int64_t groupOutC() const { return outC / groups; }
    int64_t patch() const { return kH * kW * groupInC(); }  ///< rows of the kernel matrix of a group
    int64_t inPixels() const { return inH * inW; }
    int64_t outPixels() const { return outH * outW; }
    /// 1x1 kernel, stride 1, no padding: the input is already the im2col matrix.
    bool pointwise() const;
};

/// Builds the geometry of a forward conv from settings and a channels-last input's dims
/// (batch, spatial..., channels). The output size must have been validated.
Geometry forwardGeometry(const Settings& s, int64_t batch, const std::vector<int64_t>& inSpatial, int64_t inC,
                         int64_t outC, int64_t groups);

/// Scratch buffers of the kernels, per thread. Reused between calls.
struct Workspace {
    std::vector<std::vector<float>> col, dcol, acc;
    void ensure(int parts);
};

/// Called on output rows [firstRow, firstRow + rows) (one row = one output pixel, outC values),
/// right after they are computed, to fuse bias and activation.
using Epilogue = FunctionRef<void(float* rows, int64_t firstRow, int64_t numRows)>;

/// y = conv(x, w) with w laid out (kH, kW, inC/groups, outC). y is overwritten.
void forward(const float* x, const float* w, float* y, const Geometry& g, Workspace& ws, Epilogue epilogue = {});
/// dx = conv^T(gy, w) (overwritten) and dw += dL/dw; x may be null when dw is null; dx or dw may
/// be null to skip them.
/// Called by backward() for output rows [firstRow, firstRow + rows) on pool part `part`, before
/// they are used: returns those rows of dL/d(pre-activation) (e.g. in a per-part scratch buffer).
/// Fusing the activation's derivative and the bias gradient here keeps each chunk in cache instead
/// of making full-size passes over the output gradient.
using GradientPrologue = FunctionRef<const float*(int part, int64_t firstRow, int64_t rows)>;
/// `gy` is used directly when `prologue` is empty.
void backward(const float* x, const float* gy, const float* w, float* dx, float* dw, const Geometry& g,
              Workspace& ws, GradientPrologue prologue = {});
/// How many pool parts backward() uses for this geometry (sizes per-part scratch for a prologue).
int backwardParts(const Geometry& g, bool withDx, bool withDw);

/// Depthwise conv: groups == inC, outC = inC * multiplier, w laid out (kH, kW, inC, multiplier).
void depthwiseForward(const float* x, const float* w, float* y, const Geometry& g, Epilogue epilogue = {});
void depthwiseBackward(const float* x, const float* gy, const float* w, float* dx, float* dw, const Geometry& g,
                       Workspace& ws);

/// Adds bias (outC values) to `rows` rows of outC values.
void addBias(float* y, const float* bias, int64_t rows, int64_t channels);
/// grad += column sums of g (rows x channels).
void accumulateBiasGrad(const float* g, float* grad, int64_t rows, int64_t channels);

/// (n, c, spatial) <-> (n, spatial, c).
void toChannelsLast(const float* src, float* dst, int64_t n, int64_t c, int64_t spatial);
void toChannelsFirst(const float* src, float* dst, int64_t n, int64_t c, int64_t spatial);

}  // namespace strata::conv
