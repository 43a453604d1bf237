#include "engine/io/hdf5_header_check.h"

#include <cstring>
#include <deque>
#include <vector>

#include "engine/core/errors.h"
#include "engine/io/hdf5_heap_check.h"

// Field layouts below follow the HDF5 File Format Specification, version 3 (object headers
// IV.A.1.a/b, datatype message IV.A.2.d, dataspace IV.A.2.b, attribute IV.A.2.m, continuation
// IV.A.2.q, attribute info IV.A.2.v).

namespace strata::h5 {

namespace {

constexpr int64_t kMaxChunkBytes = int64_t(16) << 20;  // Keras headers are a few KB
constexpr int kMaxChunks = 4096;

enum MessageType : unsigned {
    kDatatypeMessage = 0x0003,
    kAttributeMessage = 0x000C,
    kContinuationMessage = 0x0010,
    kSymbolTableMessage = 0x0011,
    kAttributeInfoMessage = 0x0015,
};
constexpr unsigned kMessageShared = 0x02;  // message flag: the body is a reference to a shared message

enum TypeClass { kInteger = 0, kFloat = 1, kString = 3, kEnum = 8, kVarLen = 9 };

/// What is wrong, without where; checkHeaderAt adds the object and the file.
struct Bad {
    std::string what;
};

const char* className(int cls) {
    static const char* const names[] = {"integer", "float",     "time", "string",          "bitfield", "opaque",
                                        "compound", "reference", "enum", "variable-length", "array"};
    return cls >= 0 && cls <= 10 ? names[cls] : "unknown-class";
}

std::string num(uint64_t v) { return std::to_string(v); }

struct TypeFacts {
    int cls = 0;
    uint64_t size = 0;     ///< the element size the message declares
    size_t encoded = 0;    ///< bytes the datatype's encoding takes
};

/// Checks one encoded datatype of at most `n` bytes. Accepts what h5py writes for Keras: integers,
/// floats, strings, variable-length strings, and enums (h5py's bool) whose parts agree.
/// `sizeofAddr` is the file's address size (a variable-length element is a length and a heap id).
TypeFacts checkDatatype(const unsigned char* d, size_t n, int depth, int sizeofAddr) {
    if (depth > 2) throw Bad{"datatype nested too deeply"};
    if (n < 8) throw Bad{"datatype truncated (" + num(n) + " bytes)"};
    const int cls = d[0] & 0x0f;
    const int version = d[0] >> 4;
    if (version < 1 || version > 4) throw Bad{"unknown datatype version " + num(version)};
    const uint32_t bits = d[1] | (d[2] << 8) | (d[3] << 16);
    const uint64_t size = readLE(d + 4, 4);
    const uint64_t bitsTotal = 8 * size;
    switch (cls) {
        case kInteger: {
            if (n < 12) throw Bad{"integer datatype truncated"};
            const uint64_t offset = readLE(d + 8, 2), precision = readLE(d + 10, 2);
            if (size != 1 && size != 2 && size != 4 && size != 8) throw Bad{"integer of " + num(size) + " bytes"};
            if (precision == 0 || offset + precision > bitsTotal)
                throw Bad{"integer of " + num(precision) + " bits at bit " + num(offset) + " does not fit its " +
                          num(size) + " bytes"};
            return {cls, size, 12};
        }
        case kFloat: {
            if (n < 20) throw Bad{"float datatype truncated"};
            const uint64_t offset = readLE(d + 8, 2), precision = readLE(d + 10, 2);
            const unsigned expPos = d[12], expBits = d[13], mantPos = d[14], mantBits = d[15];
            const unsigned signPos = (bits >> 8) & 0xff;
            if (size != 2 && size != 4 && size != 8) throw Bad{"float of " + num(size) + " bytes"};
            if (precision == 0 || offset + precision > bitsTotal || expBits == 0 || mantBits == 0 ||
                expPos + expBits > bitsTotal || mantPos + mantBits > bitsTotal || signPos >= bitsTotal)
                throw Bad{"float layout (sign, exponent and mantissa bits) does not fit its " + num(size) + " bytes"};
            return {cls, size, 20};
        }
        case kString: {
            if (size == 0) throw Bad{"fixed-length string of 0 bytes"};
            if ((bits & 0x0f) > 2 || ((bits >> 4) & 0x0f) > 1) throw Bad{"unknown string padding or character set"};
            return {cls, size, 8};
        }
        case kVarLen: {
            if ((bits & 0x0f) != 1) throw Bad{"variable-length sequence (Strata reads variable-length strings only)"};
            const TypeFacts base = checkDatatype(d + 8, n - 8, depth + 1, sizeofAddr);
            if ((base.cls != kInteger && base.cls != kString) || base.size != 1)
                throw Bad{std::string("variable-length string of ") + className(base.cls) + "s of " + num(base.size) +
                          " bytes"};
            // libhdf5 sizes the attribute's data by this field but reads 4 + address + 4 bytes
            // per element (found by the fuzzer: 16 bytes read from a 9-byte buffer).
            const uint64_t element = 4 + static_cast<uint64_t>(sizeofAddr) + 4;
            if (size != element)
                throw Bad{"variable-length string declared " + num(size) + " bytes per element; they take " +
                          num(element)};
            return {cls, size, 8 + base.encoded};
        }
        case kEnum: {
            // The case libhdf5 mis-copies: its value buffer holds members x base size, the copy
            // reads members x the enum's own size.
            const uint64_t members = bits & 0xffff;
            const TypeFacts base = checkDatatype(d + 8, n - 8, depth + 1, sizeofAddr);
            if (base.cls != kInteger) throw Bad{std::string("enum over a ") + className(base.cls)};
            if (base.size != size)
                throw Bad{"enum of " + num(size) + " bytes over a " + num(base.size) + "-byte integer"};
            size_t p = 8 + base.encoded;
            for (uint64_t i = 0; i < members; ++i) {  // names: NUL-terminated, padded to 8 before version 3
                const void* nul = p < n ? std::memchr(d + p, 0, n - p) : nullptr;
                if (!nul) throw Bad{"enum member names run past the datatype"};
                const size_t len = static_cast<size_t>(static_cast<const unsigned char*>(nul) - (d + p)) + 1;
                p += version >= 3 ? len : (len + 7) / 8 * 8;
            }
            if (p > n || members * size > n - p) throw Bad{"enum member values run past the datatype"};
            return {cls, size, p + members * size};
        }
        default:
            throw Bad{std::string("an HDF5 ") + className(cls) + " datatype (Keras stores numbers and strings only)"};
    }
}

/// Number of elements an encoded dataspace of `n` bytes describes.
uint64_t dataspaceElements(const unsigned char* d, size_t n, int sizeofSize) {
    if (n < 4) throw Bad{"dataspace truncated"};
    const int version = d[0], rank = d[1];
    size_t p;
    int kind;  // 0 scalar, 1 simple, 2 null
    if (version == 1) {
        p = 8;
        kind = rank == 0 ? 0 : 1;
    } else if (version == 2) {
        p = 4;
        kind = d[3];
    } else {
        throw Bad{"unknown dataspace version " + num(version)};
    }
    if (rank > 32) throw Bad{"dataspace of rank " + num(rank)};
    if (kind == 2) return 0;
    if (kind == 0) return 1;
    if (kind != 1) throw Bad{"unknown dataspace kind " + num(kind)};
    if (p + static_cast<size_t>(rank) * sizeofSize > n) throw Bad{"dataspace dimensions truncated"};
    uint64_t count = 1;
    for (int i = 0; i < rank; ++i) {
        const uint64_t dim = readLE(d + p + static_cast<size_t>(i) * sizeofSize, sizeofSize);
        if (dim != 0 && count > (uint64_t(1) << 40) / dim) throw Bad{"dataspace of more than 2^40 elements"};
        count *= dim;
    }
    return count;
}

/// What an attribute message holds, once checked.
struct AttributeFacts {
    TypeFacts type;
    uint64_t count = 0;                 ///< elements
    const unsigned char* data = nullptr;  ///< count x type.size bytes, inside the message
};

/// Checks an attribute message of `n` bytes; `name` receives the attribute's name once read.
AttributeFacts checkAttribute(const unsigned char* d, size_t n, int sizeofAddr, int sizeofSize, std::string& name) {
    if (n < 8) throw Bad{"attribute message truncated"};
    const int version = d[0];
    if (version < 1 || version > 3) throw Bad{"unknown attribute message version " + num(version)};
    if (version >= 2 && (d[1] & 0x03)) throw Bad{"attribute with a shared datatype or dataspace (Keras writes none)"};
    const size_t nameSize = readLE(d + 2, 2), typeSize = readLE(d + 4, 2), spaceSize = readLE(d + 6, 2);
    auto padded = [&](size_t x) { return version == 1 ? (x + 7) / 8 * 8 : x; };
    size_t p = version == 3 ? 9 : 8;
    if (nameSize == 0 || p + nameSize > n) throw Bad{"attribute name runs past its message"};
    name.assign(reinterpret_cast<const char*>(d + p), strnlen(reinterpret_cast<const char*>(d + p), nameSize));
    p += padded(nameSize);
    if (p > n || typeSize > n - p) throw Bad{"datatype runs past its message"};
    const TypeFacts type = checkDatatype(d + p, typeSize, 0, sizeofAddr);
    if (type.encoded > typeSize) throw Bad{"datatype longer than its declared " + num(typeSize) + " bytes"};
    p += padded(typeSize);
    if (p > n || spaceSize > n - p) throw Bad{"dataspace runs past its message"};
    const uint64_t count = dataspaceElements(d + p, spaceSize, sizeofSize);
    p += padded(spaceSize);
    const uint64_t element = type.size;  // for variable-length strings checked to be their disk size
    const uint64_t room = p <= n ? n - p : 0;
    if (count > 0 && (element > room / count || count * element > room))
        throw Bad{"declares " + num(count) + " elements of " + num(element) + " bytes, but its message holds " +
                  num(room) + " bytes of data"};
    return {type, count, d + p};
}

bool undefinedAddress(const unsigned char* p, int bytes) {
    for (int i = 0; i < bytes; ++i)
        if (p[i] != 0xff) return false;
    return true;
}

}  // namespace

HeaderCheck::HeaderCheck(std::shared_ptr<const FileBytes> bytes, std::string name)
    : bytes_(std::move(bytes)), name_(std::move(name)) {
    // The superblock sits at 0 or after a user block of 512, 1024, 2048, ... bytes; addresses in
    // the file count from it.
    const FileBytes& file = *bytes_;
    unsigned char sb[96];
    for (int64_t at = 0; at <= (int64_t(1) << 30) && at < file.size(); at = at ? at * 2 : 512) {
        if (!file.read(at, 16, sb) || std::memcmp(sb, "\x89HDF\r\n\x1a\n", 8) != 0) continue;
        const int version = sb[8];
        const int offsets = version <= 1 ? sb[13] : sb[9], lengths = version <= 1 ? sb[14] : sb[10];
        if ((offsets != 2 && offsets != 4 && offsets != 8) || (lengths != 2 && lengths != 4 && lengths != 8)) return;
        // Version 0/1: fixed fields (24/28 bytes), base, free-space, end-of-file and driver
        // addresses, then the root's symbol table entry (link name offset, header address).
        // Version 2/3: 12 bytes, base, extension and end-of-file addresses, then the root's header.
        size_t rootAt;
        if (version == 0 || version == 1) rootAt = (version == 0 ? 24 : 28) + 5 * static_cast<size_t>(offsets);
        else if (version == 2 || version == 3) rootAt = 12 + 3 * static_cast<size_t>(offsets);
        else return;
        if (!file.read(at, static_cast<int64_t>(rootAt + offsets), sb)) return;
        sizeofAddr_ = offsets;
        sizeofSize_ = lengths;
        base_ = static_cast<uint64_t>(at);
        if (!undefinedAddress(sb + rootAt, offsets)) root_ = readLE(sb + rootAt, offsets);
        return;
    }
}

void HeaderCheck::checkLocalHeap(uint64_t address) const {
    // "HEAP", version 0, 3 reserved bytes, data segment size, free-list offset, data address.
    unsigned char h[8 + 3 * 8];
    const int64_t at = static_cast<int64_t>(base_ + address);
    const int64_t len = 8 + 2 * sizeofSize_ + sizeofAddr_;
    if (address > uint64_t(1) << 62 || !bytes_->read(at, len, h) || std::memcmp(h, "HEAP", 4) != 0 || h[4] != 0)
        throw Bad{"the group's local heap at address " + num(address) + " is missing or damaged"};
    const uint64_t dataSize = readLE(h + 8, sizeofSize_);
    const uint64_t dataAddress = readLE(h + 8 + 2 * sizeofSize_, sizeofAddr_);
    const uint64_t fileSize = static_cast<uint64_t>(bytes_->size());
    if (dataSize > fileSize || dataAddress > fileSize || base_ + dataAddress + dataSize > fileSize)
        throw Bad{"the group's local heap declares " + num(dataSize) + " bytes at address " + num(dataAddress) +
                  " in a file of " + num(fileSize)};
}

void HeaderCheck::checkStringReferences(const unsigned char* data, uint64_t count) {
    // Each element: the string's length, then its global heap id (collection address, object
    // index). H5Aread hands the id to H5HG_read, which indexes the collection's object table
    // without a bounds check and copies the object's whole size into a buffer of the element's
    // length: a damaged id was a SEGV inside libhdf5 (found by the fuzzer).
    const size_t element = 4 + static_cast<size_t>(sizeofAddr_) + 4;
    const uint64_t fileSize = static_cast<uint64_t>(bytes_->size());
    for (uint64_t i = 0; i < count; ++i) {
        const unsigned char* e = data + i * element;
        const uint64_t length = readLE(e, 4);
        if (length == 0) continue;  // an empty string: libhdf5 does not look in the heap
        const uint64_t collection = readLE(e + 4, sizeofAddr_), index = readLE(e + 4 + sizeofAddr_, 4);
        const std::string which = "string " + num(i) + " (" + num(length) + " bytes, object " + num(index) +
                                  " of the global heap collection at address " + num(collection) + ")";
        if (length > fileSize) throw Bad{which + " is longer than the file"};
        if (collection > fileSize) throw Bad{which + ": the address lies outside the file"};
        const std::map<uint64_t, uint64_t>* objects;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto found = collections_.find(collection);
            if (found == collections_.end()) {
                try {
                    found = collections_.emplace(collection, collectionObjects(*bytes_, static_cast<int64_t>(base_ + collection), sizeofSize_)).first;
                } catch (const HeapDamage& d) {
                    throw Bad{which + ": " + d.what + " (byte " + num(static_cast<uint64_t>(d.offset)) + ")"};
                }
            }
            objects = &found->second;  // map nodes stay put while others are added
        }
        const auto object = objects->find(index);
        if (object == objects->end()) throw Bad{which + ": the collection has no such object"};
        if (object->second > length)
            throw Bad{which + ": the object holds " + num(object->second) + " bytes, more than the string's length"};
    }
}

