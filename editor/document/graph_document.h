#pragma once
/// GraphDocument: the model being edited — a GraphSpec plus canvas positions — as a QObject with
/// signals, and no graphics, so it can be tested without a scene.
///
/// Two layers of API:
///   - edits (addLayer, connectPorts, setParameter, ...): check the request, then push one
///     QUndoCommand on undoStack(); every user-visible change goes through them.
///   - raw mutations (…Raw): apply a change and emit signals; only the commands call them.
/// After each change the graph is re-checked by the engine (GraphValidator, incremental) and
/// `validated()` is emitted; a group of raw mutations inside one EditBatch is checked once.
#include <QHash>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QUndoStack>
#include <map>

#include "editor/document/layer_origin.h"
#include "engine/graph/graph_spec.h"
#include "engine/layers/layer_spec.h"

namespace strata::editor {

class GraphDocument : public QObject {
    Q_OBJECT
public:
    explicit GraphDocument(QObject* parent = nullptr);
    ~GraphDocument() override;

    const GraphSpec& spec() const { return spec_; }
    const GraphCheck& check() const { return check_; }
    QUndoStack* undoStack() { return &undo_; }
    const GraphNode* node(const QString& id) const { return spec_.find(id.toStdString()); }
    QStringList nodeIds() const;
    QPointF position(const QString& id) const { return positions_.value(id); }
    const QHash<QString, QPointF>& positions() const { return positions_; }
    /// Number of calls of the node's layer (> 1: a shared layer).
    int callCount(const QString& id) const;
    /// True if any output tensor of the node is a model output.
    bool isOutput(const QString& id) const;
    /// True if output tensor `output` of the node is a model output.
    bool isOutput(const QString& id, int output) const;
    /// Output tensors of the node as the engine infers them (a nested model may have several);
    /// 1 while its shapes are not known.
    int outputCount(const QString& id) const;
    /// Input ports the node shows: variadic layers (merge) one more than they have wired.
    int inputPortCount(const QString& id) const;
    /// The node whose layer is called `layerName` first (or "").
    QString nodeOfLayer(const QString& layerName) const;

    /// The library file (and its weights) layer `layerName` was made from, or null.
    const LayerOrigin* layerOrigin(const QString& layerName) const;
    /// A layer (with calls on the canvas) made from library file `file`, or "" (first in graph order).
    QString layerFromFile(const QString& file) const;
    /// Every layer origin, by layer name (layers deleted since included, for their undo).
    const QHash<QString, LayerOrigin>& layerOrigins() const { return origins_; }
    /// Sets the weights the library gave to the layers of `model` that still have them (same name,
    /// a model as in the file and the same weight shapes; layers changed since keep their fresh
    /// values), at the top level and inside nested models (a library model grouped with others, or
    /// dropped in a nested model's tab). Returns how many layers it set.
    int applyLibraryWeights(Model& model) const;

    /// Replaces everything (New / Open): clears the undo history.
    void reset(const GraphSpec& spec, const QHash<QString, QPointF>& positions);

    // ---- edits (undoable) ---------------------------------------------------------------------
    /// A new node of `className` with default settings and a fresh name. Returns its id, or "" with
    /// `why` set (unknown class).
    QString addLayer(const QString& className, QPointF pos, QString* why = nullptr);
    /// Adds a layer in the middle of the wire into input `port` of `to`: the wire's source feeds
    /// the new layer, which feeds `to` (one undo step). Returns the new id or "" with `why`.
    QString insertOnWire(const QString& className, QPointF pos, const QString& to, int port, QString* why = nullptr);
    /// Wires output `output` of `from` into input `port` of `to` (replacing a wire already there).
    /// Refuses self-loops, cycles, ports out of range and unknown nodes, saying why.
    bool connectPorts(const QString& from, int output, const QString& to, int port, QString* why = nullptr);
    /// Removes the wire into input `port` of `to`. Variadic layers close the gap.
    bool disconnectPort(const QString& to, int port);
    /// Removes nodes, their wires and their outputs (shared layers stay while other calls remain).
    void removeNodes(const QStringList& ids);
    /// Moves nodes (one undo step; successive moves of the same nodes merge).
    void moveNodes(const QHash<QString, QPointF>& newPositions);
    /// Sets one config key of the node's layer (all its calls). Checked with the registry first;
    /// on refusal nothing changes and `why` holds the engine's message.
    bool setParameter(const QString& id, const QString& key, const Json& value, QString* why = nullptr);
    /// Replaces the whole config of the node's layer (all calls) with `config`, checked by the
    /// registry first; one undo step named `text` (a nested model edited in its own tab).
    /// `className` (optional) changes the class too (a Sequential edited as a graph becomes Functional).
    bool setLayerConfig(const QString& id, const Json& config, const QString& text, QString* why = nullptr,
                        const QString& className = {});
    /// Renames the node's layer (all calls). Names must be non-empty and unique.
    bool renameLayer(const QString& id, const QString& newName, QString* why = nullptr);
    /// Another call of the same layer instance (shared weights), placed beside it. Returns its id.
    QString callAgain(const QString& id, QString* why = nullptr);
    /// Turns a call of a shared layer into a layer of its own (a copy of the settings, new name).
    bool makeIndependent(const QString& id, QString* why = nullptr);
    /// "Replace layer…": turns the node's layer (every call of it) into a `className` layer. Wires,
    /// positions and outputs stay; the config keys both types have keep their values where the new
    /// type accepts them, the rest are the new type's defaults; a generated name ("dense_2")
    /// follows the new type, a name the user chose stays. Inputs above the new type's arity are
    /// unwired. One undo step. Refuses Inputs, nested models and unknown classes, saying why.
    bool replaceLayer(const QString& id, const QString& className, QString* why = nullptr);
    /// Layer classes the node can be replaced with (registry order; not Inputs or models).
    QStringList replacementClasses(const QString& id) const;
    /// Marks/unmarks every output tensor of the node as a model output (one step).
    void setOutput(const QString& id, bool isOutput);
    /// Marks/unmarks output tensor `output` of the node alone.
    void setOutput(const QString& id, int output, bool isOutput);
    /// Moves a model output (or input) one place earlier/later in the order.
    bool moveOutput(int index, int delta);
    bool moveInput(int index, int delta);
    /// The nodes `ids` as a fragment (graph JSON + positions) for the clipboard. Wires from nodes
    /// outside the selection are left out; wires inside it are kept.
    Json copyFragment(const QStringList& ids) const;
    /// Inserts a fragment with fresh ids and names, shifted by `offset` (one undo step).
    /// Returns the new ids; throws nothing: a malformed fragment returns {} with `why` set.
    QStringList pasteFragment(const Json& fragment, QPointF offset, QString* why = nullptr);
    /// copyFragment + pasteFragment.
    QStringList duplicateNodes(const QStringList& ids, QPointF offset = QPointF(40, 40));

