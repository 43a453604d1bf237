#pragma once
/// The `strata` command line: one function per subcommand, dispatched by run().
namespace strata::cli {
/// Runs the command line; returns the process exit code (0 ok, 1 error, 2 usage). Never throws.
int run(int argc, char** argv);
}  // namespace strata::cli
