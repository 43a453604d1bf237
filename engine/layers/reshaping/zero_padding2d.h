#pragma once
#include <array>

#include "engine/layers/layer.h"
#include "engine/layers/layer_spec.h"

namespace strata {

/// keras.layers.ZeroPadding2D: adds rows and columns of zeros around images.
/// `padding` (a JSON param) accepts Keras's three forms: int n, (sym_height, sym_width), or
/// ((top, bottom), (left, right)); getConfig always emits the last form, as Keras does.
class ZeroPadding2D : public Layer {
public:
    explicit ZeroPadding2D(const Json& config);
    static LayerSpec spec();

    std::vector<Shape> computeOutputShape(const std::vector<Shape>& in) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& in) const override;
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override { return true; }

    /// ((top, bottom), (left, right)).
    const std::array<std::array<int64_t, 2>, 2>& padding() const { return pad_; }
    bool channelsFirst() const { return channelsFirst_; }

private:
    std::array<std::array<int64_t, 2>, 2> pad_;
    bool channelsFirst_;
};

}  // namespace strata

#include "engine/layers/layer_factory.h"
namespace strata::layers {
/// ZeroPadding2D(1), ZeroPadding2D({1, 2}) or ZeroPadding2D({{1, 1}, {2, 2}}); kwargs: data_format.
inline LayerRef<strata::ZeroPadding2D> ZeroPadding2D(Json padding = Json::array({1, 1}),
                                                            Json kwargs = Json::object()) {
    return makeLayer<strata::ZeroPadding2D>("ZeroPadding2D", withArg(std::move(kwargs), "padding", std::move(padding)));
}
}  // namespace strata::layers
