#include "engine/data/idx.h"

#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "engine/core/errors.h"

namespace strata {

namespace {

/// A file read through zlib: gzread passes plain files through unchanged.
class GzReader {
public:
    explicit GzReader(const std::string& path) : path_(path) {
        file_ = gzopen(path.c_str(), "rb");
        if (!file_) throw IoError("cannot open '" + path + "': " + std::strerror(errno));
        gzbuffer(file_, 1 << 17);
    }
    ~GzReader() {
        if (file_) gzclose(file_);
    }
    /// Reads exactly n bytes; `what` names them in the error.
    void read(void* dst, size_t n, const std::string& what) {
        auto* p = static_cast<unsigned char*>(dst);
        size_t done = 0;
        while (done < n) {
            unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
            int got = gzread(file_, p + done, chunk);
            if (got < 0) {
                int err = 0;
                const char* msg = gzerror(file_, &err);
                throw IoError("'" + path_ + "': read error at byte " + std::to_string(offset_ + done) + " (" +
                              (msg ? msg : "unknown") + ") while reading " + what);
            }
            if (got == 0)
                throw IoError("'" + path_ + "' is truncated: it ends at byte " + std::to_string(offset_ + done) +
                              " while reading " + what + " (" + std::to_string(n) + " bytes expected from byte " +
                              std::to_string(offset_) + ")");
            done += static_cast<size_t>(got);
        }
        offset_ += n;
    }
    uint64_t offset() const { return offset_; }

private:
    std::string path_;
    gzFile file_ = nullptr;
    uint64_t offset_ = 0;
};

uint32_t bigEndian32(const unsigned char* b) {
    return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | uint32_t(b[3]);
}

}  // namespace

Tensor readIdx(const std::string& path, int64_t maxItems) {
    GzReader in(path);
    unsigned char magic[4];
    in.read(magic, 4, "the IDX magic number");
    if (magic[0] != 0 || magic[1] != 0)
        throw IoError("'" + path + "' is not an IDX file: the magic number at byte 0 must start with two zero bytes");
    const int type = magic[2];
    const int ndims = magic[3];
    int elemSize = 0;
    switch (type) {
        case 0x08: case 0x09: elemSize = 1; break;
        case 0x0B: elemSize = 2; break;
        case 0x0C: case 0x0D: elemSize = 4; break;
        case 0x0E: elemSize = 8; break;
        default:
            throw IoError("'" + path + "': unknown IDX data type 0x" +
                          [&] { char b[8]; std::snprintf(b, sizeof b, "%02X", type); return std::string(b); }() +
                          " at byte 2 (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)");
    }
    if (ndims == 0) throw IoError("'" + path + "': IDX file with zero dimensions (byte 3)");
    std::vector<int64_t> shape(static_cast<size_t>(ndims));
    for (int d = 0; d < ndims; ++d) {
        unsigned char b[4];
        in.read(b, 4, "dimension " + std::to_string(d));
        shape[size_t(d)] = bigEndian32(b);
    }
    if (maxItems >= 0 && maxItems < shape[0]) shape[0] = maxItems;
    const int64_t count = product(shape);
    if (count > (int64_t(1) << 34)) throw IoError("'" + path + "': IDX dimensions are implausibly large");
    Tensor t(shape);
    const uint64_t dataStart = in.offset();
    std::vector<unsigned char> buf;
    const int64_t chunkItems = std::max<int64_t>(1, (int64_t(1) << 22) / elemSize);
    for (int64_t done = 0; done < count;) {
        const int64_t m = std::min(chunkItems, count - done);
        buf.resize(size_t(m * elemSize));
        in.read(buf.data(), buf.size(),
                "the data (item " + std::to_string(done) + " of " + std::to_string(count) + ", data starts at byte " +
                    std::to_string(dataStart) + ")");
        float* out = t.data() + done;
        const unsigned char* p = buf.data();
        for (int64_t i = 0; i < m; ++i, p += elemSize) {
            switch (type) {
                case 0x08: out[i] = float(p[0]); break;
                case 0x09: out[i] = float(int8_t(p[0])); break;
                case 0x0B: out[i] = float(int16_t((uint16_t(p[0]) << 8) | p[1])); break;
                case 0x0C: out[i] = float(int32_t(bigEndian32(p))); break;
                case 0x0D: {
                    uint32_t u = bigEndian32(p);
                    float f;
                    std::memcpy(&f, &u, 4);
                    out[i] = f;
                    break;
                }
                case 0x0E: {
                    uint64_t u = (uint64_t(bigEndian32(p)) << 32) | bigEndian32(p + 4);
                    double d;
                    std::memcpy(&d, &u, 8);
                    out[i] = float(d);
                    break;
                }
            }
        }
        done += m;
    }
    return t;
}

void writeIdxUbyte(const std::string& path, const Tensor& values) {
    const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    gzFile f = gzopen(path.c_str(), gz ? "wb6" : "wbT");
    if (!f) throw IoError("cannot open '" + path + "' for writing: " + std::strerror(errno));
    std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(f, gzclose);
    std::vector<unsigned char> bytes = {0, 0, 0x08, static_cast<unsigned char>(values.rank())};
    for (int64_t d : values.shape())
        for (int s = 24; s >= 0; s -= 8) bytes.push_back(static_cast<unsigned char>((uint64_t(d) >> s) & 0xFF));
    for (int64_t i = 0; i < values.size(); ++i) {
        float v = values[i];
        if (!(v >= 0 && v <= 255) || v != std::floor(v))
            throw ValueError("writeIdxUbyte('" + path + "'): value " + std::to_string(v) + " at index " +
                             std::to_string(i) + " is not an integer in [0, 255]");
        bytes.push_back(static_cast<unsigned char>(v));
    }
    if (gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) != int(bytes.size()))
        throw IoError("cannot write '" + path + "'");
}

std::string defaultFashionMnistDir() {
    if (const char* env = std::getenv("STRATA_DATASETS"); env && *env) return std::string(env) + "/fashion-mnist";
    return "/usr/share/datasets/fashion-mnist";
}

namespace {
std::string findIdx(const std::string& dir, const std::string& base) {
    namespace fs = std::filesystem;
    for (const std::string& name : {base + ".gz", base}) {
        fs::path p = fs::path(dir) / name;
        if (fs::exists(p)) return p.string();
    }
    throw IoError("Fashion-MNIST file '" + base + ".gz' (or '" + base + "') not found in '" + dir + "'");
}
}  // namespace

FashionMnist loadFashionMnist(const std::string& dir, int64_t maxTrain, int64_t maxTest) {
    FashionMnist d;
    d.yTrain = readIdx(findIdx(dir, "train-labels-idx1-ubyte"), maxTrain);
    d.xTrain = readIdx(findIdx(dir, "train-images-idx3-ubyte"), maxTrain);
    d.yTest = readIdx(findIdx(dir, "t10k-labels-idx1-ubyte"), maxTest);
    d.xTest = readIdx(findIdx(dir, "t10k-images-idx3-ubyte"), maxTest);
    auto check = [&](const Tensor& x, const Tensor& y, const char* which) {
        if (x.rank() != 3 || y.rank() != 1 || x.dim(0) != y.dim(0))
            throw IoError("Fashion-MNIST in '" + dir + "': " + which + " images " + x.shapeString() + " and labels " +
                          y.shapeString() + " do not match");
    };
    check(d.xTrain, d.yTrain, "training");
    check(d.xTest, d.yTest, "test");
    return d;
}

const std::vector<std::string>& fashionMnistClassNames() {
    static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                   "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

}  // namespace strata
