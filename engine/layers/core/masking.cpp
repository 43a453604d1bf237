#include "engine/layers/core/masking.h"

#include "engine/core/errors.h"

namespace strata {

LayerSpec Masking::spec() {
    LayerSpec s;
    s.className = "Masking";
    s.category = LayerCategory::Core;
    s.doc = "Masks timesteps whose features all equal mask_value (they are zeroed and skipped downstream).";
    s.params = {
        param::real("mask_value", 0.0, "Value that marks a padded position when all its features equal it."),
    };
    s.factory = [](const Json& c) { return std::make_shared<Masking>(c); };
    s.brief = [](const Json& c) { return "mask " + c.value("mask_value", Json(0.0)).dump(); };
    return s;
}

Masking::Masking(const Json& config)
    : Layer("Masking", config), maskValue_(static_cast<float>(cfgFloat(this->config(), "mask_value"))) {}

std::vector<Shape> Masking::computeOutputShape(const std::vector<Shape>& in) const {
    if (in[0].rank() < 2)
        throw ShapeError("input 0: expected rank >= 2 (batch, ..., features), got shape " + in[0].toString());
    return {in[0]};
}

void Masking::checkInput(const Tensor& x) const {
    if (x.rank() < 2)
        throw ShapeError("Layer '" + name() + "' (Masking): input 0 must have rank >= 2 (batch, ..., features), got shape " +
                         x.shapeString());
}

bool Masking::keepRow(const float* row, int64_t width) const {
    for (int64_t j = 0; j < width; ++j)
        if (row[j] != maskValue_) return true;
    return false;
}

void Masking::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    checkInput(x);
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(x.shape());
    y.setDType(DType::Float32);
    const int64_t width = x.dim(-1);
    const int64_t rows = width > 0 ? x.size() / width : 0;
    for (int64_t r = 0; r < rows; ++r) {
        const float* in = x.data() + r * width;
        float* out = y.data() + r * width;
        const float m = keepRow(in, width) ? 1.0f : 0.0f;
        for (int64_t j = 0; j < width; ++j) out[j] = in[j] * m;
    }
}

void Masking::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
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
    const int64_t width = x.dim(-1);
    const int64_t rows = width > 0 ? x.size() / width : 0;
    for (int64_t r = 0; r < rows; ++r) {
        // The mask is a constant of the input (a comparison): d(x * m)/dx = m.
        const float m = keepRow(x.data() + r * width, width) ? 1.0f : 0.0f;
        for (int64_t j = 0; j < width; ++j) gx[r * width + j] = g[r * width + j] * m;
    }
}

std::optional<Tensor> Masking::computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs&) const {
    if (inputs.empty() || !inputs[0]) return std::nullopt;
    const Tensor& x = *inputs[0];
    checkInput(x);
    std::vector<int64_t> shape(x.shape().begin(), x.shape().end() - 1);
    Tensor mask(shape);
    const int64_t width = x.dim(-1);
    for (int64_t r = 0; r < mask.size(); ++r) mask[r] = keepRow(x.data() + r * width, width) ? 1.0f : 0.0f;
    return mask;
}

}  // namespace strata
