#pragma once
#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.UpSampling2D: scales rows and columns by `size`.
/// interpolation "nearest" repeats rows/columns (ops.repeat); "bilinear" is ops.image.resize, i.e.
/// TensorFlow's resize_bilinear with half-pixel centers (no antialiasing, edges clamped).
class UpSampling2D : public Layer {
public:
    explicit UpSampling2D(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    int64_t sizeH() const { return sizeH_; }
    int64_t sizeW() const { return sizeW_; }
    bool channelsFirst() const { return channelsFirst_; }
    bool bilinear() const { return bilinear_; }

private:
    int64_t sizeH_, sizeW_;
    bool channelsFirst_;
    bool bilinear_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// UpSampling2D({2, 2}) or UpSampling2D(2); kwargs: data_format, interpolation.
inline LayerRef<strata::UpSampling2D> UpSampling2D(Json size = Json::array({2, 2}), Json kwargs = Json::object()) {
    return makeLayer<strata::UpSampling2D>("UpSampling2D", withArg(std::move(kwargs), "size", std::move(size)));
}
}  // namespace strata::layers
