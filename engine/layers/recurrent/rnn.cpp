#include "engine/layers/recurrent/rnn.h"

#include "engine/core/parallel.h"

#include <algorithm>
#include <cstring>

#include "engine/core/errors.h"
#include "engine/layers/initializers.h"

namespace strata {

// ---- RecurrentActivation ------------------------------------------------------------------------

void RecurrentActivation::apply(float* x, int64_t rows, int64_t cols, int64_t ld) const {
    if (rows == 0 || cols == 0) return;
    StridedMap m(x, rows, cols, Eigen::OuterStride<>(ld));
    switch (fn_.kind()) {
        case ActivationFn::Kind::Linear: return;
        case ActivationFn::Kind::Sigmoid: m = m.array().logistic().matrix(); return;
        case ActivationFn::Kind::Tanh: m = m.array().tanh().matrix(); return;
        case ActivationFn::Kind::HardSigmoid:
            if (keras2HardSigmoid_) {
                m = (m.array() * 0.2f + 0.5f).cwiseMax(0.0f).cwiseMin(1.0f).matrix();
                return;
            }
            break;
        default: break;
    }
    for (int64_t r = 0; r < rows; ++r) fn_.apply(x + r * ld, cols, cols);
}

void RecurrentActivation::apply(const float* src, int64_t lds, float* dst, int64_t ldd, int64_t rows,
                                int64_t cols) const {
    if (rows == 0 || cols == 0) return;
    ConstStridedMap x(src, rows, cols, Eigen::OuterStride<>(lds));
    StridedMap y(dst, rows, cols, Eigen::OuterStride<>(ldd));
    switch (fn_.kind()) {
        case ActivationFn::Kind::Linear: y = x; return;
        case ActivationFn::Kind::Sigmoid: y = x.array().logistic().matrix(); return;
        case ActivationFn::Kind::Tanh: y = x.array().tanh().matrix(); return;
        default: break;
    }
    y = x;
    apply(dst, rows, cols, ldd);
}

void RecurrentActivation::backward(const float* x, int64_t ldx, const float* y, int64_t ldy, float* g, int64_t ldg,
                                   int64_t rows, int64_t cols) const {
    if (rows == 0 || cols == 0) return;
    StridedMap G(g, rows, cols, Eigen::OuterStride<>(ldg));
    ConstStridedMap Y(y, rows, cols, Eigen::OuterStride<>(ldy));
    switch (fn_.kind()) {
        case ActivationFn::Kind::Linear: return;
        case ActivationFn::Kind::Sigmoid:
            G = (G.array() * Y.array() * (1.0f - Y.array())).matrix();
            return;
        case ActivationFn::Kind::Tanh:
            G = (G.array() * (1.0f - Y.array().square())).matrix();
            return;
        case ActivationFn::Kind::HardSigmoid:
            if (keras2HardSigmoid_) {
                ConstStridedMap X(x, rows, cols, Eigen::OuterStride<>(ldx));
                G = (G.array() * (X.array() > -2.5f && X.array() < 2.5f).cast<float>() * 0.2f).matrix();
                return;
            }
            break;
        default: break;
    }
    for (int64_t r = 0; r < rows; ++r) fn_.backward(x + r * ldx, y + r * ldy, g + r * ldg, cols, cols);
}

// ---- specs --------------------------------------------------------------------------------------

std::vector<ParamSpec> recurrentBaseParams() {
    return {
        param::boolean("return_sequences", false, "Return the full output sequence instead of the last output."),
        param::boolean("return_state", false, "Also return the final state(s) as extra outputs."),
        param::boolean("go_backwards", false, "Process the sequence backwards and return the reversed sequence."),
        param::boolean("stateful", false, "Carry the last state to the next batch (not supported by Strata)."),
        param::advanced(param::boolean("unroll", false, "Unroll the loop (ignored: Strata always loops).")),
        param::advanced(param::boolean("zero_output_for_mask", false,
                                       "Output zeros at masked steps instead of the previous output.")),
    };
}

std::string recurrentBrief(const Json& c) {
    std::string s = std::to_string(c.value("units", 0));
    if (c.value("return_sequences", false)) s += " · seq";
    if (c.value("return_state", false)) s += " · state";
    if (c.value("go_backwards", false)) s += " · backwards";
    return s;
}

// ---- RecurrentBase ------------------------------------------------------------------------------

RecurrentBase::RecurrentBase(std::string className, const Json& config, int gates, int states)
    : Layer(std::move(className), config),
      units_(cfgInt(this->config(), "units")),
      gates_(gates),
      numStates_(states),
      useBias_(cfgBool(this->config(), "use_bias")),
      returnSequences_(cfgBool(this->config(), "return_sequences")),
      returnState_(cfgBool(this->config(), "return_state")),
      goBackwards_(cfgBool(this->config(), "go_backwards")),
      stateful_(cfgBool(this->config(), "stateful")),
      zeroOutputForMask_(cfgBool(this->config(), "zero_output_for_mask")),
      dropout_(std::clamp(cfgFloat(this->config(), "dropout"), 0.0, 1.0)),
      recurrentDropout_(std::clamp(cfgFloat(this->config(), "recurrent_dropout"), 0.0, 1.0)),
      activation_(ActivationFn::fromJson(this->config()["activation"])) {
    const Json& cfg = this->config();
    if (stateful_)
        throw NotSupportedError("Layer '" + name() + "' (" + this->className() +
                                "): stateful=True is not supported by Strata; use stateful=False");
    if (cfg.contains("time_major") && cfg["time_major"].is_boolean() && cfg["time_major"].get<bool>())
        throw NotSupportedError("Layer '" + name() + "' (" + this->className() +
                                "): time_major=True (Keras 2) is not supported by Strata");
    if (cfg.contains("recurrent_activation"))
        recurrentActivation_ = RecurrentActivation(ActivationFn::fromJson(cfg["recurrent_activation"]));
    int implementation = cfg.contains("implementation") && cfg["implementation"].is_number_integer()
                             ? cfg["implementation"].get<int>()
                             : 2;
    perGateDropout_ = gates_ > 1 && (recurrentDropout_ > 0.0 || implementation == 1);
}

void RecurrentBase::setKeras2HardSigmoid(bool on) {
    activation_.setKeras2HardSigmoid(on);
    recurrentActivation_.setKeras2HardSigmoid(on);
}

std::vector<Shape> RecurrentBase::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() != 3)
        throw ShapeError("input 0: expected a 3D tensor (batch, timesteps, features), got " + s.toString());
    if (s[2] == kNone) throw ShapeError("input 0: the feature dimension must be known, got " + s.toString());
    if (built() && kernel_->value.dim(0) != s[2])
        throw ShapeError("input 0: expected (batch, timesteps, " + std::to_string(kernel_->value.dim(0)) + "), got " +
                         s.toString());
    for (size_t i = 1; i < in.size(); ++i) {
        const Shape& st = in[i];
        if (st.rank() != 2 || !dimsCompatible(st[1], units_) || !dimsCompatible(st[0], s[0]))
            throw ShapeError("input " + std::to_string(i) + " (initial state " + std::to_string(i - 1) +
                             "): expected (batch, " + std::to_string(units_) + "), got " + st.toString());
    }
    std::vector<Shape> out;
    out.push_back(returnSequences_ ? Shape{s[0], s[1], units_} : Shape{s[0], units_});
    if (returnState_)
        for (int i = 0; i < numStates_; ++i) out.push_back(Shape{s[0], units_});
    return out;
}

