// Registration of the normalization layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/normalization/batch_normalization.h"
#include "engine/layers/normalization/layer_normalization.h"

namespace strata {

void registerNormalizationLayers(LayerRegistry& r) {
    r.add(BatchNormalization::spec());
    r.add(LayerNormalization::spec());
}

}  // namespace strata
