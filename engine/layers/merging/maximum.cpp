#include "engine/layers/merging/maximum.h"

namespace strata {

LayerSpec Maximum::spec() {
    return Merge::makeSpec("Maximum", "Element-wise maximum of the inputs.", Arity{2, -1},
                           [](const Json& c) { return std::make_shared<Maximum>(c); });
}

}  // namespace strata