void HeaderCheck::checkRoot() {
    if (root_ != ~uint64_t(0)) checkHeaderAt(root_, name_ + ":/");
}

void HeaderCheck::checkObject(hid_t loc, const std::string& name, const std::string& where) {
    // Component by component, from the links alone: asking libhdf5 about an object (H5Oget_info,
    // H5Oopen) loads its header, the very thing to be checked (a 2^58-byte chunk reached malloc
    // that way). Resolving "a/b" loads a's header, which the previous step checked.
    for (size_t slash = name.find('/', 1);; slash = name.find('/', slash + 1)) {
        const std::string prefix = name.substr(0, slash);
        H5L_info_t link{};
        if (H5Lget_info(loc, prefix.c_str(), &link, H5P_DEFAULT) < 0) {
            H5Eclear2(H5E_DEFAULT);
            return;  // the caller's open reports a missing or unreadable object
        }
        const std::string at = slash == std::string::npos ? where : where.substr(0, where.size() - (name.size() - prefix.size()));
        if (link.type != H5L_TYPE_HARD)
            throw IoError("'" + at + "' is a soft or external link, which Keras files never hold; the file cannot be read safely");
        checkHeaderAt(link.u.address, at);
        if (slash == std::string::npos) return;
    }
}

void HeaderCheck::checkHeaderAt(uint64_t address, const std::string& where) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (checked_.count(address)) return;
    }
    const FileBytes& file = *bytes_;
    struct Chunk {
        int64_t start, length;  // the messages' bytes, in absolute file offsets
    };
    std::string attribute;  // the attribute being checked, for the message
    try {
        const int64_t at = static_cast<int64_t>(base_ + address);
        unsigned char prefix[16];
        if (address > uint64_t(1) << 62 || !file.read(at, 6, prefix))
            throw Bad{"object header at address " + num(address) + " lies outside the file"};
        const bool v2 = std::memcmp(prefix, "OHDR", 4) == 0;
        int headerFlags = 0;
        std::deque<Chunk> todo;
        if (v2) {
            if (prefix[4] != 2) throw Bad{"unknown object header version " + num(prefix[4])};
            headerFlags = prefix[5];
            int64_t p = at + 6 + ((headerFlags & 0x20) ? 16 : 0) + ((headerFlags & 0x10) ? 4 : 0);
            const int width = 1 << (headerFlags & 0x03);
            unsigned char size0[8];
            if (!file.read(p, width, size0)) throw Bad{"object header truncated"};
            todo.push_back({p + width, static_cast<int64_t>(readLE(size0, width))});
        } else {
            if (!file.read(at, 16, prefix)) throw Bad{"object header truncated"};
            if (prefix[0] != 1) throw Bad{"not an object header (version " + num(prefix[0]) + ")"};
            todo.push_back({at + 16, static_cast<int64_t>(readLE(prefix + 8, 4))});
        }
        const size_t messageHeader = v2 ? 4 + ((headerFlags & 0x04) ? 2 : 0) : 8;
        std::set<int64_t> seen;
        std::vector<unsigned char> buf;
        for (int chunks = 0; !todo.empty(); ++chunks) {
            const Chunk c = todo.front();
            todo.pop_front();
            if (chunks >= kMaxChunks) throw Bad{"object header of more than " + num(kMaxChunks) + " chunks"};
            if (c.length < 0 || c.length > kMaxChunkBytes)
                throw Bad{"object header chunk of " + num(static_cast<uint64_t>(c.length)) + " bytes"};
            if (!seen.insert(c.start).second) throw Bad{"object header continuations form a loop"};
            buf.resize(static_cast<size_t>(c.length));
            if (!file.read(c.start, c.length, buf.data()))
                throw Bad{"object header chunk at byte " + num(c.start) + " runs past the end of the file"};
            for (size_t p = 0; p + messageHeader <= buf.size();) {
                const unsigned type = v2 ? buf[p] : static_cast<unsigned>(readLE(&buf[p], 2));
                const size_t size = readLE(&buf[p + (v2 ? 1 : 2)], 2);
                const unsigned flags = buf[p + (v2 ? 3 : 4)];
                p += messageHeader;
                if (size > buf.size() - p)
                    throw Bad{"header message (type " + num(type) + ") at byte " + num(c.start + p) +
                              " runs past its chunk"};
                const unsigned char* d = buf.data() + p;
                p += size;
                if ((type == kDatatypeMessage || type == kAttributeMessage) && (flags & kMessageShared))
                    throw Bad{"shared (committed) datatype or attribute, which Keras never writes"};
                if (type == kDatatypeMessage) {
                    const TypeFacts t = checkDatatype(d, size, 0, sizeofAddr_);
                    if (t.encoded > size) throw Bad{"datatype longer than its message"};
                } else if (type == kAttributeMessage) {
                    attribute.clear();
                    const AttributeFacts a = checkAttribute(d, size, sizeofAddr_, sizeofSize_, attribute);
                    if (a.type.cls == kVarLen) checkStringReferences(a.data, a.count);
                    attribute.clear();
                } else if (type == kContinuationMessage) {
                    if (size < static_cast<size_t>(sizeofAddr_ + sizeofSize_)) throw Bad{"continuation message truncated"};
                    if (undefinedAddress(d, sizeofAddr_)) throw Bad{"continuation to an undefined address"};
                    const uint64_t addr = readLE(d, sizeofAddr_), length = readLE(d + sizeofAddr_, sizeofSize_);
                    if (addr > uint64_t(1) << 62 || length > static_cast<uint64_t>(kMaxChunkBytes))
                        throw Bad{"continuation chunk of " + num(length) + " bytes at address " + num(addr)};
                    const int64_t start = static_cast<int64_t>(base_ + addr);
                    if (v2) {
                        unsigned char sig[4];
                        if (length < 8 || !file.read(start, 4, sig) || std::memcmp(sig, "OCHK", 4) != 0)
                            throw Bad{"continuation chunk at address " + num(addr) + " has no OCHK signature"};
                        todo.push_back({start + 4, static_cast<int64_t>(length) - 8});  // signature, checksum
                    } else {
                        todo.push_back({start, static_cast<int64_t>(length)});
                    }
                } else if (type == kSymbolTableMessage) {
                    // A version-1 group's link names live in a local heap whose data size libhdf5
                    // allocates as declared.
                    if (size < static_cast<size_t>(2 * sizeofAddr_)) throw Bad{"symbol table message truncated"};
                    checkLocalHeap(readLE(d + sizeofAddr_, sizeofAddr_));
                } else if (type == kAttributeInfoMessage) {
                    // Dense storage puts attributes in a fractal heap this check cannot see.
                    const size_t heapAt = 2 + ((size > 1 && (d[1] & 0x01)) ? 2 : 0);
                    if (size < heapAt + sizeofAddr_) throw Bad{"attribute info message truncated"};
                    if (!undefinedAddress(d + heapAt, sizeofAddr_))
                        throw Bad{"attributes kept in dense storage (more than 8 on one object); Strata reads "
                                  "the compact attributes Keras and h5py write"};
                }
            }
        }
    } catch (const Bad& bad) {
        throw IoError("'" + where + "': " + (attribute.empty() ? "" : "attribute '" + attribute + "': ") + bad.what +
                      "; the file cannot be read safely");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    checked_.insert(address);
}

}  // namespace strata::h5
