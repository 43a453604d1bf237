#pragma once
/// Random access to the raw bytes of an HDF5 file, on disk or in memory.
///
/// libhdf5 1.10 trusts parts of a file it should not (a damaged global heap made it loop forever; a
/// damaged datatype made it read past a buffer). The structural checks that run before the library
/// parses those parts (hdf5_heap_check, hdf5_header_check) read the file through this.
#include <cstdint>
#include <memory>
#include <string>

namespace strata::h5 {

class FileBytes {
public:
    /// The file at `path`; nullptr if it cannot be opened (libhdf5's own open then reports it).
    static std::shared_ptr<const FileBytes> ofFile(const std::string& path);
    /// An in-memory image; shares ownership of the bytes.
    static std::shared_ptr<const FileBytes> ofImage(std::shared_ptr<const std::string> bytes);

    virtual ~FileBytes() = default;
    virtual int64_t size() const = 0;
    /// Copies `len` bytes at `offset` into `dst`; false (and nothing read) if they are not all in
    /// the file. Safe to call from several threads.
    virtual bool read(int64_t offset, int64_t len, void* dst) const = 0;
};

/// Little-endian unsigned integer of `bytes` (1..8) bytes, as HDF5 stores every integer field.
inline uint64_t readLE(const unsigned char* p, int bytes) {
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

}  // namespace strata::h5
