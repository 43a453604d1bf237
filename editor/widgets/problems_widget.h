#pragma once
/// ProblemsWidget: the problems of the latest check, one row each ("layer: message", or the
/// graph's own problems); activating a row asks to select its node.
#include <QListWidget>

namespace strata::editor {

class GraphDocument;

class ProblemsWidget : public QListWidget {
    Q_OBJECT
public:
    explicit ProblemsWidget(GraphDocument* doc, QWidget* parent = nullptr);
    /// The node id of row `row` ("" for graph problems).
    QString nodeIdAt(int row) const;
    /// Lists the problems of another document (the canvas tab of a nested model).
    void setDocument(GraphDocument* doc);

signals:
    void nodeActivated(const QString& id);
    /// Emitted after each refresh with the number of problems.
    void problemCountChanged(int count);

private:
    void refresh();
    GraphDocument* doc_;
};

}  // namespace strata::editor
