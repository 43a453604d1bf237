#pragma once
/// SubModelLink: a nested model node of one document opened as a document of its own (its canvas
/// tab). Edits inside are written back into the node's config in the parent, one undo step of the
/// parent per edit inside, so saving, checking and undo in the parent see them; a change of the
/// node from the parent's side (its undo, a replacement) reloads the inner document.
///
/// Only a valid inner graph can be written back (the parent's config is a Keras model config, built
/// by the engine); while the inner graph has problems the parent keeps the last valid version and
/// `applied()` is false.
#include <QObject>
#include <QPointer>
#include <QString>
#include <optional>

#include "engine/graph/graph_spec.h"

namespace strata::editor {

class GraphDocument;

class SubModelLink : public QObject {
    Q_OBJECT
public:
    /// Opens node `id` of `parent`; check `ok()` (a node that is not a nested model, or whose
    /// config the engine refuses, gives an empty document and `error()`).
    SubModelLink(GraphDocument* parent, const QString& id, QObject* owner = nullptr);
    ~SubModelLink() override;

    bool ok() const { return error_.isEmpty(); }
    const QString& error() const { return error_; }
    GraphDocument* parentDocument() const { return parent_; }
    GraphDocument* document() const { return child_; }
    const QString& nodeId() const { return id_; }
    /// The nested model's layer name in the parent.
    QString layerName() const;
    /// True if the inner graph is what the parent holds (false while it has problems).
    bool applied() const { return applied_; }

    /// The graph of the nested model held by `node` (a Functional/Sequential node), or nullopt with `why`.
    static std::optional<GraphSpec> innerGraph(const GraphNode& node, QString* why = nullptr);

signals:
    /// The inner document was replaced from the parent's side: positions need a layout.
    void reloaded();
    /// The node is gone from the parent (deleted, replaced, the document reset): close the tab.
    void closed();
    /// applied() changed, or a write-back was refused (`message` says why).
    void syncChanged(bool applied, const QString& message);

private:
    void pushToParent();
    void pullFromParent();
    /// Copies the parent's library origins of the inner layers into the inner document.
    void adoptOrigins();

    QPointer<GraphDocument> parent_;
    QString id_;
    GraphDocument* child_;
    QString error_;
    bool applied_ = true;
    bool applying_ = false;
};

}  // namespace strata::editor
