#pragma once
/// Shared machinery of the recurrent layers (Keras 3 keras/src/layers/rnn/rnn.py): SimpleRNN, LSTM and GRU
/// derive from RecurrentBase, which owns the sequence loop, masks, dropout masks, go_backwards,
/// return_sequences/return_state, initial states and the input projection; a subclass writes one cell
/// step forward and backward.
///
/// Memory layout of a call (all time-major, indexed by the *processing* step s; with go_backwards
/// step s reads time index T-1-s, as Keras does):
///   xt (T*B, F) inputs, z (T*B, G*u) gate pre-activations, a (T*B, G*u) gate outputs,
///   h ((T+1)*B, u) hidden states with h[0] the initial state, c ((T+1)*B, u) LSTM carry.
/// The input projection over all steps is one GEMM (xt @ kernel); each step adds one GEMM h @ U.
///
/// Masks (ctx.masks[0], shape (batch, timesteps), non-zero = keep): a masked step carries the previous
/// states forward and outputs the previous output (zeros before the first kept step, or always zeros if
/// zero_output_for_mask), like Keras's backend.rnn. The output mask is the input mask when
/// return_sequences, else none.
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "engine/core/gemm.h"
#include "engine/layers/activations.h"
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

using StridedMap = Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>>;
using ConstStridedMap = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;

/// An activation applied inside a recurrent cell, over row blocks of a gate matrix. Sigmoid and tanh
/// take a vectorised Eigen path; anything else goes through ActivationFn row by row.
///
/// `keras2HardSigmoid`: Keras 2's hard_sigmoid is clip(0.2 x + 0.5, 0, 1), Keras 3's (and
/// activations.cpp's) is relu6(x + 3) / 6. RNNs from old Keras 2 files often use hard_sigmoid as
/// recurrent_activation; a loader that knows the file is Keras 2 can switch to the old formula with
/// RecurrentBase::setKeras2HardSigmoid(true).
class RecurrentActivation {
public:
    RecurrentActivation() = default;
    explicit RecurrentActivation(ActivationFn fn) : fn_(fn) {}
    const ActivationFn& fn() const { return fn_; }
    void setKeras2HardSigmoid(bool on) { keras2HardSigmoid_ = on; }
    bool usesKeras2HardSigmoid() const { return keras2HardSigmoid_ && fn_.kind() == ActivationFn::Kind::HardSigmoid; }

    /// In place over a (rows, cols) block with leading dimension ld; softmax acts on each row.
    void apply(float* x, int64_t rows, int64_t cols, int64_t ld) const;
    /// dst = f(src) over a block (leading dims lds, ldd): one pass instead of a copy and an apply.
    void apply(const float* src, int64_t lds, float* dst, int64_t ldd, int64_t rows, int64_t cols) const;
    /// g <- g * f'(x) over a block; x: pre-activation, y: output (leading dims ldx, ldy, ldg).
    void backward(const float* x, int64_t ldx, const float* y, int64_t ldy, float* g, int64_t ldg, int64_t rows,
                  int64_t cols) const;

private:
    ActivationFn fn_;
    bool keras2HardSigmoid_ = false;
};

/// Everything one call keeps for backward (and its scratch). Buffers are reused between calls.
struct RecurrentCache : LayerCache {
    int64_t B = 0, T = 0, F = 0;
    bool hasMask = false;
    std::vector<uint8_t> keep;  ///< (T*B) processing order: 1 = step used
    std::vector<uint8_t> live;  ///< (T*B) 1 = the output of the step is h[s+1], 0 = it is zeros
    int nIn = 0;                ///< input dropout masks: 0 none, 1 shared by all gates, G one per gate
    Tensor inMask;              ///< (nIn*B, F), values 0 or 1/(1-rate)
    bool recOn = false;         ///< recurrent dropout active: G masks
    Tensor recMask;             ///< (G*B, u)
    Tensor xt;                  ///< (T*B, F) inputs (times the shared dropout mask when nIn == 1)
    Tensor z, a;                ///< (T*B, G*u) gate pre-activations and outputs
    Tensor h, c;                ///< ((T+1)*B, u) states
    Tensor tc;                  ///< (T*B, u) LSTM: activation(c)
    Tensor extra;               ///< (T*B, u) GRU: recurrent part of the candidate (see gru.cpp)
    // scratch
    Tensor s1, s2, s3, s4;
    Tensor dz, dr;              ///< (T*B, G*u) gradients of gate pre-activations (dr: GRU reset_after)
    Tensor dh, dc, dhSave, dcSave, dxt;
    std::vector<gemm::PackedB> packedU;   ///< the recurrent kernel's gates, packed once per forward call
    std::vector<gemm::PackedB> packedUT;  ///< their transposes, packed once per backward call
};

