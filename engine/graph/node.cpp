#include "engine/graph/node.h"

#include "engine/core/errors.h"
#include "engine/layers/layer.h"

namespace strata {

const Shape& KerasTensor::shape() const {
    if (!node_) throw ValueError("empty KerasTensor has no shape");
    return node_->outputShapes().at(index_);
}

DType KerasTensor::dtype() const {
    if (!node_) throw ValueError("empty KerasTensor has no dtype");
    return node_->outputDTypes().at(index_);
}

Layer& KerasTensor::layer() const {
    if (!node_) throw ValueError("empty KerasTensor has no layer");
    return node_->layer();
}

std::string KerasTensor::describe() const {
    if (!node_) return "<empty tensor>";
    std::string s = "'" + node_->layer().name() + "'";
    if (node_->layer().inboundNodes().size() > 1) s += " call " + std::to_string(node_->indexInLayer());
    if (node_->numOutputs() > 1) s += " output " + std::to_string(index_);
    return s;
}

Node::Node(std::shared_ptr<Layer> layer, std::vector<KerasTensor> inputs, std::vector<Shape> outputShapes,
           std::vector<DType> outputDTypes)
    : layer_(std::move(layer)),
      inputs_(std::move(inputs)),
      outputShapes_(std::move(outputShapes)),
      outputDTypes_(std::move(outputDTypes)) {}

KerasTensor Node::output(int i) {
    if (i < 0 || i >= numOutputs())
        throw ValueError("layer '" + layer_->name() + "' has " + std::to_string(numOutputs()) + " output(s), asked for " +
                         std::to_string(i));
    return KerasTensor(shared_from_this(), i);
}

std::vector<KerasTensor> Node::outputs() {
    std::vector<KerasTensor> v;
    for (int i = 0; i < numOutputs(); ++i) v.emplace_back(shared_from_this(), i);
    return v;
}

int Node::indexInLayer() const {
    auto nodes = layer_->inboundNodes();
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].get() == this) return static_cast<int>(i);
    return -1;
}

}  // namespace strata
