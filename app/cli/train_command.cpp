// strata train MODEL --data fashion_mnist|X.npy,Y.npy|DATA.npz|FILE.csv:label=COL [--epochs N]
//   [--batch-size N] [--optimizer NAME] [--lr F] [--loss NAME] [--metrics A,B] [--validation-split F]
//   [--seed N] [--csv-log FILE] [--save OUT] [--max-samples N] [--rescale F] [--verbose 0|1|2] [--config ARCH.json]
//   [--plot-dir DIR]
// Keras's model.compile + model.fit with its progress bar; --save picks the format by extension.
#include <QString>
#include <QtGlobal>
#include <filesystem>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/data_options.h"
#include "app/cli/model_options.h"
#include "engine/core/errors.h"
#include "engine/core/random.h"
#include "engine/training/trainer.h"
#include "plotting/training_plots.h"

namespace strata::cli {

namespace {

/// Qt's offscreen platform reports harmless things on stderr while the charts are drawn
/// ("XDG_RUNTIME_DIR not set", "does not support propagateSizeHints()"); a command line that
/// promises one clear stderr line on error keeps them out. Critical and fatal messages still show.
class QuietQt {
public:
    QuietQt() : previous_(qInstallMessageHandler(&QuietQt::handler)) {}
    ~QuietQt() { qInstallMessageHandler(previous_); }

private:
    static void handler(QtMsgType type, const QMessageLogContext&, const QString& msg) {
        if (type == QtCriticalMsg || type == QtFatalMsg) std::cerr << "strata: " << msg.toStdString() << "\n";
    }
    QtMessageHandler previous_;
};

// --plot-dir: the charts of plotting/training_plots.h, checked before training (so a bad directory
// fails fast) and drawn from the History and the recorded per-epoch diagnostics afterwards.
void preparePlotDir(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::is_directory(dir))
        throw IoError("--plot-dir: cannot create the directory '" + dir + "'" + (ec ? ": " + ec.message() : ""));
    QuietQt quiet;
    if (!plotting::ensureGuiApplication())
        throw ValueError("--plot-dir needs a QApplication to draw with, but this process only has a QCoreApplication");
}

class TrainCommand : public Command {
public:
    CLI::App* setup(CLI::App& app) override {
        auto* s = app.add_subcommand("train", "Train a model like Keras's model.fit, with its progress bar");
        model_.addTo(s);
        s->add_option("--data", data_,
                      "Training data: fashion_mnist, X.npy,Y.npy (a.npy+b.npy for several inputs), DATA.npz, "
                      "FILE.csv:label=COLUMN")
            ->required();
        compile_.addTo(s);
        s->add_option("--epochs", epochs_, "Number of epochs")->check(CLI::Range(1, 1000000))->capture_default_str();
        s->add_option("--batch-size", batchSize_, "Samples per gradient step")
            ->check(CLI::Range(int64_t(1), int64_t(1) << 31))
            ->capture_default_str();
        s->add_option("--validation-split", validationSplit_,
                      "Fraction of the samples (the last ones, before shuffling) held out for validation")
            ->check(CLI::Range(0.0, 0.999))
            ->capture_default_str();
        seedOption_ = s->add_option("--seed", seed_, "Seed of weight initialisation, shuffling and dropout");
        s->add_option("--csv-log", csvLog_, "Write each epoch's logs to this CSV file (Keras's CSVLogger)");
        s->add_option("--save", save_, "Save the trained model: .keras, .h5, .weights.h5, .json or .py");
        addRescaleOption(s, rescale_);
        s->add_option("--max-samples", maxSamples_, "Use only the first N samples of the data")
            ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
        s->add_option("--verbose", verbose_, "0: silent, 1: progress bar, 2: one line per epoch")
            ->check(CLI::Range(0, 2))
            ->capture_default_str();
        s->add_flag("--no-shuffle", noShuffle_, "Do not shuffle the samples before each epoch");
        s->add_option("--plot-dir", plotDir_,
                      "Draw the training curves (loss.png, accuracy.png, ...), weight histograms and layer norms into "
                      "this directory");
        return s;
    }

    int run() override {
        // Everything that can be checked without training is checked first.
        if (!plotDir_.empty()) preparePlotDir(plotDir_);
        if (!save_.empty()) checkSaveTarget(save_);
        if (seedOption_->count() > 0) setSeed(seed_);  // before the model is built: its initial weights too
        ModelPtr model = model_.load();
        CompileOptions co = compile_.resolve(storedCompileConfig(model_.path), model_.path);
        Dataset data = loadDataset(data_, Split::Train, maxSamples_);
        fitToModel(*model, data, /*needTargets=*/true);
        if (!rescale_.empty()) rescaleInputs(*model, data, parseRescale(rescale_));
        // A model loaded from a .keras file comes compiled with its optimizer state restored; unless a
        // flag changes the settings, training continues from that state (same curve as if it had not
        // stopped), as Keras's load_model + fit does.
        if (!model->compiled() || compile_.anyGiven()) model->compile(co);

        FitOptions fo;
        fo.batchSize = batchSize_;
        fo.epochs = epochs_;
        fo.verbose = verbose_;
        fo.validationSplit = validationSplit_;
        fo.shuffle = !noShuffle_;
        fo.progressOut = &std::cout;
        if (!csvLog_.empty()) fo.callbacks.push_back(std::make_shared<CSVLogger>(csvLog_));
        std::shared_ptr<plotting::DiagnosticsRecorder> diagnostics;
        if (!plotDir_.empty()) {
            diagnostics = std::make_shared<plotting::DiagnosticsRecorder>();
            fo.callbacks.push_back(diagnostics);
        }
        if (verbose_ > 0)
            std::cout << "Training '" << model->name() << "' on " << data.samples() << " samples from " << data.source
                      << "\n";
        History history = model->fit(ArrayData(data.x), ArrayData(data.y), fo);
        std::cout.flush();
        if (diagnostics) {
            QuietQt quiet;
            auto files = plotting::writeTrainingPlots(history, diagnostics->epochs(), plotDir_);
            std::cout << "Wrote " << files.size() << " training plots to " << plotDir_ << "\n";
        }
        if (!save_.empty()) {
            for (const auto& f : saveAny(*model, save_, compiledConfig(*model), model_.path))
                std::cout << "Saved " << f << "\n";
        }
        return 0;
    }

private:
    ModelArgs model_;
    CompileArgs compile_;
    std::string data_;
    int epochs_ = 1;
    int64_t batchSize_ = 32;
    double validationSplit_ = 0.0;
    uint64_t seed_ = 0;
    CLI::Option* seedOption_ = nullptr;
    std::string csvLog_;
    std::string save_;
    int64_t maxSamples_ = -1;
    std::string rescale_;
    int verbose_ = 1;
    bool noShuffle_ = false;
    std::string plotDir_;
};

}  // namespace

std::unique_ptr<Command> makeTrainCommand() { return std::make_unique<TrainCommand>(); }

}  // namespace strata::cli
