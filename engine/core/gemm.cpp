#include "engine/core/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include <Eigen/Core>

#include "engine/core/parallel.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#define STRATA_GEMM_AVX512 1
#endif

namespace strata::gemm {

namespace {

void checkShapes(const View& c, const ConstView& a, const ConstView& b) {
    if (a.cols != b.rows || c.rows != a.rows || c.cols != b.cols)
        throw std::invalid_argument("matrix product: cannot compute (" + std::to_string(c.rows) + "x" +
                                    std::to_string(c.cols) + ") = (" + std::to_string(a.rows) + "x" +
                                    std::to_string(a.cols) + ") * (" + std::to_string(b.rows) + "x" +
                                    std::to_string(b.cols) + ")");
}

ConstView transposed(const ConstView& v) { return {v.data, v.cols, v.rows, v.colStride, v.rowStride}; }
View transposed(const View& v) { return {v.data, v.cols, v.rows, v.colStride, v.rowStride}; }

void zero(const View& c) {
    for (int64_t i = 0; i < c.rows; ++i)
        for (int64_t j = 0; j < c.cols; ++j) c.data[i * c.rowStride + j * c.colStride] = 0.0f;
}

/// Eigen on the views' own layouts (row- or column-major operands; anything else is copied
/// first). Used for products too narrow for the packed tile and where AVX-512 is not compiled in.
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ColMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using RowMap = Eigen::Map<const RowMat, 0, Eigen::OuterStride<>>;
using ColMap = Eigen::Map<const ColMat, 0, Eigen::OuterStride<>>;

template <class F>
void withOperand(const ConstView& v, RowMat& copy, F&& f) {
    if (v.colStride == 1 && v.rowStride >= v.cols) {
        f(RowMap(v.data, v.rows, v.cols, Eigen::OuterStride<>(v.rowStride)));
    } else if (v.rowStride == 1 && v.colStride >= v.rows) {
        f(ColMap(v.data, v.rows, v.cols, Eigen::OuterStride<>(v.colStride)));
    } else {
        copy.resize(v.rows, v.cols);
        for (int64_t i = 0; i < v.rows; ++i)
            for (int64_t j = 0; j < v.cols; ++j) copy(i, j) = v.data[i * v.rowStride + j * v.colStride];
        f(RowMap(copy.data(), v.rows, v.cols, Eigen::OuterStride<>(v.cols)));
    }
}

void eigenMultiply(const View& c, const ConstView& a, const ConstView& b, bool accumulate) {
    if (c.colStride != 1 && c.rowStride == 1) {  // a column-major C: compute C^T = B^T A^T
        eigenMultiply(transposed(c), transposed(b), transposed(a), accumulate);
        return;
    }
    thread_local RowMat copyA, copyB, copyC;
    const bool direct = c.colStride == 1 && c.rowStride >= c.cols;
    if (!direct) {
        copyC.resize(c.rows, c.cols);
        for (int64_t i = 0; i < c.rows; ++i)
            for (int64_t j = 0; j < c.cols; ++j) copyC(i, j) = accumulate ? c.data[i * c.rowStride + j * c.colStride] : 0.0f;
    }
    Eigen::Map<RowMat, 0, Eigen::OuterStride<>> C(direct ? c.data : copyC.data(), c.rows, c.cols,
                                                  Eigen::OuterStride<>(direct ? c.rowStride : c.cols));
    withOperand(a, copyA, [&](const auto& A) {
        withOperand(b, copyB, [&](const auto& B) {
            if (accumulate || !direct) C.noalias() += A * B;
            else C.noalias() = A * B;
        });
    });
    if (!direct)
        for (int64_t i = 0; i < c.rows; ++i)
            for (int64_t j = 0; j < c.cols; ++j) c.data[i * c.rowStride + j * c.colStride] = copyC(i, j);
}

#ifdef STRATA_GEMM_AVX512

constexpr int kMR = 12;  // rows of C per register tile (one broadcast each)
constexpr int kNR = 32;  // columns of C per register tile (two 16-float vectors)

/// A 64-byte aligned buffer that only grows: after the first batches of a run the packing
/// buffers have their size and the steady-state step allocates nothing.
class Scratch {
public:
    ~Scratch() { std::free(p_); }
    float* get(size_t floats) {
        if (floats > cap_) {
            std::free(p_);
            p_ = nullptr;
            const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
            p_ = static_cast<float*>(std::aligned_alloc(64, bytes));
            if (!p_) {
                cap_ = 0;
                throw std::bad_alloc();
            }
            cap_ = floats;
        }
        return p_;
    }

private:
    float* p_ = nullptr;
    size_t cap_ = 0;
};

/// Packs rows [i0, i0 + rows) x columns [k0, k0 + kc) of A as ap[k * 12 + r], zero rows beyond.
void packA(const ConstView& a, int64_t i0, int rows, int64_t k0, int64_t kc, float* ap) {
    if (rows < kMR) std::memset(ap, 0, sizeof(float) * kMR * kc);
    if (a.rowStride == 1) {  // a transposed operand: the 12 rows of one k are adjacent
        for (int64_t k = 0; k < kc; ++k) std::memcpy(ap + k * kMR, a.data + (k0 + k) * a.colStride + i0, sizeof(float) * rows);
        return;
    }
    for (int r = 0; r < rows; ++r) {
        const float* src = a.data + (i0 + r) * a.rowStride + k0 * a.colStride;
        if (a.colStride == 1)
            for (int64_t k = 0; k < kc; ++k) ap[k * kMR + r] = src[k];
        else
            for (int64_t k = 0; k < kc; ++k) ap[k * kMR + r] = src[k * a.colStride];
    }
}

/// Packs rows [k0, k0 + kc) x columns [n0, n0 + nc) of B as 32-column panels
/// bp[p * kc * 32 + k * 32 + j], zero columns beyond nc.
void packB(const ConstView& b, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* bp) {
    const int64_t panels = (nc + kNR - 1) / kNR;
    for (int64_t p = 0; p < panels; ++p) {
        float* dst = bp + p * kc * kNR;
        const int64_t j0 = n0 + p * kNR;
        const int width = static_cast<int>(std::min<int64_t>(kNR, n0 + nc - j0));
        if (width < kNR) std::memset(dst, 0, sizeof(float) * kNR * kc);
        if (b.colStride == 1) {
            for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * kNR, b.data + (k0 + k) * b.rowStride + j0, sizeof(float) * width);
        } else {
            for (int j = 0; j < width; ++j) {
                const float* src = b.data + (j0 + j) * b.colStride + k0 * b.rowStride;
                for (int64_t k = 0; k < kc; ++k) dst[k * kNR + j] = src[k * b.rowStride];
            }
        }
    }
}

inline __mmask16 lowMask(int n) { return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1u); }

