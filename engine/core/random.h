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

}  // namespace strata
