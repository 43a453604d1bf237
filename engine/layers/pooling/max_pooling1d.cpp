#include "engine/layers/pooling/max_pooling1d.h"

namespace strata {

LayerSpec MaxPooling1D::spec() {
    LayerSpec s = BasePooling::makeSpec("MaxPooling1D", 1, PoolMode::Max, "Max pooling over the steps of temporal data (batch, steps, features).");
    s.factory = [](const Json& c) { return std::make_shared<MaxPooling1D>(c); };
    return s;
}

MaxPooling1D::MaxPooling1D(const Json& config) : BasePooling("MaxPooling1D", config, 1, PoolMode::Max) {}

}  // namespace strata
