#pragma once
/// Autosave: writes the document (graph + positions, the project's layout JSON) to a recovery
/// file every `interval` while there are changes since the last write, so a crash loses at most
/// one interval of work. The file is removed when the work is saved or closed on purpose; if it
/// is still there at start-up, the last session ended abnormally and it can be recovered.
#include <QHash>
#include <QObject>
#include <QPointF>
#include <QTimer>

#include "engine/graph/graph_spec.h"

namespace strata::editor {

class GraphDocument;

class Autosave : public QObject {
    Q_OBJECT
public:
    Autosave(GraphDocument* doc, QString filePath, int intervalMs = 30000, QObject* parent = nullptr);

    const QString& filePath() const { return path_; }
    bool dirty() const { return dirty_; }
    /// Writes now if anything changed since the last write (atomically). False if writing failed.
    bool saveNow();
    /// Removes the recovery file (the work was saved or deliberately discarded).
    void discard();

    /// Reads a recovery file. False with `why` set if it is missing or unreadable.
    static bool read(const QString& filePath, GraphSpec* spec, QHash<QString, QPointF>* positions, QString* why);

signals:
    void written(const QString& filePath);

private:
    GraphDocument* doc_;
    QString path_;
    QTimer timer_;
    bool dirty_ = false;
};

}  // namespace strata::editor
