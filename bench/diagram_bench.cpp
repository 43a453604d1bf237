// Issue 5's diagram target: a 200-layer model's plot_model diagram (shapes and names shown) renders
// in under a second. Median of 5 renders of each format through libgvc; exits non-zero if the PNG
// median misses the target.
//   bench_diagram
#include <QElapsedTimer>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "engine/graph/input_layer.h"
#include "engine/graph/model.h"
#include "engine/layers/core/dense.h"
#include "plotting/graphviz_renderer.h"
#include "plotting/model_diagram.h"

using namespace strata;

int main() {
    auto inputs = Input({32}, "in");
    KerasTensor x = inputs;
    for (int i = 0; i < 199; ++i) x = (*layers::Dense(32, {{"activation", i % 2 ? "relu" : "tanh"}}))(x);
    auto model = makeModel({inputs}, {x}, "deep");
    plotting::DiagramOptions o;
    o.showShapes = true;
    o.showLayerNames = true;
    double pngMs = 0;
    for (const char* fmt : {"png", "svg", "pdf"}) {
        std::vector<double> t;
        for (int r = 0; r < 5; ++r) {
            QElapsedTimer timer;
            timer.start();
            const std::string dot = plotting::modelToDot(*model, o);
            const std::string out = plotting::renderDiagramData(dot, fmt);
            t.push_back(timer.nsecsElapsed() / 1e6);
            if (out.empty()) return 2;
        }
        std::sort(t.begin(), t.end());
        std::printf("200-layer diagram, DOT + %s render: median %.0f ms\n", fmt, t[2]);
        if (std::string(fmt) == "png") pngMs = t[2];
    }
    return pngMs < 1000 ? 0 : 1;
}
