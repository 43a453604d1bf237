#pragma once
/// Automatic layout for the editor with the same engine as the model diagrams (Graphviz's `dot`
/// layered layout, in-process through libgvc): give node ids, their sizes and the edges; get back
/// positions in scene coordinates (y down, origin at the top-left of the laid-out graph, 1 scene
/// unit = 1 point).
#include <QPointF>
#include <QSizeF>
#include <map>
#include <string>
#include <vector>

namespace strata::plotting {

struct LayoutNode {
    std::string id;   ///< unique
    QSizeF size;      ///< width and height in scene units; nodes never overlap at these sizes
};

struct LayoutEdge {
    std::string from;  ///< node id
    std::string to;    ///< node id
};

struct GraphDescription {
    std::vector<LayoutNode> nodes;
    std::vector<LayoutEdge> edges;
    std::string rankdir = "TB";     ///< TB (top to bottom), LR, BT or RL
    double nodeSeparation = 30.0;   ///< min gap between neighbours of a rank, scene units
    double rankSeparation = 50.0;   ///< min gap between ranks, scene units
};

/// The route of one edge: a cubic Bézier spline p0, c1, c2, p1, c1, c2, p2, ... from the border of
/// `from` to the border of `to` (no arrowhead space is reserved), in scene coordinates.
struct EdgeRoute {
    std::string from;
    std::string to;
    std::vector<QPointF> points;
};

struct GraphLayout {
    std::map<std::string, QPointF> centers;   ///< node centres
    std::map<std::string, QPointF> topLeft;   ///< node top-left corners (centre - size/2)
    std::vector<EdgeRoute> edges;             ///< in the order of GraphDescription::edges
    QSizeF size;                              ///< bounding box of the whole layout
};

/// Lays out the graph with Graphviz's dot. Throws ValueError for duplicate node ids, edges naming
/// unknown nodes, negative sizes, an unknown rankdir, or a Graphviz failure.
GraphLayout layoutGraph(const GraphDescription& graph);

/// layoutGraph(graph).topLeft: each node's top-left corner, ready for QGraphicsItem::setPos.
std::map<std::string, QPointF> layoutPositions(const GraphDescription& graph);

}  // namespace strata::plotting
