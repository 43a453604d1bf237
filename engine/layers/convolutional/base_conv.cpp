#include "engine/layers/convolutional/base_conv.h"

#include "engine/layers/activation_backward.h"

#include "engine/core/errors.h"

namespace strata {

namespace {
struct BaseConvCache : LayerCache {
    conv::Workspace ws;
    Tensor xT;           // channels_first: the input, channels-last
    Tensor yT;           // channels_first: the output, channels-last
    Tensor gT;           // channels_first: the output gradient, channels-last
    Tensor dxT;          // channels_first: the input gradient, channels-last
    Tensor preActivation;  // kept only when the activation's derivative needs x
    Tensor grad;         // dL/d(pre-activation)
};
}  // namespace

std::vector<ParamSpec> BaseConv::specParams(int rank) {
    return {
        conv::filtersParam(),
        conv::kernelSizeParam(rank),
        conv::stridesParam(rank),
        conv::paddingParam(rank == 1),
        conv::dataFormatParam(),
        conv::dilationParam(rank),
        param::integer("groups", 1,
                       "Number of channel groups; each group is convolved separately with filters/groups filters.", 1),
        param::activation("activation", "linear", "Activation applied to the output."),
        param::boolean("use_bias", true, "Whether to add a bias vector."),
        param::initializer("kernel_initializer", "glorot_uniform", "Initializer of the kernel."),
        param::initializer("bias_initializer", "zeros", "Initializer of the bias."),
        param::regularizer("kernel_regularizer", "Penalty on the kernel."),
        param::regularizer("bias_regularizer", "Penalty on the bias."),
        param::regularizer("activity_regularizer", "Penalty on the output."),
        param::constraint("kernel_constraint", "Constraint on the kernel (kept, not applied)."),
        param::constraint("bias_constraint", "Constraint on the bias (kept, not applied)."),
    };
}

BaseConv::BaseConv(std::string className, int rank, const Json& config)
    : Layer(className, config),
      settings_(conv::readSettings(className, this->config(), rank, /*allowCausal=*/rank == 1)),
      filters_(cfgInt(this->config(), "filters")),
      groups_(cfgIsNull(this->config(), "groups") ? 1 : cfgInt(this->config(), "groups")),
      useBias_(cfgBool(this->config(), "use_bias")),
      activation_(ActivationFn::fromJson(this->config()["activation"])) {
    if (filters_ <= 0) throw ConfigError(className + " argument 'filters': must be positive, got " + std::to_string(filters_));
    if (groups_ <= 0) throw ConfigError(className + " argument 'groups': must be positive, got " + std::to_string(groups_));
    if (filters_ % groups_ != 0)
        throw ConfigError(className + ": the number of filters must be divisible by groups, got filters=" +
                          std::to_string(filters_) + " and groups=" + std::to_string(groups_));
}

std::vector<Shape> BaseConv::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    conv::checkRank(s, settings_);
    const int64_t c = conv::channelsOf(s.dims(), settings_);
    if (c == kNone)
        throw ShapeError("input 0: the channel dimension must be known, got shape " + s.toString());
    if (c % groups_ != 0)
        throw ShapeError("input 0: the number of input channels (" + std::to_string(c) +
                         ") must be divisible by groups=" + std::to_string(groups_) + ", got shape " + s.toString());
    if (built()) {
        const int64_t expected = kernel_->value.dim(-2) * groups_;
        if (c != expected)
            throw ShapeError("input 0: expected " + std::to_string(expected) + " channels, got shape " + s.toString());
    }
    auto spatial = conv::convOutputSpatial(s.dims(), settings_);
    return {Shape(conv::assembleShape(s[0], spatial, filters_, settings_))};
}

void BaseConv::buildImpl(const std::vector<Shape>& in) {
    const int64_t c = conv::channelsOf(in[0].dims(), settings_);
    std::vector<int64_t> kshape = settings_.kernel;
    kshape.push_back(c / groups_);
    kshape.push_back(filters_);
    kernel_ = &addWeight("kernel", kshape, config()["kernel_initializer"], true, config()["kernel_regularizer"]);
    if (useBias_) bias_ = &addWeight("bias", {filters_}, config()["bias_initializer"], true, config()["bias_regularizer"]);
}

