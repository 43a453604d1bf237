#include "engine/io/hdf5.h"

#include <algorithm>
#include <cstring>

#include "engine/core/errors.h"
#include "engine/data/npy.h"
#include "engine/io/hdf5_header_check.h"
#include "engine/io/hdf5_heap_check.h"

namespace strata::h5 {

namespace {

constexpr uint64_t kMaxAttrBytes = uint64_t(64) << 20;
constexpr size_t kKerasHeaderLimit = 64512;  // Keras's HDF5_OBJECT_HEADER_LIMIT

void silenceHdf5() {
    // Per thread in thread-safe builds, so do it on every entry point (cheap).
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

herr_t walkCb(unsigned n, const H5E_error2_t* err, void* data) {
    auto* out = static_cast<std::string*>(data);
    if (n == 0 && err && err->desc) *out = err->desc;
    return 0;
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    std::string h = lastHdf5Error();
    throw IoError("'" + where + "': " + what + (h.empty() ? "" : " (HDF5: " + h + ")"));
}

std::string shapeStr(const std::vector<int64_t>& s) {
    std::string r = "(";
    for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
    if (s.size() == 1) r += ",";
    return r + ")";
}

std::vector<int64_t> spaceShape(hid_t space, const std::string& where) {
    H5S_class_t sc = H5Sget_simple_extent_type(space);
    if (sc == H5S_SCALAR) return {};
    if (sc == H5S_NULL) return {0};
    int nd = H5Sget_simple_extent_ndims(space);
    if (nd < 0 || nd > 32) fail(where, "unreadable dataspace");
    std::vector<hsize_t> dims(static_cast<size_t>(nd));
    if (nd > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    std::vector<int64_t> out;
    for (auto d : dims) out.push_back(static_cast<int64_t>(d));
    return out;
}

int64_t checkedCount(const std::vector<int64_t>& shape, const std::string& where) {
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0 || (d > 0 && n > kMaxArrayElements / d))
            fail(where, "absurd size " + shapeStr(shape) + " (more than 2^31 elements); refusing to read it");
        n *= d;
    }
    if (n > kMaxArrayElements) fail(where, "absurd size " + shapeStr(shape) + " (more than 2^31 elements); refusing to read it");
    return n;
}

// Before a dataset's values are read into memory sized by its shape: the shape must be backed by
// data the file holds. A damaged dataspace can declare far more elements than the layout stores
// (the fuzzer found a (8257568, 96) float dataset whose contiguous storage is 12 KiB: Strata
// allocated 3 GiB before libhdf5 noticed). Contiguous and compact data must store every declared
// byte, inside the file; chunked data may be compressed, but no HDF5 filter Keras or h5py uses
// exceeds deflate's bound of about 1032:1, so more than 1100 declared bytes per stored byte is damage.
void checkStorage(hid_t ds, uint64_t declared, const std::string& where) {
    if (declared == 0) return;
    Handle plist(H5Dget_create_plist(ds));
    const H5D_layout_t layout = plist.valid() ? H5Pget_layout(plist.id()) : H5D_LAYOUT_ERROR;
    const uint64_t stored = H5Dget_storage_size(ds);
    const std::string declaredText = "declares " + std::to_string(declared) + " bytes of data but the file stores ";
    if (layout == H5D_CHUNKED) {
        if (declared / 1100 > stored)
            fail(where, declaredText + std::to_string(stored) + " (chunked; more than any compression allows)");
        return;
    }
    if (layout != H5D_CONTIGUOUS && layout != H5D_COMPACT) fail(where, "unsupported dataset layout");
    if (stored < declared) fail(where, declaredText + std::to_string(stored) + " (damaged dataspace or layout)");
    if (layout == H5D_CONTIGUOUS) {
        const haddr_t offset = H5Dget_offset(ds);
        hsize_t fileSize = 0;
        Handle file(H5Iget_file_id(ds));
        if (offset == HADDR_UNDEF || !file.valid() || H5Fget_filesize(file.id(), &fileSize) < 0)
            fail(where, "the data's address cannot be read");
        if (offset > fileSize || declared > fileSize - offset)
            fail(where, "the data (" + std::to_string(declared) + " bytes at offset " + std::to_string(offset) +
                            ") runs past the end of the file (" + std::to_string(fileSize) + " bytes; truncated?)");
    }
}

TypeInfo typeInfo(hid_t type, hid_t space, const std::string& where) {
    TypeInfo t;
    switch (H5Tget_class(type)) {
        case H5T_FLOAT: t.cls = TypeInfo::Float; break;
        case H5T_INTEGER: t.cls = TypeInfo::Integer; break;
        case H5T_STRING: t.cls = TypeInfo::String; break;
        default: t.cls = TypeInfo::Other; break;
    }
    t.bytes = H5Tget_size(type);
    if (t.cls == TypeInfo::String) t.varLenString = H5Tis_variable_str(type) > 0;
    t.shape = spaceShape(space, where);
    return t;
}

}  // namespace

std::string lastHdf5Error() {
    std::string msg;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walkCb, &msg);
    H5Eclear2(H5E_DEFAULT);
    return msg;
}

