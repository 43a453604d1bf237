// Registration of the activation layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerActivationLayers(LayerRegistry& r) {}

}  // namespace strata