std::optional<Tensor> RecurrentBase::computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const {
    if (returnSequences_ && !masks.empty() && masks[0]) return *masks[0];
    return std::nullopt;
}

void RecurrentBase::buildImpl(const std::vector<Shape>& in) {
    const int64_t inDim = in[0][2];
    const int64_t gu = gates_ * units_;
    const Json& c = config();
    kernel_ = &addWeight("kernel", {inDim, gu}, c["kernel_initializer"], true, c["kernel_regularizer"]);
    recurrentKernel_ =
        &addWeight("recurrent_kernel", {units_, gu}, c["recurrent_initializer"], true, c["recurrent_regularizer"]);
    if (useBias_) {
        bias_ = &addWeight("bias", biasShape(), c["bias_initializer"], true, c["bias_regularizer"]);
        initBias(*bias_);
    }
}

void RecurrentBase::checkInputs(const ConstTensorPtrs& inputs, const Tensor* mask) const {
    const std::string who = "Layer '" + name() + "' (" + className() + "): ";
    const Tensor& x = *inputs[0];
    if (x.rank() != 3 || x.dim(2) != kernel_->value.dim(0))
        throw ShapeError(who + "input 0: expected (batch, timesteps, " + std::to_string(kernel_->value.dim(0)) +
                         "), got " + x.shapeString());
    if (static_cast<int>(inputs.size()) > 1 + numStates_)
        throw ShapeError(who + "expects at most " + std::to_string(1 + numStates_) + " inputs (sequence and initial states), got " +
                         std::to_string(inputs.size()));
    for (size_t i = 1; i < inputs.size(); ++i) {
        const Tensor& st = *inputs[i];
        if (st.rank() != 2 || st.dim(0) != x.dim(0) || st.dim(1) != units_)
            throw ShapeError(who + "input " + std::to_string(i) + " (initial state " + std::to_string(i - 1) +
                             "): expected (" + std::to_string(x.dim(0)) + ", " + std::to_string(units_) + "), got " +
                             st.shapeString());
    }
    if (mask && mask->size() != x.dim(0) * x.dim(1))
        throw ShapeError(who + "mask: expected shape (" + std::to_string(x.dim(0)) + ", " + std::to_string(x.dim(1)) +
                         ") for input " + x.shapeString() + ", got " + mask->shapeString());
}

