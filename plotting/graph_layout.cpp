// Editor auto-layout through Graphviz's dot engine: the graph is built with the cgraph API (no DOT
// text), laid out by gvLayout, and positions are read back from the layout's node/edge records.
#include "plotting/graph_layout.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <cmath>
#include <cstdio>
#include <set>

#include "engine/core/errors.h"
#include "plotting/graphviz_renderer.h"

namespace strata::plotting {

namespace {

constexpr double kPointsPerInch = 72.0;

std::string inches(double sceneUnits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f", sceneUnits / kPointsPerInch);
    return buf;
}

void setGraphAttr(Agraph_t* g, const char* name, const std::string& value) {
    agattr(g, AGRAPH, const_cast<char*>(name), const_cast<char*>(value.c_str()));
}
void setNodeDefault(Agraph_t* g, const char* name, const char* value) {
    agattr(g, AGNODE, const_cast<char*>(name), const_cast<char*>(value));
}
void setEdgeDefault(Agraph_t* g, const char* name, const char* value) {
    agattr(g, AGEDGE, const_cast<char*>(name), const_cast<char*>(value));
}

}  // namespace

GraphLayout layoutGraph(const GraphDescription& graph) {
    static const std::set<std::string> rankdirs = {"TB", "LR", "BT", "RL"};
    if (!rankdirs.count(graph.rankdir))
        throw ValueError("layout: rankdir must be TB, LR, BT or RL, got '" + graph.rankdir + "'");
    std::set<std::string> ids;
    for (const auto& n : graph.nodes) {
        if (n.id.empty()) throw ValueError("layout: a node has an empty id");
        if (!ids.insert(n.id).second) throw ValueError("layout: duplicate node id '" + n.id + "'");
        if (n.size.width() < 0 || n.size.height() < 0 || !std::isfinite(n.size.width()) ||
            !std::isfinite(n.size.height()))
            throw ValueError("layout: node '" + n.id + "' has an invalid size");
    }
    for (const auto& e : graph.edges) {
        if (!ids.count(e.from)) throw ValueError("layout: edge from unknown node '" + e.from + "'");
        if (!ids.count(e.to)) throw ValueError("layout: edge to unknown node '" + e.to + "'");
    }

    GraphLayout result;
    if (graph.nodes.empty()) return result;

    std::string messages;
    detail::withGraphviz(
        [&](GVC_t* gvc) {
            char name[] = "layout";
            Agraph_t* g = agopen(name, Agdirected, nullptr);
            if (!g) throw ValueError("layout: Graphviz could not create a graph");
            struct Close {
                GVC_t* gvc;
                Agraph_t* g;
                bool laidOut = false;
                ~Close() {
                    if (laidOut) gvFreeLayout(gvc, g);
                    agclose(g);
                }
            } close{gvc, g};

            setGraphAttr(g, "rankdir", graph.rankdir);
            setGraphAttr(g, "nodesep", inches(std::max(0.0, graph.nodeSeparation)));
            setGraphAttr(g, "ranksep", inches(std::max(0.0, graph.rankSeparation)));
            setGraphAttr(g, "splines", "spline");
            setNodeDefault(g, "shape", "box");
            setNodeDefault(g, "fixedsize", "true");
            setNodeDefault(g, "label", "");
            setNodeDefault(g, "width", "0.75");
            setNodeDefault(g, "height", "0.5");
            setNodeDefault(g, "margin", "0");
            setEdgeDefault(g, "arrowhead", "none");
            Agsym_t* widthSym = agattr(g, AGNODE, const_cast<char*>("width"), nullptr);
            Agsym_t* heightSym = agattr(g, AGNODE, const_cast<char*>("height"), nullptr);

            std::map<std::string, Agnode_t*> nodes;
            for (const auto& n : graph.nodes) {
                Agnode_t* node = agnode(g, const_cast<char*>(n.id.c_str()), 1);
                agxset(node, widthSym, const_cast<char*>(inches(n.size.width()).c_str()));
                agxset(node, heightSym, const_cast<char*>(inches(n.size.height()).c_str()));
                nodes[n.id] = node;
            }
            std::vector<Agedge_t*> edges;
            for (const auto& e : graph.edges) {
                // Parallel edges are kept as separate edges (a name per edge keeps them distinct).
                std::string key = std::to_string(edges.size());
                edges.push_back(agedge(g, nodes[e.from], nodes[e.to], const_cast<char*>(key.c_str()), 1));
            }

            if (gvLayout(gvc, g, "dot") != 0) {
                std::string m = messages;
                throw ValueError("layout: Graphviz could not lay out the graph" + (m.empty() ? "" : ": " + m));
            }
            close.laidOut = true;

            const boxf bb = GD_bb(g);
            const double top = bb.UR.y;
            const double left = bb.LL.x;
            auto toScene = [&](pointf p) { return QPointF(p.x - left, top - p.y); };
            result.size = QSizeF(bb.UR.x - bb.LL.x, bb.UR.y - bb.LL.y);
            for (const auto& n : graph.nodes) {
                QPointF c = toScene(ND_coord(nodes[n.id]));
                result.centers[n.id] = c;
                result.topLeft[n.id] = c - QPointF(n.size.width() / 2.0, n.size.height() / 2.0);
            }
            for (size_t i = 0; i < graph.edges.size(); ++i) {
                EdgeRoute route{graph.edges[i].from, graph.edges[i].to, {}};
                Agedge_t* e = edges[i];
                if (e && ED_spl(e)) {
                    const splines* spl = ED_spl(e);
                    for (int b = 0; b < spl->size; ++b) {
                        const bezier& bz = spl->list[b];
                        // No arrowheads are drawn, so the spline itself reaches both borders.
                        for (int k = 0; k < bz.size; ++k) route.points.push_back(toScene(bz.list[k]));
                    }
                }
                result.edges.push_back(std::move(route));
            }
        },
        messages);
    return result;
}

std::map<std::string, QPointF> layoutPositions(const GraphDescription& graph) { return layoutGraph(graph).topLeft; }

}  // namespace strata::plotting
