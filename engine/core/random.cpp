#include "engine/core/random.h"

namespace strata {

Rng& globalRng() {
    static Rng rng;
    return rng;
}

void setSeed(uint64_t seed) { globalRng().seed(seed); }

}  // namespace strata