    /// True if wiring `from` into `to` would close a loop.
    bool wouldCreateCycle(const QString& from, const QString& to) const;
    /// A layer name (not used yet) for `className`: "dense", "dense_1", ...
    QString freshName(const QString& className) const;

    // ---- raw mutations (for the commands) -----------------------------------------------------
    void insertNodeRaw(const GraphNode& node, QPointF pos, int index = -1);
    /// Removes the node only (callers clear the wires and outputs that refer to it first).
    void removeNodeRaw(const QString& id);
    void setInboundRaw(const QString& id, const std::vector<TensorRef>& inbound);
    /// Sets the config of every call of `layerName`.
    void setLayerConfigRaw(const QString& layerName, const Json& config);
    /// Renames every call of a layer.
    void renameLayerRaw(const QString& oldName, const QString& newName);
    /// Changes the layer of one call only (make independent / its undo).
    void setNodeLayerRaw(const QString& id, const QString& layerName, const Json& config);
    /// Replaces the node with the same id by `node` (Replace layer / its undo).
    void replaceNodeRaw(const GraphNode& node);
    void setPositionRaw(const QString& id, QPointF pos);
    void setOutputsRaw(const std::vector<TensorRef>& outputs);
    void setInputsRaw(const std::vector<std::string>& inputs);
    /// Sets (or, with null, removes) the origin of layer `layerName`.
    void setLayerOriginRaw(const QString& layerName, const LayerOrigin* origin);
    int nodeIndex(const QString& id) const;

    /// Groups raw mutations so the graph is checked once at the end (nestable).
    class EditBatch {
    public:
        explicit EditBatch(GraphDocument* doc);
        ~EditBatch();
        EditBatch(const EditBatch&) = delete;
        EditBatch& operator=(const EditBatch&) = delete;

    private:
        GraphDocument* doc_;
    };

    /// Time the last check took, in milliseconds.
    double lastCheckMs() const { return lastCheckMs_; }

signals:
    void nodeAdded(const QString& id);
    void nodeAboutToBeRemoved(const QString& id);
    void nodeRemoved(const QString& id);
    /// Name, class, config or the shared status of the node changed.
    void nodeChanged(const QString& id);
    /// The wires into the node changed.
    void wiringChanged(const QString& id);
    void nodeMoved(const QString& id, QPointF pos);
    void outputsChanged();
    void inputsChanged();
    /// The whole document was replaced.
    void documentReset();
    /// check() holds the result of the latest change.
    void validated();

private:
    void revalidate();
    void touched();
    QString newNodeId() const;
    /// A usable first config of a class: registry defaults, required settings given a first value.
    static Json defaultConfig(const LayerSpec& spec);

    GraphSpec spec_;
    QHash<QString, QPointF> positions_;
    QHash<QString, LayerOrigin> origins_;  ///< by layer name; kept after a delete so undo finds it
    GraphValidator validator_;
    GraphCheck check_;
    QUndoStack undo_;
    int batchDepth_ = 0;
    bool pendingCheck_ = false;
    double lastCheckMs_ = 0;
};

inline QString qs(const std::string& s) { return QString::fromStdString(s); }

}  // namespace strata::editor
