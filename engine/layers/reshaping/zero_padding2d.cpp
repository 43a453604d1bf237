#include "engine/layers/reshaping/zero_padding2d.h"

#include "engine/layers/reshaping/reshaping_common.h"

namespace strata {

using namespace reshaping_detail;

LayerSpec ZeroPadding2D::spec() {
    LayerSpec s;
    s.className = "ZeroPadding2D";
    s.category = LayerCategory::Reshaping;
    s.doc = "Pads images with rows and columns of zeros at the top, bottom, left and right.";
    s.params = {
        param::json("padding", Json::array({Json::array({1, 1}), Json::array({1, 1})}),
                    "int n, (sym_height, sym_width) or ((top, bottom), (left, right)); stored as the last form."),
        dataFormatParam(),
    };
    s.factory = [](const Json& c) { return std::make_shared<ZeroPadding2D>(c); };
    s.brief = [](const Json& c) { return c.value("padding", Json()).dump(); };
    return s;
}

ZeroPadding2D::ZeroPadding2D(const Json& config) : Layer("ZeroPadding2D", config) {
    const Json& p = this->config().contains("padding") && !this->config()["padding"].is_null()
                        ? this->config()["padding"]
                        : Json(1);
    pad_ = standardizePairs2D(p, "padding");
    mutableConfig()["padding"] = pairsToJson(pad_);
    channelsFirst_ = standardizeDataFormat(mutableConfig());
}

std::vector<Shape> ZeroPadding2D::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() != 4)
        throw ShapeError(std::string("expected input of rank 4 ") +
                         (channelsFirst_ ? "(batch, channels, rows, cols)" : "(batch, rows, cols, channels)") +
                         ", got " + s.toString());
    Shape out = s;
    const int h = channelsFirst_ ? 2 : 1;
    for (int i = 0; i < 2; ++i)
        if (out[h + i] != kNone) out[h + i] += pad_[i][0] + pad_[i][1];
    return {out};
}

std::vector<DType> ZeroPadding2D::computeOutputDType(const std::vector<DType>& in) const {
    return {in.empty() ? DType::Float32 : in[0]};
}

void ZeroPadding2D::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext&) {
    const Tensor& x = *inputs[0];
    if (x.rank() != 4) throw layerError(*this, "expected input of rank 4, got " + x.shapeString());
    std::vector<int64_t> shape = x.shape();
    const int h = channelsFirst_ ? 2 : 1;
    shape[h] += pad_[0][0] + pad_[0][1];
    shape[h + 1] += pad_[1][0] + pad_[1][1];
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(shape, 0.0f);
    y.setDType(x.dtype());
    Image4D li(x.shape(), channelsFirst_), lo(shape, channelsFirst_);
    copyWindow2D(x.data(), li, 0, 0, y.data(), lo, pad_[0][0], pad_[1][0], li.height, li.width, channelsFirst_);
}

void ZeroPadding2D::backward(const ConstTensorPtrs& inputs, const Tensors&, const ConstTensorPtrs& outputGrads,
                             Tensors& inputGrads, CallContext&) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape());
    if (!outputGrads[0]) {
        gx.setZero();
        return;
    }
    const Tensor& g = *outputGrads[0];
    Image4D li(x.shape(), channelsFirst_);
    if (g.rank() != 4 ||
        g.size() != li.batch * li.channels * (li.height + pad_[0][0] + pad_[0][1]) * (li.width + pad_[1][0] + pad_[1][1]))
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match input " + x.shapeString());
    Image4D lo(g.shape(), channelsFirst_);
    copyWindow2D(g.data(), lo, pad_[0][0], pad_[1][0], gx.data(), li, 0, 0, li.height, li.width, channelsFirst_);
}

}  // namespace strata
