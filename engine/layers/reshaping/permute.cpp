#include "engine/layers/reshaping/permute.h"

#include <algorithm>

#include "engine/layers/reshaping/reshaping_common.h"

namespace strata {

using namespace reshaping_detail;

LayerSpec Permute::spec() {
    LayerSpec s;
    s.className = "Permute";
    s.category = LayerCategory::Reshaping;
    s.doc = "Permutes the non-batch axes of the input by a pattern (1-based, e.g. (2, 1)).";
    s.params = {
        param::required(param::intList("dims", Json::array({2, 1}),
                                       "Permutation of the non-batch axes, indexing from 1 (e.g. (2, 1)).")),
    };
    s.factory = [](const Json& c) { return std::make_shared<Permute>(c); };
    s.brief = [](const Json& c) {
        std::string t;
        if (c.contains("dims") && c["dims"].is_array())
            for (const auto& d : c["dims"]) t += (t.empty() ? "" : ",") + d.dump();
        return "(" + t + ")";
    };
    return s;
}

Permute::Permute(const Json& config) : Layer("Permute", config) {
    auto d = cfgInts(this->config(), "dims");
    std::vector<int64_t> sorted = d;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i)
        if (sorted[i] != static_cast<int64_t>(i + 1))
            throw ConfigError("Permute argument 'dims' must be a permutation of 1.." + std::to_string(d.size()) +
                              " (consecutive, starting from 1), got " + this->config()["dims"].dump());
    if (d.empty()) throw ConfigError("Permute argument 'dims' must not be empty");
    perm_.push_back(0);
    for (auto v : d) {
        dims_.push_back(static_cast<int>(v));
        perm_.push_back(static_cast<int>(v));
    }
    inverse_.resize(perm_.size());
    for (size_t k = 0; k < perm_.size(); ++k) inverse_[perm_[k]] = static_cast<int>(k);
}

void Permute::checkRank(int rank, const std::string& shape) const {
    if (rank != static_cast<int>(dims_.size()) + 1)
        throw ShapeError("expected input of rank " + std::to_string(dims_.size() + 1) + " (batch + " +
                         std::to_string(dims_.size()) + " axes for dims of length " + std::to_string(dims_.size()) +
                         "), got " + shape);
}

std::vector<Shape> Permute::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    checkRank(s.rank(), s.toString());
    Shape out;
    for (int p : perm_) out.dims().push_back(s[p]);
    return {out};
}

std::vector<DType> Permute::computeOutputDType(const std::vector<DType>& in) const {
    return {in.empty() ? DType::Float32 : in[0]};
}

void Permute::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext&) {
    const Tensor& x = *inputs[0];
    try {
        checkRank(x.rank(), x.shapeString());
    } catch (const ShapeError& e) {
        throw layerError(*this, e.what());
    }
    std::vector<int64_t> shape(perm_.size());
    for (size_t k = 0; k < perm_.size(); ++k) shape[k] = x.dim(perm_[k]);
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(shape);
    y.setDType(x.dtype());
    transposeInto(x.data(), x.shape(), perm_, y.data());
}

void Permute::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                       Tensors& inputGrads, CallContext&) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    inputGrads[0].resize(x.shape());
    if (!outputGrads[0]) {
        inputGrads[0].setZero();
        return;
    }
    const Tensor& g = *outputGrads[0];
    if (g.size() != x.size() || g.rank() != x.rank())
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match input " + x.shapeString());
    transposeInto(g.data(), g.shape(), inverse_, inputGrads[0].data());
}

}  // namespace strata
