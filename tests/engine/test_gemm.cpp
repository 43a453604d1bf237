// The engine's matrix product (engine/core/gemm): every shape class the packed tile has edges for
// (rows around 12, columns around 16 and 32, K around the block size), every operand layout the
// layers pass (row-major, transposed, strided sub-blocks, column-major C), accumulate or not,
// serial and split over the pool; against a double-precision reference. Sentinels around C
// catch a tile that writes past the matrix.
#include <QtTest/QtTest>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "engine/core/gemm.h"
#include "engine/core/parallel.h"

using namespace strata;

namespace {

constexpr float kSentinel = 12345.0f;

/// A matrix stored inside a larger buffer (padding between rows/columns holds sentinels), in
/// row-major or column-major order, so views have non-trivial strides.
struct Stored {
    std::vector<float> buf;
    int64_t rows, cols, rowStride, colStride, offset;
    Stored(int64_t r, int64_t c, bool colMajor, int64_t pad, std::mt19937& rng, bool random = true)
        : rows(r), cols(c) {
        const int64_t inner = colMajor ? r : c, outer = colMajor ? c : r;
        const int64_t ld = inner + pad;
        offset = 3;
        buf.assign(offset + outer * ld + 5, kSentinel);
        rowStride = colMajor ? 1 : ld;
        colStride = colMajor ? ld : 1;
        std::uniform_real_distribution<float> u(-1.0f, 1.0f);
        for (int64_t i = 0; i < r; ++i)
            for (int64_t j = 0; j < c; ++j) at(i, j) = random ? u(rng) : 0.0f;
    }
    float& at(int64_t i, int64_t j) { return buf[offset + i * rowStride + j * colStride]; }
    gemm::ConstView cview() const { return {buf.data() + offset, rows, cols, rowStride, colStride}; }
    gemm::View view() { return {buf.data() + offset, rows, cols, rowStride, colStride}; }
    bool isElement(size_t idx) const {
        if (idx < size_t(offset)) return false;
        const int64_t rel = int64_t(idx) - offset;
        const int64_t major = rowStride == 1 ? rel / colStride : rel / rowStride;
        const int64_t minor = rowStride == 1 ? rel % colStride : rel % rowStride;
        return rowStride == 1 ? (major < cols && minor < rows) : (major < rows && minor < cols);
    }
};

/// Checks C == C0 * accumulate + A * B within float rounding, and that padding is untouched.
enum class Mode { Serial, Parallel, Prepacked };

void check(int64_t m, int64_t k, int64_t n, bool aCol, bool bCol, bool cCol, bool accumulate, Mode mode,
           std::mt19937& rng) {
    const bool parallel = mode == Mode::Parallel;
    Stored a(m, k, aCol, 1 + m % 3, rng), b(k, n, bCol, 2, rng), c(m, n, cCol, 3, rng);
    std::vector<double> expect(size_t(m * n));
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double s = accumulate ? c.at(i, j) : 0.0;
            for (int64_t p = 0; p < k; ++p) s += double(a.at(i, p)) * double(b.at(p, j));
            expect[size_t(i * n + j)] = s;
        }
    if (!accumulate)  // what C held must not matter
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) c.at(i, j) = std::nanf("");
    if (mode == Mode::Prepacked) {
        gemm::PackedB packed;
        packed.pack(b.cview());
        if (packed.rows() != k || packed.cols() != n) QFAIL("PackedB reports the wrong shape");
        // Where the packed tile applies, the product must not read B again: poison it. (Narrow
        // shapes and a column-major C fall back to the view, which must then stay valid.)
        if (gemm::hasPackedKernel() && m >= 16 && n >= 16 && !cCol)
            for (float& v : b.buf) v = std::nanf("");
        gemm::multiply(c.view(), a.cview(), packed, accumulate);
    } else if (parallel) {
        gemm::parallelMultiply(c.view(), a.cview(), b.cview(), accumulate);
    } else {
        gemm::multiply(c.view(), a.cview(), b.cview(), accumulate);
    }
    const double tol = 1e-5 * std::sqrt(double(k) + 1.0) * 4.0;
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
            const double got = c.at(i, j), want = expect[size_t(i * n + j)];
            if (!(std::fabs(got - want) <= tol * (1.0 + std::fabs(want))))
                QFAIL(qPrintable(QString("C(%1,%2) = %3, expected %4 for %5x%6x%7 aCol=%8 bCol=%9 cCol=%10 acc=%11 par=%12")
                                     .arg(i).arg(j).arg(got).arg(want).arg(m).arg(k).arg(n).arg(aCol).arg(bCol)
                                     .arg(cCol).arg(accumulate).arg(parallel)));
        }
    for (size_t idx = 0; idx < c.buf.size(); ++idx)
        if (!c.isElement(idx) && c.buf[idx] != kSentinel)
            QFAIL(qPrintable(QString("padding of C overwritten at %1 for %2x%3x%4").arg(idx).arg(m).arg(k).arg(n)));
}

}  // namespace

