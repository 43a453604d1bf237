#pragma once
/// Model: a graph of layer calls from input tensors to output tensors (Keras's Functional), and
/// itself a Layer, so models nest and can be called on new tensors (sharing their weights).
///
/// Construction maps the graph like Keras 3's map_graph: nodes ordered by depth, layers in Keras's
/// order (which summary() and serialization rely on), graph-disconnected and duplicate-name checks.
/// Execution runs nodes in that order with buffers reused between calls; a nested model keeps its
/// per-call buffers in the caller's LayerCache so shared nested models do not collide.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/graph/node.h"
#include "engine/layers/layer.h"

namespace strata {

// ==== Training API types (defined in engine/training/; owned by the training engine) ============
class ArrayData;
struct CompileOptions;
struct FitOptions;
struct EvaluateOptions;
struct PredictOptions;
struct StepData;
class History;
class Logs;
class Trainer;
// ==== end training API types =====================================================================

/// Options of summary(), as Keras's print_summary.
struct SummaryOptions {
    bool expandNested = false;
    bool showTrainable = false;
    int lineLength = 0;  ///< 0: Keras's default (88 sequential-like, 108 otherwise)
};

/// A tensor with a name, for dict-style inputs/outputs (`{"text": input_1d, "image": input_2d}`).
using NamedTensors = std::vector<std::pair<std::string, KerasTensor>>;

class Model : public Layer {
public:
    /// Functional model. Inputs may be Input() tensors or intermediate tensors (the model then
    /// starts there: new InputLayers replace them, as Keras's clone_graph_nodes does).
    Model(std::vector<KerasTensor> inputs, std::vector<KerasTensor> outputs, const std::string& name = "");
    /// Dict inputs/outputs; flattened in sorted key order like Keras's tree.flatten.
    Model(const NamedTensors& inputs, std::vector<KerasTensor> outputs, const std::string& name = "");
    ~Model() override;

    bool isModel() const override { return true; }
    std::string summaryTypeName() const override { return "Functional"; }

    const std::vector<KerasTensor>& inputs() const { return inputs_; }
    const std::vector<KerasTensor>& outputs() const { return outputs_; }
    std::vector<std::string> inputNames() const;   ///< names of the input layers
    std::vector<std::string> outputNames() const;  ///< names of the layers producing the outputs
    /// Layers in Keras order (model.layers), InputLayers included for functional models.
    virtual std::vector<std::shared_ptr<Layer>> layers() const;
    /// get_layer(name); throws ValueError listing the layer names.
    std::shared_ptr<Layer> getLayer(const std::string& name) const;
    std::shared_ptr<Layer> getLayer(int index) const;
    std::vector<Layer*> subLayers() const override;

    /// The nodes of this model's graph in execution order.
    const std::vector<std::shared_ptr<Node>>& nodes() const { return nodes_; }
    /// Depth of each node (0 = output nodes), as Keras's nodes_by_depth.
    const std::map<const Node*, int>& nodeDepths() const { return nodeDepth_; }
    /// Index of `node` among the calls of its layer that belong to this model (Keras's node_index
    /// in configs and "Connected to").
    int nodeIndexInModel(const Node* node) const;
    bool containsNode(const Node* node) const { return nodeDepth_.count(node) > 0; }

