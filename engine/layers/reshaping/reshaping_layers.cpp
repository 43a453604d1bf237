// Registration of the reshaping layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/reshaping/cropping1d.h"
#include "engine/layers/reshaping/cropping2d.h"
#include "engine/layers/reshaping/flatten.h"
#include "engine/layers/reshaping/permute.h"
#include "engine/layers/reshaping/repeat_vector.h"
#include "engine/layers/reshaping/reshape.h"
#include "engine/layers/reshaping/up_sampling1d.h"
#include "engine/layers/reshaping/up_sampling2d.h"
#include "engine/layers/reshaping/zero_padding1d.h"
#include "engine/layers/reshaping/zero_padding2d.h"

namespace strata {

void registerReshapingLayers(LayerRegistry& r) {
    r.add(Flatten::spec());
    r.add(Reshape::spec());
    r.add(Permute::spec());
    r.add(RepeatVector::spec());
    r.add(UpSampling1D::spec());
    r.add(UpSampling2D::spec());
    r.add(ZeroPadding1D::spec());
    r.add(ZeroPadding2D::spec());
    r.add(Cropping1D::spec());
    r.add(Cropping2D::spec());
}

}  // namespace strata
