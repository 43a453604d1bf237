#pragma once
/// A small persistent thread pool for the engine's kernels (GEMMs, convolutions), and the
/// parallel matrix product the layers use.
///
/// Scheduling: a run is cut into `parts` contiguous ranges; the caller and the workers *claim*
/// ranges one at a time, so when the other core is busy (a worker not scheduled) the caller simply
/// claims and runs the remaining ranges itself instead of waiting at a barrier. A machine under load
/// thus degrades to one-core speed, not to a stall (which is what OpenMP barriers did here).
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include "engine/core/gemm.h"

namespace strata {

/// A non-owning reference to a callable (no allocation, unlike std::function). The callable must
/// outlive the reference; passing a lambda directly as a call argument is fine.
template <class Sig>
class FunctionRef;
template <class R, class... A>
class FunctionRef<R(A...)> {
public:
    FunctionRef() = default;
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef>)
    FunctionRef(F&& f)  // NOLINT: implicit on purpose
        : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
          call_([](void* o, A... a) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<A>(a)...); }) {}
    explicit operator bool() const { return call_ != nullptr; }
    R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

private:
    void* obj_ = nullptr;
    R (*call_)(void*, A...) = nullptr;
};

/// Threads the kernels use (default: hardware threads, at most 8; env STRATA_NUM_THREADS).
int numThreads();
void setNumThreads(int n);
/// Runs fn(part, begin, end) once for each of `parts` contiguous ranges of [0, n), in parallel on
/// the pool; each part index is run exactly once (so per-part scratch buffers are safe). Runs
/// inline if parts <= 1 or the pool is busy (nested or concurrent calls).
void parallelFor(int64_t n, int parts, FunctionRef<void(int, int64_t, int64_t)> fn);
/// How many parts to use for `items` independent items costing `flops` in total.
int partsFor(int64_t items, double flops);

namespace detail {
/// True for float Eigen expressions whose coefficients sit in memory at fixed strides (maps,
/// blocks of maps, their transposes): those go to the engine's packed GEMM.
template <class E>
constexpr bool isStridedFloat() {
    using T = std::remove_cvref_t<E>;
    return std::is_same_v<typename T::Scalar, float> && (int(T::Flags) & int(Eigen::DirectAccessBit)) != 0;
}
}  // namespace detail

/// dst (+)= lhs * rhs on the calling thread, for kernels that already run per part of the pool
/// (convolution chunks): strided float expressions go to the packed GEMM, anything else to Eigen.
template <class Dst, class Lhs, class Rhs>
void serialProduct(Dst&& dst, const Lhs& lhs, const Rhs& rhs, bool accumulate) {
    if constexpr (detail::isStridedFloat<Dst>() && detail::isStridedFloat<Lhs>() && detail::isStridedFloat<Rhs>()) {
        gemm::multiply({dst.data(), dst.rows(), dst.cols(), dst.rowStride(), dst.colStride()},
                       {lhs.data(), lhs.rows(), lhs.cols(), lhs.rowStride(), lhs.colStride()},
                       {rhs.data(), rhs.rows(), rhs.cols(), rhs.rowStride(), rhs.colStride()}, accumulate);
    } else if (accumulate) {
        dst.noalias() += lhs * rhs;
    } else {
        dst.noalias() = lhs * rhs;
    }
}

/// dst (+)= lhs * rhs for Eigen expressions (maps, blocks, transposes), split over the rows of dst
/// (or its columns when it has few rows) across the pool. Small products run inline.
template <class Dst, class Lhs, class Rhs>
void parallelProduct(Dst&& dst, const Lhs& lhs, const Rhs& rhs, bool accumulate) {
    if constexpr (detail::isStridedFloat<Dst>() && detail::isStridedFloat<Lhs>() && detail::isStridedFloat<Rhs>()) {
        gemm::parallelMultiply({dst.data(), dst.rows(), dst.cols(), dst.rowStride(), dst.colStride()},
                               {lhs.data(), lhs.rows(), lhs.cols(), lhs.rowStride(), lhs.colStride()},
                               {rhs.data(), rhs.rows(), rhs.cols(), rhs.rowStride(), rhs.colStride()}, accumulate);
    } else {  // expressions without direct access (rare): Eigen, split the same way
        const int64_t m = dst.rows(), n = dst.cols(), k = lhs.cols();
        const double flops = 2.0 * double(m) * double(n) * double(k);
        const bool byRows = m >= n;
        // At least 32 rows/cols per part keeps each part's GEMM efficient.
        const int parts = partsFor((byRows ? m : n) / 32, flops);
        auto run = [&](auto&& d, auto&& l, auto&& r) {
            if (accumulate) d.noalias() += l * r;
            else d.noalias() = l * r;
        };
        if (parts <= 1) {
            run(dst, lhs, rhs);
            return;
        }
        parallelFor(byRows ? m : n, parts, [&](int, int64_t b, int64_t e) {
            if (byRows) run(dst.middleRows(b, e - b), lhs.middleRows(b, e - b), rhs);
            else run(dst.middleCols(b, e - b), lhs, rhs.middleCols(b, e - b));
        });
    }
}

}  // namespace strata
