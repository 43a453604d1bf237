#include "engine/layers/convolutional/depthwise_conv2d.h"

namespace strata {

LayerSpec DepthwiseConv2D::spec() {
    LayerSpec s;
    s.className = "DepthwiseConv2D";
    s.category = LayerCategory::Convolution;
    s.doc = "Depthwise 2-D convolution: each input channel convolved with its own filters.";
    s.params = BaseDepthwiseConv::specParams(2);
    s.factory = [](const Json& c) { return std::make_shared<DepthwiseConv2D>(c); };
    s.brief = [](const Json& c) { return conv::brief(c, "depth_multiplier"); };
    return s;
}

DepthwiseConv2D::DepthwiseConv2D(const Json& config) : BaseDepthwiseConv("DepthwiseConv2D", 2, config) {}

}  // namespace strata
