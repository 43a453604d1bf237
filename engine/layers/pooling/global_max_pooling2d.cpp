#include "engine/layers/pooling/global_max_pooling2d.h"

namespace strata {

LayerSpec GlobalMaxPooling2D::spec() {
    LayerSpec s = BaseGlobalPooling::makeSpec("GlobalMaxPooling2D", 2, PoolMode::Max, "Maximum over height and width: (batch, height, width, channels) -> (batch, channels).");
    s.factory = [](const Json& c) { return std::make_shared<GlobalMaxPooling2D>(c); };
    return s;
}

GlobalMaxPooling2D::GlobalMaxPooling2D(const Json& config) : BaseGlobalPooling("GlobalMaxPooling2D", config, 2, PoolMode::Max) {
}

}  // namespace strata
