#pragma once
/// What the Studio takes from plotting/ for the editor (which does not depend on it): Graphviz
/// auto-layout and the family colours of the diagrams.
#include "editor/scene/editor_style.h"
#include "editor/scene/graph_scene.h"
#include "editor/widgets/diagram_widget.h"

namespace strata::studio {

/// Auto-layout through plotting::layoutPositions (Graphviz dot, top to bottom).
editor::LayoutFunction graphvizLayout();
/// Node colours per layer family, as plotting::familyStyle draws them in diagrams.
editor::FamilyColors diagramFamilyColors(LayerCategory category);
/// The Diagram dock's drawing: plotting::modelToDot with the dock's options, rendered by Graphviz.
editor::DiagramRenderer graphvizDiagramRenderer();

}  // namespace strata::studio
