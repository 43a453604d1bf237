#pragma once
// Shared by the libFuzzer harnesses: a bad input must end in strata::Error (a clear message);
// anything else escaping — another exception type, a crash, a sanitizer report — is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <unistd.h>

#include "engine/core/errors.h"

namespace strata::fuzz {

/// Runs fn; strata::Error is the expected way to refuse input. Other exceptions abort (a finding).
template <class F>
void expectOnlyStrataErrors(F&& fn) {
    try {
        fn();
    } catch (const strata::Error&) {
    } catch (const std::exception& e) {
        std::fprintf(stderr, "non-strata exception escaped: %s\n", e.what());
        std::abort();
    }
}

/// The file readers take paths: write the input to a per-process temporary file with `suffix`.
inline std::string writeTemp(const uint8_t* data, size_t size, const char* suffix) {
    static const std::string path = "/tmp/strata_fuzz_" + std::to_string(getpid()) + suffix;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
    return path;
}

}  // namespace strata::fuzz