namespace {
void fillDropoutMask(Tensor& m, double rate, Rng& rng) {
    fillBernoulliMask(m.data(), m.size(), rate, static_cast<float>(1.0 / (1.0 - rate)), rng);
}
}  // namespace

void RecurrentBase::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor* mask = ctx.mask(0);
    checkInputs(inputs, mask);
    const Tensor& x = *inputs[0];
    const int64_t B = x.dim(0), T = x.dim(1), F = x.dim(2), u = units_, G = gates_, GU = G * u;
    auto& k = ctx.cache<RecurrentCache>();
    k.B = B;
    k.T = T;
    k.F = F;

    // Masks in processing order.
    k.hasMask = mask != nullptr;
    if (k.hasMask) {
        k.keep.resize(static_cast<size_t>(T * B));
        for (int64_t s = 0; s < T; ++s) {
            const int64_t t = goBackwards_ ? T - 1 - s : s;
            for (int64_t b = 0; b < B; ++b) k.keep[s * B + b] = (*mask)[b * T + t] != 0.0f ? 1 : 0;
        }
        // Keras's prev_output starts at zeros: a masked step outputs the last kept step's h, or zeros.
        k.live.resize(static_cast<size_t>(T * B));
        for (int64_t b = 0; b < B; ++b) {
            bool seen = false;
            for (int64_t s = 0; s < T; ++s) {
                const bool kept = k.keep[s * B + b] != 0;
                seen = seen || kept;
                k.live[s * B + b] = kept || (!zeroOutputForMask_ && seen) ? 1 : 0;
            }
        }
    }

    // Dropout masks, one draw per call shared by all steps (Keras's DropoutRNNCell).
    const bool inDrop = ctx.training && dropout_ > 0.0 && dropout_ < 1.0;
    k.nIn = inDrop ? (perGateDropout_ ? G : 1) : 0;
    if (k.nIn) {
        k.inMask.resize({k.nIn * B, F});
        fillDropoutMask(k.inMask, dropout_, ctx.random());
    }
    k.recOn = ctx.training && recurrentDropout_ > 0.0 && recurrentDropout_ < 1.0;
    if (k.recOn) {
        k.recMask.resize({G * B, u});
        fillDropoutMask(k.recMask, recurrentDropout_, ctx.random());
    }

    // Time-major inputs in processing order.
    k.xt.resize({T * B, F});
    for (int64_t s = 0; s < T; ++s) {
        const int64_t t = goBackwards_ ? T - 1 - s : s;
        for (int64_t b = 0; b < B; ++b) {
            const float* src = x.data() + (b * T + t) * F;
            float* dst = k.xt.data() + (s * B + b) * F;
            if (k.nIn == 1) {
                const float* m = k.inMask.data() + b * F;
                for (int64_t f = 0; f < F; ++f) dst[f] = src[f] * m[f];
            } else {
                std::memcpy(dst, src, sizeof(float) * F);
            }
        }
    }

    // Input projection of every step at once.
    k.z.resize({T * B, GU});
    auto Z = k.z.matrix(T * B, GU);
    auto W = kernel_->value.matrix(F, GU);
    if (k.nIn <= 1) {
        parallelProduct(Z, k.xt.matrix(T * B, F), W, false);
    } else {
        k.s1.resize({T * B, F});
        for (int64_t g = 0; g < G; ++g) {
            for (int64_t r = 0; r < T * B; ++r) {
                const float* m = k.inMask.data() + (g * B + r % B) * F;
                const float* src = k.xt.data() + r * F;
                float* dst = k.s1.data() + r * F;
                for (int64_t f = 0; f < F; ++f) dst[f] = src[f] * m[f];
            }
            Z.middleCols(g * u, u).noalias() = k.s1.matrix(T * B, F) * W.middleCols(g * u, u);
        }
    }
    if (const float* bi = inputBias()) Z.rowwise() += ConstVectorMap(bi, GU).transpose();

    // States.
    k.h.resize({(T + 1) * B, u});
    if (inputs.size() > 1) std::memcpy(k.h.data(), inputs[1]->data(), sizeof(float) * B * u);
    else std::fill(k.h.data(), k.h.data() + B * u, 0.0f);
    if (numStates_ == 2) {
        k.c.resize({(T + 1) * B, u});
        if (inputs.size() > 2) std::memcpy(k.c.data(), inputs[2]->data(), sizeof(float) * B * u);
        else std::fill(k.c.data(), k.c.data() + B * u, 0.0f);
    }
    k.a.resize({T * B, GU});
    prepare(k);

    // The recurrent kernel is multiplied at every step by every row block: pack it once, per gate
    // (addRecurrent takes any range of gates).
    k.packedU.resize(static_cast<size_t>(G));
    for (int64_t g = 0; g < G; ++g)
        k.packedU[g].pack({recurrentKernel_->value.data() + g * u, u, u, GU, 1});
    if (k.recOn) k.s4.resize({B, u});  // addRecurrent's scratch, row blocks use their own rows

    // Each step is one parallel pass over blocks of 12 rows (the GEMM tile's height).
    const int64_t blocks = (B + 11) / 12;
    const int parts = partsFor(blocks, 2.0 * double(B) * double(u) * double(GU));
    for (int64_t s = 0; s < T; ++s) {
        parallelFor(blocks, parts, [&](int, int64_t q0, int64_t q1) {
            const int64_t b0 = q0 * 12, b1 = std::min(B, q1 * 12);
            stepForward(k, s, b0, b1 - b0);
            if (!k.hasMask) return;
            for (int64_t b = b0; b < b1; ++b) {
                if (k.keep[s * B + b]) continue;
                std::memcpy(k.h.data() + ((s + 1) * B + b) * u, k.h.data() + (s * B + b) * u, sizeof(float) * u);
                if (numStates_ == 2)
                    std::memcpy(k.c.data() + ((s + 1) * B + b) * u, k.c.data() + (s * B + b) * u, sizeof(float) * u);
            }
        });
    }

    // Outputs.
    outputs.resize(1 + (returnState_ ? numStates_ : 0));
    Tensor& y = outputs[0];
    auto zeroed = [&](int64_t s, int64_t b) { return k.hasMask && !k.live[s * B + b]; };
    if (returnSequences_) {
        y.resize({B, T, u});
        for (int64_t b = 0; b < B; ++b)
            for (int64_t s = 0; s < T; ++s) {
                float* dst = y.data() + (b * T + s) * u;
                if (zeroed(s, b)) std::fill(dst, dst + u, 0.0f);
                else std::memcpy(dst, k.h.data() + ((s + 1) * B + b) * u, sizeof(float) * u);
            }
    } else {
        y.resize({B, u});
        for (int64_t b = 0; b < B; ++b) {
            float* dst = y.data() + b * u;
            if (T > 0 && zeroed(T - 1, b)) std::fill(dst, dst + u, 0.0f);
            else std::memcpy(dst, k.h.data() + (T * B + b) * u, sizeof(float) * u);
        }
    }
    if (returnState_) {
        outputs[1].resize({B, u});
        std::memcpy(outputs[1].data(), k.h.data() + T * B * u, sizeof(float) * B * u);
        if (numStates_ == 2) {
            outputs[2].resize({B, u});
            std::memcpy(outputs[2].data(), k.c.data() + T * B * u, sizeof(float) * B * u);
        }
    }
}