conv::Geometry BaseConv::geometryFor(const Tensor& x) const {
    const std::string who = "Layer '" + name() + "' (" + className() + "): ";
    try {
        conv::checkRank(x.shapeObj(), settings_);
        const int64_t c = conv::channelsOf(x.shape(), settings_);
        const int64_t expected = kernel_->value.dim(-2) * groups_;
        if (c != expected)
            throw ShapeError("input 0: expected " + std::to_string(expected) + " channels, got shape " + x.shapeString());
        conv::convOutputSpatial(x.shape(), settings_);
    } catch (const ShapeError& e) {
        throw ShapeError(who + e.what());
    }
    return conv::forwardGeometry(settings_, x.dim(0), conv::spatialOf(x.shape(), settings_),
                                 conv::channelsOf(x.shape(), settings_), filters_, groups_);
}

void BaseConv::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    const conv::Geometry g = geometryFor(x);
    const bool cf = settings_.channelsFirst;
    auto& cache = ctx.cache<BaseConvCache>();
    outputs.resize(1);
    Tensor& y = outputs[0];
    std::vector<int64_t> outSpatial = settings_.rank == 1 ? std::vector<int64_t>{g.outW}
                                                          : std::vector<int64_t>{g.outH, g.outW};
    y.resize(conv::assembleShape(g.batch, outSpatial, filters_, settings_));

    const int64_t inSpatial = g.inPixels(), outPixels = g.outPixels();
    const float* xin = x.data();
    if (cf) {
        cache.xT.resize(x.shape());
        conv::toChannelsLast(x.data(), cache.xT.data(), g.batch, g.inC, inSpatial);
        xin = cache.xT.data();
        cache.yT.resize(y.shape());
    }
    float* yout = cf ? cache.yT.data() : y.data();
    const bool act = !activation_.isLinear();
    const bool keepPre = act && ctx.backwardNeeded() && !activation_.backwardNeedsOnlyOutput();
    if (keepPre) cache.preActivation.resize(y.shape());
    const float* b = useBias_ ? bias_->value.data() : nullptr;
    const int64_t F = filters_;
    auto epilogue = [&](float* rows, int64_t firstRow, int64_t numRows) {
        if (b) conv::addBias(rows, b, numRows, F);
        if (!cf && act) {
            if (keepPre) std::copy(rows, rows + numRows * F, cache.preActivation.data() + firstRow * F);
            activation_.apply(rows, numRows * F, F);
        }
    };
    conv::forward(xin, kernel_->value.data(), yout, g, cache.ws, epilogue);
    if (cf) {
        conv::toChannelsFirst(yout, y.data(), g.batch, F, outPixels);
        if (act) {
            if (keepPre) std::copy(y.data(), y.data() + y.size(), cache.preActivation.data());
            activation_.apply(y.data(), y.size(), y.dim(-1));
        }
    }
}

void BaseConv::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                        Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    const Tensor& y = outputs[0];
    inputGrads.resize(1);
    const bool wantInputGrad = ctx.inputGradNeeded(0);
    if (wantInputGrad) inputGrads[0].resize(x.shape());
    if (!outputGrads[0]) {
        if (wantInputGrad) inputGrads[0].setZero();
        return;
    }
    const conv::Geometry g = geometryFor(x);
    const bool cf = settings_.channelsFirst;
    auto& cache = ctx.cache<BaseConvCache>();
    const Tensor* gOut = gradientThroughActivation(activation_, y, outputGrads[0], cache.preActivation, cache.grad);
    const int64_t outPixels = g.outPixels();
    const float* gN = gOut->data();
    const float* xN = x.data();
    if (cf) {
        cache.gT.resize(y.shape());
        conv::toChannelsLast(gOut->data(), cache.gT.data(), g.batch, filters_, outPixels);
        gN = cache.gT.data();
        cache.xT.resize(x.shape());
        conv::toChannelsLast(x.data(), cache.xT.data(), g.batch, g.inC, g.inPixels());
        xN = cache.xT.data();
        if (wantInputGrad) cache.dxT.resize(x.shape());
    }
    const bool train = trainable();
    if (train && useBias_) conv::accumulateBiasGrad(gN, bias_->grad.data(), g.batch * outPixels, filters_);
    float* dxN = !wantInputGrad ? nullptr : cf ? cache.dxT.data() : inputGrads[0].data();
    conv::backward(xN, gN, kernel_->value.data(), dxN, train ? kernel_->grad.data() : nullptr, g, cache.ws);
    if (cf && dxN) conv::toChannelsFirst(dxN, inputGrads[0].data(), g.batch, g.inC, g.inPixels());
}

}  // namespace strata
