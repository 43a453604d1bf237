// Registration of the recurrent layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerRecurrentLayers(LayerRegistry& r) {}

}  // namespace strata
