#include "editor/library/model_library.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QSettings>
#include <QStandardPaths>

#include "engine/io/model_io.h"

namespace strata::editor {

namespace {

QString shapesOf(const std::vector<KerasTensor>& tensors) {
    QStringList parts;
    for (const auto& t : tensors) parts << QString::fromStdString(t.shape().toString());
    return parts.join(QStringLiteral(", "));
}

}  // namespace

QString LibraryItem::toolTip() const {
    const QString where = path.toHtmlEscaped();
    if (!ok)
        return QObject::tr("<b>%1</b> cannot be used<br><span style='color:#D32F2F'>%2</span><br><i>%3</i>")
            .arg(name.toHtmlEscaped(), error.toHtmlEscaped(), where);
    return QObject::tr("<b>%1</b> (%2)<br>Input: %3<br>Output: %4<br>Params: %5 · %6<br><i>%7</i>")
        .arg(name.toHtmlEscaped(), className, inputShapes.toHtmlEscaped(), outputShapes.toHtmlEscaped(),
             QLocale(QLocale::English).toString(params),
             hasWeights ? QObject::tr("saved weights") : QObject::tr("architecture only (fresh weights)"), where);
}

ModelLibrary::ModelLibrary(QObject* parent) : QObject(parent) {
    rescan_.setSingleShot(true);
    rescan_.setInterval(250);
    connect(&rescan_, &QTimer::timeout, this, &ModelLibrary::refresh);
    connect(&watcher_, &QFileSystemWatcher::directoryChanged, this, [this] { rescan_.start(); });
    connect(&watcher_, &QFileSystemWatcher::fileChanged, this, [this] { rescan_.start(); });
}

QString ModelLibrary::userFolder() {
    const QString stored = QSettings().value(settingsKey()).toString();
    if (!stored.isEmpty()) return stored;
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/library");
}

QString ModelLibrary::examplesFolder() {
    // An installed or built Studio finds examples/models beside or above its executable; a build
    // tree falls back to the source tree it was built from.
    const QString app = QCoreApplication::applicationDirPath();
    for (const QString& rel : {QStringLiteral("/examples/models"), QStringLiteral("/../examples/models"),
                               QStringLiteral("/../../examples/models"), QStringLiteral("/../share/strata/examples/models")})
        if (QFileInfo(app + rel).isDir()) return QDir(app + rel).canonicalPath();
#ifdef STRATA_EXAMPLES_DIR
    if (QFileInfo(QStringLiteral(STRATA_EXAMPLES_DIR)).isDir()) return QStringLiteral(STRATA_EXAMPLES_DIR);
#endif
    return {};
}

bool ModelLibrary::isModelFileName(const QString& fileName) {
    const QString f = fileName.toLower();
    if (f.endsWith(QStringLiteral(".weights.h5"))) return false;  // weights need an architecture
    if (f.startsWith('.')) return false;                           // editors' and savers' temporary files
    return f.endsWith(QStringLiteral(".keras")) || f.endsWith(QStringLiteral(".h5")) ||
           f.endsWith(QStringLiteral(".hdf5")) || f.endsWith(QStringLiteral(".json"));
}

void ModelLibrary::setFolders(const QList<LibraryFolder>& folders) {
    folders_ = folders;
    refresh();
}

void ModelLibrary::useDefaultFolders() {
    QList<LibraryFolder> f;
    if (const QString ex = examplesFolder(); !ex.isEmpty()) f.push_back({tr("Examples"), ex});
    const QString user = userFolder();
    QDir().mkpath(user);
    f.push_back({tr("My library"), user});
    setFolders(f);
}

void ModelLibrary::setUserFolder(const QString& path) {
    QSettings().setValue(settingsKey(), path);
    QDir().mkpath(path);
    QList<LibraryFolder> f;
    for (const auto& folder : folders_)
        if (folder.label != tr("My library")) f.push_back(folder);
    f.push_back({tr("My library"), path});
    setFolders(f);
}

const LibraryItem* ModelLibrary::item(const QString& path) const {
    const QString abs = QFileInfo(path).absoluteFilePath();
    for (const auto& i : items_)
        if (i.path == abs) return &i;
    return nullptr;
}

LibraryItem ModelLibrary::read(const QString& path, const QString& folder) {
    LibraryItem it;
    it.path = path;
    it.folder = folder;
    it.name = QFileInfo(path).completeBaseName();
    try {
        // The engine reads it as it would for File > Open: the one parser of every format.
        ModelPtr model = loadModel(path.toStdString());
        it.name = QString::fromStdString(model->name());
        it.className = QString::fromStdString(model->className());
        it.inputShapes = shapesOf(model->inputs());
        it.outputShapes = shapesOf(model->outputs());
        it.params = model->countParams();
        it.hasWeights = detectModelFileFormat(path.toStdString()) != ModelFileFormat::Json;
        it.ok = true;
    } catch (const std::exception& e) {
        it.error = QString::fromUtf8(e.what());
    }
    return it;
}

void ModelLibrary::refresh() {
    QList<LibraryItem> items;
    QHash<QString, Cached> cache;
    for (const auto& folder : folders_) {
        QDir dir(folder.path);
        for (const QFileInfo& f : dir.entryInfoList(QDir::Files | QDir::Readable, QDir::Name)) {
            if (!isModelFileName(f.fileName())) continue;
            const QString path = f.absoluteFilePath();
            auto old = cache_.constFind(path);
            Cached c;
            if (old != cache_.constEnd() && old->modified == f.lastModified() && old->size == f.size()) {
                c = *old;
                c.item.folder = folder.label;
            } else {
                c = {f.lastModified(), f.size(), read(path, folder.label)};
            }
            cache.insert(path, c);
            items.push_back(c.item);
        }
    }
    cache_ = cache;
    items_ = items;
    watch();
    emit changed();
}

void ModelLibrary::watch() {
    if (!watcher_.directories().isEmpty()) watcher_.removePaths(watcher_.directories());
    if (!watcher_.files().isEmpty()) watcher_.removePaths(watcher_.files());
    QStringList paths;
    for (const auto& folder : folders_)
        if (QFileInfo(folder.path).isDir()) paths << folder.path;
    for (const auto& i : items_) paths << i.path;  // a file rewritten in place changes no directory entry
    if (!paths.isEmpty()) watcher_.addPaths(paths);
}

}  // namespace strata::editor
