#include "engine/data/npy.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "engine/core/errors.h"
#include "engine/graph/model_config.h"
#include "engine/io/zip_archive.h"

namespace strata {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMaxHeader = 1 << 20;  // numpy itself refuses headers above 10k by default

[[noreturn]] void fail(const std::string& source, const std::string& what) {
    throw IoError("'" + source + "': " + what);
}

// ---- the header: a Python dict literal -----------------------------------------------------------

struct HeaderParser {
    const std::string& s;
    const std::string& source;
    size_t i = 0;

    void ws() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    }
    [[noreturn]] void bad(const std::string& what) {
        fail(source, "bad .npy header (" + what + "): " + s.substr(0, 200));
    }
    bool eat(char c) {
        ws();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    std::string str() {
        ws();
        if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) bad("expected a quoted string at offset " + std::to_string(i));
        char q = s[i++];
        std::string out;
        while (i < s.size() && s[i] != q) out += s[i++];
        if (i >= s.size()) bad("unterminated string");
        ++i;
        return out;
    }
    std::string word() {
        ws();
        std::string out;
        while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) out += s[i++];
        return out;
    }
    std::vector<int64_t> tuple() {
        ws();
        if (!eat('(')) bad("'shape' must be a tuple");
        std::vector<int64_t> dims;
        while (true) {
            if (eat(')')) break;
            std::string w = word();
            if (w.empty()) bad("'shape' must hold non-negative integers");
            // strip a Python 2 long suffix
            if (!w.empty() && (w.back() == 'L' || w.back() == 'l')) w.pop_back();
            if (w.empty()) bad("'shape' must hold non-negative integers");
            for (char c : w)
                if (!std::isdigit(static_cast<unsigned char>(c))) bad("'shape' must hold non-negative integers");
            if (w.size() > 18) fail(source, "absurd shape: a dimension of " + w + " elements");
            dims.push_back(std::stoll(w));
            if (eat(')')) break;
            if (!eat(',')) bad("expected ',' in 'shape'");
        }
        return dims;
    }
};

struct Header {
    std::string descr;
    bool fortran = false;
    std::vector<int64_t> shape;
};

Header parseHeaderDict(const std::string& text, const std::string& source) {
    HeaderParser p{text, source};
    Header h;
    bool haveDescr = false, haveOrder = false, haveShape = false;
    if (!p.eat('{')) p.bad("not a dict");
    while (true) {
        if (p.eat('}')) break;
        std::string key = p.str();
        if (!p.eat(':')) p.bad("expected ':' after '" + key + "'");
        if (key == "descr") {
            p.ws();
            if (p.i < text.size() && text[p.i] == '[')
                fail(source, "structured arrays (record dtypes) are not supported; save a plain numeric array");
            h.descr = p.str();
            haveDescr = true;
        } else if (key == "fortran_order") {
            std::string w = p.word();
            if (w != "True" && w != "False") p.bad("'fortran_order' must be True or False");
            h.fortran = w == "True";
            haveOrder = true;
        } else if (key == "shape") {
            h.shape = p.tuple();
            haveShape = true;
        } else {
            p.bad("unexpected key '" + key + "'");
        }
        if (p.eat('}')) break;
        if (!p.eat(',')) p.bad("expected ',' between entries");
    }
    if (!haveDescr || !haveOrder || !haveShape) p.bad("it must have the keys 'descr', 'fortran_order' and 'shape'");
    return h;
}

enum class Kind { Float, Int, UInt, Bool };
struct ElemType {
    Kind kind;
    int bytes;
    bool bigEndian;
};

