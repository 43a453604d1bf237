#include "editor/document/autosave.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include "editor/document/graph_document.h"
#include "engine/core/errors.h"

namespace strata::editor {

Autosave::Autosave(GraphDocument* doc, QString filePath, int intervalMs, QObject* parent)
    : QObject(parent), doc_(doc), path_(std::move(filePath)) {
    connect(doc_->undoStack(), &QUndoStack::indexChanged, this, [this] { dirty_ = true; });
    // A document just opened or created is what is on disk: nothing to recover.
    connect(doc_, &GraphDocument::documentReset, this, [this] { dirty_ = false; });
    timer_.setInterval(intervalMs);
    connect(&timer_, &QTimer::timeout, this, &Autosave::saveNow);
    timer_.start();
}

bool Autosave::saveNow() {
    if (!dirty_) return true;
    Json pos = Json::object();
    for (auto it = doc_->positions().begin(); it != doc_->positions().end(); ++it)
        pos[it.key().toStdString()] = Json::array({it.value().x(), it.value().y()});
    const Json j = {{"format", "strata-autosave"}, {"version", 1}, {"graph", graphSpecToJson(doc_->spec())}, {"positions", pos}};
    QDir().mkpath(QFileInfo(path_).absolutePath());
    QSaveFile f(path_);  // temp file + rename: a crash while writing leaves the previous copy
    if (!f.open(QIODevice::WriteOnly)) return false;
    const std::string text = j.dump();
    f.write(text.data(), static_cast<qint64>(text.size()));
    if (!f.commit()) return false;
    dirty_ = false;
    emit written(path_);
    return true;
}

void Autosave::discard() {
    QFile::remove(path_);
    dirty_ = false;
}

bool Autosave::read(const QString& filePath, GraphSpec* spec, QHash<QString, QPointF>* positions, QString* why) {
    QFile f(filePath);
    if (!f.open(QIODevice::ReadOnly)) {
        if (why) *why = QObject::tr("%1: %2").arg(filePath, f.errorString());
        return false;
    }
    try {
        Json j = Json::parse(f.readAll().toStdString());
        if (!j.is_object() || j.value("format", "") != "strata-autosave") throw ConfigError("not a Strata autosave file");
        *spec = graphSpecFromJson(j.at("graph"));
        positions->clear();
        const Json pos = j.value("positions", Json::object());  // a named copy: items() must not outlive it
        for (const auto& [id, p] : pos.items())
            if (p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number())
                (*positions)[QString::fromStdString(id)] = QPointF(p[0].get<double>(), p[1].get<double>());
    } catch (const std::exception& e) {
        if (why) *why = QObject::tr("%1: %2").arg(filePath, qs(e.what()));
        return false;
    }
    return true;
}

}  // namespace strata::editor
