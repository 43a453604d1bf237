#include "app/cli/cli.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "app/cli/commands.h"
#include "engine/core/errors.h"

namespace strata::cli {

int run(int argc, char** argv) {
    CLI::App app{"strata: Keras-style models from the command line"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "strata 0.1.0");
    auto commands = allCommands();
    std::vector<std::pair<CLI::App*, Command*>> subs;
    for (auto& c : commands) subs.emplace_back(c->setup(app), c.get());
    // Usage errors get one stderr line like every other error (CLI11's default adds a second).
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        return "strata: error: " + std::string(e.what()) + " (see --help)\n";
    });
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    try {
        for (auto& [sub, cmd] : subs)
            if (sub->parsed()) return cmd->run();
    } catch (const Error& e) {
        std::cerr << "strata: error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "strata: internal error: " << e.what() << "\n";
        return 1;
    }
    return 2;
}

}  // namespace strata::cli
