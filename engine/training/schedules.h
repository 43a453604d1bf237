#pragma once
/// Learning-rate schedules (keras.optimizers.schedules): the learning rate as a function of the
/// optimizer's iteration count, evaluated before each update (Keras calls schedule(iterations)).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/json.h"

namespace strata {

class LearningRateSchedule {
public:
    virtual ~LearningRateSchedule() = default;
    virtual double operator()(int64_t step) const = 0;
    virtual std::string className() const = 0;
    /// Keras config (the "config" part of {"class_name", "config"}).
    virtual Json getConfig() const = 0;
    /// {"module": "keras.optimizers.schedules", "class_name": ..., "config": ..., "registered_name": null}
    Json serialize() const;
};

using SchedulePtr = std::shared_ptr<LearningRateSchedule>;

/// initial * decay_rate ^ (step / decay_steps), the exponent floored when staircase.
class ExponentialDecay : public LearningRateSchedule {
public:
    ExponentialDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase = false,
                     std::string name = "ExponentialDecay");
    double operator()(int64_t step) const override;
    std::string className() const override { return "ExponentialDecay"; }
    Json getConfig() const override;

private:
    double initial_, decaySteps_, decayRate_;
    bool staircase_;
    std::string name_;
};

/// values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i],
/// values.back() after the last boundary.
class PiecewiseConstantDecay : public LearningRateSchedule {
public:
    PiecewiseConstantDecay(std::vector<double> boundaries, std::vector<double> values,
                           std::string name = "PiecewiseConstant");
    double operator()(int64_t step) const override;
    std::string className() const override { return "PiecewiseConstantDecay"; }
    Json getConfig() const override;

private:
    std::vector<double> boundaries_, values_;
    std::string name_;
};

/// Cosine decay from initial (or from warmup_target after a linear warmup of warmup_steps) to
/// alpha * that rate over decay_steps, then constant.
class CosineDecay : public LearningRateSchedule {
public:
    CosineDecay(double initialLearningRate, double decaySteps, double alpha = 0.0, std::string name = "CosineDecay",
                std::optional<double> warmupTarget = std::nullopt, double warmupSteps = 0);
    double operator()(int64_t step) const override;
    std::string className() const override { return "CosineDecay"; }
    Json getConfig() const override;

private:
    double initial_, decaySteps_, alpha_;
    std::string name_;
    std::optional<double> warmupTarget_;
    double warmupSteps_;
};

/// From a Keras serialized schedule ({"class_name": "ExponentialDecay", "config": {...}}).
SchedulePtr makeSchedule(const Json& config);

}  // namespace strata
