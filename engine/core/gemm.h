#pragma once
/// The engine's float32 matrix product, C (+)= A * B, on strided views.
///
/// Why our own: profiles of predict and training put 60-75 % of the time in the GEMM, and Eigen
/// 3.4's AVX-512 kernel (48x4 tiles, both operands repacked per call) reaches ~78 GFLOP/s on one
/// core here and scales poorly to two. This kernel packs B into 32-column panels once per
/// (K-block, N-block), packs A into 12-row micro-panels that stay in L1, and runs a 12x32 AVX-512
/// register tile (24 accumulators). Where AVX-512 is not compiled in, or for shapes too narrow for
/// the tile, the calls fall back to Eigen, so results never depend on the build's CPU flags
/// beyond float rounding.
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace strata::gemm {

/// A read-only float matrix: element (i, j) is data[i * rowStride + j * colStride].
struct ConstView {
    const float* data;
    int64_t rows, cols, rowStride, colStride;
};
/// A writable float matrix with the same addressing.
struct View {
    float* data;
    int64_t rows, cols, rowStride, colStride;
};

/// True when this build has the packed AVX-512 kernel and it is not switched off with the
/// environment variable STRATA_GEMM=eigen (kept for side-by-side measurements).
bool hasPackedKernel();

/// C = A * B, or C += A * B with `accumulate`, on the calling thread. C must not overlap A or B.
/// Throws std::invalid_argument when the shapes do not chain.
void multiply(const View& c, const ConstView& a, const ConstView& b, bool accumulate);

/// The same, with C's rows (or, when C has few rows, its columns) split across the engine's pool.
void parallelMultiply(const View& c, const ConstView& a, const ConstView& b, bool accumulate);

/// A right-hand side packed once for many products: an RNN's recurrent kernel is multiplied at
/// every time step, by every thread's rows of the batch. Read-only after pack(), so threads
/// share it. Where the packed kernel does not apply it keeps the view, which must then outlive
/// the products (a layer's weights do, for the call).
class PackedB {
public:
    void pack(const ConstView& b);
    int64_t rows() const { return view_.rows; }
    int64_t cols() const { return view_.cols; }

private:
    friend void multiply(const View& c, const ConstView& a, const PackedB& b, bool accumulate);
    struct Free {
        void operator()(float* p) const noexcept { std::free(p); }
    };
    ConstView view_{nullptr, 0, 0, 0, 0};
    std::unique_ptr<float, Free> data_;
    size_t capacity_ = 0;
    bool packed_ = false;
};

/// C (+)= A * B with B packed beforehand, on the calling thread.
void multiply(const View& c, const ConstView& a, const PackedB& b, bool accumulate);

}  // namespace strata::gemm
