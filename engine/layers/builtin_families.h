#pragma once
/// One registration function per layer family (each in its folder's `<family>_layers.cpp`).
/// registerBuiltinLayers (builtin_layers.cpp) calls them in palette order.
namespace strata {
class LayerRegistry;
void registerInputLayer(LayerRegistry& r);          // graph/input_layer.cpp
void registerCoreLayers(LayerRegistry& r);          // core/: Dense, Embedding, Masking, Activation
void registerActivationLayers(LayerRegistry& r);    // activation/: ReLU, LeakyReLU, PReLU, ELU, ...
void registerConvolutionalLayers(LayerRegistry& r); // convolutional/
void registerPoolingLayers(LayerRegistry& r);       // pooling/
void registerRecurrentLayers(LayerRegistry& r);     // recurrent/
void registerMergingLayers(LayerRegistry& r);       // merging/
void registerNormalizationLayers(LayerRegistry& r); // normalization/
void registerRegularizationLayers(LayerRegistry& r);// regularization/: Dropout, GaussianNoise, ...
void registerReshapingLayers(LayerRegistry& r);     // reshaping/
void registerModelLayers(LayerRegistry& r);         // graph/: Functional, Sequential
}  // namespace strata
