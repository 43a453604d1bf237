// Registration of the pooling layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerPoolingLayers(LayerRegistry& r) {}

}  // namespace strata
