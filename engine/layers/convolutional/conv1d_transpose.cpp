#include "engine/layers/convolutional/conv1d_transpose.h"

namespace strata {

LayerSpec Conv1DTranspose::spec() {
    LayerSpec s;
    s.className = "Conv1DTranspose";
    s.category = LayerCategory::Convolution;
    s.doc = "Transposed 1-D convolution (deconvolution): upsamples steps by the stride.";
    s.params = BaseConvTranspose::specParams(1);
    s.factory = [](const Json& c) { return std::make_shared<Conv1DTranspose>(c); };
    s.brief = [](const Json& c) { return conv::brief(c, "filters"); };
    return s;
}

Conv1DTranspose::Conv1DTranspose(const Json& config) : BaseConvTranspose("Conv1DTranspose", 1, config) {}

}  // namespace strata
