#pragma once
#include "engine/layers/recurrent/rnn.h"

namespace strata {

/// keras.layers.LSTM (Hochreiter 1997), Keras's gate order i, f, c, o:
///   [i f c~ o] = x @ kernel + h @ recurrent_kernel + bias; i, f, o = recurrent_activation, c~ = activation
///   c = f * c_prev + i * c~,  h = o * activation(c).
/// Weights: kernel (in, 4u) glorot_uniform, recurrent_kernel (u, 4u) orthogonal, bias (4u,) zeros with the
/// forget block set to 1 when unit_forget_bias. Outputs: output, then h and c with return_state.
class LSTM : public RecurrentBase {
public:
    explicit LSTM(const Json& config);
    static LayerSpec spec();

protected:
    void initBias(Variable& bias) override;
    void prepare(RecurrentCache& k) override;
    void stepForward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) override;
    void stepBackward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) override;

private:
    bool unitForgetBias_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::LSTM> LSTM(int64_t units, Json kwargs = Json::object()) {
    return makeLayer<strata::LSTM>("LSTM", withArg(std::move(kwargs), "units", units));
}
}  // namespace strata::layers
