#include "engine/graph/sequential.h"

#include "engine/core/errors.h"
#include "engine/graph/model_config.h"
#include "engine/layers/layer_registry.h"

namespace strata {

Sequential::Sequential(std::vector<LayerPtr> layers, const std::string& name)
    : Model("Sequential", name.empty() ? uniqueName("sequential") : name) {
    for (auto& l : layers) add(std::move(l));
}

void Sequential::add(LayerPtr layer) {
    if (!layer) throw ValueError("Sequential '" + name() + "': cannot add a null layer");
    if (auto in = std::dynamic_pointer_cast<InputLayer>(layer)) {
        if (input_ || !stack_.empty())
            throw ValueError("Sequential '" + name() + "': an InputLayer can only be the first layer");
        input_ = in;
        rebuild();
        return;
    }
    for (const auto& l : stack_)
        if (l->name() == layer->name())
            throw GraphError("Sequential '" + name() + "': the name \"" + layer->name() +
                             "\" is used twice; all layer names must be unique");
    stack_.push_back(layer);
    if (input_) {
        try {
            rebuild();
        } catch (...) {
            stack_.pop_back();
            rebuild();
            throw;
        }
    }
}

void Sequential::pop() {
    if (stack_.empty()) throw ValueError("Sequential '" + name() + "' has no layers to pop");
    stack_.pop_back();
    if (input_) rebuild();
}

void Sequential::buildWithShape(const Shape& batchInputShape) {
    if (batchInputShape.rank() < 1) throw ShapeError("Sequential '" + name() + "': input shape needs a batch dimension");
    Json cfg = Json::object();
    Json bs = Json::array();
    for (auto d : batchInputShape.dims()) bs.push_back(d == kNone ? Json(nullptr) : Json(d));
    cfg["batch_shape"] = bs;
    input_ = std::static_pointer_cast<InputLayer>(LayerRegistry::instance().create("InputLayer", cfg, false));
    rebuild();
}

void Sequential::buildImpl(const std::vector<Shape>& inputShapes) {
    if (!input_) buildWithShape(inputShapes.at(0));
}

void Sequential::rebuild() {
    if (!input_) return;
    if (stack_.empty()) return;  // nothing to build yet: Keras builds once a layer follows the input
    KerasTensor x = input_->tensor();
    for (const auto& l : stack_) {
        auto outs = (*l)(std::vector<KerasTensor>{x});
        if (outs.size() != 1)
            throw GraphError("Sequential '" + name() + "': layer '" + l->name() + "' has " +
                             std::to_string(outs.size()) + " outputs; Sequential layers must have one");
        x = outs[0];
    }
    initGraph({input_->tensor()}, {x});
}

std::vector<std::shared_ptr<Layer>> Sequential::layers() const { return stack_; }

std::vector<Shape> Sequential::computeOutputShape(const std::vector<Shape>& inputShapes) const {
    if (graphReady()) return Model::computeOutputShape(inputShapes);
    std::vector<Shape> s = inputShapes;
    for (const auto& l : stack_) s = l->outputShapesFor(s);
    return s;
}

Json Sequential::getConfig() const {
    Json j;
    j["name"] = name();
    j["trainable"] = trainable();
    j["dtype"] = "float32";
    Json layersJ = Json::array();
    if (input_) layersJ.push_back(serializeLayer(*input_));
    for (const auto& l : stack_) layersJ.push_back(serializeLayer(*l));
    j["layers"] = layersJ;
    if (input_) {
        Json bs = Json::array();
        for (auto d : input_->batchShape().dims()) bs.push_back(d == kNone ? Json(nullptr) : Json(d));
        j["build_input_shape"] = bs;
    }
    return j;
}

namespace layers {
std::shared_ptr<strata::InputLayer> InputLayer(std::vector<int64_t> shape, const std::string& name,
                                               const std::string& dtype) {
    Json cfg = Json::object();
    Json s = Json::array();
    for (auto d : shape) s.push_back(d == kNone ? Json(nullptr) : Json(d));
    cfg["shape"] = s;
    if (!name.empty()) cfg["name"] = name;
    cfg["dtype"] = dtype;
    return std::static_pointer_cast<strata::InputLayer>(LayerRegistry::instance().create("InputLayer", cfg, true));
}
}  // namespace layers

}  // namespace strata