ElemType parseDescr(const std::string& d, const std::string& source) {
    if (d.size() < 2) fail(source, "unsupported dtype '" + d + "'");
    char order = d[0];
    std::string rest = d.substr(1);
    if (order != '<' && order != '>' && order != '|' && order != '=')
        fail(source, "unsupported dtype '" + d + "'");
    if (rest == "O") fail(source, "object arrays (dtype 'O', pickled Python objects) are not supported");
    if (rest.size() < 2) fail(source, "unsupported dtype '" + d + "'");
    char k = rest[0];
    int bytes = 0;
    try {
        bytes = std::stoi(rest.substr(1));
    } catch (...) {
        fail(source, "unsupported dtype '" + d + "'");
    }
    bool big = order == '>' || (order == '=' && std::endian::native == std::endian::big);
    ElemType t{Kind::Float, bytes, big};
    switch (k) {
        case 'f':
            if (bytes != 2 && bytes != 4 && bytes != 8) fail(source, "unsupported float dtype '" + d + "'");
            t.kind = Kind::Float;
            break;
        case 'i':
            if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8) fail(source, "unsupported int dtype '" + d + "'");
            t.kind = Kind::Int;
            break;
        case 'u':
            if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8) fail(source, "unsupported uint dtype '" + d + "'");
            t.kind = Kind::UInt;
            break;
        case 'b':
            if (bytes != 1) fail(source, "unsupported dtype '" + d + "'");
            t.kind = Kind::Bool;
            break;
        default:
            fail(source, "unsupported dtype '" + d + "' (Strata reads float16/32/64, integer and bool arrays)");
    }
    return t;
}

float halfToFloat(uint16_t h) {
    uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v;
    if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
    else if (exp == 31) v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
    else v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
    return sign ? -v : v;
}

// Reads element `i` of raw little/big-endian data as a double (integers exactly up to 2^53).
template <class T>
T loadAs(const unsigned char* p, int bytes, bool big) {
    unsigned char b[8];
    for (int k = 0; k < bytes; ++k) b[k] = big ? p[bytes - 1 - k] : p[k];
    T v;
    std::memcpy(&v, b, sizeof(T));
    return v;
}

}  // namespace

Tensor parseNpy(const std::string& bytes, const std::string& source) {
    if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
        fail(source, "not a .npy file (missing the \\x93NUMPY magic)");
    int major = static_cast<unsigned char>(bytes[6]);
    size_t headerLen = 0, pos = 0;
    if (major == 1) {
        headerLen = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
        pos = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) fail(source, "truncated .npy header");
        headerLen = 0;
        for (int k = 3; k >= 0; --k) headerLen = (headerLen << 8) | static_cast<unsigned char>(bytes[8 + k]);
        pos = 12;
    } else {
        fail(source, "unsupported .npy format version " + std::to_string(major));
    }
    if (headerLen > kMaxHeader) fail(source, "absurd .npy header length " + std::to_string(headerLen));
    if (pos + headerLen > bytes.size())
        fail(source, "truncated .npy header (declares " + std::to_string(headerLen) + " bytes, file has " +
                         std::to_string(bytes.size() - pos) + ")");
    std::string text = bytes.substr(pos, headerLen);
    pos += headerLen;
    Header h = parseHeaderDict(text, source);
    if (h.fortran)
        fail(source, "Fortran-order arrays are not supported; save with numpy.ascontiguousarray(a) (C order)");
    ElemType et = parseDescr(h.descr, source);
    int64_t count = 1;
    for (int64_t d : h.shape) {
        if (d < 0 || (d > 0 && count > kMaxArrayElements / d))
            fail(source, "absurd shape " + shapeToString(h.shape) + " (more than 2^31 elements)");
        count *= d;
    }
    if (count > kMaxArrayElements) fail(source, "absurd shape " + shapeToString(h.shape) + " (more than 2^31 elements)");
    uint64_t need = static_cast<uint64_t>(count) * static_cast<uint64_t>(et.bytes);
    uint64_t have = bytes.size() - pos;
    if (have < need)
        fail(source, "truncated data: shape " + shapeToString(h.shape) + " of " + h.descr + " needs " +
                         std::to_string(need) + " bytes, the file holds " + std::to_string(have));
    Tensor t(h.shape);
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + pos);
    float* out = t.data();
    if (et.kind == Kind::Float) {
        for (int64_t i = 0; i < count; ++i, p += et.bytes) {
            if (et.bytes == 4) out[i] = loadAs<float>(p, 4, et.bigEndian);
            else if (et.bytes == 8) out[i] = static_cast<float>(loadAs<double>(p, 8, et.bigEndian));
            else out[i] = halfToFloat(loadAs<uint16_t>(p, 2, et.bigEndian));
        }
        return t;
    }
    t.setDType(DType::Int32);
    constexpr int64_t kExact = int64_t(1) << 24;
    for (int64_t i = 0; i < count; ++i, p += et.bytes) {
        int64_t v = 0;
        if (et.kind == Kind::Bool) {
            v = *p ? 1 : 0;
        } else if (et.kind == Kind::Int) {
            switch (et.bytes) {
                case 1: v = static_cast<int8_t>(*p); break;
                case 2: v = loadAs<int16_t>(p, 2, et.bigEndian); break;
                case 4: v = loadAs<int32_t>(p, 4, et.bigEndian); break;
                default: v = loadAs<int64_t>(p, 8, et.bigEndian); break;
            }
        } else {
            uint64_t u = 0;
            switch (et.bytes) {
                case 1: u = *p; break;
                case 2: u = loadAs<uint16_t>(p, 2, et.bigEndian); break;
                case 4: u = loadAs<uint32_t>(p, 4, et.bigEndian); break;
                default: u = loadAs<uint64_t>(p, 8, et.bigEndian); break;
            }
            v = u > static_cast<uint64_t>(kExact) ? kExact + 1 : static_cast<int64_t>(u);
        }
        if (v > kExact || v < -kExact)
            fail(source, "integer value " + std::to_string(v) + " at flat index " + std::to_string(i) +
                             " does not fit an id tensor (|v| <= 2^24)");
        out[i] = static_cast<float>(v);
    }
    return t;
}

