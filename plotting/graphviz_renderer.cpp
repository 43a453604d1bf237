// In-process Graphviz rendering: agmemread -> gvLayout("dot") -> gvRenderData, under one lock, with
// agerr output captured through agseterrf so errors reach the caller as exceptions.
#include "plotting/graphviz_renderer.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "engine/core/errors.h"

namespace strata::plotting {

namespace {

std::mutex& graphvizMutex() {
    static std::mutex m;
    return m;
}

// The sink of the agerr messages of the current withGraphviz call (guarded by graphvizMutex).
std::string* g_messageSink = nullptr;

int captureGraphvizMessage(char* message) {
    if (g_messageSink && message) g_messageSink->append(message);
    return 0;
}

GVC_t* graphvizContext() {
    // One context for the process: plugin loading (cairo, pango, core, dot_layout) happens once.
    static GVC_t* gvc = gvContext();
    return gvc;
}

std::string trimmed(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    size_t b = 0;
    while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    return s.substr(b);
}

std::string withMessages(const std::string& what, const std::string& messages) {
    std::string m = trimmed(messages);
    if (m.empty()) return what;
    std::replace(m.begin(), m.end(), '\n', ' ');
    return what + ": " + m;
}

std::string lowerExtension(const std::string& path) {
    size_t slash = path.find_last_of('/');
    size_t dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    std::string ext = path.substr(dot + 1);
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

// Writes data beside `path` under a unique temporary name, then renames it over `path`.
void writeAtomically(const std::string& path, const std::string& data) {
    std::string tmpl = path + ".tmp-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = ::mkstemp(name.data());
    if (fd < 0) throw IoError("cannot write '" + path + "': " + std::strerror(errno));
    std::string tmp(name.data());
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw IoError("writing '" + path + "' failed: " + std::strerror(err));
        }
        done += static_cast<size_t>(n);
    }
    // mkstemp creates 0600; give the file the usual permissions of a new file.
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    if (::close(fd) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw IoError("writing '" + path + "' failed: " + std::strerror(err));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw IoError("cannot replace '" + path + "': " + std::strerror(err));
    }
}

bool isVectorFormat(const std::string& format) {
    static const char* vector[] = {"svg", "svgz", "pdf", "ps", "eps", "ps2"};
    for (const char* v : vector)
        if (format == v) return true;
    return false;
}

}  // namespace

namespace detail {

void withGraphviz(const std::function<void(GVC_t* gvc)>& fn, std::string& messages) {
    std::lock_guard<std::mutex> lock(graphvizMutex());
    struct Restore {
        agusererrf previousHandler;
        agerrlevel_t previousLevel;
        ~Restore() {
            agseterrf(previousHandler);
            agseterr(previousLevel);
            g_messageSink = nullptr;
        }
    } restore{agseterrf(captureGraphvizMessage), agseterr(AGWARN)};
    g_messageSink = &messages;
    agreseterrors();
    fn(graphvizContext());
}

Agraph_t* parseDot(const std::string& dot, const std::string& messages) {
    Agraph_t* g = agmemread(dot.c_str());
    if (!g) throw ValueError(withMessages("Graphviz could not parse the diagram", messages));
    return g;
}

}  // namespace detail

DiagramFormat diagramFormatForPath(const std::string& path) {
    std::string ext = lowerExtension(path);
    if (ext == "png") return DiagramFormat::Png;
    if (ext == "svg") return DiagramFormat::Svg;
    if (ext == "pdf") return DiagramFormat::Pdf;
    if (ext == "dot" || ext == "gv") return DiagramFormat::Dot;
    throw ValueError("cannot tell the diagram format of '" + path + "'" +
                     (ext.empty() ? std::string(" (no extension)") : " (unknown extension '." + ext + "')") +
                     ": use .png, .svg, .pdf or .dot");
}

std::string diagramFormatName(DiagramFormat format) {
    switch (format) {
        case DiagramFormat::Png: return "png";
        case DiagramFormat::Svg: return "svg";
        case DiagramFormat::Pdf: return "pdf";
        case DiagramFormat::Dot: return "dot";
    }
    return "?";
}

void validateDot(const std::string& dot) {
    std::string messages;
    detail::withGraphviz([&](GVC_t*) { agclose(detail::parseDot(dot, messages)); }, messages);
}

std::string renderDiagramData(const std::string& dot, const std::string& format) {
    std::string messages;
    std::string result;
    detail::withGraphviz(
        [&](GVC_t* gvc) {
            Agraph_t* g = detail::parseDot(dot, messages);
            struct Close {
                GVC_t* gvc;
                Agraph_t* g;
                bool laidOut = false;
                ~Close() {
                    if (laidOut) gvFreeLayout(gvc, g);
                    agclose(g);
                }
            } close{gvc, g};
            if (isVectorFormat(format)) {
                // dpi only means something for bitmaps; Graphviz 2.43 also scales SVG content by
                // dpi/72 without growing the viewBox (the picture gets clipped) and inflates PDF pages.
                agsafeset(g, const_cast<char*>("dpi"), const_cast<char*>("72"), const_cast<char*>(""));
                agsafeset(g, const_cast<char*>("resolution"), const_cast<char*>("72"), const_cast<char*>(""));
            }
            if (gvLayout(gvc, g, "dot") != 0)
                throw ValueError(withMessages("Graphviz could not lay out the diagram", messages));
            close.laidOut = true;
            char* data = nullptr;
            unsigned int length = 0;
            int rc = gvRenderData(gvc, g, format.c_str(), &data, &length);
            if (rc != 0 || !data) {
                if (data) gvFreeRenderData(data);
                if (messages.find("not recognized") != std::string::npos ||
                    messages.find("unavailable") != std::string::npos)
                    throw NotSupportedError("Graphviz has no renderer for format '" + format + "'");
                throw ValueError(withMessages("Graphviz could not render the diagram as " + format, messages));
            }
            result.assign(data, length);
            gvFreeRenderData(data);
            if (result.empty())
                throw ValueError(withMessages("Graphviz produced an empty " + format + " image", messages));
        },
        messages);
    return result;
}

void renderDiagram(const std::string& dot, const std::string& path) {
    DiagramFormat format = diagramFormatForPath(path);
    std::string data;
    if (format == DiagramFormat::Dot) {
        validateDot(dot);
        data = dot;
    } else {
        try {
            data = renderDiagramData(dot, diagramFormatName(format));
        } catch (const NotSupportedError& e) {
            throw NotSupportedError(std::string(e.what()) + " (writing '" + path + "')");
        } catch (const ValueError& e) {
            throw ValueError(std::string(e.what()) + " (writing '" + path + "')");
        }
    }
    writeAtomically(path, data);
}

}  // namespace strata::plotting
