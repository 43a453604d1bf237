#pragma once
/// Keras activations (keras.activations), applied in place over flat buffers so layers can fuse
/// them into their output pass.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/json.h"

namespace strata {

class ActivationFn {
public:
    enum class Kind {
        Linear, Relu, Relu6, Sigmoid, Tanh, Softmax, LogSoftmax, Softplus, Softsign, Elu, Selu, Gelu,
        Swish, HardSigmoid, HardSwish, Exponential, LeakyRelu, Mish
    };

    ActivationFn() = default;
    explicit ActivationFn(Kind k) : kind_(k) {}
    /// "relu", "softmax", ..., "silu" == "swish"; throws ValueError listing the known names.
    static ActivationFn fromName(const std::string& name);
    /// A string, null (linear) or a Keras config dict {"class_name": ..., "config": ...}.
    static ActivationFn fromJson(const Json& j);

    Kind kind() const { return kind_; }
    std::string name() const;
    bool isLinear() const { return kind_ == Kind::Linear; }

    /// y = f(x) in place over n values; softmax/log_softmax act on contiguous groups of `axisLen`.
    void apply(float* x, int64_t n, int64_t axisLen) const;
    /// grad <- grad * f'(.) in place, given pre-activation x and output y (both length n).
    /// Softmax uses y only: g_in = y * (g - sum(g*y)).
    void backward(const float* x, const float* y, float* grad, int64_t n, int64_t axisLen) const;
    /// True if backward needs only y (so layers can skip keeping x).
    bool backwardNeedsOnlyOutput() const;

private:
    Kind kind_ = Kind::Linear;
};

/// All names accepted by fromName (for the inspector's combo box).
std::vector<std::string> activationNames();

}  // namespace strata
