// strata plot MODEL -o FILE.{png,svg,pdf,dot} [--show-shapes] [--show-dtype] [--show-layer-names]
//   [--show-layer-activations] [--show-trainable] [--expand-nested] [--rankdir TB|LR] [--dpi N]
//   [--layer-range FIRST LAST] [--splines ortho|spline|polyline|line|curved] [--config ARCH.json]
// Keras's keras.utils.plot_model, rendered in-process through Graphviz's libraries.
#include <iostream>

#include "app/cli/commands.h"
#include "engine/io/model_io.h"
#include "plotting/graphviz_renderer.h"
#include "plotting/model_diagram.h"

namespace strata::cli {

namespace {
class PlotCommand : public Command {
public:
    CLI::App* setup(CLI::App& app) override {
        auto* s = app.add_subcommand("plot", "Draw a model's graph like Keras's plot_model (PNG, SVG, PDF or DOT)");
        s->add_option("model", model_, "Model file (model-config JSON, .h5, .keras)")->required();
        s->add_option("-o,--output", output_, "Image file; the format follows the extension: .png, .svg, .pdf, .dot")
            ->required();
        s->add_option("--config", config_, "Architecture JSON for a weights-only file");
        s->add_flag("--show-shapes", options_.showShapes, "Show input and output shapes");
        s->add_flag("--show-dtype", options_.showDType, "Show output dtypes");
        s->add_flag("--show-layer-names", options_.showLayerNames, "Show layer names next to their types");
        s->add_flag("--show-layer-activations", options_.showLayerActivations, "Show the activation of layers that have one");
        s->add_flag("--show-trainable", options_.showTrainable, "Mark layers with weights as trainable or frozen");
        s->add_flag("--expand-nested", options_.expandNested, "Draw nested models as clusters of their layers");
        s->add_option("--rankdir", options_.rankdir, "Direction: TB (top to bottom) or LR (left to right)")
            ->check(CLI::IsMember({"TB", "LR", "BT", "RL"}))
            ->capture_default_str();
        s->add_option("--dpi", options_.dpi, "Resolution of PNG images")->check(CLI::Range(1, 2400))->capture_default_str();
        s->add_option("--layer-range", options_.layerRange,
                      "Only draw the layers from FIRST to LAST (names or regular expressions)")
            ->expected(2)
            ->type_name("FIRST LAST");
        s->add_option("--splines", options_.splines, "Edge style")
            ->check(CLI::IsMember({"ortho", "spline", "polyline", "line", "curved"}))
            ->capture_default_str();
        return s;
    }

    int run() override {
        plotting::diagramFormatForPath(output_);  // reject an unknown extension before loading the model
        LoadOptions lo;
        lo.configPath = config_;
        auto model = loadModel(model_, lo);
        plotting::plotModel(*model, output_, options_);
        std::cout << "Wrote " << output_ << "\n";
        return 0;
    }

private:
    std::string model_;
    std::string output_;
    std::string config_;
    plotting::DiagramOptions options_;
};
}  // namespace

std::unique_ptr<Command> makePlotCommand() { return std::make_unique<PlotCommand>(); }

}  // namespace strata::cli
