#include "engine/layers/recurrent/gru.h"

#include <algorithm>
#include <cstring>

namespace strata {

LayerSpec GRU::spec() {
    LayerSpec s;
    s.className = "GRU";
    s.category = LayerCategory::Recurrent;
    s.doc = "Gated Recurrent Unit (Cho et al. 2014).";
    s.arity = {1, 2};
    s.params = {
        param::required(param::integer("units", 1, "Dimensionality of the output space.", 1)),
        param::activation("activation", "tanh", "Activation of the candidate state."),
        param::activation("recurrent_activation", "sigmoid", "Activation of the update and reset gates."),
        param::boolean("use_bias", true, "Whether to add bias vectors."),
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
        param::advanced(param::integer("seed", std::nullopt, "Random seed for dropout (unused: Strata's RNG).")),
    };
    for (auto& p : recurrentBaseParams()) s.params.push_back(std::move(p));
    s.params.push_back(param::boolean(
        "reset_after", true, "Apply the reset gate after the recurrent matmul (True, cuDNN style) or before."));
    s.params.push_back(param::advanced(
        param::integer("implementation", 2, "Keras 2 implementation mode (1: one dropout mask per gate).", 0, 2)));
    s.factory = [](const Json& c) { return std::make_shared<GRU>(c); };
    s.brief = recurrentBrief;
    return s;
}

GRU::GRU(const Json& config) : RecurrentBase("GRU", config, 3, 1), resetAfter_(cfgBool(this->config(), "reset_after")) {}

std::vector<int64_t> GRU::biasShape() const {
    if (resetAfter_) return {2, 3 * units_};
    return {3 * units_};
}

void GRU::prepare(RecurrentCache& k) {
    k.extra.resize({k.T * k.B, units_});
    if (resetAfter_) k.s2.resize({k.B, 3 * units_});
}

void GRU::prepareBackward(RecurrentCache& k) {
    if (resetAfter_) k.dr.resize({k.T * k.B, 3 * units_});
}

void GRU::stepForward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) {
    const int64_t B = k.B, u = units_, GU = 3 * u;
    const int64_t row = s * B + b0;
    float* z = rowsOf(k.z, row);
    float* a = rowsOf(k.a, row);
    const float* hp = rowsOf(k.h, row);
    float* rh = rowsOf(k.extra, row);
    const Eigen::OuterStride<> st(GU);
    StridedMap Z(z, nb, GU, st), A(a, nb, GU, st);
    if (resetAfter_) {
        // R = h @ U + recurrent bias, all three gates (this block's rows of the scratch).
        float* r = rowsOf(k.s2, b0);
        MatrixMap R(r, nb, GU);
        if (bias_) R.rowwise() = ConstVectorMap(bias_->value.data() + GU, GU).transpose();
        else R.setZero();
        addRecurrent(k, hp, r, GU, 0, 3, b0, nb);
        Z.leftCols(2 * u) += R.leftCols(2 * u);
        A.leftCols(2 * u) = Z.leftCols(2 * u);
        recurrentActivation_.apply(a, nb, 2 * u, GU);
        MatrixMap(rh, nb, u) = R.rightCols(u);
        Z.rightCols(u) += (A.middleCols(u, u).array() * R.rightCols(u).array()).matrix();
    } else {
        addRecurrent(k, hp, z, GU, 0, 2, b0, nb);
        A.leftCols(2 * u) = Z.leftCols(2 * u);
        recurrentActivation_.apply(a, nb, 2 * u, GU);
        // rh = r * (h * recurrent mask of the candidate), then one GEMM with U_h.
        MatrixMap RH(rh, nb, u);
        RH = (A.middleCols(u, u).array() * ConstMatrixMap(hp, nb, u).array()).matrix();
        if (k.recOn) RH = RH.cwiseProduct(ConstMatrixMap(k.recMask.data() + (2 * B + b0) * u, nb, u));
        gemm::multiply({z + 2 * u, nb, u, GU, 1}, {rh, nb, u, u, 1}, k.packedU[2], true);
    }
    A.rightCols(u) = Z.rightCols(u);
    activation_.apply(a + 2 * u, nb, u, GU);
    // h = z * h_prev + (1 - z) * h~
    MatrixMap Hn(rowsOf(k.h, (s + 1) * B + b0), nb, u);
    ConstMatrixMap Hp(hp, nb, u);
    auto Zg = A.leftCols(u).array();
    Hn = (Zg * Hp.array() + (1.0f - Zg) * A.rightCols(u).array()).matrix();
}

