#pragma once
/// The undoable edits of a GraphDocument. Each command keeps what it needs to go both ways and
/// applies itself through the document's raw mutations, so the document's signals (and with them
/// the scene and the docks) follow undo and redo like any other change.
#include <QHash>
#include <QPointF>
#include <QUndoCommand>
#include <optional>
#include <vector>

#include "editor/document/layer_origin.h"
#include "engine/graph/graph_spec.h"

namespace strata::editor {

class GraphDocument;

/// Command ids for QUndoCommand::mergeWith.
enum CommandId { kMoveCommandId = 1001, kSetConfigCommandId = 1002 };

class AddNodeCommand : public QUndoCommand {
public:
    AddNodeCommand(GraphDocument* doc, GraphNode node, QPointF pos, const QString& text);
    void redo() override;
    void undo() override;

private:
    GraphDocument* doc_;
    GraphNode node_;
    QPointF pos_;
    std::vector<std::string> inputsBefore_;
};

/// Removes nodes with the wires into other nodes and the outputs that refer to them.
class RemoveNodesCommand : public QUndoCommand {
public:
    RemoveNodesCommand(GraphDocument* doc, const QStringList& ids);
    void redo() override;
    void undo() override;

private:
    struct Removed {
        int index;
        GraphNode node;
        QPointF pos;
    };
    struct Rewired {
        QString id;
        std::vector<TensorRef> before, after;
    };
    GraphDocument* doc_;
    std::vector<Removed> removed_;  // ascending index
    std::vector<Rewired> rewired_;
    std::vector<TensorRef> outputsBefore_, outputsAfter_;
    std::vector<std::string> inputsBefore_, inputsAfter_;
};

/// Replaces the wires into one node (connect, disconnect, re-wire).
class SetInboundCommand : public QUndoCommand {
public:
    SetInboundCommand(GraphDocument* doc, const QString& id, std::vector<TensorRef> before,
                      std::vector<TensorRef> after, const QString& text);
    void redo() override;
    void undo() override;

private:
    GraphDocument* doc_;
    QString id_;
    std::vector<TensorRef> before_, after_;
};

class MoveNodesCommand : public QUndoCommand {
public:
    MoveNodesCommand(GraphDocument* doc, QHash<QString, QPointF> before, QHash<QString, QPointF> after);
    void redo() override;
    void undo() override;
    int id() const override { return kMoveCommandId; }
    /// Successive moves of the same nodes are one step.
    bool mergeWith(const QUndoCommand* other) override;

private:
    GraphDocument* doc_;
    QHash<QString, QPointF> before_, after_;
};

/// Sets the config of a layer (every call of it).
class SetConfigCommand : public QUndoCommand {
public:
    SetConfigCommand(GraphDocument* doc, const QString& layerName, const QString& key, Json before, Json after);
    void redo() override;
    void undo() override;
    int id() const override { return kSetConfigCommandId; }
    /// Typing in a spin box is one step per layer and key.
    bool mergeWith(const QUndoCommand* other) override;

private:
    GraphDocument* doc_;
    QString layerName_, key_;
    Json before_, after_;
};

class RenameLayerCommand : public QUndoCommand {
public:
    RenameLayerCommand(GraphDocument* doc, const QString& oldName, const QString& newName);
    void redo() override;
    void undo() override;

private:
    GraphDocument* doc_;
    QString old_, new_;
};

/// Points one call at another layer (Make independent).
class SetNodeLayerCommand : public QUndoCommand {
public:
    SetNodeLayerCommand(GraphDocument* doc, const QString& id, QString oldName, Json oldConfig, QString newName,
                        Json newConfig, const QString& text);
    void redo() override;
    void undo() override;

private:
    GraphDocument* doc_;
    QString id_, oldName_, newName_;
    Json oldConfig_, newConfig_;
};

/// Replaces whole nodes by others with the same ids (Replace layer: class, name, config, wires).
class ReplaceNodesCommand : public QUndoCommand {
public:
    ReplaceNodesCommand(GraphDocument* doc, std::vector<GraphNode> before, std::vector<GraphNode> after,
                        const QString& text);
    void redo() override;
    void undo() override;

private:
    GraphDocument* doc_;
    std::vector<GraphNode> before_, after_;
};

class SetOutputsCommand : public QUndoCommand {
public:
    SetOutputsCommand(GraphDocument* doc, std::vector<TensorRef> before, std::vector<TensorRef> after,
                      const QString& text);
    void redo() override;
    void undo() override;

private:
    GraphDocument* doc_;
    std::vector<TensorRef> before_, after_;
};

class SetInputsCommand : public QUndoCommand {
public:
    SetInputsCommand(GraphDocument* doc, std::vector<std::string> before, std::vector<std::string> after);
    void redo() override;
    void undo() override;

private:
    GraphDocument* doc_;
    std::vector<std::string> before_, after_;
};

/// Sets or clears where a layer came from in the library (and the weights the file gave it).
class SetLayerOriginCommand : public QUndoCommand {
public:
    SetLayerOriginCommand(GraphDocument* doc, const QString& layerName, std::optional<LayerOrigin> after,
                          const QString& text);
    void redo() override;
    void undo() override;

private:
    GraphDocument* doc_;
    QString layerName_;
    std::optional<LayerOrigin> before_, after_;
};

}  // namespace strata::editor
