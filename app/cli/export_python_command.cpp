// strata export-python MODEL OUT.py [--config ARCH.json]
// A Keras 3 functional-API script that rebuilds the model (same layer names and settings),
// compiles it with the stored compile settings, loads OUT.weights.h5 (written beside it) and shows
// how to continue training.
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/model_options.h"
#include "engine/core/errors.h"

namespace strata::cli {

namespace {
class ExportPythonCommand : public Command {
public:
    CLI::App* setup(CLI::App& app) override {
        auto* s = app.add_subcommand("export-python",
                                     "Write a Keras 3 Python script that rebuilds the model and loads its weights");
        model_.addTo(s);
        s->add_option("output", output_, "The script (.py); its weights go to the same name with .weights.h5")->required();
        return s;
    }

    int run() override {
        if (output_.size() < 3 || output_.substr(output_.size() - 3) != ".py")
            throw ValueError("export-python writes a Python script: the output '" + output_ + "' must end in .py");
        checkSaveTarget(output_);
        ModelPtr model = model_.load();
        for (const auto& f : saveAny(*model, output_, storedCompileConfig(model_.path), model_.path))
            std::cout << "Wrote " << f << "\n";
        return 0;
    }

private:
    ModelArgs model_;
    std::string output_;
};
}  // namespace

std::unique_ptr<Command> makeExportPythonCommand() { return std::make_unique<ExportPythonCommand>(); }

}  // namespace strata::cli
