// Registration of the activation layer family.
#include "engine/layers/activation/elu.h"
#include "engine/layers/activation/leaky_relu.h"
#include "engine/layers/activation/prelu.h"
#include "engine/layers/activation/relu.h"
#include "engine/layers/activation/softmax.h"
#include "engine/layers/activation/thresholded_relu.h"
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerActivationLayers(LayerRegistry& r) {
    r.add(ReLU::spec());
    r.add(LeakyReLU::spec());
    r.add(PReLU::spec());
    r.add(ELU::spec());
    r.add(ThresholdedReLU::spec());
    r.add(Softmax::spec());
}

}  // namespace strata
