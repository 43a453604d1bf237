#include "editor/widgets/palette_widget.h"

#include <QHeaderView>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMimeData>
#include <QVBoxLayout>
#include <map>

#include "editor/document/graph_document.h"
#include "engine/layers/layer_registry.h"

namespace strata::editor {

namespace {
constexpr int kClassRole = Qt::UserRole + 1;

/// Palette labels: Keras's InputLayer is what users know as Input.
QString displayName(const LayerSpec& s) { return s.className == "InputLayer" ? QStringLiteral("Input") : qs(s.className); }
}  // namespace

QMimeData* PaletteTree::mimeDataFor(const QString& className) {
    auto* mime = new QMimeData;
    mime->setData(kLayerMimeType, className.toUtf8());
    mime->setText(className);
    return mime;
}

QStringList PaletteTree::mimeTypes() const { return {QString::fromLatin1(kLayerMimeType)}; }

QMimeData* PaletteTree::mimeData(const QList<QTreeWidgetItem*>& items) const {
    for (QTreeWidgetItem* i : items) {
        QString cls = i->data(0, kClassRole).toString();
        if (!cls.isEmpty()) return mimeDataFor(cls);
    }
    return nullptr;
}

PaletteWidget::PaletteWidget(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    search_ = new QLineEdit(this);
    search_->setPlaceholderText(tr("Search layers…"));
    search_->setClearButtonEnabled(true);
    tree_ = new PaletteTree(this);
    tree_->setHeaderHidden(true);
    tree_->setDragEnabled(true);
    tree_->setDragDropMode(QAbstractItemView::DragOnly);
    tree_->setSelectionMode(QAbstractItemView::SingleSelection);
    tree_->setRootIsDecorated(true);
    layout->addWidget(search_);
    layout->addWidget(tree_);
    populate();
    connect(search_, &QLineEdit::textChanged, this, &PaletteWidget::setFilter);
    // Enter in the search box adds the first match: a quick insert without the mouse.
    connect(search_, &QLineEdit::returnPressed, this, [this] {
        QStringList v = visibleClasses();
        if (!v.isEmpty()) emit layerActivated(v.first());
    });
    connect(tree_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        QString cls = item->data(0, kClassRole).toString();
        if (!cls.isEmpty()) emit layerActivated(cls);
    });
}

void PaletteWidget::populate() {
    std::map<int, QTreeWidgetItem*> groups;
    for (const LayerSpec* s : LayerRegistry::instance().all()) {
        int cat = static_cast<int>(s->category);
        QTreeWidgetItem*& group = groups[cat];
        if (!group) {
            group = new QTreeWidgetItem();
            group->setText(0, qs(categoryName(s->category)));
            group->setFlags(Qt::ItemIsEnabled);
            QFont f = group->font(0);
            f.setBold(true);
            group->setFont(0, f);
        }
        auto* item = new QTreeWidgetItem(group);
        item->setText(0, displayName(*s));
        item->setData(0, kClassRole, qs(s->className));
        item->setToolTip(0, QStringLiteral("<b>%1</b><br>%2").arg(qs(s->className), qs(s->doc).toHtmlEscaped()));
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
    }
    for (auto& [cat, group] : groups) tree_->addTopLevelItem(group);
    tree_->expandAll();
}

void PaletteWidget::setFilter(const QString& text) {
    const QString t = text.trimmed();
    for (int g = 0; g < tree_->topLevelItemCount(); ++g) {
        QTreeWidgetItem* group = tree_->topLevelItem(g);
        int shown = 0;
        for (int i = 0; i < group->childCount(); ++i) {
            QTreeWidgetItem* item = group->child(i);
            const LayerSpec* s = LayerRegistry::instance().find(item->data(0, kClassRole).toString().toStdString());
            bool match = t.isEmpty() || item->text(0).contains(t, Qt::CaseInsensitive) ||
                         (s && qs(s->className).contains(t, Qt::CaseInsensitive)) ||
                         (s && qs(s->doc).contains(t, Qt::CaseInsensitive));
            item->setHidden(!match);
            shown += match;
        }
        group->setHidden(shown == 0);
    }
}

QTreeWidgetItem* PaletteWidget::itemFor(const QString& className) const {
    for (int g = 0; g < tree_->topLevelItemCount(); ++g) {
        QTreeWidgetItem* group = tree_->topLevelItem(g);
        for (int i = 0; i < group->childCount(); ++i)
            if (group->child(i)->data(0, kClassRole).toString() == className) return group->child(i);
    }
    return nullptr;
}

QStringList PaletteWidget::visibleClasses() const {
    QStringList out;
    for (int g = 0; g < tree_->topLevelItemCount(); ++g) {
        QTreeWidgetItem* group = tree_->topLevelItem(g);
        if (group->isHidden()) continue;
        for (int i = 0; i < group->childCount(); ++i)
            if (!group->child(i)->isHidden()) out << group->child(i)->data(0, kClassRole).toString();
    }
    return out;
}

}  // namespace strata::editor
