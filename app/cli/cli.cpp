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
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
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
