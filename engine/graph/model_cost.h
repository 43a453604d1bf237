#pragma once
/// What a model costs, per layer: parameters, weight bytes and multiply-adds (MACs) per sample,
/// with the output shapes of every call (a shared layer computes once per call; Keras's summary
/// shows only its last call). The Studio's summary dock reads this; it has no Qt.
///
/// MACs count the products with weights and between tensors — the work that dominates a forward
/// pass — per sample (the batch dim is left out):
///   Dense            output positions × kernel size (a 3-D input applies the kernel per step)
///   Conv1D/2D/3D     output positions × kernel size (kernel = k… × in_channels/groups × filters)
///   ConvTranspose    input positions × kernel size (every input pixel spreads over the kernel)
///   Depthwise        output positions × depthwise kernel size
///   Separable        output positions × (depthwise + pointwise kernel size)
///   SimpleRNN/LSTM/GRU  time steps × (kernel + recurrent kernel size)
///   Bidirectional, TimeDistributed, nested models: the sum of what they wrap
///   Dot              output elements × contracted length
///   Batch/LayerNormalization  one per element (scale and shift, folded at inference)
/// Everything else (activations, pooling, element-wise merges, reshaping, Embedding lookups)
/// counts 0. A count that depends on an unknown dimension (None other than the batch) is unknown.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/shape.h"

namespace strata {

class Layer;
class Model;

/// kUnknownMacs: the count depends on a dimension that is not known (None).
inline constexpr int64_t kUnknownMacs = -1;

/// One call (node) of a layer inside the model.
struct CallCost {
    std::vector<std::string> inputs;  ///< the layers whose outputs this call takes (their names)
    std::vector<Shape> inputShapes;
    std::vector<Shape> outputShapes;
    int64_t macs = 0;  ///< per sample, or kUnknownMacs
};

struct LayerCost {
    std::string name;
    std::string className;  ///< summary type ("Dense", "Functional", ...)
    int64_t params = 0;     ///< counted once, however many calls
    int64_t trainableParams = 0;
    int64_t weightBytes = 0;
    int64_t macs = 0;  ///< sum over the calls, or kUnknownMacs if any call's count is unknown
    std::vector<CallCost> calls;
    std::vector<LayerCost> nested;  ///< the layers of a nested model (its own calls)
};

struct ModelCost {
    std::vector<LayerCost> layers;  ///< Keras order (model.layers)
    int64_t params = 0;
    int64_t trainableParams = 0;
    int64_t weightBytes = 0;
    int64_t macs = 0;             ///< total of the known counts
    bool macsComplete = true;     ///< false if some layer's count is unknown
};

/// Costs of a built functional model (Model or Sequential). Nested models are costed recursively
/// (`nested`); their MACs count once per call of the nested model.
ModelCost modelCost(const Model& model);

/// MACs per sample of one call of `layer` with these shapes (rules above). The layer must be built.
int64_t callMacs(const Layer& layer, const std::vector<Shape>& inputShapes, const std::vector<Shape>& outputShapes);

}  // namespace strata
