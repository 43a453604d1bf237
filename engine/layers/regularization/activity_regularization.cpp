#include "engine/layers/regularization/activity_regularization.h"

#include <cmath>

#include "engine/core/errors.h"

namespace strata {

namespace {
struct ActivityRegularizationCache : LayerCache {
    bool lossAdded = false;  // backward adds the penalty's gradient only if forward added the loss
};

int64_t batchOf(const Tensor& x) { return x.rank() > 0 ? x.dim(0) : 1; }
}  // namespace

LayerSpec ActivityRegularization::spec() {
    LayerSpec s;
    s.className = "ActivityRegularization";
    s.category = LayerCategory::Regularization;
    s.doc = "Identity that adds an L1/L2 penalty on its input activity to the training loss.";
    s.params = {
        param::real("l1", 0.0, "L1 factor: adds l1 * sum|x| / batch_size.", 0.0),
        param::real("l2", 0.0, "L2 factor: adds l2 * sum(x^2) / batch_size.", 0.0),
    };
    s.factory = [](const Json& c) { return std::make_shared<ActivityRegularization>(c); };
    s.brief = [](const Json& c) {
        return "l1 " + c.value("l1", Json(0.0)).dump() + " · l2 " + c.value("l2", Json(0.0)).dump();
    };
    return s;
}

ActivityRegularization::ActivityRegularization(const Json& config)
    : Layer("ActivityRegularization", config),
      l1_(static_cast<float>(cfgFloat(this->config(), "l1"))),
      l2_(static_cast<float>(cfgFloat(this->config(), "l2"))) {}

std::vector<Shape> ActivityRegularization::computeOutputShape(const std::vector<Shape>& in) const { return {in[0]}; }

float ActivityRegularization::penalty(const Tensor& x) const {
    const int64_t batch = batchOf(x);
    if (batch == 0) return 0.0f;  // Keras: divide_no_nan
    double s1 = 0, s2 = 0;
    for (int64_t i = 0; i < x.size(); ++i) {
        s1 += std::fabs(x[i]);
        s2 += double(x[i]) * x[i];
    }
    return static_cast<float>((l1_ * s1 + l2_ * s2) / double(batch));
}

void ActivityRegularization::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    y.setDType(DType::Float32);
    std::copy(x.data(), x.data() + x.size(), y.data());
    const bool add = ctx.losses != nullptr && (l1_ != 0.0f || l2_ != 0.0f);
    if (add) addLoss(ctx, penalty(x));
    if (ctx.backwardNeeded()) ctx.cache<ActivityRegularizationCache>().lossAdded = add;
}

void ActivityRegularization::backward(const ConstTensorPtrs& inputs, const Tensors& outputs,
                                      const ConstTensorPtrs& outputGrads, Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape());
    if (outputGrads[0]) {
        const Tensor& g = *outputGrads[0];
        std::copy(g.data(), g.data() + g.size(), gx.data());
    } else {
        gx.setZero();
    }
    const int64_t batch = batchOf(x);
    if (!ctx.cache<ActivityRegularizationCache>().lossAdded || batch == 0) return;
    const float a = l1_ / float(batch), b = 2.0f * l2_ / float(batch);
    for (int64_t i = 0; i < x.size(); ++i) {
        const float v = x[i];
        gx[i] += a * (v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f)) + b * v;
    }
}

}  // namespace strata
