// strata convert IN OUT [--config ARCH.json]
// Between model-config JSON, .h5, .keras, .weights.h5 and .py (the output format by OUT's extension;
// the input's by content). .py writes the Keras script and OUT's .weights.h5 beside it.
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/model_options.h"
#include "engine/io/model_io.h"

namespace strata::cli {

namespace {
class ConvertCommand : public Command {
public:
    CLI::App* setup(CLI::App& app) override {
        auto* s = app.add_subcommand("convert", "Convert a model between .h5, .keras, .weights.h5, .json and .py");
        model_.addTo(s);
        s->add_option("output", output_, "Output file; its extension picks the format: .keras, .h5, .weights.h5, .json, .py")
            ->required();
        return s;
    }

    int run() override {
        checkSaveTarget(output_);
        ModelPtr model = model_.load();
        Json compile = storedCompileConfig(model_.path);
        for (const auto& f : saveAny(*model, output_, compile, model_.path)) std::cout << "Wrote " << f << "\n";
        return 0;
    }

private:
    ModelArgs model_;
    std::string output_;
};
}  // namespace

std::unique_ptr<Command> makeConvertCommand() { return std::make_unique<ConvertCommand>(); }

}  // namespace strata::cli