void GRU::stepBackward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) {
    const int64_t B = k.B, u = units_, GU = 3 * u;
    const int64_t row = s * B + b0;
    const float* z = rowsOf(k.z, row);
    const float* a = rowsOf(k.a, row);
    const float* hp = rowsOf(k.h, row);
    const float* rh = rowsOf(k.extra, row);
    float* dz = rowsOf(k.dz, row);
    float* dh = rowsOf(k.dh, b0);
    const Eigen::OuterStride<> st(GU);
    ConstStridedMap A(a, nb, GU, st);
    StridedMap DZ(dz, nb, GU, st);
    ConstMatrixMap Hp(hp, nb, u), RH(rh, nb, u);
    MatrixMap DH(dh, nb, u);
    auto Zg = A.leftCols(u).array();
    auto Rg = A.middleCols(u, u).array();
    auto HH = A.rightCols(u).array();

    // h = z * h_prev + (1 - z) * h~
    DZ.rightCols(u) = (DH.array() * (1.0f - Zg)).matrix();
    DZ.leftCols(u) = (DH.array() * (Hp.array() - HH)).matrix();
    MatrixMap Direct(rowsOf(k.s1, b0), nb, u);
    Direct = (DH.array() * Zg).matrix();
    activation_.backward(z + 2 * u, GU, a + 2 * u, GU, dz + 2 * u, GU, nb, u);

    if (resetAfter_) {
        float* dr = rowsOf(k.dr, row);
        StridedMap DR(dr, nb, GU, st);
        // pre_h = x_h + r * rh
        DZ.middleCols(u, u) = (DZ.rightCols(u).array() * RH.array()).matrix();
        DR.rightCols(u) = (DZ.rightCols(u).array() * Rg).matrix();
        recurrentActivation_.backward(z, GU, a, GU, dz, GU, nb, 2 * u);
        DR.leftCols(2 * u) = DZ.leftCols(2 * u);
        DH = Direct;
        backRecurrent(k, dr, GU, dh, 0, 3, b0, nb);
    } else {
        // pre_h = x_h + rh @ U_h with rh = r * hm, hm = h_prev * recurrent mask.
        float* drh = rowsOf(k.s3, b0);
        MatrixMap DRH(drh, nb, u);
        gemm::multiply({drh, nb, u, u, 1}, {dz + 2 * u, nb, u, GU, 1}, k.packedUT[2], false);
        if (k.recOn) {
            ConstMatrixMap Mh(k.recMask.data() + (2 * B + b0) * u, nb, u);
            DZ.middleCols(u, u) = (DRH.array() * Hp.array() * Mh.array()).matrix();
            Direct += (DRH.array() * Rg * Mh.array()).matrix();
        } else {
            DZ.middleCols(u, u) = (DRH.array() * Hp.array()).matrix();
            Direct += (DRH.array() * Rg).matrix();
        }
        recurrentActivation_.backward(z, GU, a, GU, dz, GU, nb, 2 * u);
        DH = Direct;
        backRecurrent(k, dz, GU, dh, 0, 2, b0, nb);
    }
}

void GRU::finishBackward(RecurrentCache& k, bool weights) {
    if (!weights) return;
    const int64_t TB = k.T * k.B, GU = 3 * units_;
    if (resetAfter_) {
        if (bias_) {
            auto BG = bias_->grad.matrix(2, GU);
            BG.row(0) += k.dz.matrix(TB, GU).colwise().sum();
            BG.row(1) += k.dr.matrix(TB, GU).colwise().sum();
        }
        addRecurrentKernelGrad(k, k.h.data(), k.dr, 0, 3, true);
    } else {
        if (bias_) bias_->grad.vector() += k.dz.matrix(TB, GU).colwise().sum().transpose();
        addRecurrentKernelGrad(k, k.h.data(), k.dz, 0, 2, true);
        addRecurrentKernelGrad(k, k.extra.data(), k.dz, 2, 1, false);
    }
}

}  // namespace strata
