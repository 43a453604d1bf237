#pragma once
/// ThreadRngScope: gives the calling thread its own random generator. While the scope lives,
/// globalRng() in this thread (weight initialisation, shuffling, dropout, setSeed) uses `rng`, and
/// other threads keep the process generator. A training thread uses one so that a GUI thread
/// building models at the same time (a save, the summary, a diagram) neither races with it nor
/// moves its random sequence. Scopes nest; not copyable.
#include "engine/core/random.h"

namespace strata {

class ThreadRngScope {
public:
    explicit ThreadRngScope(Rng& rng);
    ~ThreadRngScope();
    ThreadRngScope(const ThreadRngScope&) = delete;
    ThreadRngScope& operator=(const ThreadRngScope&) = delete;

private:
    Rng* previous_;
};

}  // namespace strata
