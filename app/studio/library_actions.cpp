#include "app/studio/library_actions.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QInputDialog>
#include <QMenu>
#include <QMessageBox>

#include "app/studio/project_file.h"
#include "editor/document/graph_document.h"
#include "editor/library/library_blocks.h"
#include "editor/library/model_library.h"
#include "editor/scene/graph_scene.h"
#include "editor/scene/graph_view.h"
#include "editor/widgets/model_tabs.h"
#include "editor/widgets/palette_widget.h"

namespace strata::studio {

LibraryActions::LibraryActions(editor::GraphDocument* root, editor::ModelTabs* tabs, editor::PaletteWidget* palette,
                               WeightedModelSource model, Reporter report, Status status, QObject* parent)
    : QObject(parent),
      root_(root),
      tabs_(tabs),
      palette_(palette),
      library_(new editor::ModelLibrary(this)),
      model_(std::move(model)),
      report_(std::move(report)),
      status_(std::move(status)) {
    palette_->setLibrary(library_);
    connect(palette_, &editor::PaletteWidget::libraryModelActivated, this, &LibraryActions::insertAtCenter);
    connect(library_, &editor::ModelLibrary::changed, this, &LibraryActions::publishNames);
    // Quick insert offers the library on every canvas, nested tabs included.
    connect(tabs_, &editor::ModelTabs::currentCanvasChanged, this, &LibraryActions::publishNames);
    library_->useDefaultFolders();
}

void LibraryActions::publishNames() {
    // A model's name, or "name (file)" where two files hold models of the same name.
    QHash<QString, int> uses;
    for (const auto& item : library_->items())
        if (item.ok) ++uses[item.name];
    QHash<QString, QString> names;
    for (const auto& item : library_->items())
        if (item.ok)
            names.insert(uses[item.name] > 1 ? QStringLiteral("%1 (%2)").arg(item.name, QFileInfo(item.path).fileName())
                                             : item.name,
                         item.path);
    // Every open canvas: the main view may be a tab's page itself, a nested tab's view sits inside one.
    for (int i = 0; i < tabs_->count(); ++i) {
        QWidget* page = tabs_->widget(i);
        auto* view = qobject_cast<editor::GraphView*>(page);
        if (!view) view = page->findChild<editor::GraphView*>();
        if (view) view->setLibraryModels(names);
    }
    if (tabs_->currentView()) tabs_->currentView()->setLibraryModels(names);
}

void LibraryActions::addMenuActions(QMenu* file, QMenu* edit) {
    if (file) addFileActions(file);
    if (edit) addEditActions(edit);
}

void LibraryActions::addFileActions(QMenu* file) {
    QMenu* lib = file->addMenu(tr("&Library"));
    lib->addAction(tr("Add Model to &Library…"), this, [this] {
        bool ok = false;
        QString name = QInputDialog::getText(tabs_, tr("Add Model to Library"), tr("Name in the library:"),
                                             QLineEdit::Normal, QStringLiteral("my_model"), &ok);
        if (!ok || name.trimmed().isEmpty()) return;
        bool hasWeights = false;
        try {
            model_(&hasWeights);
        } catch (const std::exception&) {
        }
        const QString path = editor::libraryFilePath(editor::ModelLibrary::userFolder(), name, hasWeights);
        if (QFileInfo::exists(path) && !confirmOverwrite(path)) return;
        addModelToLibrary(name, true);
    });
    lib->addAction(tr("Library &Folder…"), this, [this] {
        QString dir = QFileDialog::getExistingDirectory(tabs_, tr("Library folder"), editor::ModelLibrary::userFolder());
        if (!dir.isEmpty()) library_->setUserFolder(dir);
    });
    lib->addAction(tr("&Refresh Library"), library_, &editor::ModelLibrary::refresh);
}

void LibraryActions::addEditActions(QMenu* edit) {
    edit->addAction(tr("Save Selection as &Block…"), this, [this] {
        bool ok = false;
        QString name = QInputDialog::getText(tabs_, tr("Save Selection as Block"), tr("Block name:"), QLineEdit::Normal,
                                             QStringLiteral("block"), &ok);
        if (!ok || name.trimmed().isEmpty()) return;
        for (bool weights : {true, false})
            if (QFileInfo::exists(editor::libraryFilePath(editor::ModelLibrary::userFolder(), name, weights)) &&
                !confirmOverwrite(editor::libraryFilePath(editor::ModelLibrary::userFolder(), name, weights)))
                return;
        saveSelectionAsBlock(name, true);
    });
}

bool LibraryActions::confirmOverwrite(const QString& path) const {
    return QMessageBox::question(tabs_, tr("Replace library model"),
                                 tr("%1 is already in the library. Replace it?").arg(QFileInfo(path).fileName())) ==
           QMessageBox::Yes;
}

QString LibraryActions::insertAtCenter(const QString& path) {
    editor::GraphView* view = tabs_->currentView();
    QPointF center = view->mapToScene(view->viewport()->rect().center()) - QPointF(85, 35);
    return view->insertLibraryModel(path, center, QGuiApplication::keyboardModifiers());
}

QString LibraryActions::save(const Model& model, const QString& name, bool withWeights, bool overwrite) {
    const QString path = editor::libraryFilePath(editor::ModelLibrary::userFolder(), name, withWeights);
    if (QFileInfo::exists(path) && !overwrite) {
        report_(tr("Not saved to the library"), tr("%1 is already in the library; choose another name").arg(path));
        return {};
    }
    QString why;
    if (!editor::saveToLibrary(model, path, &why)) {
        report_(tr("Not saved to the library"), why);
        return {};
    }
    library_->refresh();  // list it now; the watcher would a moment later
    status_(tr("Saved %1 to the library (%2)")
                .arg(QFileInfo(path).fileName(), withWeights ? tr("with its weights") : tr("architecture only")));
    return path;
}

QString LibraryActions::addModelToLibrary(const QString& name, bool overwrite) {
    ModelPtr model;
    bool hasWeights = false;
    try {
        model = model_(&hasWeights);
    } catch (const std::exception& e) {
        report_(tr("Not saved to the library"),
                tr("The model is not valid yet, so it cannot go into the library:\n\n%1").arg(QString::fromUtf8(e.what())));
        return {};
    }
    if (!model) {
        report_(tr("Not saved to the library"), tr("There is no model to save: draw or open one first."));
        return {};
    }
    model->setName(name.trimmed().toStdString());
    return save(*model, name, hasWeights, overwrite);
}

QString LibraryActions::saveSelectionAsBlock(const QString& name, bool overwrite) {
    editor::GraphDocument* doc = tabs_->currentDocument();
    QString why;
    ModelPtr block = editor::blockFromSelection(*doc, tabs_->currentScene()->selectedNodeIds(), name.trimmed(), &why);
    if (!block) {
        report_(tr("Cannot save the selection as a block"), why);
        return {};
    }
    // The block's layers are the selected layers under their own names: they take the weights the
    // main model has for them. (A nested model's tab holds the architecture only.)
    bool hasWeights = false;
    if (doc == root_) {
        try {
            bool any = false;
            if (ModelPtr full = model_(&any); full && any) hasWeights = carryOverWeights(*full, *block) > 0;
        } catch (const std::exception&) {
            // The rest of the graph may still have problems; the block itself is valid.
        }
    }
    return save(*block, name, hasWeights, overwrite);
}

}  // namespace strata::studio
