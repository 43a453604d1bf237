#include "engine/training/schedules.h"

#include <algorithm>
#include <cmath>

#include "engine/core/errors.h"

namespace strata {

Json LearningRateSchedule::serialize() const {
    return Json{{"module", "keras.optimizers.schedules"},
                {"class_name", className()},
                {"config", getConfig()},
                {"registered_name", nullptr}};
}

ExponentialDecay::ExponentialDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase,
                                   std::string name)
    : initial_(initialLearningRate), decaySteps_(decaySteps), decayRate_(decayRate), staircase_(staircase),
      name_(std::move(name)) {
    if (decaySteps <= 0) throw ValueError("ExponentialDecay: decay_steps must be > 0, got " + std::to_string(decaySteps));
}

double ExponentialDecay::operator()(int64_t step) const {
    double p = double(step) / decaySteps_;
    if (staircase_) p = std::floor(p);
    return initial_ * std::pow(decayRate_, p);
}

Json ExponentialDecay::getConfig() const {
    return Json{{"initial_learning_rate", initial_}, {"decay_steps", decaySteps_}, {"decay_rate", decayRate_},
                {"staircase", staircase_}, {"name", name_}};
}

PiecewiseConstantDecay::PiecewiseConstantDecay(std::vector<double> boundaries, std::vector<double> values,
                                               std::string name)
    : boundaries_(std::move(boundaries)), values_(std::move(values)), name_(std::move(name)) {
    if (values_.size() != boundaries_.size() + 1)
        throw ValueError("PiecewiseConstantDecay: values must have one more element than boundaries (got " +
                         std::to_string(values_.size()) + " values for " + std::to_string(boundaries_.size()) +
                         " boundaries)");
}

double PiecewiseConstantDecay::operator()(int64_t step) const {
    const double s = double(step);
    for (size_t i = 0; i < boundaries_.size(); ++i)
        if (s <= boundaries_[i]) return values_[i];
    return values_.back();
}

Json PiecewiseConstantDecay::getConfig() const {
    return Json{{"boundaries", boundaries_}, {"values", values_}, {"name", name_}};
}

CosineDecay::CosineDecay(double initialLearningRate, double decaySteps, double alpha, std::string name,
                         std::optional<double> warmupTarget, double warmupSteps)
    : initial_(initialLearningRate), decaySteps_(decaySteps), alpha_(alpha), name_(std::move(name)),
      warmupTarget_(warmupTarget), warmupSteps_(warmupSteps) {
    if (decaySteps <= 0) throw ValueError("CosineDecay: decay_steps must be > 0, got " + std::to_string(decaySteps));
}

double CosineDecay::operator()(int64_t step) const {
    constexpr double kPi = 3.14159265358979323846;
    auto decay = [&](double s, double from) {
        double frac = s / decaySteps_;
        double cosine = 0.5 * (1.0 + std::cos(kPi * frac));
        return from * ((1.0 - alpha_) * cosine + alpha_);
    };
    double s = double(step);
    if (!warmupTarget_) return decay(std::min(s, decaySteps_), initial_);
    s = std::min(s, decaySteps_ + warmupSteps_);
    if (s < warmupSteps_) {
        double frac = s / warmupSteps_;
        return (*warmupTarget_ - initial_) * frac + initial_;
    }
    return decay(s - warmupSteps_, *warmupTarget_);
}

Json CosineDecay::getConfig() const {
    return Json{{"initial_learning_rate", initial_}, {"decay_steps", decaySteps_}, {"alpha", alpha_},
                {"name", name_}, {"warmup_target", warmupTarget_ ? Json(*warmupTarget_) : Json(nullptr)},
                {"warmup_steps", warmupSteps_}};
}

SchedulePtr makeSchedule(const Json& j) {
    if (!j.is_object() || !j.contains("class_name") || !j["class_name"].is_string())
        throw ValueError("a learning-rate schedule must be {\"class_name\", \"config\"}, got " + j.dump());
    const std::string cls = j["class_name"].get<std::string>();
    const Json c = j.contains("config") && j["config"].is_object() ? j["config"] : Json::object();
    auto num = [&](const char* k, double d) { return c.contains(k) && c[k].is_number() ? c[k].get<double>() : d; };
    auto req = [&](const char* k) {
        if (!c.contains(k) || !c[k].is_number())
            throw ValueError(cls + ": missing numeric config key '" + std::string(k) + "'");
        return c[k].get<double>();
    };
    auto str = [&](const char* k, const char* d) {
        return c.contains(k) && c[k].is_string() ? c[k].get<std::string>() : std::string(d);
    };
    if (cls == "ExponentialDecay")
        return std::make_shared<ExponentialDecay>(req("initial_learning_rate"), req("decay_steps"), req("decay_rate"),
                                                  c.value("staircase", false), str("name", "ExponentialDecay"));
    if (cls == "PiecewiseConstantDecay")
        return std::make_shared<PiecewiseConstantDecay>(c.at("boundaries").get<std::vector<double>>(),
                                                        c.at("values").get<std::vector<double>>(),
                                                        str("name", "PiecewiseConstant"));
    if (cls == "CosineDecay") {
        std::optional<double> wt;
        if (c.contains("warmup_target") && c["warmup_target"].is_number()) wt = c["warmup_target"].get<double>();
        return std::make_shared<CosineDecay>(req("initial_learning_rate"), req("decay_steps"), num("alpha", 0.0),
                                             str("name", "CosineDecay"), wt, num("warmup_steps", 0.0));
    }
    throw NotSupportedError("learning-rate schedule '" + cls +
                            "' is not supported (supported: ExponentialDecay, PiecewiseConstantDecay, CosineDecay)");
}

}  // namespace strata
