#include "engine/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace strata {

namespace {

std::atomic<int> gThreads{0};

int defaultThreads() {
    if (const char* env = std::getenv("STRATA_NUM_THREADS")) {
        int n = std::atoi(env);
        if (n > 0) return std::min(n, 64);
    }
    unsigned hw = std::thread::hardware_concurrency();
    return static_cast<int>(std::clamp<unsigned>(hw, 1u, 8u));
}

/// One run at a time (a nested or concurrent run executes inline). Ranges are claimed through one
/// atomic word holding (generation << 32 | next part), so a worker that wakes late can never claim
/// a part of a later run with the function of an earlier one.
class Pool {
public:
    static Pool& instance() {
        static Pool* pool = new Pool();  // never destroyed: workers may still wait at exit
        return *pool;
    }

    bool tryRun(int64_t n, int parts, FunctionRef<void(int, int64_t, int64_t)> fn) {
        std::unique_lock<std::mutex> call(callMutex_, std::try_to_lock);
        if (!call.owns_lock()) return false;
        uint64_t gen;
        {
            std::lock_guard<std::mutex> lk(m_);
            while (static_cast<int>(workers_.size()) < parts - 1) {
                workers_.emplace_back([this, g = generation_] { work(g); });
                workers_.back().detach();
            }
            job_ = fn;
            n_ = n;
            parts_ = parts;
            remaining_ = parts;
            error_ = nullptr;
            gen = ++generation_;
            claim_.store(gen << 32, std::memory_order_release);
        }
        cv_.notify_all();
        runClaims(gen, fn, n, parts);
        std::unique_lock<std::mutex> lk(m_);
        done_.wait(lk, [&] { return remaining_ == 0; });
        job_ = {};
        std::exception_ptr err = error_;
        lk.unlock();
        if (err) std::rethrow_exception(err);
        return true;
    }

private:
    void runClaims(uint64_t gen, FunctionRef<void(int, int64_t, int64_t)> fn, int64_t n, int parts) {
        for (;;) {
            uint64_t c = claim_.load(std::memory_order_acquire);
            if ((c >> 32) != gen) return;
            const int part = static_cast<int>(c & 0xffffffffu);
            if (part >= parts) return;
            if (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) continue;
            std::exception_ptr err;
            try {
                fn(part, n * part / parts, n * (part + 1) / parts);
            } catch (...) {
                err = std::current_exception();
            }
            std::lock_guard<std::mutex> lk(m_);
            if (err && !error_) error_ = err;
            if (--remaining_ == 0) done_.notify_all();
        }
    }

    void work(uint64_t seen) {
        for (;;) {
            spinForNextRun(seen);
            std::unique_lock<std::mutex> lk(m_);
            cv_.wait(lk, [&] { return generation_ != seen; });
            seen = generation_;
            auto job = job_;
            const int64_t n = n_;
            const int parts = parts_;
            lk.unlock();
            if (job) runClaims(seen, job, n, parts);
        }
    }

    /// Kernels come in bursts (an LSTM step issues a GEMM every few tens of microseconds), and
    /// waking a sleeping thread costs about as much as such a GEMM. So a worker first watches the
    /// claim word for a new run for a short, bounded time, then sleeps; on a busy machine it
    /// gives the core back after kSpin and the run still proceeds (the caller claims every part).
    void spinForNextRun(uint64_t seen) const {
        constexpr auto kSpin = std::chrono::microseconds(60);
        const auto until = std::chrono::steady_clock::now() + kSpin;
        for (int i = 0;; ++i) {
            if ((claim_.load(std::memory_order_acquire) >> 32) != (seen & 0xffffffffu)) return;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
            if ((i & 63) == 63 && std::chrono::steady_clock::now() >= until) return;
        }
    }

    std::mutex callMutex_;
    std::mutex m_;
    std::condition_variable cv_, done_;
    std::vector<std::thread> workers_;
    FunctionRef<void(int, int64_t, int64_t)> job_;
    std::atomic<uint64_t> claim_{0};
    int64_t n_ = 0;
    int parts_ = 0;
    int remaining_ = 0;
    uint64_t generation_ = 0;
    std::exception_ptr error_;
};

}  // namespace

int numThreads() {
    int n = gThreads.load(std::memory_order_relaxed);
    if (n <= 0) {
        n = defaultThreads();
        gThreads.store(n, std::memory_order_relaxed);
    }
    return n;
}

void setNumThreads(int n) { gThreads.store(std::max(1, n), std::memory_order_relaxed); }

void parallelFor(int64_t n, int parts, FunctionRef<void(int, int64_t, int64_t)> fn) {
    if (n <= 0) return;
    parts = static_cast<int>(std::min<int64_t>(parts, n));
    if (parts <= 1 || !Pool::instance().tryRun(n, parts, fn)) {
        // Inline: still one call per part, so per-part scratch indices keep their meaning.
        for (int p = 0; p < std::max(parts, 1); ++p) fn(p, n * p / std::max(parts, 1), n * (p + 1) / std::max(parts, 1));
    }
}

int partsFor(int64_t items, double flops) {
    const int t = numThreads();
    if (t <= 1 || items <= 1 || flops < 2e6) return 1;
    return static_cast<int>(std::min<int64_t>(t, items));
}

}  // namespace strata
