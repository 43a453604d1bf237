#pragma once
/// Seeded random numbers. One global generator (`globalRng()`), reseeded by `setSeed` like
/// `keras.utils.set_random_seed`, makes initialisation, shuffling and dropout reproducible.
#include <cstdint>
#include <random>

namespace strata {

class Rng {
public:
    explicit Rng(uint64_t seed = 1337) : gen_(seed) {}
    void seed(uint64_t s) { gen_.seed(s); }
    float uniform(float lo = 0.0f, float hi = 1.0f) { return std::uniform_real_distribution<float>(lo, hi)(gen_); }
    float normal(float mean = 0.0f, float stddev = 1.0f) { return std::normal_distribution<float>(mean, stddev)(gen_); }
    uint64_t next() { return gen_(); }
    std::mt19937_64& engine() { return gen_; }

private:
    std::mt19937_64 gen_;
};

Rng& globalRng();
void setSeed(uint64_t seed);

/// out[i] = keep ? keepValue : 0 with P(keep) = 1 - rate: a dropout mask. Draws one number from
/// `rng` and expands it with a counter-based hash (splitmix64 of seed + i), which the compiler
/// vectorises: a mask costs a fraction of what one mt19937_64 draw per pair of elements did, and
/// stays reproducible from the seed.
void fillBernoulliMask(float* out, int64_t n, double rate, float keepValue, Rng& rng);

}  // namespace strata
