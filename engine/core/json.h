#pragma once
/// JSON (nlohmann::json) is the config language of the engine, as it is Keras's.
///
/// nlohmann's internal checks (JSON_ASSERT) compile to nothing under NDEBUG, so a slip such as
/// reading a missing key through a const reference (`c["key"]`) is undefined behaviour in
/// Release — the editor crashed on exactly that. Every translation unit gets the library through
/// this header, so here the checks become a thrown std::logic_error that callers already catch
/// and report, in every build type.
#include <stdexcept>
#include <string>

namespace strata::detail {
[[noreturn]] inline void jsonAssertFailed(const char* what) {
    throw std::logic_error(std::string("internal JSON access error: ") + what);
}
}  // namespace strata::detail

#ifndef JSON_ASSERT
#define JSON_ASSERT(x) ((x) ? static_cast<void>(0) : ::strata::detail::jsonAssertFailed(#x))
#endif
#include <nlohmann/json.hpp>

namespace strata {
using Json = nlohmann::json;
}