void RecurrentBase::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                             Tensors& inputGrads, CallContext& ctx) {
    auto& k = ctx.cache<RecurrentCache>();
    const Tensor& x = *inputs[0];
    if (x.rank() != 3 || x.dim(0) != k.B || x.dim(1) != k.T || x.dim(2) != k.F || k.z.size() != k.T * k.B * gates_ * units_)
        throw ValueError("Layer '" + name() + "' (" + className() +
                         "): backward needs the forward pass of the same call (input " + x.shapeString() + ")");
    const int64_t B = k.B, T = k.T, F = k.F, u = units_, G = gates_, GU = G * u;
    auto gradAt = [&](size_t i) -> const Tensor* { return i < outputGrads.size() ? outputGrads[i] : nullptr; };

    k.dh.resize({B, u});
    if (returnState_ && gradAt(1)) std::memcpy(k.dh.data(), gradAt(1)->data(), sizeof(float) * B * u);
    else k.dh.setZero();
    if (numStates_ == 2) {
        k.dc.resize({B, u});
        if (returnState_ && gradAt(2)) std::memcpy(k.dc.data(), gradAt(2)->data(), sizeof(float) * B * u);
        else k.dc.setZero();
    }
    k.dz.resize({T * B, GU});
    prepareBackward(k);
    const Tensor* gy = gradAt(0);
    auto zeroed = [&](int64_t s, int64_t b) { return k.hasMask && !k.live[s * B + b]; };

    // As forward: U_g^T packed once, then each step one parallel pass over blocks of 12 rows (the
    // gradient of a row's state depends only on that row), with per-row scratch sized here.
    k.packedUT.resize(static_cast<size_t>(G));
    for (int64_t g = 0; g < G; ++g)
        k.packedUT[g].pack({recurrentKernel_->value.data() + g * u, u, u, 1, GU});
    k.s1.resize({B, u});
    k.s3.resize({B, u});
    k.s4.resize({B, u});
    if (k.hasMask) {
        k.dhSave.resize({B, u});
        if (numStates_ == 2) k.dcSave.resize({B, u});
    }
    const bool hasDr = k.dr.size() == k.dz.size();
    const int64_t blocks = (B + 11) / 12;
    const int parts = partsFor(blocks, 4.0 * double(B) * double(u) * double(GU));
    for (int64_t s = T - 1; s >= 0; --s) {
        parallelFor(blocks, parts, [&](int, int64_t q0, int64_t q1) {
            const int64_t b0 = q0 * 12, b1 = std::min(B, q1 * 12), nb = b1 - b0;
            if (gy) {
                for (int64_t b = b0; b < b1; ++b) {
                    if (zeroed(s, b)) continue;
                    const float* g = nullptr;
                    if (returnSequences_) g = gy->data() + (b * T + s) * u;
                    else if (s == T - 1) g = gy->data() + b * u;
                    if (!g) continue;
                    float* d = k.dh.data() + b * u;
                    for (int64_t j = 0; j < u; ++j) d[j] += g[j];
                }
            }
            if (k.hasMask) {
                std::memcpy(k.dhSave.data() + b0 * u, k.dh.data() + b0 * u, sizeof(float) * nb * u);
                if (numStates_ == 2) std::memcpy(k.dcSave.data() + b0 * u, k.dc.data() + b0 * u, sizeof(float) * nb * u);
            }
            stepBackward(k, s, b0, nb);
            if (!k.hasMask) return;
            for (int64_t b = b0; b < b1; ++b) {
                if (k.keep[s * B + b]) continue;
                std::memcpy(k.dh.data() + b * u, k.dhSave.data() + b * u, sizeof(float) * u);
                if (numStates_ == 2) std::memcpy(k.dc.data() + b * u, k.dcSave.data() + b * u, sizeof(float) * u);
                std::fill(k.dz.data() + (s * B + b) * GU, k.dz.data() + (s * B + b + 1) * GU, 0.0f);
                if (hasDr) std::fill(k.dr.data() + (s * B + b) * GU, k.dr.data() + (s * B + b + 1) * GU, 0.0f);
            }
        });
    }

    // Input gradients (the sequence's only when someone reads it: not for a model's first layer).
    inputGrads.resize(inputs.size());
    auto DZ = k.dz.matrix(T * B, GU);
    auto W = kernel_->value.matrix(F, GU);
    if (ctx.inputGradNeeded(0)) {
        k.dxt.resize({T * B, F});
        auto DXT = k.dxt.matrix(T * B, F);
        if (k.nIn <= 1) {
            parallelProduct(DXT, DZ, W.transpose(), false);
            if (k.nIn == 1)
                for (int64_t r = 0; r < T * B; ++r) {
                    const float* m = k.inMask.data() + (r % B) * F;
                    float* d = k.dxt.data() + r * F;
                    for (int64_t f = 0; f < F; ++f) d[f] *= m[f];
                }
        } else {
            DXT.setZero();
            k.s1.resize({T * B, F});
            auto S = k.s1.matrix(T * B, F);
            for (int64_t g = 0; g < G; ++g) {
                S.noalias() = DZ.middleCols(g * u, u) * W.middleCols(g * u, u).transpose();
                for (int64_t r = 0; r < T * B; ++r) {
                    const float* m = k.inMask.data() + (g * B + r % B) * F;
                    const float* src = k.s1.data() + r * F;
                    float* d = k.dxt.data() + r * F;
                    for (int64_t f = 0; f < F; ++f) d[f] += src[f] * m[f];
                }
            }
        }
        Tensor& dx = inputGrads[0];
        dx.resize({B, T, F});
        for (int64_t s = 0; s < T; ++s) {
            const int64_t t = goBackwards_ ? T - 1 - s : s;
            for (int64_t b = 0; b < B; ++b)
                std::memcpy(dx.data() + (b * T + t) * F, k.dxt.data() + (s * B + b) * F, sizeof(float) * F);
        }
    }
    if (inputs.size() > 1) {
        inputGrads[1].resize({B, u});
        std::memcpy(inputGrads[1].data(), k.dh.data(), sizeof(float) * B * u);
    }
    if (inputs.size() > 2) {
        inputGrads[2].resize({B, u});
        std::memcpy(inputGrads[2].data(), k.dc.data(), sizeof(float) * B * u);
    }

    // Weight gradients.
    if (!trainable()) return;
    auto dW = kernel_->grad.matrix(F, GU);
    if (k.nIn <= 1) {
        parallelProduct(dW, k.xt.matrix(T * B, F).transpose(), DZ, true);
    } else {
        k.s1.resize({T * B, F});
        for (int64_t g = 0; g < G; ++g) {
            for (int64_t r = 0; r < T * B; ++r) {
                const float* m = k.inMask.data() + (g * B + r % B) * F;
                const float* src = k.xt.data() + r * F;
                float* dst = k.s1.data() + r * F;
                for (int64_t f = 0; f < F; ++f) dst[f] = src[f] * m[f];
            }
            dW.middleCols(g * u, u).noalias() += k.s1.matrix(T * B, F).transpose() * DZ.middleCols(g * u, u);
        }
    }
    finishBackward(k, true);
}

