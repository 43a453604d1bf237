// strata predict MODEL --input X.npy [--input X2.npy ...] --output PREFIX [--batch-size N]
//   [--max-samples N] [--rescale F] [--verbose 0|1] [--config ARCH.json]
// Keras's model.predict: inputs in the model's input order (fashion_mnist: its test images),
// outputs written as PREFIX_0.npy, PREFIX_1.npy, ... in the model's output order.
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/data_options.h"
#include "app/cli/model_options.h"
#include "engine/data/npy.h"
#include "engine/training/trainer.h"

namespace strata::cli {

namespace {
class PredictCommand : public Command {
public:
    CLI::App* setup(CLI::App& app) override {
        auto* s = app.add_subcommand("predict", "Run a model on arrays and write its outputs as .npy files");
        model_.addTo(s);
        s->add_option("-i,--input", inputs_, "Input array (.npy, or fashion_mnist), once per model input in input order")
            ->required()
            ->take_all();
        s->add_option("-o,--output", prefix_, "Output prefix: writes PREFIX_0.npy, PREFIX_1.npy, ...")->required();
        s->add_option("--batch-size", batchSize_, "Samples per batch")
            ->check(CLI::Range(int64_t(1), int64_t(1) << 31))
            ->capture_default_str();
        s->add_option("--max-samples", maxSamples_, "Use only the first N samples of the inputs")
            ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
        addRescaleOption(s, rescale_);
        s->add_option("--verbose", verbose_, "0: silent, 1: progress bar")->check(CLI::Range(0, 1))->capture_default_str();
        return s;
    }

    int run() override {
        ModelPtr model = model_.load();
        Dataset data = loadInputs(inputs_, maxSamples_);
        fitToModel(*model, data, /*needTargets=*/false);
        if (!rescale_.empty()) rescaleInputs(*model, data, parseRescale(rescale_));
        PredictOptions po;
        po.batchSize = batchSize_;
        po.verbose = verbose_;
        po.progressOut = &std::cout;
        std::vector<Tensor> outs = model->predict(ArrayData(data.x), po);
        const auto names = model->outputNames();
        for (size_t i = 0; i < outs.size(); ++i) {
            std::string path = prefix_ + "_" + std::to_string(i) + ".npy";
            saveNpy(path, outs[i]);
            std::cout << "Wrote " << path << ": output '" << (i < names.size() ? names[i] : "?") << "', shape "
                      << outs[i].shapeString() << "\n";
        }
        return 0;
    }

private:
    ModelArgs model_;
    std::vector<std::string> inputs_;
    std::string prefix_;
    int64_t batchSize_ = 32;
    int64_t maxSamples_ = -1;
    std::string rescale_;
    int verbose_ = 0;
};
}  // namespace

std::unique_ptr<Command> makePredictCommand() { return std::make_unique<PredictCommand>(); }

}  // namespace strata::cli
