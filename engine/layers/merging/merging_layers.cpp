// Registration of the merging layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerMergingLayers(LayerRegistry& r) {}

}  // namespace strata
