#include "app/cli/cli.h"

#include <iostream>

namespace strata::cli {
int run(int argc, char** argv) {
    std::cerr << "strata: no command yet\n";
    return 2;
}
}  // namespace strata::cli