void Handle::reset() {
    if (id_ < 0) return;
    switch (H5Iget_type(id_)) {
        case H5I_FILE: H5Fclose(id_); break;
        case H5I_GROUP: H5Gclose(id_); break;
        case H5I_DATASET: H5Dclose(id_); break;
        case H5I_ATTR: H5Aclose(id_); break;
        case H5I_DATATYPE: H5Tclose(id_); break;
        case H5I_DATASPACE: H5Sclose(id_); break;
        case H5I_GENPROP_LST: H5Pclose(id_); break;
        default: break;
    }
    id_ = -1;
}

std::string TypeInfo::describe() const {
    std::string s;
    switch (cls) {
        case Float: s = "float" + std::to_string(bytes * 8); break;
        case Integer: s = "int" + std::to_string(bytes * 8); break;
        case String: s = varLenString ? "string (variable length)" : "string (fixed length " + std::to_string(bytes) + ")"; break;
        case Other: s = "non-numeric type"; break;
    }
    return s + (shape.empty() ? " scalar" : " " + shapeStr(shape));
}

// ---- File ---------------------------------------------------------------------------------------

bool File::isHdf5(const std::string& path) {
    silenceHdf5();
    htri_t r = H5Fis_hdf5(path.c_str());
    H5Eclear2(H5E_DEFAULT);
    return r > 0;
}

File File::openRead(const std::string& path) {
    silenceHdf5();
    htri_t is = H5Fis_hdf5(path.c_str());
    if (is < 0) fail(path, "cannot open for reading");
    if (is == 0) {
        H5Eclear2(H5E_DEFAULT);
        throw IoError("'" + path + "' is not an HDF5 file");
    }
    auto bytes = FileBytes::ofFile(path);
    if (!bytes) fail(path, "cannot open for reading");
    checkGlobalHeaps(*bytes, path);
    auto check = std::make_shared<HeaderCheck>(std::move(bytes), path);
    check->checkRoot();
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) fail(path, "cannot open the HDF5 file (corrupt or truncated?)");
    return File(path, Handle(f), std::move(check));
}

File File::openImage(std::shared_ptr<const std::string> bytes, const std::string& displayName) {
    silenceHdf5();
    if (bytes->size() < 8 || bytes->compare(0, 8, "\x89HDF\r\n\x1a\n") != 0)
        throw IoError("'" + displayName + "' is not an HDF5 file");
    auto image = FileBytes::ofImage(bytes);
    checkGlobalHeaps(*image, displayName);
    auto check = std::make_shared<HeaderCheck>(std::move(image), displayName);
    check->checkRoot();
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (H5Pset_fapl_core(fapl.id(), 1 << 20, 0) < 0 ||
        H5Pset_file_image(fapl.id(), const_cast<char*>(bytes->data()), bytes->size()) < 0)
        fail(displayName, "cannot prepare the in-memory file");
    hid_t f = H5Fopen(displayName.c_str(), H5F_ACC_RDONLY, fapl.id());
    if (f < 0) fail(displayName, "cannot open the HDF5 data (corrupt or truncated?)");
    return File(displayName, Handle(f), std::move(check));
}

