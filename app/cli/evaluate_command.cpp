// strata evaluate MODEL --data fashion_mnist|X.npy,Y.npy|DATA.npz|FILE.csv:label=COL [--batch-size N]
//   [--loss NAME] [--metrics A,B] [--max-samples N] [--rescale F] [--verbose 0|1] [--config ARCH.json]
// Keras's model.evaluate (fashion_mnist: the 10,000 test images); prints one "name: value" line per
// result after the progress bar.
#include <iomanip>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/data_options.h"
#include "app/cli/model_options.h"
#include "engine/training/trainer.h"

namespace strata::cli {

namespace {
class EvaluateCommand : public Command {
public:
    CLI::App* setup(CLI::App& app) override {
        auto* s = app.add_subcommand("evaluate", "Compute a model's loss and metrics on data, like Keras's model.evaluate");
        model_.addTo(s);
        s->add_option("--data", data_,
                      "Test data: fashion_mnist (its test split), X.npy,Y.npy, DATA.npz (x_test/y_test), "
                      "FILE.csv:label=COLUMN")
            ->required();
        compile_.addTo(s);
        s->add_option("--batch-size", batchSize_, "Samples per batch")
            ->check(CLI::Range(int64_t(1), int64_t(1) << 31))
            ->capture_default_str();
        addRescaleOption(s, rescale_);
        s->add_option("--max-samples", maxSamples_, "Use only the first N samples of the data")
            ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
        s->add_option("--verbose", verbose_, "0: results only, 1: progress bar too")
            ->check(CLI::Range(0, 1))
            ->capture_default_str();
        return s;
    }

    int run() override {
        ModelPtr model = model_.load();
        CompileOptions co = compile_.resolve(storedCompileConfig(model_.path), model_.path);
        Dataset data = loadDataset(data_, Split::Test, maxSamples_);
        fitToModel(*model, data, /*needTargets=*/true);
        if (!rescale_.empty()) rescaleInputs(*model, data, parseRescale(rescale_));
        model->compile(co);
        EvaluateOptions eo;
        eo.batchSize = batchSize_;
        eo.verbose = verbose_;
        eo.progressOut = &std::cout;
        Logs logs = model->evaluate(ArrayData(data.x), ArrayData(data.y), eo);
        std::cout << "Evaluated '" << model->name() << "' on " << data.samples() << " samples from " << data.source
                  << "\n";
        for (const auto& [k, v] : logs.items()) std::cout << k << ": " << std::setprecision(6) << v << "\n";
        return 0;
    }

private:
    ModelArgs model_;
    CompileArgs compile_;
    std::string data_;
    int64_t batchSize_ = 32;
    int64_t maxSamples_ = -1;
    std::string rescale_;
    int verbose_ = 1;
};
}  // namespace

std::unique_ptr<Command> makeEvaluateCommand() { return std::make_unique<EvaluateCommand>(); }

}  // namespace strata::cli
