// Registration of the regularization layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerRegularizationLayers(LayerRegistry& r) {}

}  // namespace strata
