#include "engine/io/hdf5_heap_check.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/core/errors.h"

namespace strata::h5 {

namespace {

constexpr char kSignature[8] = {'G', 'C', 'O', 'L', 1, 0, 0, 0};  // signature, version 1, reserved
constexpr int64_t kChunk = int64_t(8) << 20;

[[noreturn]] void corrupt(const std::string& name, int64_t offset, const std::string& what) {
    throw IoError("'" + name + "': damaged HDF5 global heap (variable-length string storage) at byte " +
                  std::to_string(offset) + ": " + what + "; the file cannot be read safely");
}

/// The superblock's "size of lengths" (8 in every file h5py writes). The superblock sits at 0 or
/// after a user block of 512, 1024, 2048, ... bytes.
int sizeOfLengths(const FileBytes& file) {
    unsigned char sb[16];
    for (int64_t base = 0; base <= (int64_t(1) << 20); base = base ? base * 2 : 512) {
        if (!file.read(base, sizeof sb, sb)) break;
        if (std::memcmp(sb, "\x89HDF\r\n\x1a\n", 8) != 0) continue;
        const int version = sb[8];
        const int len = version <= 1 ? sb[14] : sb[10];
        return len == 2 || len == 4 || len == 8 ? len : 8;
    }
    return 8;
}

}  // namespace

std::map<uint64_t, uint64_t> collectionObjects(const FileBytes& file, int64_t at, int lengths) {
    const int64_t fileSize = file.size();
    unsigned char head[16] = {};
    if (at < 0 || at > fileSize || !file.read(at, 8 + lengths, head) || std::memcmp(head, kSignature, 8) != 0)
        throw HeapDamage{at, "no global heap collection there"};
    const uint64_t size = readLE(head + 8, lengths);
    if (size < static_cast<uint64_t>(8 + lengths) || size > static_cast<uint64_t>(fileSize - at))
        throw HeapDamage{at, "collection size " + std::to_string(size) + " does not fit the file (" +
                                 std::to_string(fileSize) + " bytes)"};
    std::vector<unsigned char> c(static_cast<size_t>(size));
    if (!file.read(at, static_cast<int64_t>(size), c.data())) throw HeapDamage{at, "collection truncated"};

    const int64_t header = 8 + lengths;             // signature, version, reserved, collection size
    const int64_t objHeader = 2 + 2 + 4 + lengths;  // index, references, reserved, size
    const int64_t total = static_cast<int64_t>(size);
    std::map<uint64_t, uint64_t> objects;
    int64_t p = header;
    while (p < total) {
        if (p + objHeader > total) break;  // a tail too small for an object header is free space
        const uint64_t index = readLE(&c[p], 2);
        const uint64_t objSize = readLE(&c[p + 8], lengths);
        if (objSize > size)
            throw HeapDamage{at + p, "object " + std::to_string(index) + " claims " + std::to_string(objSize) +
                                         " bytes in a collection of " + std::to_string(size)};
        // Index 0 is the free space, whose size counts its own header; objects are padded to 8.
        const int64_t need = index > 0 ? objHeader + ((static_cast<int64_t>(objSize) + 7) / 8) * 8
                                       : static_cast<int64_t>(objSize);
        if (need <= 0) throw HeapDamage{at + p, "free-space entry of size 0 (the reader would loop forever)"};
        if (p + need > total)
            throw HeapDamage{at + p, "object " + std::to_string(index) + " runs past the end of its collection"};
        if (index > 0) objects[index] = objSize;
        p += need;
    }
    return objects;
}

void checkGlobalHeaps(const FileBytes& file, const std::string& name) {
    const int64_t fileSize = file.size();
    if (fileSize <= 0) return;
    const int lengths = sizeOfLengths(file);
    std::vector<char> buf;
    for (int64_t start = 0; start < fileSize; start += kChunk) {
        // Overlap chunks by one signature so none is split unseen.
        const int64_t len = std::min<int64_t>(kChunk + 7, fileSize - start);
        buf.resize(static_cast<size_t>(len));
        if (!file.read(start, len, buf.data())) return;  // unreadable: libhdf5 reports it
        const char* b = buf.data();
        const char* e = b + len;
        for (const char* hit = b; (hit = std::search(hit, e, kSignature, kSignature + 8)) != e; ++hit) {
            const int64_t at = start + (hit - b);
            if (at >= start + kChunk) break;  // the overlap belongs to the next chunk
            try {
                collectionObjects(file, at, lengths);
            } catch (const HeapDamage& d) {
                corrupt(name, d.offset, d.what);
            }
        }
    }
}

}  // namespace strata::h5
