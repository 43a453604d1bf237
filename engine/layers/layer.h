#pragma once
/// Layer: the unit of computation and of weight ownership, as in Keras 3 (keras/src/layers/layer.py).
///
/// A layer owns its weights (Variables). Calling it on symbolic tensors (KerasTensor) records a
/// Node in the graph; calling it on several inputs at different times shares its weights. A Model is
/// a Layer, so models nest.
///
/// What a subclass writes (template-method style; the base does arity, naming, building, masks):
///   - `computeOutputShape(inputShapes)`: works on an unbuilt layer; throws ShapeError with a
///     message that says which input and what was expected (the base prefixes the layer's name).
///   - `buildImpl(inputShapes)`: creates weights with `addWeight`, in Keras's order and shapes.
///   - `forward(inputs, outputs, ctx)`: fills `outputs` (resize them; they are reused between calls
///     so steady-state calls do not allocate). Store what backward needs in `ctx.cache<T>()`.
///   - `backward(...)`: input gradients from output gradients; *adds* weight gradients into each
///     Variable's `grad` (shared layers sum naturally).
///   - `computeMask` if the layer makes or consumes masks (Embedding, Masking, RNNs, pooling).
///   - A constructor taking the normalized Json config; `config()` is then what `getConfig` returns.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/json.h"
#include "engine/core/random.h"
#include "engine/core/shape.h"
#include "engine/core/tensor.h"

namespace strata {

class Layer;
class Node;
class KerasTensor;

/// A weight of a layer: value, gradient accumulator and Keras metadata.
struct Variable {
    std::string name;          ///< "kernel", "bias", "moving_mean", ...
    Tensor value;
    Tensor grad;               ///< sized like value by the trainer; backward adds into it
    bool trainable = true;
    Json regularizer;          ///< null or a Keras regularizer config (l1, l2, l1_l2)
    Layer* owner = nullptr;
    /// "dense/kernel" (Keras's variable path; ":0" is added by legacy .h5 writers).
    std::string path() const;
};

/// Scratch memory a layer keeps between forward and backward of one call. The executor holds one
/// per node, so the calls of a shared layer never overwrite each other's cache.
struct LayerCache {
    virtual ~LayerCache() = default;
};

/// Everything a call needs besides its inputs.
struct CallContext {
    bool training = false;
    Rng* rng = nullptr;                          ///< for dropout/noise; globalRng() if null
    std::vector<const Tensor*> masks;            ///< per input; nullptr = no mask
    std::unique_ptr<LayerCache>* cacheSlot = nullptr;
    std::vector<float>* losses = nullptr;        ///< add_loss sink; null outside training
    /// Set when backward will follow (gradient checks, custom loops in inference mode).
    bool recordForBackward = false;

    /// Bit k set: nobody reads the gradient with respect to input k in this backward call (it
    /// comes straight from a model Input, or nothing upstream is trainable). Layers whose input
    /// gradient is costly (Dense, convolutions, recurrent) skip it and leave inputGrads[k] empty;
    /// others may compute it anyway. Default: every input gradient is needed.
    uint64_t inputGradsUnneeded = 0;

    /// Layers keep what backward needs only when this is true (saves memory in predict).
    bool backwardNeeded() const { return training || recordForBackward; }
    bool inputGradNeeded(size_t k) const { return k >= 64 || !((inputGradsUnneeded >> k) & 1u); }

    Rng& random() { return rng ? *rng : globalRng(); }
    const Tensor* mask(size_t i) const { return i < masks.size() ? masks[i] : nullptr; }
    /// The cache of this call, created on first use.
    template <class T>
    T& cache() {
        if (!cacheSlot) cacheSlot = &ownSlot_;
        if (!*cacheSlot) *cacheSlot = std::make_unique<T>();
        return static_cast<T&>(**cacheSlot);
    }

private:
    std::unique_ptr<LayerCache> ownSlot_;
};

using ConstTensorPtrs = std::vector<const Tensor*>;

class Layer : public std::enable_shared_from_this<Layer> {
public:
    /// `config` is normalized against the class's LayerSpec (defaults filled). The name is taken
    /// from config["name"] or generated from the class name (`dense`, `dense_1`, ...).
    Layer(std::string className, Json config);
    virtual ~Layer();
    Layer(const Layer&) = delete;
    Layer& operator=(const Layer&) = delete;

    const std::string& className() const { return className_; }
    const std::string& name() const { return name_; }
    void setName(const std::string& name);
    bool trainable() const { return trainable_; }
    virtual void setTrainable(bool t);
    bool built() const { return built_; }

    /// The layer's own config keys (Keras names), normalized. Subclasses read their settings here.
    const Json& config() const { return config_; }
    /// Keras get_config(): name, trainable, dtype and the layer's keys.
    virtual Json getConfig() const;

