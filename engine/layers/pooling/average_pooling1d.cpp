#include "engine/layers/pooling/average_pooling1d.h"

namespace strata {

LayerSpec AveragePooling1D::spec() {
    LayerSpec s = BasePooling::makeSpec("AveragePooling1D", 1, PoolMode::Average, "Average pooling over the steps of temporal data (batch, steps, features).");
    s.factory = [](const Json& c) { return std::make_shared<AveragePooling1D>(c); };
    return s;
}

AveragePooling1D::AveragePooling1D(const Json& config) : BasePooling("AveragePooling1D", config, 1, PoolMode::Average) {}

}  // namespace strata
