#pragma once
// Gradient check of a layer's backward pass against central finite differences, for tests.
// The loss is sum(R * output) with fixed random R per output, so every output element matters.
#include <QtTest/QtTest>

#include <cmath>
#include <string>
#include <vector>

#include "engine/core/random.h"
#include "engine/layers/layer.h"

namespace strata::testing {

struct GradCheckOptions {
    bool training = false;
    double eps = 1e-2;       // float32 forward: a fairly large step keeps round-off small
    double tolerance = 2e-2; // relative to max(1, |numeric|)
    int maxChecksPerTensor = 24;
    std::vector<int> inputsToCheck;  // empty: all float inputs
    uint64_t seed = 42;
};

inline double projectedLoss(Layer& layer, const std::vector<Tensor>& inputs, const std::vector<Tensor>& proj,
                            bool training, uint64_t seed) {
    ConstTensorPtrs ptrs;
    for (const auto& t : inputs) ptrs.push_back(&t);
    Tensors outs;
    CallContext ctx;
    ctx.training = training;
    Rng rng(seed);  // same noise in every evaluation
    ctx.rng = &rng;
    layer.call(ptrs, outs, ctx);
    double loss = 0;
    for (size_t o = 0; o < outs.size() && o < proj.size(); ++o)
        for (int64_t i = 0; i < outs[o].size(); ++i) loss += double(outs[o][i]) * proj[o][i];
    return loss;
}

/// Returns an empty string if the analytic gradients match, else a description of the first mismatch.
inline std::string gradCheck(Layer& layer, std::vector<Tensor> inputs, const GradCheckOptions& opt = {}) {
    ConstTensorPtrs ptrs;
    for (const auto& t : inputs) ptrs.push_back(&t);
    Tensors outs;
    CallContext ctx;
    ctx.training = opt.training;
    ctx.recordForBackward = true;
    Rng rng(opt.seed);
    ctx.rng = &rng;
    layer.call(ptrs, outs, ctx);
    Rng projRng(7);
    std::vector<Tensor> proj;
    for (const auto& o : outs) {
        Tensor p(o.shape());
        for (auto& v : p.values()) v = projRng.uniform(-1.0f, 1.0f);
        proj.push_back(p);
    }
    for (Variable* w : layer.trainableWeights()) w->grad.resize(w->value.shape(), 0.0f);
    ConstTensorPtrs gptrs;
    for (const auto& p : proj) gptrs.push_back(&p);
    Tensors inGrads;
    layer.backward(ptrs, outs, gptrs, inGrads, ctx);

    auto check = [&](Tensor& target, const Tensor& analytic, const std::string& what) -> std::string {
        if (analytic.shape() != target.shape()) return what + ": gradient shape " + analytic.shapeString() + " != " + target.shapeString();
        int64_t n = target.size();
        int64_t step = std::max<int64_t>(1, n / opt.maxChecksPerTensor);
        for (int64_t i = 0; i < n; i += step) {
            float saved = target[i];
            target[i] = float(saved + opt.eps);
            double lp = projectedLoss(layer, inputs, proj, opt.training, opt.seed);
            target[i] = float(saved - opt.eps);
            double lm = projectedLoss(layer, inputs, proj, opt.training, opt.seed);
            target[i] = saved;
            double numeric = (lp - lm) / (2 * opt.eps);
            double diff = std::fabs(numeric - analytic[i]);
            if (diff > opt.tolerance * std::max(1.0, std::fabs(numeric)))
                return what + "[" + std::to_string(i) + "]: analytic " + std::to_string(analytic[i]) + " vs numeric " +
                       std::to_string(numeric);
        }
        return {};
    };
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!opt.inputsToCheck.empty() &&
            std::find(opt.inputsToCheck.begin(), opt.inputsToCheck.end(), int(i)) == opt.inputsToCheck.end())
            continue;
        if (inputs[i].dtype() != DType::Float32) continue;
        if (i >= inGrads.size()) return "backward returned " + std::to_string(inGrads.size()) + " input gradients";
        auto r = check(inputs[i], inGrads[i], "input " + std::to_string(i));
        if (!r.empty()) return r;
    }
    for (Variable* w : layer.trainableWeights()) {
        Tensor analytic = w->grad;
        auto r = check(w->value, analytic, "weight " + w->path());
        if (!r.empty()) return r;
    }
    return {};
}

/// Random tensor with values in [lo, hi).
inline Tensor randomTensor(std::vector<int64_t> shape, uint64_t seed = 1, float lo = -1.0f, float hi = 1.0f) {
    Rng rng(seed);
    Tensor t(std::move(shape));
    for (auto& v : t.values()) v = rng.uniform(lo, hi);
    return t;
}

}  // namespace strata::testing

#define STRATA_GRADCHECK(layer, inputs, ...)                                          \
    do {                                                                              \
        std::string _r = strata::testing::gradCheck(layer, inputs, ##__VA_ARGS__);    \
        QVERIFY2(_r.empty(), _r.c_str());                                             \
    } while (0)
