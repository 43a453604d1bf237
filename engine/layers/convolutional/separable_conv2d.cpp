#include "engine/layers/convolutional/separable_conv2d.h"

namespace strata {

LayerSpec SeparableConv2D::spec() {
    LayerSpec s;
    s.className = "SeparableConv2D";
    s.category = LayerCategory::Convolution;
    s.doc = "Depthwise-separable 2-D convolution: depthwise conv then 1x1 pointwise conv.";
    s.params = BaseSeparableConv::specParams(2);
    s.factory = [](const Json& c) { return std::make_shared<SeparableConv2D>(c); };
    s.brief = [](const Json& c) { return conv::brief(c, "filters"); };
    return s;
}

SeparableConv2D::SeparableConv2D(const Json& config) : BaseSeparableConv("SeparableConv2D", 2, config) {}

}  // namespace strata
