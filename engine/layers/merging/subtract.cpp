#include "engine/layers/merging/subtract.h"

namespace strata {

LayerSpec Subtract::spec() {
    return Merge::makeSpec("Subtract", "Element-wise difference inputs[0] - inputs[1] (exactly 2 inputs).", Arity{2, 2},
                           [](const Json& c) { return std::make_shared<Subtract>(c); });
}

}  // namespace strata
