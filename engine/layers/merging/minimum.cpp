#include "engine/layers/merging/minimum.h"

namespace strata {

LayerSpec Minimum::spec() {
    return Merge::makeSpec("Minimum", "Element-wise minimum of the inputs.", Arity{2, -1},
                           [](const Json& c) { return std::make_shared<Minimum>(c); });
}

}  // namespace strata
