#include "engine/layers/convolutional/base_depthwise_conv.h"

#include "engine/layers/activation_backward.h"

#include "engine/core/errors.h"

namespace strata {

namespace {
struct DepthwiseCache : LayerCache {
    conv::Workspace ws;
    Tensor xT, yT, gT, dxT;  // channels_first: channels-last copies
    Tensor preActivation;
    Tensor grad;
};

Json withoutLegacyGroups(const std::string& cls, Json cfg) {
    conv::dropLegacyGroups(cls, cfg);
    return cfg;
}
}  // namespace

std::vector<ParamSpec> BaseDepthwiseConv::specParams(int rank) {
    return {
        conv::kernelSizeParam(rank),
        conv::stridesParam(rank),
        conv::paddingParam(false),
        param::integer("depth_multiplier", 1, "Number of output channels per input channel.", 1),
        conv::dataFormatParam(),
        conv::dilationParam(rank),
        param::activation("activation", "linear", "Activation applied to the output."),
        param::boolean("use_bias", true, "Whether to add a bias vector."),
        param::initializer("depthwise_initializer", "glorot_uniform", "Initializer of the depthwise kernel."),
        param::initializer("bias_initializer", "zeros", "Initializer of the bias."),
        param::regularizer("depthwise_regularizer", "Penalty on the depthwise kernel."),
        param::regularizer("bias_regularizer", "Penalty on the bias."),
        param::regularizer("activity_regularizer", "Penalty on the output."),
        param::constraint("depthwise_constraint", "Constraint on the depthwise kernel (kept, not applied)."),
        param::constraint("bias_constraint", "Constraint on the bias (kept, not applied)."),
    };
}

BaseDepthwiseConv::BaseDepthwiseConv(std::string className, int rank, const Json& config)
    : Layer(className, withoutLegacyGroups(className, config)),
      settings_(conv::readSettings(className, this->config(), rank, false)),
      depthMultiplier_(cfgInt(this->config(), "depth_multiplier")),
      useBias_(cfgBool(this->config(), "use_bias")),
      activation_(ActivationFn::fromJson(this->config()["activation"])) {
    if (depthMultiplier_ <= 0)
        throw ConfigError(className + " argument 'depth_multiplier': must be positive, got " +
                          std::to_string(depthMultiplier_));
}

std::vector<Shape> BaseDepthwiseConv::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    conv::checkRank(s, settings_);
    const int64_t c = conv::channelsOf(s.dims(), settings_);
    if (c == kNone) throw ShapeError("input 0: the channel dimension must be known, got shape " + s.toString());
    if (built() && c != kernel_->value.dim(-2))
        throw ShapeError("input 0: expected " + std::to_string(kernel_->value.dim(-2)) + " channels, got shape " +
                         s.toString());
    auto spatial = conv::convOutputSpatial(s.dims(), settings_);
    return {Shape(conv::assembleShape(s[0], spatial, c * depthMultiplier_, settings_))};
}

void BaseDepthwiseConv::buildImpl(const std::vector<Shape>& in) {
    const int64_t c = conv::channelsOf(in[0].dims(), settings_);
    std::vector<int64_t> kshape = settings_.kernel;
    kshape.push_back(c);
    kshape.push_back(depthMultiplier_);
    kernel_ = &addWeight("kernel", kshape, config()["depthwise_initializer"], true, config()["depthwise_regularizer"]);
    if (useBias_)
        bias_ = &addWeight("bias", {c * depthMultiplier_}, config()["bias_initializer"], true,
                           config()["bias_regularizer"]);
}

conv::Geometry BaseDepthwiseConv::geometryFor(const Tensor& x) const {
    try {
        conv::checkRank(x.shapeObj(), settings_);
        const int64_t c = conv::channelsOf(x.shape(), settings_);
        if (c != kernel_->value.dim(-2))
            throw ShapeError("input 0: expected " + std::to_string(kernel_->value.dim(-2)) + " channels, got shape " +
                             x.shapeString());
        conv::convOutputSpatial(x.shape(), settings_);
    } catch (const ShapeError& e) {
        throw ShapeError("Layer '" + name() + "' (" + className() + "): " + e.what());
    }
    const int64_t c = conv::channelsOf(x.shape(), settings_);
    return conv::forwardGeometry(settings_, x.dim(0), conv::spatialOf(x.shape(), settings_), c, c * depthMultiplier_, c);
}

