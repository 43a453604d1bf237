#pragma once
/// Dropping a library model on a canvas: a nested-model node carrying the file's config (read by
/// the engine) and its weights (kept as the layer's LayerOrigin), one undo step. A second drop of
/// the same file either calls the first instance again (shared weights, as "Call Layer Again") or
/// makes an independent copy with a fresh name and its own copy of the file's weights.
#include <QPointF>
#include <QString>

namespace strata::editor {

class GraphDocument;

enum class LibraryUse {
    New,    ///< a layer of its own (the first drop; what Clone does too)
    Share,  ///< another call of the layer already made from this file (falls back to New if none)
    Clone,  ///< an independent copy, fresh name, its own weights
};

/// Inserts the model of library file `file` at `pos` as `use` says. Returns the new node's id, or
/// "" with `why` holding the engine's error (naming the file) and the document unchanged.
QString insertLibraryModel(GraphDocument& doc, const QString& file, QPointF pos, LibraryUse use, QString* why = nullptr);

}  // namespace strata::editor