class RecurrentBase : public Layer {
public:
    RecurrentBase(std::string className, const Json& config, int gates, int states);

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    int minInputs() const override { return 1; }
    int maxInputs() const override { return 1 + numStates_; }
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }
    bool supportsMasking() const override { return true; }
    std::optional<Tensor> computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const override;

    int64_t units() const { return units_; }
    int numGates() const { return gates_; }
    /// 1 (h) for SimpleRNN and GRU, 2 (h, c) for LSTM.
    int numStates() const { return numStates_; }
    bool returnSequences() const { return returnSequences_; }
    bool returnState() const { return returnState_; }
    bool goBackwards() const { return goBackwards_; }
    bool stateful() const { return stateful_; }
    bool zeroOutputForMask() const { return zeroOutputForMask_; }
    /// Use Keras 2's hard_sigmoid (clip(0.2 x + 0.5)) wherever this layer's activations say hard_sigmoid.
    void setKeras2HardSigmoid(bool on);

    Variable* kernel() const { return kernel_; }
    Variable* recurrentKernel() const { return recurrentKernel_; }
    Variable* bias() const { return bias_; }

protected:
    /// Creates kernel (in, G*u), recurrent_kernel (u, G*u) and the bias (subclass shape) in Keras's order.
    void buildImpl(const std::vector<Shape>& in) override;
    /// Shape of the bias weight ({G*u} by default).
    virtual std::vector<int64_t> biasShape() const { return {gates_ * units_}; }
    /// Fills a freshly created bias (LSTM's unit_forget_bias); default: nothing.
    virtual void initBias(Variable& bias) {}
    /// The bias added to the input projection (G*u values) or null.
    virtual const float* inputBias() const { return bias_ ? bias_->value.data() : nullptr; }
    /// Sizes subclass buffers before the loop.
    virtual void prepare(RecurrentCache& k) {}
    /// Sizes subclass gradient buffers before the backward loop.
    virtual void prepareBackward(RecurrentCache& k) {}
    /// Step s for batch rows [b0, b0 + nb): reads z[s] (input projection), h[s] (and c[s]); writes
    /// z[s], a[s], h[s+1] (c[s+1], ...) of those rows only. Rows are independent within a step, so
    /// the base runs each step as one parallel pass over row blocks (the recurrent GEMM and the
    /// gate arithmetic of a block together, while its rows are in cache).
    virtual void stepForward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) = 0;
    /// Step s backward for batch rows [b0, b0 + nb): reads those rows of k.dh (and k.dc) =
    /// dL/dh[s+1] (dL/dc[s+1]); writes their k.dz[s] (and k.dr[s]) and replaces them by dL/dh[s]
    /// (dL/dc[s]). Scratch k.s1, k.s3, k.s4 are (B, u): a block uses its own rows.
    virtual void stepBackward(RecurrentCache& k, int64_t s, int64_t b0, int64_t nb) = 0;
    /// After the loop: adds weight gradients (when `weights`) except the input kernel's, which the base
    /// adds from k.dz. Default: bias from dz, recurrent kernel from h and dz.
    virtual void finishBackward(RecurrentCache& k, bool weights);

    // ---- helpers for the cells ----------------------------------------------------------------
    /// out (nb rows from batch row b0, leading dim ldOut, first column = gate g0)
    ///   += (h * recMask_g) @ U[:, gates g0..g0+ng), with U as packed for this call (k.packedU).
    /// h and out point at row b0. Runs on the calling thread (it is called per row block).
    void addRecurrent(RecurrentCache& k, const float* h, float* out, int64_t ldOut, int g0, int ng, int64_t b0,
                      int64_t nb);
    /// dh (nb rows from batch row b0) += sum over gates g0..g0+ng of (dz_g @ U_g^T) * recMask_g;
    /// dz (leading dim ldz) and dh point at row b0. Uses k.packedUT; runs on the calling thread.
    void backRecurrent(RecurrentCache& k, const float* dz, int64_t ldz, float* dh, int g0, int ng, int64_t b0,
                       int64_t nb);
    /// U[:, gates g0..g0+ng).grad += sum over steps of (hAll_s * recMask_g)^T dz_s, one GEMM.
    /// hAll: (T*B, u); `useRecMask` false when hAll already includes the masks.
    void addRecurrentKernelGrad(RecurrentCache& k, const float* hAll, const Tensor& dz, int g0, int ng,
                                bool useRecMask);
    static float* rowsOf(Tensor& t, int64_t firstRow) { return t.data() + firstRow * t.dim(-1); }
    static const float* rowsOf(const Tensor& t, int64_t firstRow) { return t.data() + firstRow * t.dim(-1); }

    int64_t units_;
    int gates_;
    int numStates_;
    bool useBias_;
    bool returnSequences_, returnState_, goBackwards_, stateful_, zeroOutputForMask_;
    double dropout_, recurrentDropout_;
    bool perGateDropout_ = false;  ///< Keras implementation 1: one dropout mask per gate
    RecurrentActivation activation_;
    RecurrentActivation recurrentActivation_;
    Variable* kernel_ = nullptr;
    Variable* recurrentKernel_ = nullptr;
    Variable* bias_ = nullptr;

private:
    void checkInputs(const ConstTensorPtrs& inputs, const Tensor* mask) const;
};

/// The LayerSpec parameters shared by SimpleRNN, LSTM and GRU (after the cell's own), Keras's RNN
/// base config: return_sequences, return_state, go_backwards, stateful, unroll, zero_output_for_mask.
std::vector<ParamSpec> recurrentBaseParams();
/// "32 · seq · state" for nodes.
std::string recurrentBrief(const Json& config);

}  // namespace strata
