#include "engine/layers/convolutional/base_conv_transpose.h"

#include "engine/layers/activation_backward.h"

#include "engine/core/errors.h"

namespace strata {

namespace {
struct ConvTransposeCache : LayerCache {
    conv::Workspace ws;
    Tensor xT, yT, gT, dxT;  // channels_first: channels-last copies
    Tensor preActivation;
    Tensor grad;
};
}  // namespace

std::vector<ParamSpec> BaseConvTranspose::specParams(int rank) {
    return {
        conv::filtersParam(),
        conv::kernelSizeParam(rank),
        conv::stridesParam(rank),
        conv::paddingParam(false),
        param::advanced(param::nullable(param::intTuple(
            "output_padding", nullptr, rank,
            "Extra size added at the end of each spatial axis of the output (each < its stride); None: inferred."))),
        conv::dataFormatParam(),
        conv::dilationParam(rank),
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

static Json withoutLegacyGroups(const std::string& cls, Json cfg) {
    conv::dropLegacyGroups(cls, cfg);
    return cfg;
}

BaseConvTranspose::BaseConvTranspose(std::string className, int rank, const Json& config)
    : Layer(className, withoutLegacyGroups(className, config)),
      settings_(conv::readSettings(className, this->config(), rank, false)),
      filters_(cfgInt(this->config(), "filters")),
      useBias_(cfgBool(this->config(), "use_bias")),
      activation_(ActivationFn::fromJson(this->config()["activation"])) {
    if (filters_ <= 0) throw ConfigError(className + " argument 'filters': must be positive, got " + std::to_string(filters_));
    if (!cfgIsNull(this->config(), "output_padding")) {
        outputPadding_ = cfgInts(this->config(), "output_padding");
        if (outputPadding_.size() == 1 && rank > 1) outputPadding_.assign(rank, outputPadding_[0]);
        if (static_cast<int>(outputPadding_.size()) != rank)
            throw ConfigError(className + " argument 'output_padding': expected " + std::to_string(rank) +
                              " integers, got " + this->config()["output_padding"].dump());
        for (int i = 0; i < rank; ++i)
            if (outputPadding_[i] < 0 || outputPadding_[i] >= settings_.strides[i])
                throw ConfigError(className + " argument 'output_padding': must be >= 0 and < strides, got " +
                                  this->config()["output_padding"].dump() + " with strides " +
                                  Json(settings_.strides).dump());
    }
}

std::vector<Shape> BaseConvTranspose::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    conv::checkRank(s, settings_);
    const int64_t c = conv::channelsOf(s.dims(), settings_);
    if (c == kNone) throw ShapeError("input 0: the channel dimension must be known, got shape " + s.toString());
    if (built() && c != kernel_->value.dim(-1))
        throw ShapeError("input 0: expected " + std::to_string(kernel_->value.dim(-1)) + " channels, got shape " +
                         s.toString());
    auto spatial = conv::transposeOutputSpatial(s.dims(), settings_, outputPadding_);
    for (int64_t d : spatial)
        if (d != kNone && d <= 0)
            throw ShapeError("input 0: computed output size would be " + std::to_string(d) + " for input shape " +
                             s.toString());
    return {Shape(conv::assembleShape(s[0], spatial, filters_, settings_))};
}

void BaseConvTranspose::buildImpl(const std::vector<Shape>& in) {
    const int64_t c = conv::channelsOf(in[0].dims(), settings_);
    std::vector<int64_t> kshape = settings_.kernel;
    kshape.push_back(filters_);
    kshape.push_back(c);
    kernel_ = &addWeight("kernel", kshape, config()["kernel_initializer"], true, config()["kernel_regularizer"]);
    if (useBias_) bias_ = &addWeight("bias", {filters_}, config()["bias_initializer"], true, config()["bias_regularizer"]);
}

conv::Geometry BaseConvTranspose::geometryFor(const Tensor& x) const {
    try {
        conv::checkRank(x.shapeObj(), settings_);
        const int64_t c = conv::channelsOf(x.shape(), settings_);
        if (c != kernel_->value.dim(-1))
            throw ShapeError("input 0: expected " + std::to_string(kernel_->value.dim(-1)) + " channels, got shape " +
                             x.shapeString());
    } catch (const ShapeError& e) {
        throw ShapeError("Layer '" + name() + "' (" + className() + "): " + e.what());
    }
    const auto& s = settings_;
    auto in = conv::spatialOf(x.shape(), s);
    auto out = conv::transposeOutputSpatial(x.shape(), s, outputPadding_);
    conv::Geometry g;
    g.batch = x.dim(0);
    g.inC = filters_;                          // the forward conv reads this layer's output...
    g.outC = conv::channelsOf(x.shape(), s);   // ...and produces this layer's input
    auto setAxis = [&](int i, int64_t& inN, int64_t& outN, int64_t& k, int64_t& st, int64_t& d, int64_t& pad) {
        inN = out[i];
        outN = in[i];
        k = s.kernel[i];
        st = s.strides[i];
        d = s.dilation[i];
        pad = conv::transposeCrop(k, st, d, s.padding, outputPadding_.empty() ? -1 : outputPadding_[i]);
    };
    if (s.rank == 1) {
        setAxis(0, g.inW, g.outW, g.kW, g.strideW, g.dilW, g.padLeft);
    } else {
        setAxis(0, g.inH, g.outH, g.kH, g.strideH, g.dilH, g.padTop);
        setAxis(1, g.inW, g.outW, g.kW, g.strideW, g.dilW, g.padLeft);
    }
    return g;
}

void BaseConvTranspose::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    const Tensor& x = *inputs[0];
    const conv::Geometry g = geometryFor(x);
    const bool cf = settings_.channelsFirst;
    auto& cache = ctx.cache<ConvTransposeCache>();
    outputs.resize(1);
    Tensor& y = outputs[0];
    std::vector<int64_t> outSpatial = settings_.rank == 1 ? std::vector<int64_t>{g.inW}
                                                          : std::vector<int64_t>{g.inH, g.inW};
    y.resize(conv::assembleShape(g.batch, outSpatial, filters_, settings_));
    const float* xN = x.data();
    if (cf) {
        cache.xT.resize(x.shape());
        conv::toChannelsLast(x.data(), cache.xT.data(), g.batch, g.outC, g.outPixels());
        xN = cache.xT.data();
        cache.yT.resize(y.shape());
    }
    float* yN = cf ? cache.yT.data() : y.data();
    // Transposed conv = input gradient of the forward conv.
    conv::backward(nullptr, xN, kernel_->value.data(), yN, nullptr, g, cache.ws);
    if (useBias_) conv::addBias(yN, bias_->value.data(), g.batch * g.inPixels(), filters_);
    if (cf) conv::toChannelsFirst(yN, y.data(), g.batch, filters_, g.inPixels());
    if (!activation_.isLinear()) {
        if (ctx.backwardNeeded() && !activation_.backwardNeedsOnlyOutput()) cache.preActivation = y;
        activation_.apply(y.data(), y.size(), y.dim(-1));
    }
}

void BaseConvTranspose::backward(const ConstTensorPtrs& inputs, const Tensors& outputs,
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
    auto& cache = ctx.cache<ConvTransposeCache>();
    const Tensor* gOut = gradientThroughActivation(activation_, y, outputGrads[0], cache.preActivation, cache.grad);
    const float* gN = gOut->data();
    const float* xN = x.data();
    if (cf) {
        cache.gT.resize(y.shape());
        conv::toChannelsLast(gOut->data(), cache.gT.data(), g.batch, filters_, g.inPixels());
        gN = cache.gT.data();
        cache.xT.resize(x.shape());
        conv::toChannelsLast(x.data(), cache.xT.data(), g.batch, g.outC, g.outPixels());
        xN = cache.xT.data();
        cache.dxT.resize(x.shape());
    }
    const bool train = trainable();
    if (train && useBias_) conv::accumulateBiasGrad(gN, bias_->grad.data(), g.batch * g.inPixels(), filters_);
    float* dxN = cf ? cache.dxT.data() : inputGrads[0].data();
    // dL/dx = forward conv of the output gradient; dL/dW = the forward conv's weight gradient with
    // (input = output gradient, output gradient = x).
    conv::forward(gN, kernel_->value.data(), dxN, g, cache.ws);
    if (train) conv::backward(gN, xN, kernel_->value.data(), nullptr, kernel_->grad.data(), g, cache.ws);
    if (cf) conv::toChannelsFirst(dxN, inputGrads[0].data(), g.batch, g.outC, g.outPixels());
}

}  // namespace strata
