// The editor's live validation target (issue 6): re-checking a 1,000-node graph after one edit takes
// under 5 ms. Median of 41 edits, for an edit near the end (shape change) and at the top (no shape
// change); prints both and exits non-zero if either median misses the target.
//   bench_graph_check
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "engine/graph/graph_spec.h"

using namespace strata;

int main() {
    GraphSpec s;
    GraphNode in;
    in.id = in.layerName = "in";
    in.className = "InputLayer";
    in.config = {{"shape", {8}}};
    s.nodes.push_back(in);
    for (int i = 0; i < 1000; ++i) {
        GraphNode d;
        d.id = d.layerName = "d" + std::to_string(i);
        d.className = "Dense";
        d.config = {{"units", 8}};
        d.inbound = {{s.nodes.back().id, 0}};
        s.nodes.push_back(d);
    }
    s.outputs = {{s.nodes.back().id, 0}};
    GraphValidator v;
    v.check(s);
    auto medianMs = [&](const char* id, const char* key, Json a, Json b) {
        std::vector<double> t;
        for (int i = 0; i < 41; ++i) {
            s.find(id)->config[key] = (i % 2) ? a : b;
            auto t0 = std::chrono::steady_clock::now();
            v.check(s);
            t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(t.begin(), t.end());
        return t[t.size() / 2];
    };
    const double nearEnd = medianMs("d990", "units", 8, 16);
    const double atTop = medianMs("d0", "activation", "relu", "tanh");
    std::printf("1,000-node graph re-check after one edit: near the end %.2f ms, at the top %.2f ms (target < 5 ms)\n",
                nearEnd, atTop);
    return nearEnd < 5.0 && atTop < 5.0 ? 0 : 1;
}
