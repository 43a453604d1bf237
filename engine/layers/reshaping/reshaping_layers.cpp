// Registration of the reshaping layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerReshapingLayers(LayerRegistry& r) {}

}  // namespace strata
