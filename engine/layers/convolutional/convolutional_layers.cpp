// Registration of the convolutional layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerConvolutionalLayers(LayerRegistry& r) {}

}  // namespace strata