void RecurrentBase::finishBackward(RecurrentCache& k, bool weights) {
    if (!weights) return;
    const int64_t TB = k.T * k.B, GU = gates_ * units_;
    if (bias_) bias_->grad.vector() += k.dz.matrix(TB, GU).colwise().sum().transpose();
    addRecurrentKernelGrad(k, k.h.data(), k.dz, 0, gates_, true);
}

// ---- helpers ------------------------------------------------------------------------------------

void RecurrentBase::addRecurrent(RecurrentCache& k, const float* h, float* out, int64_t ldOut, int g0, int ng,
                                 int64_t b0, int64_t nb) {
    const int64_t B = k.B, u = units_;
    if (nb == 0) return;
    const float* lhs = h;
    for (int g = g0; g < g0 + ng; ++g) {
        if (k.recOn) {  // this block's rows of h * recMask_g
            float* S = rowsOf(k.s4, b0);
            MatrixMap(S, nb, u) = ConstMatrixMap(h, nb, u).cwiseProduct(ConstMatrixMap(k.recMask.data() + (g * B + b0) * u, nb, u));
            lhs = S;
        }
        gemm::multiply({out + (g - g0) * u, nb, u, ldOut, 1}, {lhs, nb, u, u, 1}, k.packedU[g], true);
    }
}

