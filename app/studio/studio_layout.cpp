#include "app/studio/studio_layout.h"

#include "plotting/graph_layout.h"
#include "plotting/model_diagram.h"

namespace strata::studio {

editor::LayoutFunction graphvizLayout() {
    return [](const editor::LayoutRequest& req) {
        plotting::GraphDescription g;
        for (const auto& [id, size] : req.nodes) g.nodes.push_back({id, size});
        for (const auto& [from, to] : req.edges) g.edges.push_back({from, to});
        g.rankdir = "TB";
        g.nodeSeparation = 60;  // room beside nodes for skip connections, which are drawn as plain curves
        g.rankSeparation = 42;  // room for the wire's curve and arrowhead between ranks
        return plotting::layoutPositions(g);
    };
}

editor::FamilyColors diagramFamilyColors(LayerCategory category) {
    plotting::FamilyStyle s = plotting::familyStyle(category);
    return {QColor(s.header), QColor(s.body), QColor(s.text)};
}

}  // namespace strata::studio