Tensor loadNpy(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw IoError("cannot open '" + path + "' for reading");
    auto size = static_cast<uint64_t>(in.tellg());
    // Header + 2^31 float64 at most; anything larger cannot be a valid array for us.
    if (size > (static_cast<uint64_t>(kMaxArrayElements) * 8 + kMaxHeader + 16))
        fail(path, "file too large (" + std::to_string(size) + " bytes)");
    in.seekg(0);
    // Read the header first so an absurd declaration is refused before the data is read.
    std::string bytes(static_cast<size_t>(std::min<uint64_t>(size, 12)), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::string rest(static_cast<size_t>(size - bytes.size()), '\0');
    in.read(rest.data(), static_cast<std::streamsize>(rest.size()));
    if (!in) throw IoError("reading '" + path + "' failed");
    return parseNpy(bytes + rest, path);
}

std::string encodeNpy(const Tensor& t) {
    bool ints = t.dtype() == DType::Int32;
    std::string shape = "(";
    for (size_t i = 0; i < t.shape().size(); ++i) shape += std::to_string(t.shape()[i]) + (t.shape().size() == 1 ? "," : (i + 1 < t.shape().size() ? ", " : ""));
    shape += ")";
    std::string dict = std::string("{'descr': '") + (ints ? "<i4" : "<f4") + "', 'fortran_order': False, 'shape': " + shape + ", }";
    size_t total = 10 + dict.size() + 1;
    size_t padded = (total + 63) / 64 * 64;
    dict += std::string(padded - total, ' ') + "\n";
    std::string out(kMagic, 6);
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(dict.size() & 0xff);
    out += static_cast<char>((dict.size() >> 8) & 0xff);
    out += dict;
    size_t start = out.size();
    out.resize(start + static_cast<size_t>(t.size()) * 4);
    char* dst = out.data() + start;
    for (int64_t i = 0; i < t.size(); ++i) {
        uint32_t bits;
        if (ints) {
            int32_t v = static_cast<int32_t>(std::lround(t[i]));
            std::memcpy(&bits, &v, 4);
        } else {
            float v = t[i];
            std::memcpy(&bits, &v, 4);
        }
        for (int k = 0; k < 4; ++k) dst[i * 4 + k] = static_cast<char>((bits >> (8 * k)) & 0xff);
    }
    return out;
}

void saveNpy(const std::string& path, const Tensor& t) { writeFileAtomic(path, encodeNpy(t)); }

NpzArrays loadNpz(const std::string& path) {
    zipio::Reader zr(path);
    NpzArrays out;
    const uint64_t limit = static_cast<uint64_t>(kMaxArrayElements) * 8 + kMaxHeader + 16;
    for (const auto& e : zr.entries()) {
        if (!e.name.empty() && e.name.back() == '/') continue;
        std::string name = e.name;
        if (name.size() > 4 && name.substr(name.size() - 4) == ".npy") name.resize(name.size() - 4);
        std::string src = path + ":" + e.name;
        out.emplace_back(name, parseNpy(zr.read(e.name, limit), src));
    }
    return out;
}

void saveNpz(const std::string& path, const NpzArrays& arrays, bool compress) {
    zipio::Writer zw(path);
    for (const auto& [name, t] : arrays) zw.add(name + ".npy", encodeNpy(t), compress);
    zw.commit();
}

}  // namespace strata
