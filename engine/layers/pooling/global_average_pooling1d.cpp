#include "engine/layers/pooling/global_average_pooling1d.h"

namespace strata {

LayerSpec GlobalAveragePooling1D::spec() {
    LayerSpec s = BaseGlobalPooling::makeSpec("GlobalAveragePooling1D", 1, PoolMode::Average, "Average over all (unmasked) steps of temporal data: (batch, steps, features) -> (batch, features).");
    s.factory = [](const Json& c) { return std::make_shared<GlobalAveragePooling1D>(c); };
    return s;
}

GlobalAveragePooling1D::GlobalAveragePooling1D(const Json& config) : BaseGlobalPooling("GlobalAveragePooling1D", config, 1, PoolMode::Average) {
    usesMask_ = true;
}

}  // namespace strata
