#include "editor/widgets/palette_widget.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMimeData>
#include <QVBoxLayout>
#include <map>

#include "editor/document/graph_document.h"
#include "editor/library/model_library.h"
#include "engine/layers/layer_registry.h"

namespace strata::editor {

namespace {
constexpr int kClassRole = Qt::UserRole + 1;
constexpr int kLibraryRole = Qt::UserRole + 2;  ///< a library model's file path
constexpr int kCategoryRole = Qt::UserRole + 3;  ///< a group's LayerCategory

/// Palette labels: Keras's InputLayer is what users know as Input.
QString displayName(const LayerSpec& s) { return s.className == "InputLayer" ? QStringLiteral("Input") : qs(s.className); }
}  // namespace

QMimeData* PaletteTree::mimeDataFor(const QString& className) {
    auto* mime = new QMimeData;
    mime->setData(kLayerMimeType, className.toUtf8());
    mime->setText(className);
    return mime;
}

QMimeData* PaletteTree::libraryMimeDataFor(const QString& path) {
    auto* mime = new QMimeData;
    mime->setData(kLibraryMimeType, path.toUtf8());
    mime->setText(path);
    return mime;
}

QStringList PaletteTree::mimeTypes() const {
    return {QString::fromLatin1(kLayerMimeType), QString::fromLatin1(kLibraryMimeType)};
}

QMimeData* PaletteTree::mimeData(const QList<QTreeWidgetItem*>& items) const {
    for (QTreeWidgetItem* i : items) {
        QString cls = i->data(0, kClassRole).toString();
        if (!cls.isEmpty()) return mimeDataFor(cls);
        QString path = i->data(0, kLibraryRole).toString();
        if (!path.isEmpty() && (i->flags() & Qt::ItemIsEnabled)) return libraryMimeDataFor(path);
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
        else if (QStringList m = visibleLibraryModels(); !m.isEmpty()) emit libraryModelActivated(m.first());
    });
    connect(tree_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        QString cls = item->data(0, kClassRole).toString();
        if (!cls.isEmpty()) emit layerActivated(cls);
        QString path = item->data(0, kLibraryRole).toString();
        if (!path.isEmpty() && (item->flags() & Qt::ItemIsEnabled)) emit libraryModelActivated(path);
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
            group->setData(0, kCategoryRole, cat);
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
    auto matches = [&t](QTreeWidgetItem* item) {
        if (t.isEmpty() || item->text(0).contains(t, Qt::CaseInsensitive)) return true;
        const LayerSpec* s = LayerRegistry::instance().find(item->data(0, kClassRole).toString().toStdString());
        if (s && (qs(s->className).contains(t, Qt::CaseInsensitive) || qs(s->doc).contains(t, Qt::CaseInsensitive)))
            return true;
        // A library model is found by its file name too.
        return item->data(0, kLibraryRole).toString().section('/', -1).contains(t, Qt::CaseInsensitive);
    };
    for (int g = 0; g < tree_->topLevelItemCount(); ++g) {
        QTreeWidgetItem* group = tree_->topLevelItem(g);
        int shown = 0;
        for (int i = 0; i < group->childCount(); ++i) {
            QTreeWidgetItem* item = group->child(i);
            if (librarySections_.contains(item)) {  // a library folder: shown while a model of it is
                int inSection = 0;
                for (int k = 0; k < item->childCount(); ++k) {
                    const bool m = matches(item->child(k));
                    item->child(k)->setHidden(!m);
                    inSection += m;
                }
                item->setHidden(inSection == 0 && !t.isEmpty());
                shown += inSection;
                continue;
            }
            bool match = matches(item);
            item->setHidden(!match);
            shown += match;
        }
        group->setHidden(shown == 0);
    }
}

QTreeWidgetItem* PaletteWidget::modelsGroup() const {
    for (int g = 0; g < tree_->topLevelItemCount(); ++g)
        if (tree_->topLevelItem(g)->data(0, kCategoryRole).toInt() == static_cast<int>(LayerCategory::ModelsBlocks))
            return tree_->topLevelItem(g);
    return nullptr;
}

void PaletteWidget::setLibrary(ModelLibrary* library) {
    if (library_) disconnect(library_, nullptr, this, nullptr);
    library_ = library;
    if (library_) connect(library_, &ModelLibrary::changed, this, &PaletteWidget::populateLibrary);
    populateLibrary();
}

void PaletteWidget::populateLibrary() {
    qDeleteAll(librarySections_);
    librarySections_.clear();
    QTreeWidgetItem* group = modelsGroup();
    if (!library_ || !group) return;
    for (const LibraryFolder& folder : library_->folders()) {
        auto* section = new QTreeWidgetItem(group);
        section->setText(0, folder.label);
        section->setToolTip(0, folder.path.toHtmlEscaped());
        section->setFlags(Qt::ItemIsEnabled);
        QFont f = section->font(0);
        f.setItalic(true);
        section->setFont(0, f);
        librarySections_ << section;
        for (const LibraryItem& m : library_->items()) {
            if (m.folder != folder.label) continue;
            auto* item = new QTreeWidgetItem(section);
            item->setText(0, m.ok ? m.name : QFileInfo(m.path).fileName());
            item->setData(0, kLibraryRole, m.path);
            item->setToolTip(0, m.toolTip());
            // A file the engine cannot read stays listed, so the user sees why it is not offered.
            item->setFlags(m.ok ? Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled : Qt::NoItemFlags);
        }
        if (section->childCount() == 0) {
            auto* empty = new QTreeWidgetItem(section);
            empty->setText(0, tr("(empty: Add Model to Library…)"));
            empty->setFlags(Qt::NoItemFlags);
        }
    }
    group->setExpanded(true);
    for (QTreeWidgetItem* section : librarySections_) section->setExpanded(true);
    setFilter(search_->text());
}

QTreeWidgetItem* PaletteWidget::libraryItemFor(const QString& path) const {
    const QString abs = QFileInfo(path).absoluteFilePath();
    for (QTreeWidgetItem* section : librarySections_)
        for (int k = 0; k < section->childCount(); ++k)
            if (section->child(k)->data(0, kLibraryRole).toString() == abs) return section->child(k);
    return nullptr;
}

QStringList PaletteWidget::visibleLibraryModels() const {
    QStringList out;
    for (QTreeWidgetItem* section : librarySections_) {
        if (section->isHidden()) continue;
        for (int k = 0; k < section->childCount(); ++k) {
            QTreeWidgetItem* item = section->child(k);
            if (!item->isHidden() && (item->flags() & Qt::ItemIsEnabled) && !item->data(0, kLibraryRole).toString().isEmpty())
                out << item->data(0, kLibraryRole).toString();
        }
    }
    return out;
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
            if (!group->child(i)->isHidden() && !group->child(i)->data(0, kClassRole).toString().isEmpty())
                out << group->child(i)->data(0, kClassRole).toString();
    }
    return out;
}

}  // namespace strata::editor
