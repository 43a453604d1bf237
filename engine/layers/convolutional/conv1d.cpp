#include "engine/layers/convolutional/conv1d.h"

namespace strata {

LayerSpec Conv1D::spec() {
    LayerSpec s;
    s.className = "Conv1D";
    s.category = LayerCategory::Convolution;
    s.doc = "1-D convolution (temporal): activation(conv1d(inputs, kernel) + bias).";
    s.params = BaseConv::specParams(1);
    s.factory = [](const Json& c) { return std::make_shared<Conv1D>(c); };
    s.brief = [](const Json& c) { return conv::brief(c, "filters"); };
    return s;
}

Conv1D::Conv1D(const Json& config) : BaseConv("Conv1D", 1, config) {}

}  // namespace strata
