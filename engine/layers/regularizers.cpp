#include "engine/layers/regularizers.h"

#include <cmath>

#include "engine/core/errors.h"

namespace strata {

RegularizerSpec parseRegularizer(const Json& j) {
    RegularizerSpec r;
    if (j.is_null()) return r;
    std::string name;
    Json cfg = Json::object();
    if (j.is_string()) {
        name = j.get<std::string>();
    } else if (j.is_object() && j.contains("class_name")) {
        name = j["class_name"].get<std::string>();
        if (j.contains("config") && j["config"].is_object()) cfg = j["config"];
    } else {
        throw ValueError("regularizer must be null, a name or a Keras regularizer config, got " + j.dump());
    }
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto get = [&](const char* k, float def) {
        return cfg.contains(k) && cfg[k].is_number() ? cfg[k].get<float>() : def;
    };
    if (name == "l1") r.l1 = get("l1", 0.01f);
    else if (name == "l2") r.l2 = get("l2", 0.01f);
    else if (name == "l1_l2" || name == "l1l2") { r.l1 = get("l1", 0.0f); r.l2 = get("l2", 0.0f); if (j.is_string()) r.l1 = r.l2 = 0.01f; }
    else throw ValueError("unknown regularizer '" + name + "' (known: l1, l2, l1_l2)");
    return r;
}

float regularizationPenalty(const RegularizerSpec& r, const Tensor& w) {
    double s1 = 0, s2 = 0;
    for (float v : w.values()) { s1 += std::fabs(v); s2 += double(v) * v; }
    return static_cast<float>(r.l1 * s1 + r.l2 * s2);
}

void addRegularizationGradient(const RegularizerSpec& r, const Tensor& w, Tensor& grad) {
    for (int64_t i = 0; i < w.size(); ++i) {
        float v = w[i];
        grad[i] += r.l1 * (v > 0 ? 1.0f : (v < 0 ? -1.0f : 0.0f)) + 2.0f * r.l2 * v;
    }
}

}  // namespace strata
