#include "engine/layers/merging/average.h"

namespace strata {

LayerSpec Average::spec() {
    return Merge::makeSpec("Average", "Element-wise mean of the inputs.", Arity{2, -1},
                           [](const Json& c) { return std::make_shared<Average>(c); });
}

}  // namespace strata
