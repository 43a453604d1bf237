#pragma once
/// SummaryWidget: the engine's Model::summary() of the model being edited, rebuilt shortly after
/// every change (edits come in bursts while typing; building weights on each keystroke is waste).
#include <QPlainTextEdit>
#include <QTimer>

#include "engine/graph/model.h"

namespace strata::editor {

class GraphDocument;

class SummaryWidget : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit SummaryWidget(GraphDocument* doc, QWidget* parent = nullptr);

    /// The last built model (null while the graph is not valid).
    const ModelPtr& model() const { return model_; }
    /// Total params of the last built model, -1 if none.
    int64_t totalParams() const { return model_ ? model_->countParams() : -1; }
    /// Rebuilds now instead of after the delay.
    void refreshNow();
    void setDelay(int ms) { timer_.setInterval(ms); }
    /// Summarises another document (the canvas tab of a nested model).
    void setDocument(GraphDocument* doc);
    GraphDocument* document() const { return doc_; }

signals:
    /// After each rebuild; `model` is null if the graph is not a model yet.
    void modelRebuilt(const strata::ModelPtr& model);

private:
    GraphDocument* doc_;
    QTimer timer_;
    ModelPtr model_;
};

}  // namespace strata::editor
