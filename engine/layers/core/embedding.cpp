#include "engine/layers/core/embedding.h"

#include <cmath>
#include <cstring>
#include <sstream>

#include "engine/core/errors.h"

namespace strata {

LayerSpec Embedding::spec() {
    LayerSpec s;
    s.className = "Embedding";
    s.category = LayerCategory::Core;
    s.doc = "Turns non-negative integer ids into dense vectors of fixed size.";
    s.params = {
        param::required(param::integer("input_dim", 1, "Size of the vocabulary (largest id + 1).", 1)),
        param::required(param::integer("output_dim", 1, "Dimension of the dense embedding.", 1)),
        param::initializer("embeddings_initializer", "uniform",
                           "Initializer of the embeddings matrix (uniform = random_uniform in [-0.05, 0.05])."),
        param::regularizer("embeddings_regularizer", "Penalty on the embeddings matrix."),
        param::regularizer("activity_regularizer", "Penalty on the output."),
        param::constraint("embeddings_constraint", "Constraint on the embeddings (kept, not applied)."),
        param::boolean("mask_zero", false, "Treat id 0 as padding and emit a mask (id != 0)."),
    };
    s.factory = [](const Json& c) { return std::make_shared<Embedding>(c); };
    s.brief = [](const Json& c) {
        return std::to_string(c.value("input_dim", 0)) + " → " + std::to_string(c.value("output_dim", 0));
    };
    return s;
}

namespace {
Json dropKeras2Keys(Json config) {
    // Keras 2 wrote input_length (Keras 3 ignores it and warns); the input shape carries it anyway.
    if (config.is_object()) config.erase("input_length");
    return config;
}
}  // namespace

Embedding::Embedding(const Json& config)
    : Layer("Embedding", dropKeras2Keys(config)),
      inputDim_(cfgInt(this->config(), "input_dim")),
      outputDim_(cfgInt(this->config(), "output_dim")),
      maskZero_(cfgBool(this->config(), "mask_zero")) {
    if (!cfgIsNull(this->config(), "lora_rank") && cfgInt(this->config(), "lora_rank") > 0)
        throw NotSupportedError("Embedding '" + name() + "': LoRA (lora_rank) is not supported");
}

std::vector<Shape> Embedding::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() < 1) throw ShapeError("input 0: expected ids with a batch dimension, got shape " + s.toString());
    Shape out = s;
    out.dims().push_back(outputDim_);
    return {out};
}

void Embedding::buildImpl(const std::vector<Shape>&) {
    embeddings_ = &addWeight("embeddings", {inputDim_, outputDim_}, config()["embeddings_initializer"], true,
                             config()["embeddings_regularizer"]);
}

void Embedding::checkIds(const Tensor& ids) const {
    const float* p = ids.data();
    const float limit = static_cast<float>(inputDim_);
    for (int64_t i = 0; i < ids.size(); ++i) {
        float v = p[i];
        if (v >= 0.0f && v < limit && v == std::floor(v)) continue;
        std::ostringstream msg;
        msg << "Layer '" << name() << "' (Embedding): ";
        if (!std::isfinite(v) || v != std::floor(v))
            msg << "id " << v << " at position " << i << " is not an integer";
        else
            msg << "id " << static_cast<int64_t>(v) << " at position " << i << " is out of range [0, " << inputDim_
                << ")";
        throw ValueError(msg.str());
    }
}

void Embedding::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& ids = *inputs[0];
    if (ids.rank() < 1)
        throw ShapeError("Layer '" + name() + "' (Embedding): input 0 must have a batch dimension, got shape " +
                         ids.shapeString());
    checkIds(ids);
    outputs.resize(1);
    Tensor& y = outputs[0];
    auto shape = ids.shape();
    shape.push_back(outputDim_);
    y.resize(shape);
    y.setDType(DType::Float32);
    const float* table = embeddings_->value.data();
    const size_t rowBytes = static_cast<size_t>(outputDim_) * sizeof(float);
    float* out = y.data();
    for (int64_t i = 0; i < ids.size(); ++i) {
        const int64_t id = static_cast<int64_t>(ids[i]);
        std::memcpy(out + i * outputDim_, table + id * outputDim_, rowBytes);
    }
}

void Embedding::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                         Tensors& inputGrads, CallContext& ctx) {
    const Tensor& ids = *inputs[0];
    inputGrads.resize(1);
    inputGrads[0].resize(ids.shape(), 0.0f);  // ids are not differentiable
    if (!outputGrads[0] || !trainable()) return;
    const Tensor& g = *outputGrads[0];
    if (g.size() != ids.size() * outputDim_)
        throw ShapeError("Layer '" + name() + "' (Embedding): output gradient has shape " + g.shapeString() +
                         ", expected " + shapeToString(outputs[0].shape()));
    auto table = embeddings_->grad.matrix(inputDim_, outputDim_);
    auto G = g.matrix(ids.size(), outputDim_);
    for (int64_t i = 0; i < ids.size(); ++i) {
        const int64_t id = static_cast<int64_t>(ids[i]);
        if (id < 0 || id >= inputDim_) continue;  // forward already rejected these
        table.row(id) += G.row(i);
    }
}

std::optional<Tensor> Embedding::computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs&) const {
    if (!maskZero_ || inputs.empty() || !inputs[0]) return std::nullopt;
    const Tensor& ids = *inputs[0];
    Tensor mask(ids.shape());
    for (int64_t i = 0; i < ids.size(); ++i) mask[i] = ids[i] != 0.0f ? 1.0f : 0.0f;
    return mask;
}

}  // namespace strata
