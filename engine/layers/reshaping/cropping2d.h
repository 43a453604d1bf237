#pragma once
#include <array>

#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.Cropping2D: removes rows and columns at the borders of images.
/// `cropping` (a JSON param) accepts Keras's three forms: int n, (sym_height, sym_width), or
/// ((top, bottom), (left, right)); getConfig always emits the last form, as Keras does.
class Cropping2D : public Layer {
public:
    explicit Cropping2D(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    /// ((top, bottom), (left, right)).
    const std::array<std::array<int64_t, 2>, 2>& cropping() const { return crop_; }
    bool channelsFirst() const { return channelsFirst_; }

private:
    void checkSpatial(int64_t h, int64_t w, const std::string& shape) const;
    std::array<std::array<int64_t, 2>, 2> crop_;
    bool channelsFirst_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// Cropping2D(1), Cropping2D({1, 2}) or Cropping2D({{1, 1}, {2, 2}}); kwargs: data_format.
inline LayerRef<strata::Cropping2D> Cropping2D(Json cropping = Json::array({Json::array({0, 0}), Json::array({0, 0})}),
                                                      Json kwargs = Json::object()) {
    return makeLayer<strata::Cropping2D>("Cropping2D", withArg(std::move(kwargs), "cropping", std::move(cropping)));
}
}  // namespace strata::layers
