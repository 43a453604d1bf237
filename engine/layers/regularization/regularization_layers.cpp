// Registration of the regularization layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/regularization/activity_regularization.h"
#include "engine/layers/regularization/dropout.h"
#include "engine/layers/regularization/gaussian_noise.h"
#include "engine/layers/regularization/spatial_dropout.h"

namespace strata {

void registerRegularizationLayers(LayerRegistry& r) {
    r.add(Dropout::spec());
    r.add(SpatialDropout2D::spec());
    r.add(GaussianNoise::spec());
    r.add(ActivityRegularization::spec());
}

}  // namespace strata
