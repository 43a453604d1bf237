#pragma once
/// ModelCostWidget: the summary dock's table of what each layer costs — params, weight bytes and
/// multiply-adds (MACs) per sample — with a row for every call of a shared layer (its output shape
/// and MACs per call; Keras's summary shows only the last call) and the layers of nested models
/// under their model. The numbers come from the engine (strata::modelCost); this only shows them.
#include <QWidget>

#include "engine/graph/model.h"
#include "engine/graph/model_cost.h"

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace strata::editor {

class ModelCostWidget : public QWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, ShapeColumn, ParamsColumn, BytesColumn, MacsColumn, ColumnCount };

    explicit ModelCostWidget(QWidget* parent = nullptr);

    /// Shows the costs of `model` (null: the graph is not a model yet).
    void setModel(const ModelPtr& model);
    const ModelCost& cost() const { return cost_; }
    QTreeWidget* tree() const { return tree_; }
    /// The totals line under the table.
    QString totalsText() const;
    /// The top-level row of layer `name`, or null.
    QTreeWidgetItem* rowOf(const QString& name) const;

    /// "1,234,567".
    static QString withCommas(int64_t n);
    /// "851.79 KB" (as Keras's summary).
    static QString readableBytes(int64_t bytes);
    /// "401.4 K", "1.23 M", "2.5 G" ("?" for an unknown count).
    static QString readableMacs(int64_t macs);

private:
    QTreeWidgetItem* addLayer(const LayerCost& layer, QTreeWidgetItem* parent);

    QTreeWidget* tree_;
    QLabel* totals_;
    ModelCost cost_;
};

}  // namespace strata::editor
