// Builds every reference model of seed-models.md with the C++ API and prints its summary.
// With a directory argument it also writes each as model-config JSON there (examples/models/).
//   build/examples/example_reference_models [OUT_DIR]
#include <iostream>

#include "engine/graph/model_config.h"
#include "examples/reference/reference_models.h"

int main(int argc, char** argv) {
    using namespace strata;
    int failures = 0;
    for (const auto& ref : reference::referenceModels()) {
        clearSession();  // each model is named as in a fresh Keras session
        try {
            auto model = ref.build();
            std::cout << "# " << ref.title << "\n" << model->summary() << "\n";
            if (model->countParams() != ref.expectedParams) {
                std::cerr << ref.id << ": " << model->countParams() << " params, Keras has " << ref.expectedParams << "\n";
                ++failures;
            }
            if (argc > 1) saveModelConfigFile(*model, std::string(argv[1]) + "/" + ref.id + ".json");
        } catch (const std::exception& e) {
            std::cerr << ref.id << ": " << e.what() << "\n";
            ++failures;
        }
    }
    return failures ? 1 : 0;
}
