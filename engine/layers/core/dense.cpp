#include "engine/layers/core/dense.h"

#include "engine/core/parallel.h"
#include "engine/layers/activation_backward.h"

#include "engine/core/errors.h"

namespace strata {

namespace {
struct DenseCache : LayerCache {
    Tensor preActivation;  // kept only when the activation's derivative needs x
    Tensor grad;           // scratch for dL/d(pre-activation)
};
}  // namespace

LayerSpec Dense::spec() {
    LayerSpec s;
    s.className = "Dense";
    s.category = LayerCategory::Core;
    s.doc = "Densely-connected layer: activation(inputs @ kernel + bias) on the last axis.";
    s.params = {
        param::required(param::integer("units", 1, "Dimensionality of the output space.", 1)),
        param::activation("activation", "linear", "Activation applied to the output."),
        param::boolean("use_bias", true, "Whether to add a bias vector."),
        param::initializer("kernel_initializer", "glorot_uniform", "Initializer of the kernel."),
        param::initializer("bias_initializer", "zeros", "Initializer of the bias."),
        param::regularizer("kernel_regularizer", "Penalty on the kernel."),
        param::regularizer("bias_regularizer", "Penalty on the bias."),
        param::regularizer("activity_regularizer", "Penalty on the output."),
        param::constraint("kernel_constraint", "Constraint on the kernel (kept, not applied)."),
        param::constraint("bias_constraint", "Constraint on the bias (kept, not applied)."),
    };
    s.factory = [](const Json& c) { return std::make_shared<Dense>(c); };
    s.brief = [](const Json& c) {
        // Read through value(): a brief sees raw, possibly partial configs.
        const Json act = c.value("activation", Json("linear"));
        const std::string a = act.is_string() ? act.get<std::string>() : "";
        const Json units = c.value("units", Json(0));
        return (units.is_number_integer() ? std::to_string(units.get<int64_t>()) : std::string("?")) + (a.empty() || a == "linear" ? "" : " · " + a);
    };
    return s;
}

Dense::Dense(const Json& config)
    : Layer("Dense", config),
      units_(cfgInt(this->config(), "units")),
      useBias_(cfgBool(this->config(), "use_bias")),
      activation_(ActivationFn::fromJson(this->config()["activation"])) {}

std::vector<Shape> Dense::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() < 2) throw ShapeError("expected input of rank >= 2, got " + s.toString());
    if (s[-1] == kNone) throw ShapeError("the last dimension of the input must be known, got " + s.toString());
    if (built() && kernel_->value.dim(0) != s[-1])
        throw ShapeError("expected last dimension " + std::to_string(kernel_->value.dim(0)) + ", got input " + s.toString());
    Shape out = s;
    out[-1] = units_;
    return {out};
}

void Dense::buildImpl(const std::vector<Shape>& in) {
    int64_t inDim = in[0][-1];
    kernel_ = &addWeight("kernel", {inDim, units_}, config()["kernel_initializer"], true, config()["kernel_regularizer"]);
    if (useBias_) bias_ = &addWeight("bias", {units_}, config()["bias_initializer"], true, config()["bias_regularizer"]);
}

void Dense::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    if (x.dim(-1) != kernel_->value.dim(0))
        throw ShapeError("Layer '" + name() + "' (Dense): expected last dimension " +
                         std::to_string(kernel_->value.dim(0)) + ", got input " + x.shapeString());
    outputs.resize(1);
    Tensor& y = outputs[0];
    auto shape = x.shape();
    shape.back() = units_;
    y.resize(shape);
    const int64_t rows = x.size() / x.dim(-1);
    auto Y = y.matrix(rows, units_);
    parallelProduct(Y, x.matrix(rows, x.dim(-1)), kernel_->value.matrix(), false);
    if (useBias_) Y.rowwise() += bias_->value.vector().transpose();
    if (!activation_.isLinear()) {
        if (ctx.backwardNeeded() && !activation_.backwardNeedsOnlyOutput()) ctx.cache<DenseCache>().preActivation = y;
        activation_.apply(y.data(), y.size(), units_);
    }
}

void Dense::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                     Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    const Tensor& y = outputs[0];
    const int64_t rows = x.size() / x.dim(-1);
    inputGrads.resize(1);
    const bool wantInputGrad = ctx.inputGradNeeded(0);
    if (wantInputGrad) inputGrads[0].resize(x.shape());
    if (!outputGrads[0]) {
        if (wantInputGrad) inputGrads[0].setZero();
        return;
    }
    auto& cache = ctx.cache<DenseCache>();
    const Tensor* g = gradientThroughActivation(activation_, y, outputGrads[0], cache.preActivation, cache.grad);
    auto G = g->matrix(rows, units_);
    if (trainable()) {
        parallelProduct(kernel_->grad.matrix(), x.matrix(rows, x.dim(-1)).transpose(), G, true);
        if (useBias_) bias_->grad.vector() += G.colwise().sum().transpose();
    }
    if (wantInputGrad) parallelProduct(inputGrads[0].matrix(rows, x.dim(-1)), G, kernel_->value.matrix().transpose(), false);
}

}  // namespace strata
