#include "engine/layers/merging/multiply.h"

namespace strata {

LayerSpec Multiply::spec() {
    return Merge::makeSpec("Multiply", "Element-wise product of the inputs.", Arity{2, -1},
                           [](const Json& c) { return std::make_shared<Multiply>(c); });
}

}  // namespace strata
