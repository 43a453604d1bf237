#include "engine/layers/pooling/global_max_pooling1d.h"

namespace strata {

LayerSpec GlobalMaxPooling1D::spec() {
    LayerSpec s = BaseGlobalPooling::makeSpec("GlobalMaxPooling1D", 1, PoolMode::Max, "Maximum over all steps of temporal data: (batch, steps, features) -> (batch, features).");
    s.factory = [](const Json& c) { return std::make_shared<GlobalMaxPooling1D>(c); };
    return s;
}

GlobalMaxPooling1D::GlobalMaxPooling1D(const Json& config) : BaseGlobalPooling("GlobalMaxPooling1D", config, 1, PoolMode::Max) {
}

}  // namespace strata
