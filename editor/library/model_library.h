#pragma once
/// ModelLibrary: the saved models and blocks the palette offers as layers — the project's examples
/// and the user's library folder (QSettings "library/folder", by default "library" under the app's
/// data location). Every file is read by the engine (loadModel: .keras, .h5, model-config JSON,
/// Strata projects), so what the palette says about it (shapes, params, or why it cannot be used)
/// is what dropping it would give. Folders are watched; a change rescans them shortly after.
#include <QDateTime>
#include <QFileSystemWatcher>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

namespace strata::editor {

struct LibraryFolder {
    QString label;  ///< shown as the palette section ("Examples", "My library")
    QString path;
};

/// One model file of a library folder, as the engine read it.
struct LibraryItem {
    QString path;    ///< absolute
    QString folder;  ///< the label of its folder
    QString name;    ///< the model's name (the file's base name if it could not be read)
    bool ok = false;
    QString error;   ///< the engine's message when !ok (names the file and what is wrong)
    QString className;  ///< "Functional" or "Sequential"
    QString inputShapes, outputShapes;
    qint64 params = 0;
    bool hasWeights = false;  ///< .keras/.h5 carry weights; model-config JSON does not

    /// Rich-text tooltip: class, shapes, params and the file, or the error.
    QString toolTip() const;
};

class ModelLibrary : public QObject {
    Q_OBJECT
public:
    explicit ModelLibrary(QObject* parent = nullptr);

    /// QSettings key of the user's library folder.
    static QString settingsKey() { return QStringLiteral("library/folder"); }
    /// The folder in QSettings, else <AppDataLocation>/library.
    static QString userFolder();
    /// The examples shipped with Strata (examples/models beside the executable or the source tree),
    /// or "" if none is found.
    static QString examplesFolder();
    /// True for the file names a library lists (.keras, .h5, .hdf5, .json; not weights-only files).
    static bool isModelFileName(const QString& fileName);

    /// The folders to list, in palette order; rescans at once.
    void setFolders(const QList<LibraryFolder>& folders);
    const QList<LibraryFolder>& folders() const { return folders_; }
    /// Examples and the user's folder (created if missing), as the Studio shows them.
    void useDefaultFolders();
    /// Stores `path` as the user's folder in QSettings and lists it instead of the previous one.
    void setUserFolder(const QString& path);

    const QList<LibraryItem>& items() const { return items_; }
    const LibraryItem* item(const QString& path) const;
    /// Reads the folders again now (files unchanged since the last scan are not read again).
    void refresh();

signals:
    /// items() changed (after setFolders, refresh, or a change on disk).
    void changed();

private:
    LibraryItem read(const QString& path, const QString& folder);
    void watch();

    struct Cached {
        QDateTime modified;
        qint64 size = -1;
        LibraryItem item;
    };
    QList<LibraryFolder> folders_;
    QList<LibraryItem> items_;
    QHash<QString, Cached> cache_;
    QFileSystemWatcher watcher_;
    QTimer rescan_;  ///< a save is several events (temporary file, rename): rescan once after them
};

}  // namespace strata::editor
