#include "editor/library/library_blocks.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>
#include <QRegularExpression>

#include "editor/document/graph_document.h"
#include "editor/document/model_nesting.h"
#include "engine/core/errors.h"
#include "engine/io/model_io.h"
#include "engine/layers/layer_registry.h"

namespace strata::editor {

ModelPtr blockFromSelection(const GraphDocument& doc, const QStringList& ids, const QString& name, QString* why) {
    // Group a scratch copy: the block is exactly what "Group into Model" would make, and the
    // document (its graph and its undo history) stays as it is.
    GraphDocument scratch;
    scratch.reset(doc.spec(), doc.positions());
    const QString id = groupIntoModel(scratch, ids, name, why);
    if (id.isEmpty()) return nullptr;
    const GraphNode* n = scratch.node(id);
    try {
        Json cfg = n->config;
        cfg["name"] = n->layerName;
        LayerPtr layer = LayerRegistry::instance().create(n->className, cfg, false);
        auto model = std::dynamic_pointer_cast<Model>(layer);
        if (!model) throw GraphError("not a model");
        return model;
    } catch (const std::exception& e) {
        if (why) *why = QObject::tr("The selection is not a valid model: %1").arg(QString::fromUtf8(e.what()));
        return nullptr;
    }
}

QString libraryFilePath(const QString& folder, const QString& name, bool withWeights) {
    QString base = name.trimmed();
    base.replace(QRegularExpression(QStringLiteral("[/\\\\:*?\"<>|]")), QStringLiteral("_"));
    if (base.isEmpty() || base.startsWith('.')) base.prepend(QStringLiteral("model"));
    return QDir(folder).filePath(base + (withWeights ? QStringLiteral(".keras") : QStringLiteral(".json")));
}

bool saveToLibrary(const Model& model, const QString& path, QString* why) {
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
        if (why) *why = QObject::tr("%1: cannot create the library folder").arg(QFileInfo(path).absolutePath());
        return false;
    }
    try {
        saveModel(model, path.toStdString());  // temporary file + rename
    } catch (const std::exception& e) {
        if (why) *why = QObject::tr("Cannot save %1: %2").arg(path, QString::fromUtf8(e.what()));
        return false;
    }
    return true;
}

}  // namespace strata::editor
