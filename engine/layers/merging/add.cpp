#include "engine/layers/merging/add.h"

namespace strata {

LayerSpec Add::spec() {
    return Merge::makeSpec("Add", "Element-wise sum of the inputs (same or broadcastable shapes).", Arity{2, -1},
                           [](const Json& c) { return std::make_shared<Add>(c); });
}

}  // namespace strata
