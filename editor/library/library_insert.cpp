#include "editor/library/library_insert.h"

#include <QFileInfo>
#include <QObject>
#include <QUndoStack>

#include "editor/document/graph_commands.h"
#include "editor/document/graph_document.h"
#include "engine/io/model_io.h"
#include "engine/layers/layer_registry.h"

namespace strata::editor {

namespace {

/// A node id the document does not use.
std::string unusedId(const GraphDocument& doc) {
    for (size_t k = doc.spec().nodes.size() + 1;; ++k) {
        std::string id = "n" + std::to_string(k);
        if (!doc.node(qs(id))) return id;
    }
}

}  // namespace

QString insertLibraryModel(GraphDocument& doc, const QString& file, QPointF pos, LibraryUse use, QString* why) {
    const QString path = QFileInfo(file).absoluteFilePath();
    if (use == LibraryUse::Share) {
        const QString layer = doc.layerFromFile(path);
        if (!layer.isEmpty()) {
            const GraphNode* first = doc.node(doc.nodeOfLayer(layer));
            GraphNode call;
            call.id = unusedId(doc);
            call.className = first->className;
            call.layerName = first->layerName;
            call.config = first->config;
            doc.undoStack()->push(new AddNodeCommand(&doc, call, pos, QObject::tr("Call %1 again").arg(layer)));
            return qs(call.id);
        }
    }
    // Read now, not from the palette's scan: the file may have changed since it was listed.
    ModelPtr model;
    try {
        model = loadModel(path.toStdString());
    } catch (const std::exception& e) {
        if (why) *why = QString::fromUtf8(e.what());
        return {};
    }
    GraphNode n;
    n.id = unusedId(doc);
    n.className = model->className();
    if (!LayerRegistry::instance().find(n.className)) {
        if (why) *why = QObject::tr("%1: a %2 model cannot be used as a layer").arg(path, qs(n.className));
        return {};
    }
    // Keras makes names unique with a counter ("encoder", "encoder_1"); so does the document.
    n.layerName = freshLayerName(doc.spec(), model->name().empty() ? std::string("model") : model->name());
    n.config = model->getConfig();
    n.config.erase("name");
    LayerOrigin origin{path, qs(n.className), {}, nullptr};
    if (detectModelFileFormat(path.toStdString()) != ModelFileFormat::Json)
        origin.weights = std::make_shared<const std::vector<Tensor>>(model->getWeights());

    QUndoStack* undo = doc.undoStack();
    undo->beginMacro(QObject::tr("Add %1 from %2").arg(qs(n.layerName), QFileInfo(path).fileName()));
    undo->push(new SetLayerOriginCommand(&doc, qs(n.layerName), origin, QObject::tr("Library origin")));
    undo->push(new AddNodeCommand(&doc, n, pos, QObject::tr("Add %1").arg(qs(n.layerName))));
    undo->endMacro();
    return qs(n.id);
}

}  // namespace strata::editor
