#include "engine/layers/convolutional/conv2d.h"

namespace strata {

LayerSpec Conv2D::spec() {
    LayerSpec s;
    s.className = "Conv2D";
    s.category = LayerCategory::Convolution;
    s.doc = "2-D convolution (spatial): activation(conv2d(inputs, kernel) + bias).";
    s.params = BaseConv::specParams(2);
    s.factory = [](const Json& c) { return std::make_shared<Conv2D>(c); };
    s.brief = [](const Json& c) { return conv::brief(c, "filters"); };
    return s;
}

Conv2D::Conv2D(const Json& config) : BaseConv("Conv2D", 2, config) {}

}  // namespace strata
