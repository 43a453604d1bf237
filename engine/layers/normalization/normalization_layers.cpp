// Registration of the normalization layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerNormalizationLayers(LayerRegistry& r) {}

}  // namespace strata