void BaseDepthwiseConv::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    const conv::Geometry g = geometryFor(x);
    const bool cf = settings_.channelsFirst;
    auto& cache = ctx.cache<DepthwiseCache>();
    outputs.resize(1);
    Tensor& y = outputs[0];
    std::vector<int64_t> outSpatial = settings_.rank == 1 ? std::vector<int64_t>{g.outW}
                                                          : std::vector<int64_t>{g.outH, g.outW};
    y.resize(conv::assembleShape(g.batch, outSpatial, g.outC, settings_));
    const float* xN = x.data();
    if (cf) {
        cache.xT.resize(x.shape());
        conv::toChannelsLast(x.data(), cache.xT.data(), g.batch, g.inC, g.inPixels());
        xN = cache.xT.data();
        cache.yT.resize(y.shape());
    }
    float* yN = cf ? cache.yT.data() : y.data();
    const bool act = !activation_.isLinear();
    const bool keepPre = act && ctx.backwardNeeded() && !activation_.backwardNeedsOnlyOutput();
    if (keepPre) cache.preActivation.resize(y.shape());
    const float* b = useBias_ ? bias_->value.data() : nullptr;
    const int64_t F = g.outC;
    auto epilogue = [&](float* rows, int64_t firstRow, int64_t numRows) {
        if (b) conv::addBias(rows, b, numRows, F);
        if (!cf && act) {
            if (keepPre) std::copy(rows, rows + numRows * F, cache.preActivation.data() + firstRow * F);
            activation_.apply(rows, numRows * F, F);
        }
    };
    conv::depthwiseForward(xN, kernel_->value.data(), yN, g, epilogue);
    if (cf) {
        conv::toChannelsFirst(yN, y.data(), g.batch, F, g.outPixels());
        if (act) {
            if (keepPre) std::copy(y.data(), y.data() + y.size(), cache.preActivation.data());
            activation_.apply(y.data(), y.size(), y.dim(-1));
        }
    }
}

void BaseDepthwiseConv::backward(const ConstTensorPtrs& inputs, const Tensors& outputs,
                                 const ConstTensorPtrs& outputGrads, Tensors& inputGrads, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    const Tensor& y = outputs[0];
    inputGrads.resize(1);
    inputGrads[0].resize(x.shape());
    if (!outputGrads[0]) {
        inputGrads[0].setZero();
        return;
    }
    const conv::Geometry g = geometryFor(x);
    const bool cf = settings_.channelsFirst;
    auto& cache = ctx.cache<DepthwiseCache>();
    const Tensor* gOut = gradientThroughActivation(activation_, y, outputGrads[0], cache.preActivation, cache.grad);
    const float* gN = gOut->data();
    const float* xN = x.data();
    if (cf) {
        cache.gT.resize(y.shape());
        conv::toChannelsLast(gOut->data(), cache.gT.data(), g.batch, g.outC, g.outPixels());
        gN = cache.gT.data();
        cache.xT.resize(x.shape());
        conv::toChannelsLast(x.data(), cache.xT.data(), g.batch, g.inC, g.inPixels());
        xN = cache.xT.data();
        cache.dxT.resize(x.shape());
    }
    const bool train = trainable();
    if (train && useBias_) conv::accumulateBiasGrad(gN, bias_->grad.data(), g.batch * g.outPixels(), g.outC);
    float* dxN = cf ? cache.dxT.data() : inputGrads[0].data();
    conv::depthwiseBackward(xN, gN, kernel_->value.data(), dxN, train ? kernel_->grad.data() : nullptr, g, cache.ws);
    if (cf) conv::toChannelsFirst(dxN, inputGrads[0].data(), g.batch, g.inC, g.inPixels());
}

}  // namespace strata