/// One 12x32 tile of C (+)= ap * bp over kc. `load` adds the tile to what C holds.
void tile(int64_t kc, const float* __restrict ap, const float* __restrict bp, const View& c, int64_t i0, int64_t j0,
          int rows, int cols, bool load) {
    __m512 acc[kMR][2];
#pragma GCC unroll 12
    for (int r = 0; r < kMR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int64_t k = 0; k < kc; ++k) {
        const __m512 b0 = _mm512_load_ps(bp);
        const __m512 b1 = _mm512_load_ps(bp + 16);
#pragma GCC unroll 12
        for (int r = 0; r < kMR; ++r) {
            const __m512 av = _mm512_set1_ps(ap[r]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
        ap += kMR;
        bp += kNR;
    }
    float* base = c.data + i0 * c.rowStride + j0 * c.colStride;
    if (c.colStride == 1) {
        const __mmask16 m0 = lowMask(cols), m1 = lowMask(cols - 16);
#pragma GCC unroll 12
        for (int r = 0; r < kMR; ++r) {
            if (r >= rows) break;
            float* row = base + r * c.rowStride;
            __m512 v0 = acc[r][0], v1 = acc[r][1];
            if (load) {
                v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
                v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, row + 16));
            }
            _mm512_mask_storeu_ps(row, m0, v0);
            _mm512_mask_storeu_ps(row + 16, m1, v1);
        }
        return;
    }
    // C is addressed with a column stride (a transposed problem): go through a small buffer.
    alignas(64) float buf[kMR][kNR];
#pragma GCC unroll 12
    for (int r = 0; r < kMR; ++r) {
        _mm512_store_ps(buf[r], acc[r][0]);
        _mm512_store_ps(buf[r] + 16, acc[r][1]);
    }
    for (int r = 0; r < rows; ++r)
        for (int j = 0; j < cols; ++j) {
            float& dst = base[r * c.rowStride + j * c.colStride];
            dst = load ? dst + buf[r][j] : buf[r][j];
        }
}

