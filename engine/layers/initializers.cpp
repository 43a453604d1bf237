#include "engine/layers/initializers.h"

#include <Eigen/QR>
#include <cmath>

#include "engine/core/errors.h"
#include "engine/layers/layer.h"

namespace strata {

namespace {
const std::vector<std::string> kNames = {
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
    "random_normal",  "random_uniform", "truncated_normal", "zeros", "ones", "constant", "orthogonal",
    "identity", "variance_scaling"};

double num(const Json& cfg, const char* key, double def) {
    if (cfg.is_object() && cfg.contains(key) && cfg[key].is_number()) return cfg[key].get<double>();
    return def;
}
std::string str(const Json& cfg, const char* key, const std::string& def) {
    if (cfg.is_object() && cfg.contains(key) && cfg[key].is_string()) return cfg[key].get<std::string>();
    return def;
}

float truncatedNormal(Rng& rng, double mean, double stddev) {
    // Keras/TF: redraw values more than two standard deviations from the mean.
    for (;;) {
        float v = rng.normal(0.0f, 1.0f);
        if (std::fabs(v) <= 2.0f) return static_cast<float>(mean + stddev * v);
    }
}

void varianceScaling(Tensor& t, Rng& rng, double scale, const std::string& mode, const std::string& distribution) {
    auto [fanIn, fanOut] = computeFans(t.shape());
    double denom = mode == "fan_in" ? fanIn : mode == "fan_out" ? fanOut : (fanIn + fanOut) / 2.0;
    scale /= std::max(1.0, denom);
    if (distribution == "uniform") {
        float limit = static_cast<float>(std::sqrt(3.0 * scale));
        for (auto& v : t.values()) v = rng.uniform(-limit, limit);
    } else if (distribution == "untruncated_normal") {
        float sd = static_cast<float>(std::sqrt(scale));
        for (auto& v : t.values()) v = rng.normal(0.0f, sd);
    } else {  // truncated_normal (Keras's "normal" means this too)
        double sd = std::sqrt(scale) / 0.87962566103423978;
        for (auto& v : t.values()) v = truncatedNormal(rng, 0.0, sd);
    }
}
}  // namespace

std::pair<double, double> computeFans(const std::vector<int64_t>& shape) {
    if (shape.empty()) return {1.0, 1.0};
    if (shape.size() == 1) return {double(shape[0]), double(shape[0])};
    if (shape.size() == 2) return {double(shape[0]), double(shape[1])};
    double receptive = 1;
    for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= double(shape[i]);
    return {shape[shape.size() - 2] * receptive, shape.back() * receptive};
}

std::string initializerName(const Json& init) {
    if (init.is_null()) return "zeros";
    if (init.is_string()) {
        std::string s = init.get<std::string>();
        // Accept class names given as strings too ("GlorotUniform").
        if (!s.empty() && std::isupper(static_cast<unsigned char>(s[0]))) s = toSnakeCase(s);
        if (s == "normal") return "random_normal";
        if (s == "uniform") return "random_uniform";
        if (s == "zero") return "zeros";
        if (s == "one") return "ones";
        // Keras 3's class names for these two end in "Initializer" (OrthogonalInitializer,
        // IdentityInitializer), and its registry also knows them snake-cased.
        if (s == "orthogonal_initializer") return "orthogonal";
        if (s == "identity_initializer") return "identity";
        return s;
    }
    if (init.is_object() && init.contains("class_name") && init["class_name"].is_string())
        return initializerName(Json(init["class_name"].get<std::string>()));
    throw ValueError("initializer must be a name or a Keras initializer config, got " + init.dump());
}

std::vector<std::string> initializerNames() { return kNames; }

void initializeTensor(Tensor& t, const Json& init, Rng& rng) {
    const std::string name = initializerName(init);
    const Json cfg = (init.is_object() && init.contains("config")) ? init["config"] : Json::object();
    auto& v = t.values();
    if (name == "zeros") { t.fill(0); return; }
    if (name == "ones") { t.fill(1); return; }
    if (name == "constant") { t.fill(static_cast<float>(num(cfg, "value", 0.0))); return; }
    if (name == "random_normal") {
        float m = float(num(cfg, "mean", 0.0)), sd = float(num(cfg, "stddev", 0.05));
        for (auto& x : v) x = rng.normal(m, sd);
        return;
    }
    if (name == "random_uniform") {
        float lo = float(num(cfg, "minval", -0.05)), hi = float(num(cfg, "maxval", 0.05));
        for (auto& x : v) x = rng.uniform(lo, hi);
        return;
    }
    if (name == "truncated_normal") {
        double m = num(cfg, "mean", 0.0), sd = num(cfg, "stddev", 0.05);
        for (auto& x : v) x = truncatedNormal(rng, m, sd);
        return;
    }
    if (name == "glorot_uniform") return varianceScaling(t, rng, 1.0, "fan_avg", "uniform");
    if (name == "glorot_normal") return varianceScaling(t, rng, 1.0, "fan_avg", "truncated_normal");
    if (name == "he_uniform") return varianceScaling(t, rng, 2.0, "fan_in", "uniform");
    if (name == "he_normal") return varianceScaling(t, rng, 2.0, "fan_in", "truncated_normal");
    if (name == "lecun_uniform") return varianceScaling(t, rng, 1.0, "fan_in", "uniform");
    if (name == "lecun_normal") return varianceScaling(t, rng, 1.0, "fan_in", "truncated_normal");
    if (name == "variance_scaling")
        return varianceScaling(t, rng, num(cfg, "scale", 1.0), str(cfg, "mode", "fan_in"),
                               str(cfg, "distribution", "truncated_normal"));
    if (name == "identity") {
        if (t.rank() != 2) throw ValueError("identity initializer needs a 2-D weight, got " + t.shapeString());
        float gain = float(num(cfg, "gain", 1.0));
        t.fill(0);
        for (int64_t i = 0; i < std::min(t.dim(0), t.dim(1)); ++i) t.at({i, i}) = gain;
        return;
    }
    if (name == "orthogonal") {
        // Keras: QR of a normal matrix of shape (rows, cols) with rows = prod(shape[:-1]),
        // sign-corrected by diag(R), transposed when rows < cols.
        if (t.rank() < 2) throw ValueError("orthogonal initializer needs a weight of rank >= 2, got " + t.shapeString());
        int64_t cols = t.dim(-1), rows = t.size() / cols;
        int64_t r = std::max(rows, cols), c = std::min(rows, cols);
        Eigen::MatrixXf a(r, c);
        for (int64_t i = 0; i < r; ++i)
            for (int64_t j = 0; j < c; ++j) a(i, j) = rng.normal(0.0f, 1.0f);
        Eigen::HouseholderQR<Eigen::MatrixXf> qr(a);
        Eigen::MatrixXf q = qr.householderQ() * Eigen::MatrixXf::Identity(r, c);
        Eigen::MatrixXf rr = qr.matrixQR().topRows(c).triangularView<Eigen::Upper>();
        for (int64_t j = 0; j < c; ++j)
            if (rr(j, j) < 0) q.col(j) *= -1.0f;
        float gain = float(num(cfg, "gain", 1.0));
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j) v[i * cols + j] = gain * (rows < cols ? q(j, i) : q(i, j));
        return;
    }
    std::string all;
    for (const auto& n : kNames) all += (all.empty() ? "" : ", ") + n;
    throw ValueError("unknown initializer '" + name + "' (known: " + all + ")");
}

}  // namespace strata
