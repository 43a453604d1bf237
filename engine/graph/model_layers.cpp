#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {
void registerModelLayers(LayerRegistry& r) {}
}  // namespace strata
