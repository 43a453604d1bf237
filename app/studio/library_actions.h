#pragma once
/// LibraryActions: the Studio's side of the model library. It owns the ModelLibrary the palette
/// lists, inserts a library model where the user asks (palette double-click or Enter, at the
/// centre of the canvas in front), keeps quick insert's list of library models current, and runs
/// the menu commands that write into the library: "Add Model to Library…", "Save Selection as
/// Block…" and "Library Folder…". Saving goes through the engine's atomic savers; the document
/// itself is never changed by them.
#include <QObject>
#include <QString>
#include <functional>

#include "engine/graph/model.h"

class QMenu;

namespace strata::editor {
class GraphDocument;
class ModelLibrary;
class ModelTabs;
class PaletteWidget;
}  // namespace strata::editor

namespace strata::studio {

class LibraryActions : public QObject {
    Q_OBJECT
public:
    /// Builds the main model with every weight the Studio has for it (library and trained/opened
    /// weights), or throws strata::Error if the graph is not a model yet. Null: it has no weights
    /// worth saving (fresh initial values only).
    using WeightedModelSource = std::function<ModelPtr(bool* hasWeights)>;
    using Reporter = std::function<void(const QString& title, const QString& text)>;
    using Status = std::function<void(const QString& text)>;

    /// `root`: the main model's document (the one `model` builds).
    LibraryActions(editor::GraphDocument* root, editor::ModelTabs* tabs, editor::PaletteWidget* palette,
                   WeightedModelSource model, Reporter report, Status status, QObject* parent = nullptr);

    editor::ModelLibrary* library() const { return library_; }
    /// Adds the commands to the File menu (`file`) and/or the Edit menu (`edit`); either may be null.
    void addMenuActions(QMenu* file, QMenu* edit);

    /// Inserts library model `path` at the centre of the canvas in front. Returns the node id or "".
    QString insertAtCenter(const QString& path);
    /// Writes the main model into the user's library as `name`. Returns the file or "" after
    /// reporting why. An existing file of that name is replaced only if `overwrite`.
    QString addModelToLibrary(const QString& name, bool overwrite = false);
    /// Writes the nodes selected on the canvas in front, grouped, as block `name`. As above.
    QString saveSelectionAsBlock(const QString& name, bool overwrite = false);

private:
    void addFileActions(QMenu* file);
    void addEditActions(QMenu* edit);
    QString save(const Model& model, const QString& name, bool withWeights, bool overwrite);
    bool confirmOverwrite(const QString& path) const;
    void publishNames();

    editor::GraphDocument* root_;
    editor::ModelTabs* tabs_;
    editor::PaletteWidget* palette_;
    editor::ModelLibrary* library_;
    WeightedModelSource model_;
    Reporter report_;
    Status status_;
};

}  // namespace strata::studio