File File::create(const std::string& path) {
    silenceHdf5();
    hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) fail(path, "cannot create the HDF5 file");
    return File(path, Handle(f));
}

Group File::root() const {
    if (check_) check_->checkObject(h_.id(), "/", *path_ + ":/");
    hid_t g = H5Gopen2(h_.id(), "/", H5P_DEFAULT);
    if (g < 0) fail(*path_, "cannot open the root group");
    return Group(path_, "/", Handle(g), check_);
}

void File::close() {
    if (!h_.valid()) return;
    if (H5Fflush(h_.id(), H5F_SCOPE_GLOBAL) < 0) fail(*path_, "flushing the file failed");
    if (H5Fclose(h_.release()) < 0) fail(*path_, "closing the file failed");
}

// ---- Group --------------------------------------------------------------------------------------

std::string Group::childPath(const std::string& name) const {
    if (name.empty()) return path_;
    return path_ == "/" ? "/" + name : path_ + "/" + name;
}

std::string Group::where(const std::string& child) const { return *file_ + ":" + childPath(child); }

void Group::checkChild(const std::string& name) const {
    if (check_) check_->checkObject(h_.id(), name, where(name));
}

std::vector<std::string> Group::children() const {
    std::vector<std::string> out;
    auto cb = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
    };
    hsize_t idx = 0;
    if (H5Literate(h_.id(), H5_INDEX_NAME, H5_ITER_INC, &idx, cb, &out) < 0) fail(where(), "cannot list the group");
    return out;
}

