// Registration of the core layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/core/activation.h"
#include "engine/layers/core/dense.h"
#include "engine/layers/core/embedding.h"
#include "engine/layers/core/masking.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerCoreLayers(LayerRegistry& r) {
    r.add(Dense::spec());
    r.add(Embedding::spec());
    r.add(Masking::spec());
    r.add(Activation::spec());
}

}  // namespace strata
