#pragma once
/// JSON (nlohmann::json) is the config language of the engine, as it is Keras's.
#include <nlohmann/json.hpp>

namespace strata {
using Json = nlohmann::json;
}
