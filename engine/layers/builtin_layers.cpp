// THE list of built-in layer families. Explicit calls rather than static self-registration, which
// linkers drop from static libraries.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerBuiltinLayers(LayerRegistry& r) {
    registerInputLayer(r);
    registerCoreLayers(r);
    registerConvolutionalLayers(r);
    registerPoolingLayers(r);
    registerRecurrentLayers(r);
    registerMergingLayers(r);
    registerNormalizationLayers(r);
    registerRegularizationLayers(r);
    registerActivationLayers(r);
    registerReshapingLayers(r);
    registerModelLayers(r);
}

}  // namespace strata
