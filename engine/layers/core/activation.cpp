#include "engine/layers/core/activation.h"

#include "engine/core/errors.h"

namespace strata {

LayerSpec Activation::spec() {
    LayerSpec s;
    s.className = "Activation";
    s.category = LayerCategory::Core;
    s.doc = "Applies an activation function to its input.";
    s.params = {
        param::required(param::activation("activation", "linear", "Activation function to apply.")),
    };
    s.factory = [](const Json& c) { return std::make_shared<Activation>(c); };
    s.brief = [](const Json& c) {
        return c.contains("activation") && c["activation"].is_string() ? c["activation"].get<std::string>()
                                                                        : std::string();
    };
    return s;
}

Activation::Activation(const Json& config)
    : Layer("Activation", config), activation_(ActivationFn::fromJson(this->config()["activation"])) {}

std::vector<Shape> Activation::computeOutputShape(const std::vector<Shape>& in) const {
    if (in[0].rank() < 1) throw ShapeError("input 0: expected a tensor with a batch dimension, got shape " + in[0].toString());
    return {in[0]};
}

void Activation::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    if (x.rank() < 1)
        throw ShapeError("Layer '" + name() + "' (Activation): input 0 must have a batch dimension, got shape " +
                         x.shapeString());
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    y.setDType(DType::Float32);
    std::copy(x.data(), x.data() + x.size(), y.data());
    activation_.apply(y.data(), y.size(), x.dim(-1));
}

void Activation::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                          Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape());
    if (!outputGrads[0]) {
        gx.setZero();
        return;
    }
    const Tensor& g = *outputGrads[0];
    std::copy(g.data(), g.data() + g.size(), gx.data());
    activation_.backward(x.data(), outputs[0].data(), gx.data(), x.size(), x.dim(-1));
}

}  // namespace strata
