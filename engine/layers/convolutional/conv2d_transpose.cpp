#include "engine/layers/convolutional/conv2d_transpose.h"

namespace strata {

LayerSpec Conv2DTranspose::spec() {
    LayerSpec s;
    s.className = "Conv2DTranspose";
    s.category = LayerCategory::Convolution;
    s.doc = "Transposed 2-D convolution (deconvolution): upsamples by the strides.";
    s.params = BaseConvTranspose::specParams(2);
    s.factory = [](const Json& c) { return std::make_shared<Conv2DTranspose>(c); };
    s.brief = [](const Json& c) { return conv::brief(c, "filters"); };
    return s;
}

Conv2DTranspose::Conv2DTranspose(const Json& config) : BaseConvTranspose("Conv2DTranspose", 2, config) {}

}  // namespace strata
