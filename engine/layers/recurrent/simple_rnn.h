#pragma once
#include "engine/layers/recurrent/rnn.h"

namespace strata {

/// keras.layers.SimpleRNN: h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel); the output is h.
/// Weights: kernel (in, units) glorot_uniform, recurrent_kernel (units, units) orthogonal, bias (units,) zeros.
class SimpleRNN : public RecurrentBase {
public:
    explicit SimpleRNN(const Json& config);
    static LayerSpec spec();

protected:
    void stepForward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) override;
    void stepBackward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) override;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::SimpleRNN> SimpleRNN(int64_t units, Json kwargs = Json::object()) {
    return makeLayer<strata::SimpleRNN>("SimpleRNN", withArg(std::move(kwargs), "units", units));
}
}  // namespace strata::layers
