// strata summary FILE... [--expand-nested] [--show-trainable] [--config ARCH.json]
#include <iostream>

#include "app/cli/commands.h"
#include "engine/io/model_io.h"

namespace strata::cli {

namespace {
class SummaryCommand : public Command {
public:
    CLI::App* setup(CLI::App& app) override {
        auto* s = app.add_subcommand("summary", "Print a model's summary table like Keras's model.summary()");
        s->add_option("files", files_, "Model files (model-config JSON, .h5, .keras)")->required();
        s->add_option("--config", config_, "Architecture JSON for a weights-only file");
        s->add_flag("--expand-nested", options_.expandNested, "Show the layers of nested models");
        s->add_flag("--show-trainable", options_.showTrainable, "Add a Trainable column");
        s->add_option("--line-length", options_.lineLength, "Table width in characters");
        return s;
    }
    int run() override {
        for (size_t i = 0; i < files_.size(); ++i) {
            LoadOptions lo;
            lo.configPath = config_;
            auto model = loadModel(files_[i], lo);
            if (i) std::cout << "\n";
            std::cout << model->summary(options_);
        }
        return 0;
    }

private:
    std::vector<std::string> files_;
    std::string config_;
    SummaryOptions options_;
};
}  // namespace

std::unique_ptr<Command> makeSummaryCommand() { return std::make_unique<SummaryCommand>(); }

}  // namespace strata::cli
