#include "engine/layers/pooling/max_pooling2d.h"

namespace strata {

LayerSpec MaxPooling2D::spec() {
    LayerSpec s = BasePooling::makeSpec("MaxPooling2D", 2, PoolMode::Max, "Max pooling over the height and width of images (batch, height, width, channels).");
    s.factory = [](const Json& c) { return std::make_shared<MaxPooling2D>(c); };
    return s;
}

MaxPooling2D::MaxPooling2D(const Json& config) : BasePooling("MaxPooling2D", config, 2, PoolMode::Max) {}

}  // namespace strata
