#pragma once
#include "engine/layers/recurrent/rnn.h"

namespace strata {

/// keras.layers.GRU (Cho et al. 2014), Keras's gate order z, r, h:
///   z = recurrent_activation(x W_z + b_z + h U_z [+ b_rz]), r likewise,
///   reset_after=True (default): h~ = activation(x W_h + b_h + r * (h U_h + b_rh)), bias (2, 3u)
///                               (row 0 input bias, row 1 recurrent bias);
///   reset_after=False:          h~ = activation(x W_h + b_h + (r * h) U_h), bias (3u,);
///   h = z * h_prev + (1 - z) * h~.
/// Weights: kernel (in, 3u) glorot_uniform, recurrent_kernel (u, 3u) orthogonal, bias zeros.
class GRU : public RecurrentBase {
public:
    explicit GRU(const Json& config);
    static LayerSpec spec();
    bool resetAfter() const { return resetAfter_; }

protected:
    std::vector<int64_t> biasShape() const override;
    void prepare(RecurrentCache& k) override;
    void prepareBackward(RecurrentCache& k) override;
    void stepForward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) override;
    void stepBackward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) override;
    void finishBackward(RecurrentCache& k, bool weights) override;

private:
    bool resetAfter_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
inline LayerRef<strata::GRU> GRU(int64_t units, Json kwargs = Json::object()) {
    return makeLayer<strata::GRU>("GRU", withArg(std::move(kwargs), "units", units));
}
}  // namespace strata::layers
