#pragma once
/// A structural check of an HDF5 file's global heap collections, run before libhdf5 reads it.
///
/// Variable-length strings (Keras's layer_names, weight_names, keras_version, ...) live in global
/// heap collections ("GCOL"). libhdf5 1.10 parses a collection by walking its objects, and a
/// free-space entry of size 0 (or any entry that does not advance the walk) makes that loop spin
/// forever: a damaged .h5 hung the reader (found by tests/fuzz/fuzz_model_file). libhdf5 offers no
/// way to read an attribute's raw heap references, so we find the collections by their signature
/// and walk each one the way the library will, refusing the file with the offset if a walk would
/// not terminate or runs past its collection.
#include <cstdint>
#include <map>
#include <string>

#include "engine/io/hdf5_bytes.h"

namespace strata::h5 {

/// Why a collection cannot be read safely, and the file offset where that shows.
struct HeapDamage {
    int64_t offset;
    std::string what;
};

/// Reads the global heap collection at file offset `at` and walks it the way libhdf5 will;
/// `lengths` is the superblock's "size of lengths". Returns each object's size by its index
/// (index 0, the free space, is left out). Throws HeapDamage for a missing collection, one that
/// does not fit the file, or a walk that would not terminate or runs past the collection.
std::map<uint64_t, uint64_t> collectionObjects(const FileBytes& file, int64_t at, int lengths);

/// Throws IoError naming the file, the byte offset and what is wrong; returns normally for a sound
/// file (or one without global heaps). Reads the file once, in 8 MB chunks; `name` names it in
/// messages.
void checkGlobalHeaps(const FileBytes& file, const std::string& name);

}  // namespace strata::h5
