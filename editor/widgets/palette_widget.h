#pragma once
/// PaletteWidget: every registered layer class (LayerRegistry::all), grouped by category in
/// palette order, with a search box and the registry's one-line docs as tooltips. Items drag onto
/// the canvas with kLayerMimeType (the class name as UTF-8); double-click or Enter asks to add one.
/// With a ModelLibrary set, the "Models & blocks" group also lists its saved models, a section per
/// library folder; they drag with kLibraryMimeType (the file's path) and activate as
/// libraryModelActivated. A file the engine cannot read is listed disabled, its error as tooltip.
#include <QTreeWidget>
#include <QWidget>

class QLineEdit;
class QMimeData;

namespace strata::editor {

inline constexpr const char* kLayerMimeType = "application/x-strata-layer-class";
inline constexpr const char* kLibraryMimeType = "application/x-strata-library-model";

class ModelLibrary;

/// The tree of the palette; its drags carry kLayerMimeType.
class PaletteTree : public QTreeWidget {
    Q_OBJECT
public:
    using QTreeWidget::QTreeWidget;
    /// The mime data of a drag of `className` (what a drop on the canvas reads).
    static QMimeData* mimeDataFor(const QString& className);
    /// The mime data of a drag of library model file `path`.
    static QMimeData* libraryMimeDataFor(const QString& path);
    /// What dragging `item` carries (null for group rows); the caller owns it.
    QMimeData* dragData(QTreeWidgetItem* item) const { return mimeData({item}); }

protected:
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QList<QTreeWidgetItem*>& items) const override;
};

class PaletteWidget : public QWidget {
    Q_OBJECT
public:
    explicit PaletteWidget(QWidget* parent = nullptr);

    /// Shows only classes whose name or doc contains `text` (case-insensitive).
    void setFilter(const QString& text);
    QLineEdit* searchBox() const { return search_; }
    PaletteTree* tree() const { return tree_; }
    /// The item of a class (for tests), or null.
    QTreeWidgetItem* itemFor(const QString& className) const;
    /// Class names currently visible.
    QStringList visibleClasses() const;

    /// Lists `library`'s models (and follows its changes); null removes them.
    void setLibrary(ModelLibrary* library);
    ModelLibrary* library() const { return library_; }
    /// The item of a library file (for tests), or null.
    QTreeWidgetItem* libraryItemFor(const QString& path) const;
    /// Paths of the library models currently visible and usable.
    QStringList visibleLibraryModels() const;

signals:
    void layerActivated(const QString& className);
    void libraryModelActivated(const QString& path);

private:
    void populate();
    void populateLibrary();
    QTreeWidgetItem* modelsGroup() const;

    QLineEdit* search_;
    PaletteTree* tree_;
    ModelLibrary* library_ = nullptr;
    QList<QTreeWidgetItem*> librarySections_;
};

}  // namespace strata::editor
