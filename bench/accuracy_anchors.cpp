// Accuracy anchors of issue 3 on Fashion-MNIST, trained exactly as the Keras guides do it
// (fit, batch 128, Adam 1e-3, sparse categorical crossentropy, shuffled, seed 0 unless --seed):
//   mlp  784 -> Dense 512 relu -> Dropout 0.5 -> Dense 10 softmax, 10 epochs, anchor >= 88.0 %
//   cnn  Conv2D 32 3x3 relu, MaxPool 2, Conv2D 64 3x3 relu, MaxPool 2, Flatten, Dense 128 relu,
//        Dense 10 softmax, 8 epochs, anchor >= 90.5 %
// Prints one JSON line per model (test accuracy per epoch, seconds per epoch) and exits non-zero
// if an anchor is missed: the best test accuracy of epochs 1..N must reach it ("within N epochs"). Not a unit test: it takes minutes.
//   bench_accuracy_anchors [--model mlp|cnn|all] [--threads 2] [--seed 0]
// One seed is one draw of initialisation, shuffling and dropout: report several when an anchor
// sits within a run-to-run spread of it.
#include <algorithm>
#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>

#include "engine/strata.h"

using namespace strata;
namespace L = strata::layers;

int main(int argc, char** argv) {
    CLI::App app{"Fashion-MNIST accuracy anchors"};
    std::string which = "all";
    int threads = 2;
    uint64_t seed = 0;
    app.add_option("--model", which, "mlp, cnn or all");
    app.add_option("--seed", seed, "seeds initialisation, shuffling and dropout");
    app.add_option("--threads", threads);
    CLI11_PARSE(app, argc, argv);
    setNumThreads(threads);

    FashionMnist d = loadFashionMnist();
    d.xTrain.vector() *= 1.0f / 255.0f;
    d.xTest.vector() *= 1.0f / 255.0f;
    struct Anchor {
        std::string name;
        int epochs;
        double target;
    };
    int missed = 0;
    for (const Anchor& a : {Anchor{"mlp", 10, 0.880}, Anchor{"cnn", 8, 0.905}}) {
        if (which != "all" && which != a.name) continue;
        setSeed(seed);
        clearSession();
        ModelPtr model;
        if (a.name == "mlp") {
            auto in = Input({784});
            auto x = L::Dense(512, {{"activation", "relu"}})(in);
            x = L::Dropout(0.5)(x);
            model = makeModel(in, L::Dense(10, {{"activation", "softmax"}})(x));
        } else {
            auto in = Input({28, 28, 1});
            auto x = L::Conv2D(32, {3, 3}, {{"activation", "relu"}})(in);
            x = L::MaxPooling2D(2)(x);
            x = L::Conv2D(64, {3, 3}, {{"activation", "relu"}})(x);
            x = L::MaxPooling2D(2)(x);
            x = L::Flatten()(x);
            x = L::Dense(128, {{"activation", "relu"}})(x);
            model = makeModel(in, L::Dense(10, {{"activation", "softmax"}})(x));
        }
        const std::vector<int64_t> shape = a.name == "mlp" ? std::vector<int64_t>{-1, 784} : std::vector<int64_t>{-1, 28, 28, 1};
        auto reshape = [&](const Tensor& t) {
            auto s = shape;
            s[0] = t.dim(0);
            return t.reshaped(s);
        };
        const Tensor x = reshape(d.xTrain), xt = reshape(d.xTest);
        model->compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
        std::vector<double> accs, secs;
        auto eval = std::make_shared<LambdaCallback>();
        auto t0 = std::chrono::steady_clock::now();
        eval->onEpochEndFn = [&](int, Logs&) {
            secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            accs.push_back(model->evaluate(xt, d.yTest, {.batchSize = 1024, .verbose = 0}).at("accuracy"));
            t0 = std::chrono::steady_clock::now();
        };
        model->fit(x, d.yTrain, {.batchSize = 128, .epochs = a.epochs, .verbose = 0, .callbacks = {eval}});
        // "Reaches the anchor within N epochs": the best test accuracy of epochs 1..N counts.
        const double best = *std::max_element(accs.begin(), accs.end());
        const bool ok = best >= a.target;
        missed += !ok;
        std::cout << Json{{"model", a.name},   {"epochs", a.epochs},     {"test_acc", accs.back()}, {"best_test_acc", best},
                          {"anchor", a.target}, {"reached", ok}, {"seed", seed},          {"test_acc_per_epoch", accs},
                          {"epoch_s", secs}}
                         .dump()
                  << std::endl;
    }
    return missed ? 1 : 0;
}
