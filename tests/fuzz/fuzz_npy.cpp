// libFuzzer: .npy bytes -> Tensor. Seeds: ../shared/keras-files/**/*.npy.
#include "engine/data/npy.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    strata::fuzz::expectOnlyStrataErrors([&] { (void)strata::parseNpy(bytes, "<fuzz>"); });
    return 0;
}
