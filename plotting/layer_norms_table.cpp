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
    setStyleSheet(QStringLiteral(
        "QTableView { background: white; border: none; }"
        "QTableView::item { padding: 0 10px; border-bottom: 1px solid #eceff1; }"
        "QHeaderView::section { background: white; color: #5f6368; font-weight: 600; padding: 4px 10px;"
        " border: none; border-bottom: 1px solid #dadce0; }"));
}

}  // namespace strata::plotting
