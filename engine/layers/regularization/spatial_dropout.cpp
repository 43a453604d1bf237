#include "engine/layers/regularization/spatial_dropout.h"

#include "engine/core/errors.h"

namespace strata {

LayerSpec SpatialDropout2D::spec() {
    LayerSpec s;
    s.className = "SpatialDropout2D";
    s.category = LayerCategory::Regularization;
    s.doc = "Dropout of entire 2D feature maps (channels) in training.";
    auto format = param::nullable(param::choice("data_format", "channels_last", {"channels_last", "channels_first"},
                                                "Where the channels axis is (None means channels_last)."));
    s.params = {
        param::required(param::real("rate", 0.5, "Fraction of the channels to drop.", 0.0, 1.0)),
        format,
        param::advanced(param::integer("seed", std::nullopt, "Random seed (kept for round trips).")),
    };
    s.factory = [](const Json& c) { return std::make_shared<SpatialDropout2D>(c); };
    s.brief = [](const Json& c) { return "rate " + c.value("rate", Json(0.5)).dump(); };
    return s;
}

namespace {
Json normalizeSpatial(Json config) {
    if (!config.is_object()) return config;
    // Keras 2 configs carry Dropout's noise_shape (always None here); Keras 3 has no such argument.
    config.erase("noise_shape");
    if (!config.contains("data_format") || config["data_format"].is_null()) config["data_format"] = "channels_last";
    return config;
}
}  // namespace

SpatialDropout2D::SpatialDropout2D(const Json& config)
    : Dropout("SpatialDropout2D", normalizeSpatial(config)),
      channelsFirst_(cfgString(this->config(), "data_format") == "channels_first") {}

Json SpatialDropout2D::getConfig() const {
    Json j = Layer::getConfig();
    j.erase("trainable");  // Keras 3's BaseSpatialDropout.get_config has no trainable (its __init__ rejects it)
    return j;
}

void SpatialDropout2D::checkInputShape(const Shape& s) const {
    if (s.rank() != 4)
        throw ShapeError("input 0: expected a 4D tensor (batch, rows, cols, channels) or (batch, channels, rows, cols), got shape " +
                         s.toString());
}

std::vector<int64_t> SpatialDropout2D::maskShape(const std::vector<int64_t>& in) const {
    if (channelsFirst_) return {in[0], in[1], 1, 1};
    return {in[0], 1, 1, in[3]};
}

}  // namespace strata
