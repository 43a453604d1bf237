#pragma once
/// What the subcommands that take a model share: the model file (any format, by content) with
/// `--config` for weights-only files; compile settings (command-line flags, else what the file
/// stores, else defaults); and saving by extension, `.py` going through the Python exporter.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "engine/core/json.h"
#include "engine/graph/model.h"
#include "engine/training/trainer.h"

namespace strata::cli {

struct ModelArgs {
    std::string path;
    std::string config;
    /// Adds the positional MODEL and `--config ARCH.json` to `cmd`.
    void addTo(CLI::App* cmd);
    /// Opens the model (errors name the file).
    ModelPtr load() const;
};

/// --optimizer, --lr, --loss, --metrics.
struct CompileArgs {
    std::string optimizer;
    double lr = 0;
    std::string loss;
    std::vector<std::string> metrics;
    CLI::Option* lrOption = nullptr;
    CLI::Option* metricsOption = nullptr;

    void addTo(CLI::App* cmd);
    /// The compile options: each flag overrides the corresponding stored setting (`stored` is a
    /// Keras compile_config or null); the optimizer defaults to Adam; without a loss from either
    /// source this throws ValueError asking for --loss. Names are checked here, before any data is read.
    CompileOptions resolve(const Json& stored, const std::string& modelPath) const;
    /// True if any of --optimizer, --lr, --loss, --metrics was given.
    bool anyGiven() const {
        return !optimizer.empty() || !loss.empty() || (lrOption && lrOption->count() > 0) ||
               (metricsOption && metricsOption->count() > 0);
    }
};

/// The compile settings stored with a model file as a Keras 3 compile_config: a .keras archive's
/// "compile_config", or a legacy .h5's "training_config" attribute (optimizer_config renamed to
/// optimizer). Null when the file stores none (model-config JSON, weights-only files).
Json storedCompileConfig(const std::string& path);

/// Keras's get_compile_config() of a compiled model, with the optimizer's full config.
Json compiledConfig(Model& model);

/// Refuses a save target whose extension names no format, or whose directory does not exist, so
/// that `train --save` fails before training rather than after.
void checkSaveTarget(const std::string& path);
/// Saves by extension (see saveModel); ".py" writes the Python script and its ".weights.h5".
/// Returns the files written.
std::vector<std::string> saveAny(const Model& model, const std::string& path, const Json& compileConfig,
                                 const std::string& source);

}  // namespace strata::cli
