#include "plotting/layer_norms_table.h"

#include <QHeaderView>

namespace strata::plotting {

LayerNormsTable::LayerNormsTable(QWidget* parent) : QTableView(parent), model_(new LayerNormsModel(this)) {
    setModel(model_);
    setShowGrid(false);
    setAlternatingRowColors(false);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    verticalHeader()->hide();
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    horizontalHeader()->setStretchLastSection(true);
    horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    horizontalHeader()->setSectionResizeMode(LayerNormsModel::Status, QHeaderView::Stretch);
}

}  // namespace strata::plotting
