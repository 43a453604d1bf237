#include "editor/widgets/problems_widget.h"

#include "editor/document/graph_document.h"

namespace strata::editor {

namespace {
constexpr int kNodeRole = Qt::UserRole + 1;
}

ProblemsWidget::ProblemsWidget(GraphDocument* doc, QWidget* parent) : QListWidget(parent), doc_(doc) {
    setWordWrap(true);
    setAlternatingRowColors(true);
    connect(doc_, &GraphDocument::validated, this, &ProblemsWidget::refresh);
    // A single click is enough: this is a list of places to go, like a compiler's error list.
    connect(this, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        QString id = item->data(kNodeRole).toString();
        if (!id.isEmpty()) emit nodeActivated(id);
    });
    connect(this, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        QString id = item->data(kNodeRole).toString();
        if (!id.isEmpty()) emit nodeActivated(id);
    });
    refresh();
}

void ProblemsWidget::setDocument(GraphDocument* doc) {
    if (doc == doc_) return;
    disconnect(doc_, nullptr, this, nullptr);
    doc_ = doc;
    connect(doc_, &GraphDocument::validated, this, &ProblemsWidget::refresh);
    refresh();
}

QString ProblemsWidget::nodeIdAt(int row) const {
    QListWidgetItem* i = item(row);
    return i ? i->data(kNodeRole).toString() : QString();
}

void ProblemsWidget::refresh() {
    clear();
    const auto& problems = doc_->check().problems;
    for (const auto& p : problems) {
        auto* item = new QListWidgetItem(this);
        const GraphNode* n = p.node.empty() ? nullptr : doc_->node(qs(p.node));
        item->setText(n ? QStringLiteral("%1: %2").arg(qs(n->layerName), qs(p.message)) : qs(p.message));
        item->setData(kNodeRole, qs(p.node));
        item->setToolTip(qs(p.message));
        item->setForeground(QColor(n ? "#B71C1C" : "#E65100"));
    }
    emit problemCountChanged(static_cast<int>(problems.size()));
}

}  // namespace strata::editor
