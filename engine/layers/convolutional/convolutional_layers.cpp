// Registration of the convolutional layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/convolutional/conv1d.h"
#include "engine/layers/convolutional/conv1d_transpose.h"
#include "engine/layers/convolutional/conv2d.h"
#include "engine/layers/convolutional/conv2d_transpose.h"
#include "engine/layers/convolutional/depthwise_conv1d.h"
#include "engine/layers/convolutional/depthwise_conv2d.h"
#include "engine/layers/convolutional/separable_conv1d.h"
#include "engine/layers/convolutional/separable_conv2d.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerConvolutionalLayers(LayerRegistry& r) {
    r.add(Conv1D::spec());
    r.add(Conv2D::spec());
    r.add(Conv1DTranspose::spec());
    r.add(Conv2DTranspose::spec());
    r.add(SeparableConv1D::spec());
    r.add(SeparableConv2D::spec());
    r.add(DepthwiseConv1D::spec());
    r.add(DepthwiseConv2D::spec());
    // Keras's alternative class names (keras.layers.Convolution2D is Conv2D, ...).
    r.addAlias("Convolution1D", "Conv1D");
    r.addAlias("Convolution2D", "Conv2D");
    r.addAlias("Convolution1DTranspose", "Conv1DTranspose");
    r.addAlias("Convolution2DTranspose", "Conv2DTranspose");
    r.addAlias("SeparableConvolution1D", "SeparableConv1D");
    r.addAlias("SeparableConvolution2D", "SeparableConv2D");
}

}  // namespace strata