thread_local Scratch tlsPackA, tlsPackB;

/// How K and N are cut into blocks. K blocks of ~160 keep a 12-row A micro-panel (~8 KB) in L1
/// while a 32-column B panel (~20 KB) streams past it; B blocks of <= 1 MB stay in L2 for every
/// row group of A. (Measured here: kc 128-160 beat 384 by ~10 % on two threads, as the larger
/// panels evict A from L1.)
struct Blocking {
    int64_t kc, nc;
};
Blocking blockingFor(int64_t k, int64_t n) {
    constexpr int64_t kKc = 160;
    const int64_t kBlocks = k <= kKc * 4 / 3 ? 1 : (k + kKc - 1) / kKc;
    const int64_t kc = (k + kBlocks - 1) / kBlocks;
    const int64_t nPadded = (n + kNR - 1) / kNR * kNR;
    const int64_t nc = std::max<int64_t>(kNR, std::min<int64_t>(nPadded, (int64_t(1) << 18) / kc / kNR * kNR));
    return {kc, nc};
}

/// Where block (n0, k0) of a whole packed B starts: each 32-column panel holds all of K, so the
/// panels before n0 take n0 * K floats; within an N block the K blocks follow one another.
int64_t packedOffset(int64_t kTotal, int64_t n0, int64_t nc, int64_t k0) {
    return n0 * kTotal + k0 * ((nc + kNR - 1) / kNR) * kNR;
}

/// The blocked loops around the tile; blockB(n0, nc, k0, kc) yields the packed B block.
template <class BlockB>
void packedMultiply(const View& c, const ConstView& a, bool accumulate, BlockB&& blockB) {
    const int64_t m = c.rows, n = c.cols, kTotal = a.cols;
    const Blocking blk = blockingFor(kTotal, n);
    float* ap = tlsPackA.get(static_cast<size_t>(blk.kc * kMR));
    for (int64_t n0 = 0; n0 < n; n0 += blk.nc) {
        const int64_t nc = std::min(blk.nc, n - n0);
        const int64_t panels = (nc + kNR - 1) / kNR;
        for (int64_t k0 = 0; k0 < kTotal; k0 += blk.kc) {
            const int64_t kc = std::min(blk.kc, kTotal - k0);
            const float* bp = blockB(n0, nc, k0, kc);
            const bool load = accumulate || k0 > 0;
            for (int64_t i0 = 0; i0 < m; i0 += kMR) {
                const int rows = static_cast<int>(std::min<int64_t>(kMR, m - i0));
                packA(a, i0, rows, k0, kc, ap);
                for (int64_t p = 0; p < panels; ++p) {
                    const int64_t j0 = n0 + p * kNR;
                    tile(kc, ap, bp + p * kc * kNR, c, i0, j0, rows, static_cast<int>(std::min<int64_t>(kNR, n - j0)), load);
                }
            }
        }
    }
}

void packedMultiply(const View& c, const ConstView& a, const ConstView& b, bool accumulate) {
    const Blocking blk = blockingFor(a.cols, c.cols);
    float* bp = tlsPackB.get(static_cast<size_t>(blk.kc * blk.nc));
    packedMultiply(c, a, accumulate, [&](int64_t n0, int64_t nc, int64_t k0, int64_t kc) {
        packB(b, k0, kc, n0, nc, bp);
        return static_cast<const float*>(bp);
    });
}

#endif

}  // namespace

bool hasPackedKernel() {
#ifdef STRATA_GEMM_AVX512
    static const bool on = [] {
        const char* env = std::getenv("STRATA_GEMM");
        return !(env && std::string(env) == "eigen");
    }();
    return on;
#else
    return false;
#endif
}

