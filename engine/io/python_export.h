#pragma once
/// `strata export-python`: a readable Keras 3 functional-API script that rebuilds a model.
///
/// The script builds every layer with its Keras name and every config key that differs from the
/// layer's default (`keras.layers.Dense(64, activation="relu", name="dense")(x)`); a layer called
/// several times is constructed once and called at each use; a nested model becomes its own
/// `build_<name>()` function whose result is called like a layer. It then compiles the model
/// with the given compile settings (a commented-out template when none are known), loads the
/// weights written beside it (`model.load_weights(...)`), and shows a commented `model.fit(...)`
/// to continue training. The text depends only on the model and the options (no dates), so two
/// exports of the same model are identical.
#include <optional>
#include <string>

#include "engine/core/json.h"
#include "engine/graph/model.h"

namespace strata {

struct PythonExportOptions {
    /// File name (relative to the script's directory) the script loads weights from; empty: the
    /// script does not load weights.
    std::string weightsFile;
    /// Keras 3 compile_config ({"optimizer", "loss", "loss_weights", "metrics", ...}, as
    /// compileConfig() or a .keras file's "compile_config" hold it). Null: compile settings unknown.
    Json compileConfig;
    /// Where the model came from, for the script's docstring (optional).
    std::string source;
};

/// The script text. Throws NotSupportedError naming the layer if a layer cannot be expressed.
std::string exportPython(const Model& model, const PythonExportOptions& options = {});

/// Writes `pyPath` and, beside it, "<stem>.weights.h5" (Keras 3 layout, what the script loads),
/// both atomically; `options.weightsFile` is set to that file's name. Returns the weights path.
std::string savePythonExport(const Model& model, const std::string& pyPath, PythonExportOptions options = {});

/// "dir/model.weights.h5" for "dir/model.py".
std::string pythonExportWeightsPath(const std::string& pyPath);

}  // namespace strata
