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

inline std::vector<std::unique_ptr<Command>> allCommands() {
    std::vector<std::unique_ptr<Command>> v;
    v.push_back(makeSummaryCommand());
    v.push_back(makePlotCommand());
    return v;
}

}  // namespace strata::cli
