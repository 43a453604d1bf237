#include "engine/layers/reshaping/cropping2d.h"

#include "engine/layers/reshaping/reshaping_common.h"

namespace strata {

using namespace reshaping_detail;

LayerSpec Cropping2D::spec() {
    LayerSpec s;
    s.className = "Cropping2D";
    s.category = LayerCategory::Reshaping;
    s.doc = "Crops rows and columns at the top, bottom, left and right of images.";
    s.params = {
        param::json("cropping", Json::array({Json::array({0, 0}), Json::array({0, 0})}),
                    "int n, (sym_height, sym_width) or ((top, bottom), (left, right)); stored as the last form."),
        dataFormatParam(),
    };
    s.factory = [](const Json& c) { return std::make_shared<Cropping2D>(c); };
    s.brief = [](const Json& c) { return c.value("cropping", Json()).dump(); };
    return s;
}

Cropping2D::Cropping2D(const Json& config) : Layer("Cropping2D", config) {
    const Json& c = this->config().contains("cropping") && !this->config()["cropping"].is_null()
                        ? this->config()["cropping"]
                        : Json(0);
    crop_ = standardizePairs2D(c, "cropping");
    mutableConfig()["cropping"] = pairsToJson(crop_);
    channelsFirst_ = standardizeDataFormat(mutableConfig());
}

void Cropping2D::checkSpatial(int64_t h, int64_t w, const std::string& shape) const {
    if ((h != kNone && crop_[0][0] + crop_[0][1] >= h) || (w != kNone && crop_[1][0] + crop_[1][1] >= w))
        throw ShapeError("cropping " + pairsToJson(crop_).dump() +
                         " must be smaller than the spatial dimensions of input " + shape);
}

std::vector<Shape> Cropping2D::computeOutputShape(const std::vector<Shape>& in) const {
    const Shape& s = in[0];
    if (s.rank() != 4)
        throw ShapeError(std::string("expected input of rank 4 ") +
                         (channelsFirst_ ? "(batch, channels, rows, cols)" : "(batch, rows, cols, channels)") +
                         ", got " + s.toString());
    const int h = channelsFirst_ ? 2 : 1;
    checkSpatial(s[h], s[h + 1], s.toString());
    Shape out = s;
    for (int i = 0; i < 2; ++i)
        if (out[h + i] != kNone) out[h + i] -= crop_[i][0] + crop_[i][1];
    return {out};
}

std::vector<DType> Cropping2D::computeOutputDType(const std::vector<DType>& in) const {
    return {in.empty() ? DType::Float32 : in[0]};
}

void Cropping2D::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext&) {
    const Tensor& x = *inputs[0];
    if (x.rank() != 4) throw layerError(*this, "expected input of rank 4, got " + x.shapeString());
    const int h = channelsFirst_ ? 2 : 1;
    try {
        checkSpatial(x.dim(h), x.dim(h + 1), x.shapeString());
    } catch (const ShapeError& e) {
        throw layerError(*this, e.what());
    }
    std::vector<int64_t> shape = x.shape();
    shape[h] -= crop_[0][0] + crop_[0][1];
    shape[h + 1] -= crop_[1][0] + crop_[1][1];
    outputs.resize(1);
    Tensor& y = outputs[0];
    y.resize(shape);
    y.setDType(x.dtype());
    Image4D li(x.shape(), channelsFirst_), lo(shape, channelsFirst_);
    copyWindow2D(x.data(), li, crop_[0][0], crop_[1][0], y.data(), lo, 0, 0, lo.height, lo.width, channelsFirst_);
}

void Cropping2D::backward(const ConstTensorPtrs& inputs, const Tensors&, const ConstTensorPtrs& outputGrads,
                          Tensors& inputGrads, CallContext&) {
    const Tensor& x = *inputs[0];
    inputGrads.resize(1);
    Tensor& gx = inputGrads[0];
    gx.resize(x.shape(), 0.0f);
    if (!outputGrads[0]) return;
    const Tensor& g = *outputGrads[0];
    Image4D li(x.shape(), channelsFirst_);
    const int64_t oh = li.height - crop_[0][0] - crop_[0][1], ow = li.width - crop_[1][0] - crop_[1][1];
    if (g.rank() != 4 || g.size() != li.batch * li.channels * oh * ow)
        throw layerError(*this, "output gradient of shape " + g.shapeString() + " does not match input " + x.shapeString());
    Image4D lo(g.shape(), channelsFirst_);
    copyWindow2D(g.data(), lo, 0, 0, gx.data(), li, crop_[0][0], crop_[1][0], oh, ow, channelsFirst_);
}

}  // namespace strata