void multiply(const View& c, const ConstView& a, const ConstView& b, bool accumulate) {
    checkShapes(c, a, b);
    if (c.rows == 0 || c.cols == 0) return;
    if (a.cols == 0) {
        if (!accumulate) zero(c);
        return;
    }
#ifdef STRATA_GEMM_AVX512
    if (!hasPackedKernel()) {
        eigenMultiply(c, a, b, accumulate);
        return;
    }
    // A 12x32 tile wastes most of its work on a product with a side under 16 (Dense(10) on a
    // batch): Eigen's kernels do those ~2x faster (measured: 46 vs 21 GFLOP/s on 1024x512x10).
    // Likewise a very short K (a 3x3 convolution over one channel: K = 9) spends the tile's time
    // zeroing and storing accumulators rather than multiplying.
    if (std::min(c.rows, c.cols) >= 16 && a.cols >= 16) {
        // The tile stores rows of C with vector stores; a column-major C is written as C^T = B^T A^T.
        if (c.colStride != 1 && c.rowStride == 1) packedMultiply(transposed(c), transposed(b), transposed(a), accumulate);
        else packedMultiply(c, a, b, accumulate);
        return;
    }
#endif
    eigenMultiply(c, a, b, accumulate);
}

void parallelMultiply(const View& c, const ConstView& a, const ConstView& b, bool accumulate) {
    checkShapes(c, a, b);
    const int64_t m = c.rows, n = c.cols;
    const double flops = 2.0 * double(m) * double(n) * double(a.cols);
    // Split along the longer side of C, in whole tiles (12 rows or 32 columns).
    const bool byRows = m >= n;
    const int64_t unit = byRows ? 12 : 32;
    const int64_t units = ((byRows ? m : n) + unit - 1) / unit;
    const int parts = partsFor(units, flops);
    if (parts <= 1) {
        multiply(c, a, b, accumulate);
        return;
    }
    parallelFor(units, parts, [&](int, int64_t u0, int64_t u1) {
        const int64_t s0 = u0 * unit, s1 = std::min((byRows ? m : n), u1 * unit);
        if (byRows) {
            const View cs{c.data + s0 * c.rowStride, s1 - s0, n, c.rowStride, c.colStride};
            const ConstView as{a.data + s0 * a.rowStride, s1 - s0, a.cols, a.rowStride, a.colStride};
            multiply(cs, as, b, accumulate);
        } else {
            const View cs{c.data + s0 * c.colStride, m, s1 - s0, c.rowStride, c.colStride};
            const ConstView bs{b.data + s0 * b.colStride, b.rows, s1 - s0, b.rowStride, b.colStride};
            multiply(cs, a, bs, accumulate);
        }
    });
}

void PackedB::pack(const ConstView& b) {
    view_ = b;
    packed_ = false;
#ifdef STRATA_GEMM_AVX512
    if (!hasPackedKernel() || b.cols < 16 || b.rows == 0) return;
    const Blocking blk = blockingFor(b.rows, b.cols);
    const size_t floats = static_cast<size_t>(((b.cols + kNR - 1) / kNR) * kNR * b.rows);
    if (floats > capacity_) {
        const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
        data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
        if (!data_) {
            capacity_ = 0;
            throw std::bad_alloc();
        }
        capacity_ = floats;
    }
    for (int64_t n0 = 0; n0 < b.cols; n0 += blk.nc) {
        const int64_t nc = std::min(blk.nc, b.cols - n0);
        for (int64_t k0 = 0; k0 < b.rows; k0 += blk.kc)
            packB(b, k0, std::min(blk.kc, b.rows - k0), n0, nc, data_.get() + packedOffset(b.rows, n0, nc, k0));
    }
    packed_ = true;
#endif
}

void multiply(const View& c, const ConstView& a, const PackedB& b, bool accumulate) {
#ifdef STRATA_GEMM_AVX512
    if (b.packed_ && c.colStride == 1 && c.rows >= 16 && c.cols == b.view_.cols) {
        checkShapes(c, a, b.view_);
        const float* base = b.data_.get();
        const int64_t kTotal = b.view_.rows;
        packedMultiply(c, a, accumulate, [&](int64_t n0, int64_t nc, int64_t k0, int64_t) {
            return base + packedOffset(kTotal, n0, nc, k0);
        });
        return;
    }
#endif
    multiply(c, a, b.view_, accumulate);
}

}  // namespace strata::gemm
