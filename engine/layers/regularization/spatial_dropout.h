#pragma once
#include "engine/layers/regularization/dropout.h"

namespace strata {

/// keras.layers.SpatialDropout2D: Dropout that drops whole feature maps. Input rank 4; the mask has
/// shape (batch, 1, 1, channels) for channels_last, (batch, channels, 1, 1) for channels_first.
/// getConfig returns Keras 3's keys (rate, seed, data_format, name, dtype; no trainable/noise_shape).
class SpatialDropout2D : public Dropout {
public:
    explicit SpatialDropout2D(const Json& config);
    static LayerSpec spec();

    Json getConfig() const override;
    bool channelsFirst() const { return channelsFirst_; }

protected:
    std::vector<int64_t> maskShape(const std::vector<int64_t>& inputShape) const override;
    void checkInputShape(const Shape& s) const override;

private:
    bool channelsFirst_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// keras.layers.SpatialDropout2D(rate, data_format=None, seed=None).
inline LayerRef<strata::SpatialDropout2D> SpatialDropout2D(double rate, Json kwargs = Json::object()) {
    return makeLayer<strata::SpatialDropout2D>("SpatialDropout2D", withArg(std::move(kwargs), "rate", rate));
}
}  // namespace strata::layers
