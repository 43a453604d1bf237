#include "engine/core/random.h"

#include "engine/core/thread_rng.h"

namespace strata {

namespace {
thread_local Rng* threadRng = nullptr;  // set by ThreadRngScope
}  // namespace

Rng& globalRng() {
    if (threadRng) return *threadRng;
    static Rng rng;
    return rng;
}

ThreadRngScope::ThreadRngScope(Rng& rng) : previous_(threadRng) { threadRng = &rng; }
ThreadRngScope::~ThreadRngScope() { threadRng = previous_; }

void setSeed(uint64_t seed) { globalRng().seed(seed); }

}  // namespace strata