    // ---- shapes -------------------------------------------------------------------------------
    /// Output shapes for the given input shapes (batch dim included, kNone for unknown).
    virtual std::vector<Shape> computeOutputShape(const std::vector<Shape>& inputShapes) const = 0;
    /// Output dtypes; float32 unless the layer passes ids through.
    virtual std::vector<DType> computeOutputDType(const std::vector<DType>& inputDTypes) const;
    /// computeOutputShape with arity check; errors name the layer.
    std::vector<Shape> outputShapesFor(const std::vector<Shape>& inputShapes) const;
    /// How many inputs a call takes (from the LayerSpec; models override).
    virtual int minInputs() const;
    virtual int maxInputs() const;  ///< -1: unbounded
    /// True if this layer is a Model (has an inner graph).
    virtual bool isModel() const { return false; }

    // ---- weights ------------------------------------------------------------------------------
    /// Creates the weights for these input shapes once; later calls are no-ops.
    void build(const std::vector<Shape>& inputShapes);
    /// The shapes the layer was built with (Keras's build_config).
    const std::vector<Shape>& buildShapes() const { return buildShapes_; }
    /// All weights: own trainable, own non-trainable, then those of sub-layers (Keras order).
    std::vector<Variable*> weights() const;
    std::vector<Variable*> trainableWeights() const;
    std::vector<Variable*> nonTrainableWeights() const;
    std::vector<Tensor> getWeights() const;
    /// Throws ValueError naming the layer and the weight if the count or a shape disagrees.
    void setWeights(const std::vector<Tensor>& values);
    int64_t countParams() const;
    /// Layers owned by this one (wrappers, models, subclassed layers).
    virtual std::vector<Layer*> subLayers() const;

    // ---- calls --------------------------------------------------------------------------------
    /// Symbolic call: records a node and returns its output tensors.
    std::vector<KerasTensor> operator()(const std::vector<KerasTensor>& inputs);
    KerasTensor operator()(const KerasTensor& input);
    /// Eager call on concrete tensors (builds on first use).
    std::vector<Tensor> operator()(const std::vector<Tensor>& inputs, bool training = false);
    Tensor operator()(const Tensor& input, bool training = false);

    /// Runs forward after checking arity and building; used by models and eager calls.
    void call(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx);

    virtual void forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) = 0;
    /// `outputGrads[i]` may be null (output not used by the loss: treat as zeros). Must resize and
    /// fill `inputGrads` (one per input) and add weight gradients into Variable::grad.
    virtual void backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                          Tensors& inputGrads, CallContext& ctx);
    /// True if backward is implemented.
    virtual bool supportsBackward() const { return false; }

    /// Output mask of a call. Default: pass the first input's mask through if `supportsMasking()`.
    virtual std::optional<Tensor> computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const;
    virtual bool supportsMasking() const { return false; }

    /// Nodes (calls) of this layer in creation order.
    std::vector<std::shared_ptr<Node>> inboundNodes() const;
    /// The single call's input/output; throw if the layer has zero or several calls.
    KerasTensor input() const;
    KerasTensor output() const;

    /// Removes dead nodes (models that were destroyed); called by the graph code.
    void registerNode(const std::shared_ptr<Node>& node);

    /// Keras's summary type column: "Dense", "Functional", "Sequential".
    virtual std::string summaryTypeName() const { return className_; }

protected:
    /// Create weights; called once by build().
    virtual void buildImpl(const std::vector<Shape>& inputShapes) {}
    /// Keras add_weight. `initializer` is a name or Keras config; drawn from the global RNG.
    Variable& addWeight(const std::string& name, const std::vector<int64_t>& shape, const Json& initializer,
                        bool trainable = true, const Json& regularizer = nullptr);
    /// Layers created by a subclass must be tracked so their weights count.
    void trackLayer(std::shared_ptr<Layer> layer);
    /// add_loss from forward: adds `value` to the losses of this step (training only).
    void addLoss(CallContext& ctx, float value) const;
    Json& mutableConfig() { return config_; }
    void markBuilt(const std::vector<Shape>& inputShapes);

    std::vector<std::shared_ptr<Variable>> ownWeights_;
    std::vector<std::shared_ptr<Layer>> tracked_;

private:
    std::string className_;
    std::string name_;
    Json config_;
    Json dtypeConfig_;
    bool trainable_ = true;
    bool built_ = false;
    std::vector<Shape> buildShapes_;
    std::vector<std::weak_ptr<Node>> nodes_;
};

using LayerPtr = std::shared_ptr<Layer>;

/// Keras's to_snake_case: "Conv2D" -> "conv2d", "PReLU" -> "p_re_lu".
std::string toSnakeCase(const std::string& className);
/// Keras's auto-naming: first "dense", then "dense_1", ... (process-wide counters per prefix).
std::string uniqueName(const std::string& prefix);
/// Resets the auto-name counters (keras.backend.clear_session()).
void clearSession();

/// Read a setting from a normalized config with a clear error if it has the wrong type.
int64_t cfgInt(const Json& cfg, const std::string& key);
double cfgFloat(const Json& cfg, const std::string& key);
bool cfgBool(const Json& cfg, const std::string& key);
std::string cfgString(const Json& cfg, const std::string& key);
std::vector<int64_t> cfgInts(const Json& cfg, const std::string& key);
/// True if key is absent or null.
bool cfgIsNull(const Json& cfg, const std::string& key);

}  // namespace strata
