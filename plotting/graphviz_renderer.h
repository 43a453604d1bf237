#pragma once
/// Rendering DOT text through Graphviz's C libraries (libgvc + libcgraph) in-process: no `dot`
/// process, no temporary DOT file. Graphviz is not thread-safe, so every call here takes one
/// process-wide lock; Graphviz's error messages (agerr) are captured and put into the exceptions
/// instead of going to stderr.
#include <functional>
#include <string>
#include <vector>

struct Agraph_s;
struct GVC_s;

namespace strata::plotting {

/// Output formats of renderDiagram, chosen by the file's extension.
enum class DiagramFormat { Png, Svg, Pdf, Dot };

/// ".png" -> Png, ".svg" -> Svg, ".pdf" -> Pdf, ".dot"/".gv" -> Dot (case-insensitive).
/// Throws ValueError naming the file and the supported extensions for anything else.
DiagramFormat diagramFormatForPath(const std::string& path);
/// "png", "svg", "pdf", "dot".
std::string diagramFormatName(DiagramFormat format);

/// Lays out `dot` with Graphviz's dot engine and renders it in memory. `format` is a Graphviz
/// output format ("png", "svg", "pdf", "dot" for the laid-out graph with positions, "plain", ...).
/// Throws ValueError if the DOT text does not parse or Graphviz fails (message includes Graphviz's),
/// NotSupportedError if the format has no renderer plugin installed. The graph's dpi applies to
/// bitmaps only: vector formats (svg, pdf, ps) are always drawn at 72 dpi, i.e. in points.
std::string renderDiagramData(const std::string& dot, const std::string& format);

/// Renders `dot` to `path`, the format taken from the extension (.png, .svg, .pdf; .dot/.gv write
/// the DOT source itself after checking that it parses). The file is written atomically (a
/// temporary file beside it, then rename), so a failed render never leaves a half-written file.
/// Throws ValueError for an unknown extension or bad DOT, IoError if the file cannot be written.
void renderDiagram(const std::string& dot, const std::string& path);

/// Checks that `dot` parses; throws ValueError with Graphviz's message otherwise.
void validateDot(const std::string& dot);

namespace detail {
/// Runs `fn` with the process-wide Graphviz context while holding the Graphviz lock and capturing
/// agerr messages. Errors and warnings reported by Graphviz during `fn` are appended to
/// `messages` (one per line). Used by the renderer and by graph_layout.
void withGraphviz(const std::function<void(GVC_s* gvc)>& fn, std::string& messages);
/// Parses DOT text (call inside withGraphviz); throws ValueError with the captured messages.
Agraph_s* parseDot(const std::string& dot, const std::string& messages);
}  // namespace detail

}  // namespace strata::plotting