void RecurrentBase::backRecurrent(RecurrentCache& k, const float* dz, int64_t ldz, float* dh, int g0, int ng,
                                  int64_t b0, int64_t nb) {
    const int64_t B = k.B, u = units_;
    if (nb == 0) return;
    for (int g = g0; g < g0 + ng; ++g) {
        const gemm::ConstView dzg{dz + (g - g0) * u, nb, u, ldz, 1};
        if (!k.recOn) {
            gemm::multiply({dh, nb, u, u, 1}, dzg, k.packedUT[g], true);
            continue;
        }
        float* S = rowsOf(k.s4, b0);
        gemm::multiply({S, nb, u, u, 1}, dzg, k.packedUT[g], false);
        MatrixMap(dh, nb, u) += ConstMatrixMap(S, nb, u).cwiseProduct(ConstMatrixMap(k.recMask.data() + (g * B + b0) * u, nb, u));
    }
}

void RecurrentBase::addRecurrentKernelGrad(RecurrentCache& k, const float* hAll, const Tensor& dz, int g0, int ng,
                                           bool useRecMask) {
    const int64_t B = k.B, TB = k.T * k.B, u = units_, GU = gates_ * u;
    if (TB == 0) return;
    auto dU = recurrentKernel_->grad.matrix(u, GU);
    ConstMatrixMap Hall(hAll, TB, u);
    auto DZ = dz.matrix(TB, GU);
    if (!useRecMask || !k.recOn) {
        parallelProduct(dU.middleCols(g0 * u, ng * u), Hall.transpose(), DZ.middleCols(g0 * u, ng * u), true);
        return;
    }
    k.s1.resize({TB, u});
    for (int g = g0; g < g0 + ng; ++g) {
        for (int64_t r = 0; r < TB; ++r) {
            const float* m = k.recMask.data() + (g * B + r % B) * u;
            const float* src = hAll + r * u;
            float* dst = k.s1.data() + r * u;
            for (int64_t j = 0; j < u; ++j) dst[j] = src[j] * m[j];
        }
        dU.middleCols(g * u, u).noalias() += k.s1.matrix(TB, u).transpose() * DZ.middleCols(g * u, u);
    }
}

}  // namespace strata