    // ---- Layer interface --------------------------------------------------------------------------
    std::vector<Shape> computeOutputShape(const std::vector<Shape>& inputShapes) const override;
    std::vector<DType> computeOutputDType(const std::vector<DType>& inputDTypes) const override;
    int minInputs() const override { return static_cast<int>(inputs_.size()); }
    int maxInputs() const override { return static_cast<int>(inputs_.size()); }
    void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) override;
    void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                  Tensors& inputGrads, CallContext& ctx) override;
    bool supportsBackward() const override;
    bool supportsMasking() const override { return true; }
    Json getConfig() const override;

    // ---- inference --------------------------------------------------------------------------------
    /// Runs the model on whole arrays in batches (Keras predict). Inputs in input order.
    std::vector<Tensor> predict(const std::vector<Tensor>& inputs, int64_t batchSize = 32);
    Tensor predict(const Tensor& input, int64_t batchSize = 32);

    /// Per-node shapes for new input shapes (the engine's shape inference; errors name the layer).
    std::vector<std::vector<Shape>> inferNodeShapes(const std::vector<Shape>& inputShapes) const;

    /// Keras-style summary table.
    std::string summary(const SummaryOptions& options = {}) const;
    /// True if summary() has no "Connected to" column (Keras's sequential_like).
    bool sequentialLike() const;

    // ==== Keras training API ==================================================================
    // Declared here, defined in engine/training/model_training.cpp; include
    // "engine/training/trainer.h" to use it. Owned by the training engine.
    /// keras Model.compile(optimizer, loss, loss_weights, metrics).
    void compile(const CompileOptions& options);
    bool compiled() const { return trainer_ != nullptr; }
    /// keras Model.fit: trains and returns the History (epoch logs).
    History fit(const ArrayData& x, const ArrayData& y, const FitOptions& options);
    History fit(const ArrayData& x, const ArrayData& y);
    /// keras Model.evaluate(return_dict=True).
    Logs evaluate(const ArrayData& x, const ArrayData& y, const EvaluateOptions& options);
    Logs evaluate(const ArrayData& x, const ArrayData& y);
    /// keras Model.predict with callbacks and a progress bar (the plain predict() above has neither).
    std::vector<Tensor> predict(const ArrayData& x, const PredictOptions& options);
    /// keras Model.train_on_batch / test_on_batch (return_dict=True) / predict_on_batch.
    Logs trainOnBatch(const ArrayData& x, const ArrayData& y, const Tensor* sampleWeight = nullptr);
    Logs testOnBatch(const ArrayData& x, const ArrayData& y, const Tensor* sampleWeight = nullptr);
    std::vector<Tensor> predictOnBatch(const ArrayData& x);
    /// One training step of fit()/trainOnBatch (Keras's train_step): override in a subclass for a
    /// custom step; it runs inside fit() with callbacks. Fill `logs` with the metric results.
    virtual void trainStep(const StepData& data, Logs& logs);
    /// One evaluation step (Keras's test_step).
    virtual void testStep(const StepData& data, Logs& logs);
    /// The compile state (throws ValueError if compile() was not called).
    Trainer& trainer();
    /// Set (by callbacks) to end fit() after the current batch (Keras's stop_training).
    bool stopTraining = false;
    // ==== end Keras training API ==============================================================

protected:
    /// For Sequential and subclassed models, which set up the graph later.
    explicit Model(const std::string& className, const std::string& name);
    void initGraph(std::vector<KerasTensor> inputs, std::vector<KerasTensor> outputs);
    bool graphReady() const { return !outputs_.empty(); }

private:
    struct ExecState;
    void mapGraph();
    ExecState& stateFor(CallContext& ctx);

    std::vector<KerasTensor> inputs_;
    std::vector<KerasTensor> outputs_;
    std::vector<std::shared_ptr<Node>> nodes_;       // execution order (depth descending)
    std::map<const Node*, int> nodeDepth_;
    std::vector<std::shared_ptr<Layer>> layers_;     // Keras order
    std::unique_ptr<ExecState> ownState_;            // for predict() at top level
    std::shared_ptr<Trainer> trainer_;                // training API (engine/training)
};

using ModelPtr = std::shared_ptr<Model>;

/// Functional model constructor as a shared_ptr (models must be shared to be called as layers).
ModelPtr makeModel(std::vector<KerasTensor> inputs, std::vector<KerasTensor> outputs, const std::string& name = "");
ModelPtr makeModel(const KerasTensor& input, const KerasTensor& output, const std::string& name = "");

/// keras.models.clone_model: same structure and configs, freshly initialised weights.
ModelPtr cloneModel(const Model& model);

}  // namespace strata