class TestGemm : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { setNumThreads(2); }

    void tileEdgesAllLayouts() {
        std::mt19937 rng(7);
        const int64_t ms[] = {1, 11, 12, 13, 16, 25, 40};
        const int64_t ns[] = {1, 15, 16, 17, 31, 32, 33, 70};
        const int64_t ks[] = {1, 5, 160, 214, 215, 400};
        for (int64_t m : ms)
            for (int64_t n : ns)
                for (int64_t k : ks) {
                    const int layout = int((m * 7 + n * 3 + k) % 8);  // vary layouts without 8x the cases
                    check(m, k, n, layout & 1, layout & 2, layout & 4, (m + n) % 2 == 0, Mode::Serial, rng);
                }
    }

    void everyLayoutCombination() {
        std::mt19937 rng(11);
        for (int layout = 0; layout < 8; ++layout)
            for (bool acc : {false, true}) check(37, 300, 45, layout & 1, layout & 2, layout & 4, acc, Mode::Serial, rng);
    }

    void splitOverThePool() {
        std::mt19937 rng(13);
        // Rows split (m >= n) and column split (m < n); the sizes of the layers' products.
        for (bool acc : {false, true}) {
            check(300, 784, 64, false, false, false, acc, Mode::Parallel, rng);
            check(64, 200, 300, false, true, false, acc, Mode::Parallel, rng);
            check(130, 128, 512, true, false, false, acc, Mode::Parallel, rng);
            check(200, 50, 200, false, false, true, acc, Mode::Parallel, rng);
        }
    }

    void prepackedRightHandSide() {
        std::mt19937 rng(23);
        // One K block, several K blocks, several N blocks (N beyond the ~1 MB block), edges.
        for (bool acc : {false, true}) {
            check(20, 130, 64, false, false, false, acc, Mode::Prepacked, rng);
            check(37, 400, 2000, false, false, false, acc, Mode::Prepacked, rng);
            check(16, 1, 16, false, true, false, acc, Mode::Prepacked, rng);
            check(30, 215, 33, true, true, false, acc, Mode::Prepacked, rng);
        }
    }

    void prepackedFallsBackOnNarrowShapes() {
        std::mt19937 rng(29);
        check(5, 20, 40, false, false, false, true, Mode::Prepacked, rng);   // few rows of C
        check(40, 20, 10, false, false, false, false, Mode::Prepacked, rng);  // narrow B
        check(40, 20, 40, false, false, true, false, Mode::Prepacked, rng);   // column-major C
    }

    void emptyInnerDimension() {
        std::mt19937 rng(17);
        Stored a(20, 0, false, 0, rng), b(0, 40, false, 0, rng), c(20, 40, false, 0, rng);
        const float before = c.at(3, 4);
        gemm::multiply(c.view(), a.cview(), b.cview(), true);
        QCOMPARE(c.at(3, 4), before);
        gemm::multiply(c.view(), a.cview(), b.cview(), false);
        QCOMPARE(c.at(3, 4), 0.0f);
    }

    void mismatchedShapesThrow() {
        std::mt19937 rng(19);
        Stored a(4, 5, false, 0, rng), b(6, 3, false, 0, rng), c(4, 3, false, 0, rng);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, gemm::multiply(c.view(), a.cview(), b.cview(), false));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, gemm::parallelMultiply(c.view(), a.cview(), b.cview(), false));
    }
};

QTEST_APPLESS_MAIN(TestGemm)
#include "test_gemm.moc"
