#pragma once
/// Model diagrams as Keras's keras.utils.model_to_dot / plot_model draw them (Keras 3,
/// keras/src/utils/model_visualization.py), written as Graphviz DOT text and rendered in-process
/// by graphviz_renderer.h.
///
/// One box per layer with an HTML-like label: a header `name (Type)` (or just `Type`), then optional
/// rows "Activation", "Input shape" / "Output shape" / "Output dtype" / "Trainable" as Keras has them.
/// Strata adds colours per layer family (the LayerRegistry category) and marks shared layers (one
/// layer called several times in the model): drawn once, with a "shared ×N" row, a distinct border
/// colour, and their edges coloured and labelled with the call number ("call 2") they belong to.
/// Nested models are one box, or with expandNested a dashed cluster holding their layers, edges
/// going to the inner inputs and leaving from the inner outputs.
#include <string>
#include <vector>

#include "engine/graph/model.h"
#include "engine/layers/layer_spec.h"

namespace strata::plotting {

/// Options of keras.utils.plot_model (same defaults).
struct DiagramOptions {
    bool showShapes = false;
    bool showDType = false;
    bool showLayerNames = false;        ///< header "name (Type)" instead of "Type"
    bool showLayerActivations = false;  ///< layers with an `activation` setting
    bool showTrainable = false;         ///< layers with weights
    bool expandNested = false;          ///< nested models as clusters of their layers
    std::string rankdir = "TB";         ///< TB, LR (also BT, RL)
    int dpi = 200;
    /// Keras 2's layer_range: {first, last} top-level layer names (inclusive). Each is an exact
    /// layer name or a regular expression matched at the start of names (Python's re.match): the
    /// first layer matching `first`, the last matching `last`. Empty: all layers.
    std::vector<std::string> layerRange;
    /// Graphviz splines: "ortho" (Keras's default, right angles), "spline", "polyline", "line", "curved".
    std::string splines = "ortho";
};

/// The model as DOT text. Throws ValueError if the model is not built, an option is invalid
/// (rankdir, dpi, splines) or a layerRange name matches no layer.
std::string modelToDot(const Model& model, const DiagramOptions& options = {});

/// keras.utils.plot_model: modelToDot + renderDiagram (format from the extension of `path`:
/// .png, .svg, .pdf, .dot).
void plotModel(const Model& model, const std::string& path, const DiagramOptions& options = {});

/// The colours of a layer family, shared with the editor's node colours.
struct FamilyStyle {
    const char* header;  ///< header fill (and box frame)
    const char* body;    ///< fill of the information rows
    const char* text;    ///< header text colour
};
FamilyStyle familyStyle(LayerCategory category);
/// The family of a layer class (LayerRegistry category; Custom for unknown classes, ModelsBlocks for models).
LayerCategory layerCategory(const Layer& layer);

/// Border colour of shared layers and colour of their edges.
inline constexpr const char* kSharedColor = "#D81B60";

}  // namespace strata::plotting
