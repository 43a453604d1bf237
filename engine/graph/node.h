#pragma once
/// The symbolic graph: a Node is one call of a layer on symbolic inputs (Keras's inbound node);
/// a KerasTensor is one output of a node. A layer called three times has three nodes and one set of
/// weights; a model called on new inputs is a layer with one more node.
#include <memory>
#include <string>
#include <vector>

#include "engine/core/shape.h"
#include "engine/core/tensor.h"

namespace strata {

class Layer;
class Node;

/// A symbolic tensor: shape (with None dims), dtype, and the call that made it.
class KerasTensor {
public:
    KerasTensor() = default;
    KerasTensor(std::shared_ptr<Node> node, int index) : node_(std::move(node)), index_(index) {}

    bool valid() const { return node_ != nullptr; }
    const Shape& shape() const;
    DType dtype() const;
    Node* node() const { return node_.get(); }
    const std::shared_ptr<Node>& nodePtr() const { return node_; }
    /// Which output of its node this is.
    int index() const { return index_; }
    /// The layer that produced it.
    Layer& layer() const;
    /// "dense_1" for output 0 of a single-output layer, else "lstm:1" (for messages).
    std::string describe() const;

    bool operator==(const KerasTensor& o) const { return node_ == o.node_ && index_ == o.index_; }
    bool operator!=(const KerasTensor& o) const { return !(*this == o); }
    bool operator<(const KerasTensor& o) const {
        return node_ != o.node_ ? node_ < o.node_ : index_ < o.index_;
    }

private:
    std::shared_ptr<Node> node_;
    int index_ = 0;
};

class Node : public std::enable_shared_from_this<Node> {
public:
    Node(std::shared_ptr<Layer> layer, std::vector<KerasTensor> inputs, std::vector<Shape> outputShapes,
         std::vector<DType> outputDTypes);

    Layer& layer() const { return *layer_; }
    const std::shared_ptr<Layer>& layerPtr() const { return layer_; }
    const std::vector<KerasTensor>& inputs() const { return inputs_; }
    const std::vector<Shape>& outputShapes() const { return outputShapes_; }
    const std::vector<DType>& outputDTypes() const { return outputDTypes_; }
    int numOutputs() const { return static_cast<int>(outputShapes_.size()); }
    KerasTensor output(int i = 0);
    std::vector<KerasTensor> outputs();
    bool isInput() const { return inputs_.empty(); }
    /// Position of this node among its layer's calls (creation order).
    int indexInLayer() const;

private:
    std::shared_ptr<Layer> layer_;
    std::vector<KerasTensor> inputs_;
    std::vector<Shape> outputShapes_;
    std::vector<DType> outputDTypes_;
};

}  // namespace strata
