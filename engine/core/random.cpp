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

void fillBernoulliMask(float* out, int64_t n, double rate, float keepValue, Rng& rng) {
    const uint64_t seed = rng.next();
    // Keep when the 32-bit uniform u >= rate * 2^32 (exact for rate in [0, 1)).
    const uint64_t threshold = static_cast<uint64_t>(rate * 4294967296.0);
    const int64_t pairs = n / 2;
    for (int64_t i = 0; i < pairs; ++i) {
        uint64_t z = seed + static_cast<uint64_t>(i + 1) * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        out[2 * i] = (z & 0xffffffffu) >= threshold ? keepValue : 0.0f;
        out[2 * i + 1] = (z >> 32) >= threshold ? keepValue : 0.0f;
    }
    if (n % 2) {
        uint64_t z = seed ^ 0xD1B54A32D192ED03ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        out[n - 1] = (z & 0xffffffffu) >= threshold ? keepValue : 0.0f;
    }
}

}  // namespace strata