bool Group::has(const std::string& name) const {
    if (name.empty()) return false;
    // H5Lexists needs every intermediate link to exist: check component by component.
    size_t pos = 0;
    while (true) {
        size_t slash = name.find('/', pos);
        std::string prefix = name.substr(0, slash);
        htri_t r = H5Lexists(h_.id(), prefix.c_str(), H5P_DEFAULT);
        if (r <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        checkChild(prefix);  // the next lookup reads this object's header
        if (slash == std::string::npos) break;
        pos = slash + 1;
    }
    // The link may dangle (soft/external); make sure the object opens.
    htri_t ok = H5Oexists_by_name(h_.id(), name.c_str(), H5P_DEFAULT);
    H5Eclear2(H5E_DEFAULT);
    return ok > 0;
}

static H5O_type_t childType(hid_t parent, const std::string& name) {
    // Called after has(), which checked the header: H5Oget_info loads it but decodes no datatype.
    H5O_info_t info{};
    if (H5Oget_info_by_name2(parent, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return H5O_TYPE_UNKNOWN;
    }
    return info.type;
}

bool Group::hasGroup(const std::string& name) const { return has(name) && childType(h_.id(), name) == H5O_TYPE_GROUP; }
bool Group::hasDataset(const std::string& name) const { return has(name) && childType(h_.id(), name) == H5O_TYPE_DATASET; }

Group Group::group(const std::string& name) const {
    if (!has(name)) fail(where(name), "missing group");
    checkChild(name);
    hid_t g = H5Gopen2(h_.id(), name.c_str(), H5P_DEFAULT);
    if (g < 0) fail(where(name), "not a group");
    return Group(file_, childPath(name), Handle(g), check_);
}

Group Group::createGroup(const std::string& name) {
    Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.id(), 1);
    hid_t g = H5Gcreate2(h_.id(), name.c_str(), lcpl.id(), H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) fail(where(name), "cannot create the group");
    return Group(file_, childPath(name), Handle(g), check_);
}

Group Group::requireGroup(const std::string& name) { return has(name) ? group(name) : createGroup(name); }

// ---- datasets -----------------------------------------------------------------------------------

TypeInfo Group::datasetInfo(const std::string& name) const {
    if (!hasDataset(name)) fail(where(name), "missing dataset");
    checkChild(name);
    Handle ds(H5Dopen2(h_.id(), name.c_str(), H5P_DEFAULT));
    if (!ds.valid()) fail(where(name), "cannot open the dataset");
    Handle type(H5Dget_type(ds.id())), space(H5Dget_space(ds.id()));
    return typeInfo(type.id(), space.id(), where(name));
}

Tensor Group::readTensor(const std::string& name) const {
    const std::string w = where(name);
    if (!has(name)) fail(w, "missing dataset");
    checkChild(name);
    Handle ds(H5Dopen2(h_.id(), name.c_str(), H5P_DEFAULT));
    if (!ds.valid()) fail(w, "not a dataset");
    Handle type(H5Dget_type(ds.id())), space(H5Dget_space(ds.id()));
    if (!type.valid() || !space.valid()) fail(w, "unreadable dataset header");
    TypeInfo ti = typeInfo(type.id(), space.id(), w);
    if (ti.cls != TypeInfo::Float && ti.cls != TypeInfo::Integer)
        fail(w, "expected a numeric dataset, found " + ti.describe());
    int64_t n = checkedCount(ti.shape, w);
    checkStorage(ds.id(), static_cast<uint64_t>(n) * ti.bytes, w);
    Tensor t(ti.shape);
    if (ti.cls == TypeInfo::Integer) t.setDType(DType::Int32);
    if (n > 0 && H5Dread(ds.id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data()) < 0)
        fail(w, "reading " + ti.describe() + " failed (corrupt or truncated file?)");
    return t;
}

void Group::writeTensor(const std::string& name, const Tensor& t) {
    const std::string w = where(name);
    std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
    Handle space(t.rank() == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(t.rank(), dims.data(), nullptr));
    if (!space.valid()) fail(w, "cannot create the dataspace for shape " + shapeStr(t.shape()));
    bool ints = t.dtype() == DType::Int32;
    Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.id(), 1);
    Handle ds(H5Dcreate2(h_.id(), name.c_str(), ints ? H5T_STD_I32LE : H5T_IEEE_F32LE, space.id(), lcpl.id(),
                         H5P_DEFAULT, H5P_DEFAULT));
    if (!ds.valid()) fail(w, "cannot create the dataset");
    if (t.size() == 0) return;
    herr_t r;
    if (ints) {
        std::vector<int32_t> buf(static_cast<size_t>(t.size()));
        for (int64_t i = 0; i < t.size(); ++i) buf[static_cast<size_t>(i)] = static_cast<int32_t>(t[i]);
        r = H5Dwrite(ds.id(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
    } else {
        r = H5Dwrite(ds.id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data());
    }
    if (r < 0) fail(w, "writing the dataset failed");
}

// ---- attributes ---------------------------------------------------------------------------------

bool Group::hasAttr(const std::string& name) const {
    htri_t r = H5Aexists(h_.id(), name.c_str());
    if (r < 0) H5Eclear2(H5E_DEFAULT);
    return r > 0;
}

std::vector<std::string> Group::attrNames() const {
    std::vector<std::string> out;
    auto cb = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
    };
    hsize_t idx = 0;
    if (H5Aiterate2(h_.id(), H5_INDEX_NAME, H5_ITER_INC, &idx, cb, &out) < 0) fail(where(), "cannot list attributes");
    return out;
}

Handle Group::openAttr(const std::string& name) const {
    if (!hasAttr(name)) fail(where() + "@" + name, "missing attribute");
    Handle a(H5Aopen(h_.id(), name.c_str(), H5P_DEFAULT));
    if (!a.valid()) fail(where() + "@" + name, "cannot open the attribute");
    return a;
}

TypeInfo Group::attrInfo(const std::string& name) const {
    Handle a = openAttr(name);
    Handle type(H5Aget_type(a.id())), space(H5Aget_space(a.id()));
    return typeInfo(type.id(), space.id(), where() + "@" + name);
}

std::vector<std::string> Group::readStringListAttr(const std::string& name) const {
    const std::string w = where() + "@" + name;
    Handle a = openAttr(name);
    Handle type(H5Aget_type(a.id())), space(H5Aget_space(a.id()));
    if (!type.valid() || !space.valid()) fail(w, "unreadable attribute");
    TypeInfo ti = typeInfo(type.id(), space.id(), w);
    int64_t n = checkedCount(ti.shape, w);
    if (n == 0) return {};  // Keras 2 writes np.asarray([]) (float64, shape (0,)) for "no names"
    if (ti.cls != TypeInfo::String) fail(w, "expected a string attribute, found " + ti.describe());
    std::vector<std::string> out;
    if (ti.varLenString) {
        // Each element is a 16-byte reference into the file's global heap, and HDF5 resolves every
        // one of them: a corrupted dataspace claiming millions of elements kept the reader busy for
        // minutes (found by tests/fuzz/fuzz_model_file). Real attributes live in object headers
        // (at most 64 KB, which is why Keras splits long name lists into chunks).
        if (static_cast<uint64_t>(n) * 16 > kMaxAttrBytes)
            fail(w, "absurd string attribute: " + std::to_string(n) + " variable-length strings");
        Handle mem(H5Tcopy(H5T_C_S1));
        H5Tset_size(mem.id(), H5T_VARIABLE);
        H5Tset_cset(mem.id(), H5Tget_cset(type.id()));
        std::vector<char*> buf(static_cast<size_t>(n), nullptr);
        if (H5Aread(a.id(), mem.id(), buf.data()) < 0) fail(w, "reading the string attribute failed");
        for (char* p : buf) out.emplace_back(p ? p : "");
        H5Dvlen_reclaim(mem.id(), space.id(), H5P_DEFAULT, buf.data());
    } else {
        size_t sz = ti.bytes;
        if (sz == 0 || static_cast<uint64_t>(n) * sz > kMaxAttrBytes) fail(w, "absurd string attribute size");
        std::vector<char> buf(static_cast<size_t>(n) * sz);
        if (H5Aread(a.id(), type.id(), buf.data()) < 0) fail(w, "reading the string attribute failed");
        bool spacePad = H5Tget_strpad(type.id()) == H5T_STR_SPACEPAD;
        for (int64_t i = 0; i < n; ++i) {
            const char* p = buf.data() + static_cast<size_t>(i) * sz;
            size_t len = strnlen(p, sz);
            std::string s(p, len);
            if (spacePad)
                while (!s.empty() && s.back() == ' ') s.pop_back();
            out.push_back(std::move(s));
        }
    }
    return out;
}

std::string Group::readStringAttr(const std::string& name) const {
    {
        // Count first, so that a corrupted attribute holding many strings is not read at all.
        const std::string w = where() + "@" + name;
        Handle a = openAttr(name);
        Handle type(H5Aget_type(a.id())), space(H5Aget_space(a.id()));
        if (!type.valid() || !space.valid()) fail(w, "unreadable attribute");
        const int64_t n = checkedCount(typeInfo(type.id(), space.id(), w).shape, w);
        if (n != 1) fail(w, "expected one string, found " + std::to_string(n));
    }
    auto v = readStringListAttr(name);
    if (v.size() != 1)
        fail(where() + "@" + name, "expected one string, found " + std::to_string(v.size()));
    return v[0];
}

std::vector<std::string> Group::readKerasStringList(const std::string& name) const {
    if (hasAttr(name)) return readStringListAttr(name);
    std::vector<std::string> out;
    for (int chunk = 0; hasAttr(name + std::to_string(chunk)); ++chunk) {
        auto part = readStringListAttr(name + std::to_string(chunk));
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

std::vector<double> Group::readNumberAttr(const std::string& name) const {
    const std::string w = where() + "@" + name;
    Handle a = openAttr(name);
    Handle type(H5Aget_type(a.id())), space(H5Aget_space(a.id()));
    TypeInfo ti = typeInfo(type.id(), space.id(), w);
    if (ti.cls != TypeInfo::Float && ti.cls != TypeInfo::Integer) fail(w, "expected a number, found " + ti.describe());
    int64_t n = checkedCount(ti.shape, w);
    if (static_cast<uint64_t>(n) * 8 > kMaxAttrBytes) fail(w, "absurd attribute size");
    std::vector<double> out(static_cast<size_t>(n));
    if (n > 0 && H5Aread(a.id(), H5T_NATIVE_DOUBLE, out.data()) < 0) fail(w, "reading the attribute failed");
    return out;
}

void Group::writeStringAttr(const std::string& name, const std::string& value) {
    const std::string w = where() + "@" + name;
    if (hasAttr(name)) H5Adelete(h_.id(), name.c_str());
    Handle type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.id(), H5T_VARIABLE);
    H5Tset_cset(type.id(), H5T_CSET_UTF8);
    Handle space(H5Screate(H5S_SCALAR));
    Handle a(H5Acreate2(h_.id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT));
    if (!a.valid()) fail(w, "cannot create the attribute");
    const char* p = value.c_str();
    if (H5Awrite(a.id(), type.id(), &p) < 0) fail(w, "writing the attribute failed");
}

void Group::writeFixedStringListAttr(const std::string& name, const std::vector<std::string>& values) {
    const std::string w = where() + "@" + name;
    if (hasAttr(name)) H5Adelete(h_.id(), name.c_str());
    hsize_t n = values.size();
    if (n == 0) {
        // numpy.asarray([]) as Keras 2 writes it: float64, shape (0,)
        Handle space(H5Screate_simple(1, &n, nullptr));
        Handle a(H5Acreate2(h_.id(), name.c_str(), H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT));
        if (!a.valid()) fail(w, "cannot create the attribute");
        return;
    }
    size_t len = 1;
    for (const auto& s : values) len = std::max(len, s.size());
    Handle type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.id(), len);
    H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
    Handle space(H5Screate_simple(1, &n, nullptr));
    Handle a(H5Acreate2(h_.id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT));
    if (!a.valid()) fail(w, "cannot create the attribute (" + std::to_string(n * len) + " bytes)");
    std::vector<char> buf(n * len, '\0');
    for (size_t i = 0; i < values.size(); ++i) std::memcpy(buf.data() + i * len, values[i].data(), values[i].size());
    if (H5Awrite(a.id(), type.id(), buf.data()) < 0) fail(w, "writing the attribute failed");
}

void Group::writeKerasStringList(const std::string& name, const std::vector<std::string>& values) {
    size_t len = 1;
    for (const auto& s : values) {
        if (s.size() > kKerasHeaderLimit)
            throw IoError("'" + where() + "@" + name + "': the name '" + s.substr(0, 80) +
                          "...' is longer than HDF5's attribute limit of " + std::to_string(kKerasHeaderLimit) + " bytes");
        len = std::max(len, s.size());
    }
    size_t n = values.size();
    // numpy.array_split into the fewest chunks whose byte size fits, as Keras does.
    size_t chunks = 1;
    auto largest = [&](size_t k) { return (n / k + (n % k ? 1 : 0)) * len; };
    while (n > 0 && largest(chunks) > kKerasHeaderLimit) ++chunks;
    if (chunks == 1) {
        writeFixedStringListAttr(name, values);
        return;
    }
    size_t start = 0;
    for (size_t c = 0; c < chunks; ++c) {
        size_t count = n / chunks + (c < n % chunks ? 1 : 0);
        std::vector<std::string> part(values.begin() + static_cast<std::ptrdiff_t>(start),
                                      values.begin() + static_cast<std::ptrdiff_t>(start + count));
        // every chunk keeps the whole array's item size, like numpy slices
        const std::string an = name + std::to_string(c);
        if (hasAttr(an)) H5Adelete(h_.id(), an.c_str());
        Handle type(H5Tcopy(H5T_C_S1));
        H5Tset_size(type.id(), len);
        H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
        hsize_t hn = part.size();
        Handle space(H5Screate_simple(1, &hn, nullptr));
        Handle a(H5Acreate2(h_.id(), an.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT));
        if (!a.valid()) fail(where() + "@" + an, "cannot create the attribute");
        std::vector<char> buf(part.size() * len, '\0');
        for (size_t i = 0; i < part.size(); ++i) std::memcpy(buf.data() + i * len, part[i].data(), part[i].size());
        if (H5Awrite(a.id(), type.id(), buf.data()) < 0) fail(where() + "@" + an, "writing the attribute failed");
        start += count;
    }
}

}  // namespace strata::h5
