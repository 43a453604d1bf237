#pragma once
/// The Keras version Strata claims in the files it writes. Strata writes Keras 3 style configs
/// (`__keras_tensor__` inbound nodes, `module` keys), so files say they come from Keras 3, which is
/// also what makes Strata read them back with Keras 3 semantics (e.g. hard_sigmoid).
namespace strata {
inline constexpr const char* kStrataKerasVersion = "3.10.0";
}  // namespace strata
