#pragma once
/// Subcommands of `strata`: one class per file in app/cli/, listed in allCommands().
#include <CLI/CLI.hpp>
#include <memory>
#include <vector>

namespace strata::cli {

class Command {
public:
    virtual ~Command() = default;
    /// Adds the subcommand and its options to `app`; returns it.
    virtual CLI::App* setup(CLI::App& app) = 0;
    /// Runs after parsing; returns the exit code; throws strata::Error on bad input.
    virtual int run() = 0;
};

std::unique_ptr<Command> makeSummaryCommand();
std::unique_ptr<Command> makePlotCommand();
std::unique_ptr<Command> makeTrainCommand();
std::unique_ptr<Command> makeEvaluateCommand();
std::unique_ptr<Command> makePredictCommand();
std::unique_ptr<Command> makeConvertCommand();
std::unique_ptr<Command> makeExportPythonCommand();

inline std::vector<std::unique_ptr<Command>> allCommands() {
    std::vector<std::unique_ptr<Command>> v;
    v.push_back(makeSummaryCommand());
    v.push_back(makePlotCommand());
    v.push_back(makeTrainCommand());
    v.push_back(makeEvaluateCommand());
    v.push_back(makePredictCommand());
    v.push_back(makeConvertCommand());
    v.push_back(makeExportPythonCommand());
    return v;
}

}  // namespace strata::cli
