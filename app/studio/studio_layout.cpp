#include "app/studio/studio_layout.h"

#include "plotting/graph_layout.h"
#include "plotting/graphviz_renderer.h"
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

editor::DiagramRenderer graphvizDiagramRenderer() {
    return [](const Model& model, const editor::DiagramRequest& r, const QString& format) {
        plotting::DiagramOptions o;
        o.showShapes = r.showShapes;
        o.showDType = r.showDType;
        o.showLayerNames = r.showLayerNames;
        o.showTrainable = r.showTrainable;
        o.expandNested = r.expandNested;
        o.rankdir = r.rankdir.toStdString();
        o.dpi = r.dpi;
        const std::string dot = plotting::modelToDot(model, o);
        // .dot exports the source (what plot_model writes), not Graphviz's laid-out form.
        const std::string data = format == "dot" ? dot : plotting::renderDiagramData(dot, format.toStdString());
        return QByteArray(data.data(), static_cast<qsizetype>(data.size()));
    };
}

}  // namespace strata::studio
