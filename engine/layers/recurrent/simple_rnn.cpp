#include "engine/layers/recurrent/simple_rnn.h"

#include <cstring>

namespace strata {

LayerSpec SimpleRNN::spec() {
    LayerSpec s;
    s.className = "SimpleRNN";
    s.category = LayerCategory::Recurrent;
    s.doc = "Fully-connected RNN whose output is fed back as the next step's state.";
    s.arity = {1, 2};
    s.params = {
        param::required(param::integer("units", 1, "Dimensionality of the output space.", 1)),
        param::activation("activation", "tanh", "Activation of the state."),
        param::boolean("use_bias", true, "Whether to add a bias vector."),
        param::initializer("kernel_initializer", "glorot_uniform", "Initializer of the input kernel."),
        param::initializer("recurrent_initializer", "orthogonal", "Initializer of the recurrent kernel."),
        param::initializer("bias_initializer", "zeros", "Initializer of the bias."),
        param::regularizer("kernel_regularizer", "Penalty on the input kernel."),
        param::regularizer("recurrent_regularizer", "Penalty on the recurrent kernel."),
        param::regularizer("bias_regularizer", "Penalty on the bias."),
        param::regularizer("activity_regularizer", "Penalty on the output."),
        param::constraint("kernel_constraint", "Constraint on the input kernel (kept, not applied)."),
        param::constraint("recurrent_constraint", "Constraint on the recurrent kernel (kept, not applied)."),
        param::constraint("bias_constraint", "Constraint on the bias (kept, not applied)."),
        param::real("dropout", 0.0, "Fraction of the inputs to drop (training only).", 0.0, 1.0),
        param::real("recurrent_dropout", 0.0, "Fraction of the recurrent state to drop (training only).", 0.0, 1.0),
    };
    for (auto& p : recurrentBaseParams()) s.params.push_back(std::move(p));
    s.factory = [](const Json& c) { return std::make_shared<SimpleRNN>(c); };
    s.brief = recurrentBrief;
    return s;
}

SimpleRNN::SimpleRNN(const Json& config) : RecurrentBase("SimpleRNN", config, 1, 1) {}

void SimpleRNN::stepForward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) {
    const int64_t B = k.B, u = units_;
    float* z = rowsOf(k.z, s * B + b0);
    addRecurrent(k, rowsOf(k.h, s * B + b0), z, u, 0, 1, b0, nb);
    float* a = rowsOf(k.a, s * B + b0);
    activation_.apply(z, u, a, u, nb, u);
    std::memcpy(rowsOf(k.h, (s + 1) * B + b0), a, sizeof(float) * nb * u);
}

void SimpleRNN::stepBackward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) {
    const int64_t B = k.B, u = units_;
    float* dz = rowsOf(k.dz, s * B + b0);
    float* dh = rowsOf(k.dh, b0);
    std::memcpy(dz, dh, sizeof(float) * nb * u);
    activation_.backward(rowsOf(k.z, s * B + b0), u, rowsOf(k.a, s * B + b0), u, dz, u, nb, u);
    std::fill(dh, dh + nb * u, 0.0f);
    backRecurrent(k, dz, u, dh, 0, 1, b0, nb);
}

}  // namespace strata
