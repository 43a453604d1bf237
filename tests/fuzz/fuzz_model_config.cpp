// libFuzzer: model-config JSON (Keras 2 and 3 styles) -> Model. Seeds: examples/models/*.json.
#include "engine/graph/model_config.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    strata::fuzz::expectOnlyStrataErrors([&] {
        strata::clearSession();
        auto model = strata::modelFromJsonString(text, "<fuzz>");
        (void)model->summary();
    });
    return 0;
}
