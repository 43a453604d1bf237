#pragma once
/// keras.Sequential: a plain stack of layers. It builds a functional graph once its input shape is
/// known (an InputLayer first, `build(shape)`, or a first call), so it is a Model like any other.
#include "engine/graph/input_layer.h"
#include "engine/graph/model.h"

namespace strata {

class Sequential : public Model {
public:
    explicit Sequential(std::vector<LayerPtr> layers = {}, const std::string& name = "");

    /// Appends a layer (an InputLayer sets the input). Rebuilds the graph if the input is known;
    /// a layer that does not fit throws ShapeError and is not added.
    void add(LayerPtr layer);
    /// Removes the last layer.
    void pop();
    /// Builds for inputs of this shape (batch dim included: `{kNone, 3}`).
    void buildWithShape(const Shape& batchInputShape);

    /// The stacked layers, without the InputLayer (Keras's Sequential.layers).
    std::vector<std::shared_ptr<Layer>> layers() const override;
    std::shared_ptr<InputLayer> inputLayer() const { return input_; }
    std::string summaryTypeName() const override { return "Sequential"; }
    Json getConfig() const override;
    std::vector<Shape> computeOutputShape(const std::vector<Shape>& inputShapes) const override;
    int minInputs() const override { return 1; }
    int maxInputs() const override { return 1; }

protected:
    void buildImpl(const std::vector<Shape>& inputShapes) override;

private:
    void rebuild();
    std::shared_ptr<InputLayer> input_;
    std::vector<LayerPtr> stack_;
};

using SequentialPtr = std::shared_ptr<Sequential>;
inline SequentialPtr makeSequential(std::vector<LayerPtr> layers = {}, const std::string& name = "") {
    return std::make_shared<Sequential>(std::move(layers), name);
}

namespace layers {
/// keras.layers.InputLayer(shape=...) for the start of a Sequential.
std::shared_ptr<strata::InputLayer> InputLayer(std::vector<int64_t> shape, const std::string& name = "",
                                               const std::string& dtype = "float32");
}  // namespace layers

}  // namespace strata
