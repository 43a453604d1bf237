#pragma once
/// Writing into the model library: "Save Selection as Block…" (the selected nodes, grouped as
/// "Group into Model" would, as a model of their own) and "Add Model to Library…" (the whole model).
/// The document is never changed; files are written by the engine's atomic savers.
#include <QString>
#include <QStringList>

#include "engine/graph/model.h"

namespace strata::editor {

class GraphDocument;

/// The selected nodes `ids` of `doc` as a model named `name` (built by the engine, fresh weights;
/// the caller copies the weights it has by layer name). Null with `why` if the selection cannot be
/// grouped (the reasons of groupIntoModel).
ModelPtr blockFromSelection(const GraphDocument& doc, const QStringList& ids, const QString& name, QString* why = nullptr);

/// A file name for `name` in `folder` (characters a file system refuses replaced), with `.keras`
/// when the model has weights worth keeping, else `.json` (architecture only).
QString libraryFilePath(const QString& folder, const QString& name, bool withWeights);

/// Saves `model` to `path` (by extension, atomically, creating the folder). False with `why`
/// naming the file; an existing file is left intact on failure.
bool saveToLibrary(const Model& model, const QString& path, QString* why = nullptr);

}  // namespace strata::editor
