#pragma once
/// InspectorWidget: the settings of the selected layer, generated from its LayerSpec (one editor
/// per ParamSpec, chosen by ParamType). Every change is applied at once through the document's undo
/// commands; values the registry refuses are not applied and the engine's message is shown. The
/// layer name is checked for uniqueness before it is accepted.
///
/// Editors are named "param_<key>" (and "layerName", "trainable", "isOutput") so tests and
/// accessibility tools can find them.
#include <QPointer>
#include <QWidget>

#include "engine/core/json.h"
#include "engine/layers/layer_spec.h"

class QFormLayout;
class QLabel;
class QLineEdit;
class QScrollArea;

namespace strata::editor {

class GraphDocument;

class InspectorWidget : public QWidget {
    Q_OBJECT
public:
    explicit InspectorWidget(GraphDocument* doc, QWidget* parent = nullptr);

    const QString& nodeId() const { return id_; }
    /// The message of the last refused edit ("" if the last edit was accepted).
    QString errorText() const;

    GraphDocument* document() const { return doc_; }

public slots:
    void setNode(const QString& id);
    /// Shows the layers of another document (the canvas tab of a nested model).
    void setDocument(GraphDocument* doc);

private:
    void connectDocument();
    void rebuild();
    void clearForm();
    QWidget* editorFor(const ParamSpec& p, const Json& value);
    /// Applies to node `id`: the node the editor was made for, even if the selection has moved on
    /// (an edit finished by clicking another node belongs to the node it was typed for).
    void apply(const QString& id, const QString& key, const Json& value);
    void showError(const QString& text);

    GraphDocument* doc_;
    QString id_;
    QScrollArea* scroll_ = nullptr;
    QWidget* form_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* error_ = nullptr;
    bool applying_ = false;
};

/// Text form of IntTuple/IntList values ("3, 3"; None for null entries) and back. Parsing throws
/// nothing: returns false with `why` set.
QString intsToText(const Json& v);
bool intsFromText(const QString& text, bool allowNone, Json* out, QString* why);

}  // namespace strata::editor
