#include "engine/layers/pooling/global_average_pooling2d.h"

namespace strata {

LayerSpec GlobalAveragePooling2D::spec() {
    LayerSpec s = BaseGlobalPooling::makeSpec("GlobalAveragePooling2D", 2, PoolMode::Average, "Average over height and width: (batch, height, width, channels) -> (batch, channels).");
    s.factory = [](const Json& c) { return std::make_shared<GlobalAveragePooling2D>(c); };
    return s;
}

GlobalAveragePooling2D::GlobalAveragePooling2D(const Json& config) : BaseGlobalPooling("GlobalAveragePooling2D", config, 2, PoolMode::Average) {
}

}  // namespace strata
