#include "editor/widgets/model_cost_widget.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "editor/document/graph_document.h"

namespace strata::editor {

namespace {

QString shapesText(const std::vector<Shape>& shapes) {
    QStringList parts;
    for (const auto& s : shapes) parts << qs(s.toString());
    return parts.size() == 1 ? parts[0] : QStringLiteral("[%1]").arg(parts.join(", "));
}

QString macsText(int64_t macs) { return macs == kUnknownMacs ? QStringLiteral("?") : ModelCostWidget::withCommas(macs); }

}  // namespace

ModelCostWidget::ModelCostWidget(QWidget* parent) : QWidget(parent) {
    tree_ = new QTreeWidget(this);
    tree_->setColumnCount(ColumnCount);
    tree_->setHeaderLabels({tr("Layer (type)"), tr("Output shape"), tr("Param #"), tr("Weight bytes"),
                            tr("MACs / sample")});
    tree_->headerItem()->setToolTip(MacsColumn, tr("Multiply-adds per sample (Dense, convolutions, recurrent, Dot, "
                                                   "normalization); other layers count 0"));
    tree_->setRootIsDecorated(true);
    tree_->setUniformRowHeights(true);
    tree_->setAlternatingRowColors(true);
    tree_->header()->setStretchLastSection(false);
    tree_->header()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    for (int c = ShapeColumn; c < ColumnCount; ++c) tree_->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    totals_ = new QLabel(this);
    totals_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    totals_->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(tree_);
    layout->addWidget(totals_);
    setModel(nullptr);
}

QString ModelCostWidget::withCommas(int64_t n) {
    QString s = QString::number(n < 0 ? -n : n);
    for (int i = s.size() - 3; i > 0; i -= 3) s.insert(i, ',');
    return n < 0 ? "-" + s : s;
}

QString ModelCostWidget::readableBytes(int64_t bytes) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes);
    for (const char* u : units) {
        if (v < 1024.0) return QStringLiteral("%1 %2").arg(v, 0, 'f', 2).arg(u);
        v /= 1024.0;
    }
    return QStringLiteral("%1 PB").arg(v, 0, 'f', 2);
}

QString ModelCostWidget::readableMacs(int64_t macs) {
    if (macs == kUnknownMacs) return QStringLiteral("?");
    const double v = static_cast<double>(macs);
    if (v >= 1e9) return QStringLiteral("%1 G").arg(v / 1e9, 0, 'f', 2);
    if (v >= 1e6) return QStringLiteral("%1 M").arg(v / 1e6, 0, 'f', 2);
    if (v >= 1e3) return QStringLiteral("%1 K").arg(v / 1e3, 0, 'f', 1);
    return QString::number(macs);
}

QTreeWidgetItem* ModelCostWidget::addLayer(const LayerCost& layer, QTreeWidgetItem* parent) {
    auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(tree_);
    item->setText(NameColumn, QStringLiteral("%1 (%2)").arg(qs(layer.name), qs(layer.className)));
    item->setData(NameColumn, Qt::UserRole, qs(layer.name));
    item->setText(ParamsColumn, withCommas(layer.params));
    item->setText(BytesColumn, layer.weightBytes ? readableBytes(layer.weightBytes) : QStringLiteral("0 B"));
    item->setText(MacsColumn, macsText(layer.macs));
    if (layer.trainableParams < layer.params)
        item->setToolTip(ParamsColumn, tr("%1 trainable").arg(withCommas(layer.trainableParams)));
    for (int c = ParamsColumn; c < ColumnCount; ++c) item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
    if (layer.calls.size() == 1) {
        item->setText(ShapeColumn, shapesText(layer.calls[0].outputShapes));
    } else if (layer.calls.size() > 1) {
        // A shared layer: one row per call, each with the shape and the work of that call.
        item->setText(ShapeColumn, tr("shared, %1 calls").arg(layer.calls.size()));
        for (size_t k = 0; k < layer.calls.size(); ++k) {
            auto* call = new QTreeWidgetItem(item);
            QStringList from;
            for (const auto& in : layer.calls[k].inputs) from << qs(in);
            call->setText(NameColumn, from.isEmpty() ? tr("call %1").arg(k + 1)
                                                     : tr("call %1 ← %2").arg(k + 1).arg(from.join(", ")));
            call->setText(ShapeColumn, shapesText(layer.calls[k].outputShapes));
            call->setText(MacsColumn, macsText(layer.calls[k].macs));
            call->setTextAlignment(MacsColumn, Qt::AlignRight | Qt::AlignVCenter);
            call->setForeground(NameColumn, tree_->palette().color(QPalette::PlaceholderText));
        }
        item->setExpanded(true);
    }
    for (const auto& inner : layer.nested) addLayer(inner, item);
    return item;
}

void ModelCostWidget::setModel(const ModelPtr& model) {
    tree_->clear();
    cost_ = ModelCost{};
    if (!model) {
        totals_->setText(tr("The graph is not a model yet (see Problems)."));
        return;
    }
    try {
        cost_ = modelCost(*model);
    } catch (const std::exception& e) {
        totals_->setText(tr("Cannot count the costs: %1").arg(qs(e.what())));
        return;
    }
    for (const auto& layer : cost_.layers) addLayer(layer, nullptr);
    totals_->setText(tr("Total: %1 params (%2) · trainable %3 · non-trainable %4 · %5 MACs per sample%6")
                         .arg(withCommas(cost_.params), readableBytes(cost_.weightBytes),
                              withCommas(cost_.trainableParams), withCommas(cost_.params - cost_.trainableParams),
                              withCommas(cost_.macs), cost_.macsComplete ? QString() : tr(" (some unknown: None dims)")) +
                     QStringLiteral(" (≈ %1)").arg(readableMacs(cost_.macs)));
}

QString ModelCostWidget::totalsText() const { return totals_->text(); }

QTreeWidgetItem* ModelCostWidget::rowOf(const QString& name) const {
    for (int i = 0; i < tree_->topLevelItemCount(); ++i)
        if (tree_->topLevelItem(i)->data(NameColumn, Qt::UserRole).toString() == name) return tree_->topLevelItem(i);
    return nullptr;
}

}  // namespace strata::editor
