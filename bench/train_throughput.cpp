// Strata's side of the training-speed comparison with ../shared/bench/torch_train.py: the same three
// models (MLP, CNN, LSTM(128)), the same data (Fashion-MNIST), batch 128, Adam(1e-3, eps 1e-7),
// softmax cross-entropy, and the same measurements, so the two can be run interleaved:
//   train_sps  steady-state training samples/s: median of --segments timed segments of consecutive
//              train_on_batch steps (shuffle + gather of each batch included, as in fit()), after
//              --warmup-batches steps.
//   infer_sps  predict() on the 10k test images, batch 1024, median of --infer-reps passes.
// Prints one JSON line per model, like torch_train.py.
//   bench_train_throughput --model all --threads 2
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <ctime>

#include "engine/strata.h"

using namespace strata;
namespace L = strata::layers;
using Clock = std::chrono::steady_clock;

namespace {

ModelPtr makeBenchModel(const std::string& name) {
    if (name == "mlp") {
        auto in = Input({784});
        auto x = L::Dense(512, {{"activation", "relu"}})(in);
        x = L::Dropout(0.5)(x);
        return makeModel(in, L::Dense(10, {{"activation", "softmax"}})(x), "mlp");
    }
    if (name == "cnn") {
        auto in = Input({28, 28, 1});
        auto x = L::Conv2D(32, {3, 3}, {{"activation", "relu"}})(in);
        x = L::MaxPooling2D(2)(x);
        x = L::Conv2D(64, {3, 3}, {{"activation", "relu"}})(x);
        x = L::MaxPooling2D(2)(x);
        x = L::Flatten()(x);
        x = L::Dense(128, {{"activation", "relu"}})(x);
        return makeModel(in, L::Dense(10, {{"activation", "softmax"}})(x), "cnn");
    }
    if (name == "lstm") {
        auto in = Input({28, 28});
        auto x = L::LSTM(128)(in);
        return makeModel(in, L::Dense(10, {{"activation", "softmax"}})(x), "lstm");
    }
    throw ValueError("unknown model '" + name + "' (mlp, cnn, lstm)");
}

std::vector<int64_t> inputShape(const std::string& name, int64_t n) {
    if (name == "mlp") return {n, 784};
    if (name == "cnn") return {n, 28, 28, 1};
    return {n, 28, 28};
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// CPU time of the whole process (all threads): on a shared machine it says what a step costs even
// when wall time is disturbed by other work.
double cpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Strata training/predict throughput (the C++ side of torch_train.py)"};
    std::string which = "all";
    int threads = 2, segments = 5, warmup = 60, inferReps = 5;
    double segmentS = 3.0;
    uint64_t seed = 0;
    app.add_option("--model", which, "mlp, cnn, lstm or all");
    app.add_option("--threads", threads);
    app.add_option("--segments", segments);
    app.add_option("--segment-s", segmentS);
    app.add_option("--warmup-batches", warmup);
    app.add_option("--infer-reps", inferReps);
    app.add_option("--seed", seed);
    CLI11_PARSE(app, argc, argv);
    setNumThreads(threads);

    const FashionMnist data = loadFashionMnist();
    const int64_t nTrain = data.xTrain.shape()[0], nTest = data.xTest.shape()[0];
    Tensor xTrain = data.xTrain, xTest = data.xTest;
    for (float& v : xTrain.values()) v /= 255.0f;
    for (float& v : xTest.values()) v /= 255.0f;

    std::vector<std::string> models = which == "all" ? std::vector<std::string>{"mlp", "cnn", "lstm"}
                                                     : std::vector<std::string>{which};
    for (const std::string& name : models) {
        setSeed(seed);
        clearSession();
        ModelPtr model = makeBenchModel(name);
        Json adam = {{"class_name", "Adam"}, {"config", {{"learning_rate", 1e-3}, {"epsilon", 1e-7}}}};
        model->compile({.optimizer = OptimizerArg(adam), .loss = "sparse_categorical_crossentropy"});
        const Tensor x = xTrain.reshaped(inputShape(name, nTrain));
        const Tensor xt = xTest.reshaped(inputShape(name, nTest));

        BatchIterator it({&x, &data.yTrain}, 128, true, Rng(seed + 1));
        it.reset();
        auto step = [&]() -> int64_t {
            if (!it.next()) {
                it.reset();
                it.next();
            }
            const auto& b = it.batch();
            model->trainOnBatch(b[0], b[1]);
            return b[0].shape()[0];
        };
        Clock::time_point half;
        for (int i = 0; i < warmup; ++i) {
            if (i == warmup / 2) half = Clock::now();
            step();
        }
        const double rate = (warmup - warmup / 2) / seconds(half, Clock::now());
        const int segBatches = std::max(5, static_cast<int>(segmentS * rate + 0.5));
        std::vector<double> trainSps, trainCpuUs;
        for (int s = 0; s < segments; ++s) {
            int64_t samples = 0;
            const auto t0 = Clock::now();
            const double c0 = cpuSeconds();
            for (int b = 0; b < segBatches; ++b) samples += step();
            trainSps.push_back(samples / seconds(t0, Clock::now()));
            trainCpuUs.push_back(1e6 * (cpuSeconds() - c0) / samples);
        }
        model->predict(xt, 1024);  // warm-up
        std::vector<double> inferSps;
        for (int r = 0; r < inferReps; ++r) {
            const auto t0 = Clock::now();
            model->predict(xt, 1024);
            inferSps.push_back(nTest / seconds(t0, Clock::now()));
        }
        Json line = {{"model", name},          {"engine", "strata"},       {"threads", threads},
                     {"train_sps", median(trainSps)}, {"train_sps_segments", trainSps},
                     {"segment_batches", segBatches}, {"train_cpu_us_per_sample", median(trainCpuUs)}, {"infer_sps", median(inferSps)}};
        std::cout << line.dump() << std::endl;
    }
    return 0;
}
