#include "engine/layers/convolutional/separable_conv1d.h"

namespace strata {

LayerSpec SeparableConv1D::spec() {
    LayerSpec s;
    s.className = "SeparableConv1D";
    s.category = LayerCategory::Convolution;
    s.doc = "Depthwise-separable 1-D convolution: depthwise conv then pointwise conv.";
    s.params = BaseSeparableConv::specParams(1);
    s.factory = [](const Json& c) { return std::make_shared<SeparableConv1D>(c); };
    s.brief = [](const Json& c) { return conv::brief(c, "filters"); };
    return s;
}

SeparableConv1D::SeparableConv1D(const Json& config) : BaseSeparableConv("SeparableConv1D", 1, config) {}

}  // namespace strata
