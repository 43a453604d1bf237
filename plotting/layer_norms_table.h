#pragma once
/// LayerNormsTable: a QTableView over its own LayerNormsModel, styled for the Studio's training
/// panel (no grid clutter, compact rows, columns sized to their contents).
#include <QTableView>

#include "plotting/layer_norms_model.h"

namespace strata::plotting {

class LayerNormsTable : public QTableView {
    Q_OBJECT
public:
    explicit LayerNormsTable(QWidget* parent = nullptr);
    LayerNormsModel* normsModel() const { return model_; }
    void connectFeed(TrainingFeed* feed) { model_->connectFeed(feed); }

private:
    LayerNormsModel* model_;
};

}  // namespace strata::plotting
