#include "engine/layers/convolutional/depthwise_conv1d.h"

namespace strata {

LayerSpec DepthwiseConv1D::spec() {
    LayerSpec s;
    s.className = "DepthwiseConv1D";
    s.category = LayerCategory::Convolution;
    s.doc = "Depthwise 1-D convolution: each input channel convolved with its own filters.";
    s.params = BaseDepthwiseConv::specParams(1);
    s.factory = [](const Json& c) { return std::make_shared<DepthwiseConv1D>(c); };
    s.brief = [](const Json& c) { return conv::brief(c, "depth_multiplier"); };
    return s;
}

DepthwiseConv1D::DepthwiseConv1D(const Json& config) : BaseDepthwiseConv("DepthwiseConv1D", 1, config) {}

}  // namespace strata
