// GFLOP/s of the engine's matrix product (engine/core/gemm) and of Eigen 3.4 on the products the
// layers issue (Dense forward/backward at batch 128 and 1024, the LSTM step), on 1 thread and split
// over the pool. One JSON line per shape. Run by hand:  bench_gemm [--threads 2]
#include <algorithm>
#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>
#include <Eigen/Core>

#include "engine/core/gemm.h"
#include "engine/core/json.h"
#include "engine/core/parallel.h"

using namespace strata;
using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

template <class F>
double gflops(double flops, F&& run) {
    run();  // warm-up: packing buffers, pool threads
    const int reps = std::max(3, int(2e10 / flops));
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) run();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
    return flops / s / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Engine GEMM vs Eigen"};
    int threads = 2;
    app.add_option("--threads", threads);
    CLI11_PARSE(app, argc, argv);
    setNumThreads(threads);
    struct Shape {
        const char* what;
        int m, k, n;
    };
    const Shape shapes[] = {{"mlp predict Dense 784->512, batch 1024", 1024, 784, 512},
                            {"mlp train Dense 784->512, batch 128", 128, 784, 512},
                            {"mlp train dW = X^T G", 784, 128, 512},
                            {"lstm step h U, batch 1024", 1024, 128, 512},
                            {"lstm step h U, batch 128", 128, 128, 512}};
    for (const Shape& s : shapes) {
        Mat a = Mat::Random(s.m, s.k), b = Mat::Random(s.k, s.n), c(s.m, s.n);
        const double flops = 2.0 * s.m * s.n * s.k;
        const gemm::View cv{c.data(), s.m, s.n, s.n, 1};
        const gemm::ConstView av{a.data(), s.m, s.k, s.k, 1}, bv{b.data(), s.k, s.n, s.n, 1};
        Json row{{"shape", s.what}, {"m", s.m}, {"k", s.k}, {"n", s.n}, {"packed_kernel", gemm::hasPackedKernel()}};
        row["strata_1t"] = gflops(flops, [&] { gemm::multiply(cv, av, bv, false); });
        row["strata_pool"] = gflops(flops, [&] { gemm::parallelMultiply(cv, av, bv, false); });
        row["eigen_1t"] = gflops(flops, [&] { c.noalias() = a * b; });
        Eigen::setNbThreads(1);
        row["eigen_split"] = gflops(flops, [&] {  // Eigen per part of the pool, as before the own kernel
            parallelFor(s.m, partsFor(s.m / 32, flops), [&](int, int64_t r0, int64_t r1) {
                c.middleRows(r0, r1 - r0).noalias() = a.middleRows(r0, r1 - r0) * b;
            });
        });
        std::cout << row.dump() << std::endl;
    }
}
