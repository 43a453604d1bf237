#pragma once
/// NumPy .npy and .npz files (numpy.save / numpy.savez / numpy.savez_compressed).
///
/// Reading: C-order arrays of float32, float64 (converted to float32), float16, and integer/bool
/// types (int8..int64, uint8..uint64, bool), which become Int32-dtype tensors (their values must fit
/// exactly in float32, |v| <= 2^24, like the token ids Tensor holds). Fortran-order arrays, object
/// arrays, structured dtypes, truncated data and absurd shapes are refused with an IoError that names
/// the file (and the archive entry) and what is wrong. Memory is bounded: the data size declared by
/// the header is checked against the bytes actually present before anything is allocated.
///
/// Writing: float32 tensors as '<f4', Int32 tensors as '<i4', format version 1.0, written atomically.
#include <string>
#include <utility>
#include <vector>

#include "engine/core/tensor.h"

namespace strata {

/// Largest number of elements an array file may declare (2^31).
constexpr int64_t kMaxArrayElements = int64_t(1) << 31;

/// Reads one .npy file.
Tensor loadNpy(const std::string& path);
/// Parses .npy bytes; `source` names the file (or "archive.npz:entry.npy") in errors.
Tensor parseNpy(const std::string& bytes, const std::string& source);
/// The .npy encoding of `t` (float32 -> '<f4', Int32 -> '<i4').
std::string encodeNpy(const Tensor& t);
/// Writes `t` to `path` atomically.
void saveNpy(const std::string& path, const Tensor& t);

using NpzArrays = std::vector<std::pair<std::string, Tensor>>;
/// Reads every array of an .npz archive (stored or deflated entries), in archive order. Names
/// lose their ".npy" suffix, as numpy.load(...).files shows them.
NpzArrays loadNpz(const std::string& path);
/// Writes an .npz archive atomically (`compress`: deflated entries like numpy.savez_compressed).
void saveNpz(const std::string& path, const NpzArrays& arrays, bool compress = false);

}  // namespace strata
