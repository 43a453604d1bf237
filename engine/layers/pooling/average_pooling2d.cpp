#include "engine/layers/pooling/average_pooling2d.h"

namespace strata {

LayerSpec AveragePooling2D::spec() {
    LayerSpec s = BasePooling::makeSpec("AveragePooling2D", 2, PoolMode::Average, "Average pooling over the height and width of images (batch, height, width, channels).");
    s.factory = [](const Json& c) { return std::make_shared<AveragePooling2D>(c); };
    return s;
}

AveragePooling2D::AveragePooling2D(const Json& config) : BasePooling("AveragePooling2D", config, 2, PoolMode::Average) {}

}  // namespace strata
