#include "engine/layers/recurrent/lstm.h"

#include <algorithm>
#include <cstring>

#include "engine/layers/initializers.h"

namespace strata {

LayerSpec LSTM::spec() {
    LayerSpec s;
    s.className = "LSTM";
    s.category = LayerCategory::Recurrent;
    s.doc = "Long Short-Term Memory layer (Hochreiter 1997).";
    s.arity = {1, 3};
    s.params = {
        param::required(param::integer("units", 1, "Dimensionality of the output space.", 1)),
        param::activation("activation", "tanh", "Activation of the cell candidate and of the output."),
        param::activation("recurrent_activation", "sigmoid", "Activation of the input, forget and output gates."),
        param::boolean("use_bias", true, "Whether to add a bias vector."),
        param::initializer("kernel_initializer", "glorot_uniform", "Initializer of the input kernel."),
        param::initializer("recurrent_initializer", "orthogonal", "Initializer of the recurrent kernel."),
        param::initializer("bias_initializer", "zeros", "Initializer of the bias."),
        param::boolean("unit_forget_bias", true, "Initialise the forget-gate bias to 1."),
        param::regularizer("kernel_regularizer", "Penalty on the input kernel."),
        param::regularizer("recurrent_regularizer", "Penalty on the recurrent kernel."),
        param::regularizer("bias_regularizer", "Penalty on the bias."),
        param::regularizer("activity_regularizer", "Penalty on the output."),
        param::constraint("kernel_constraint", "Constraint on the input kernel (kept, not applied)."),
        param::constraint("recurrent_constraint", "Constraint on the recurrent kernel (kept, not applied)."),
        param::constraint("bias_constraint", "Constraint on the bias (kept, not applied)."),
        param::real("dropout", 0.0, "Fraction of the inputs to drop (training only).", 0.0, 1.0),
        param::real("recurrent_dropout", 0.0, "Fraction of the recurrent state to drop (training only).", 0.0, 1.0),
        param::advanced(param::integer("seed", std::nullopt, "Random seed for dropout (unused: Strata's RNG).")),
    };
    for (auto& p : recurrentBaseParams()) s.params.push_back(std::move(p));
    s.params.push_back(param::advanced(
        param::integer("implementation", 2, "Keras 2 implementation mode (1: one dropout mask per gate).", 0, 2)));
    s.factory = [](const Json& c) { return std::make_shared<LSTM>(c); };
    s.brief = recurrentBrief;
    return s;
}

LSTM::LSTM(const Json& config)
    : RecurrentBase("LSTM", config, 4, 2), unitForgetBias_(cfgBool(this->config(), "unit_forget_bias")) {}

void LSTM::initBias(Variable& bias) {
    if (!unitForgetBias_) return;
    // Keras: concat(bias_initializer((u,)), ones((u,)), bias_initializer((2u,))).
    const int64_t u = units_;
    Tensor first({u}), rest({2 * u});
    initializeTensor(first, config()["bias_initializer"], globalRng());
    initializeTensor(rest, config()["bias_initializer"], globalRng());
    float* b = bias.value.data();
    std::copy(first.data(), first.data() + u, b);
    std::fill(b + u, b + 2 * u, 1.0f);
    std::copy(rest.data(), rest.data() + 2 * u, b + 2 * u);
}

void LSTM::prepare(RecurrentCache& k) { k.tc.resize({k.T * k.B, units_}); }

void LSTM::stepForward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) {
    const int64_t B = k.B, u = units_, GU = 4 * u;
    const int64_t row = s * B + b0, next = (s + 1) * B + b0;
    float* z = rowsOf(k.z, row);
    addRecurrent(k, rowsOf(k.h, row), z, GU, 0, 4, b0, nb);
    float* a = rowsOf(k.a, row);
    recurrentActivation_.apply(z, GU, a, GU, nb, 2 * u);              // i, f
    activation_.apply(z + 2 * u, GU, a + 2 * u, GU, nb, u);           // c~
    recurrentActivation_.apply(z + 3 * u, GU, a + 3 * u, GU, nb, u);  // o
    const Eigen::OuterStride<> st(GU);
    ConstStridedMap I(a, nb, u, st), Fg(a + u, nb, u, st), Cc(a + 2 * u, nb, u, st), O(a + 3 * u, nb, u, st);
    ConstMatrixMap Cp(rowsOf(k.c, row), nb, u);
    MatrixMap Cn(rowsOf(k.c, next), nb, u);
    Cn = (Fg.array() * Cp.array() + I.array() * Cc.array()).matrix();
    float* tc = rowsOf(k.tc, row);
    MatrixMap TC(tc, nb, u);
    activation_.apply(rowsOf(k.c, next), u, tc, u, nb, u);
    MatrixMap Hn(rowsOf(k.h, next), nb, u);
    Hn = (O.array() * TC.array()).matrix();
}

void LSTM::stepBackward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) {
    const int64_t B = k.B, u = units_, GU = 4 * u;
    const int64_t row = s * B + b0;
    const float* a = rowsOf(k.a, row);
    const float* z = rowsOf(k.z, row);
    const float* tc = rowsOf(k.tc, row);
    const Eigen::OuterStride<> st(GU);
    ConstStridedMap I(a, nb, u, st), Fg(a + u, nb, u, st), Cc(a + 2 * u, nb, u, st), O(a + 3 * u, nb, u, st);
    ConstMatrixMap Cp(rowsOf(k.c, row), nb, u), TC(tc, nb, u);
    float* dh = rowsOf(k.dh, b0);
    MatrixMap DH(dh, nb, u), DC(rowsOf(k.dc, b0), nb, u);
    float* dz = rowsOf(k.dz, row);
    StridedMap DI(dz, nb, u, st), DF(dz + u, nb, u, st), DCc(dz + 2 * u, nb, u, st), DO(dz + 3 * u, nb, u, st);

    // Through h = o * act(c).
    float* s1 = rowsOf(k.s1, b0);
    MatrixMap S(s1, nb, u);
    S = (DH.array() * O.array()).matrix();
    activation_.backward(rowsOf(k.c, (s + 1) * B + b0), u, tc, u, s1, u, nb, u);
    DC += S;
    DO = (DH.array() * TC.array()).matrix();
    // Through c = f * c_prev + i * c~.
    DI = (DC.array() * Cc.array()).matrix();
    DCc = (DC.array() * I.array()).matrix();
    DF = (DC.array() * Cp.array()).matrix();
    DC = (DC.array() * Fg.array()).matrix();
    // Gate activations.
    recurrentActivation_.backward(z, GU, a, GU, dz, GU, nb, 2 * u);
    activation_.backward(z + 2 * u, GU, a + 2 * u, GU, dz + 2 * u, GU, nb, u);
    recurrentActivation_.backward(z + 3 * u, GU, a + 3 * u, GU, dz + 3 * u, GU, nb, u);
    // Into h_prev.
    DH.setZero();
    backRecurrent(k, dz, GU, dh, 0, 4, b0, nb);
}

}  // namespace strata
