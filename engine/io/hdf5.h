#pragma once
/// A small RAII layer over the HDF5 C API, covering what Keras model files use.
///
/// - Reading: groups, attributes holding strings in every form h5py writes (fixed-length or
///   variable-length, scalar or 1-d array, ASCII or UTF-8, numpy bytes), numeric datasets
///   (float16/32/64, integers) into Tensors.
/// - Writing: what h5py writes for Keras: variable-length UTF-8 string attributes (`model_config`,
///   `keras_version`), fixed-length string-array attributes (`layer_names`, `weight_names`), float32
///   datasets.
/// - HDF5's automatic error printing is silenced; every failure is an IoError naming the file and the
///   object path (plus HDF5's own innermost message when there is one).
/// - Memory is bounded: datasets declaring more than 2^31 elements, or attributes above 64 MiB, are
///   refused before anything is allocated.
#include <hdf5.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/tensor.h"

namespace strata::h5 {

/// Owns one hid_t and closes it with the right H5*close.
class Handle {
public:
    Handle() = default;
    explicit Handle(hid_t id) : id_(id) {}
    ~Handle() { reset(); }
    Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = o.id_;
            o.id_ = -1;
        }
        return *this;
    }
    /// Copies share the id (H5Iinc_ref); each copy's close drops one reference.
    Handle(const Handle& o) : id_(o.id_) {
        if (id_ >= 0) H5Iinc_ref(id_);
    }
    Handle& operator=(const Handle& o) {
        if (this != &o) {
            reset();
            id_ = o.id_;
            if (id_ >= 0) H5Iinc_ref(id_);
        }
        return *this;
    }
    hid_t id() const { return id_; }
    bool valid() const { return id_ >= 0; }
    void reset();
    /// Gives up ownership without closing.
    hid_t release() {
        hid_t id = id_;
        id_ = -1;
        return id;
    }

private:
    hid_t id_ = -1;
};

/// What an attribute or dataset holds, for listings and error messages.
struct TypeInfo {
    enum Class { Float, Integer, String, Other } cls = Other;
    size_t bytes = 0;
    bool varLenString = false;
    std::vector<int64_t> shape;
    std::string describe() const;
};

class File;
class HeaderCheck;

/// A group (or the file's root group) with the path of the file it lives in, for messages.
class Group {
public:
    const std::string& filePath() const { return *file_; }
    const std::string& path() const { return path_; }  ///< "/", "/model_weights/dense"
    hid_t id() const { return h_.id(); }

    // ---- children -------------------------------------------------------------------------------
    /// Names of the direct children, in HDF5's name order (h5py's order).
    std::vector<std::string> children() const;
    bool has(const std::string& name) const;  ///< a child (relative path allowed: "a/b")
    bool hasGroup(const std::string& name) const;
    bool hasDataset(const std::string& name) const;
    Group group(const std::string& name) const;  ///< throws IoError if missing
    Group createGroup(const std::string& name);  ///< creates intermediate groups too
    Group requireGroup(const std::string& name); ///< open or create

    // ---- datasets -------------------------------------------------------------------------------
    /// Reads a numeric dataset as float32 (float64 and integers converted). Integer datasets give an
    /// Int32-dtype Tensor. Throws IoError for missing, non-numeric or absurdly large datasets.
    Tensor readTensor(const std::string& name) const;
    /// Shape and type without reading the data.
    TypeInfo datasetInfo(const std::string& name) const;
    /// Writes a float32 dataset (int32 for Int32 tensors), replacing none: the name must be new.
    void writeTensor(const std::string& name, const Tensor& t);

    // ---- attributes -----------------------------------------------------------------------------
    bool hasAttr(const std::string& name) const;
    std::vector<std::string> attrNames() const;
    TypeInfo attrInfo(const std::string& name) const;
    /// A string attribute in any form (scalar fixed/variable-length, or a 1-element array);
    /// throws IoError if it is not a string.
    std::string readStringAttr(const std::string& name) const;
    /// A list of strings (array of fixed/variable-length strings; a scalar string gives one
    /// element; an empty numeric array, as Keras 2 writes for layers without weights, gives none).
    std::vector<std::string> readStringListAttr(const std::string& name) const;
    /// Keras's load_attributes_from_hdf5_group: `name`, or the chunks `name0`, `name1`, ... that
    /// Keras writes when the list exceeds HDF5's 64 KiB attribute header limit. Missing: empty.
    std::vector<std::string> readKerasStringList(const std::string& name) const;
    /// A numeric scalar/array attribute as doubles.
    std::vector<double> readNumberAttr(const std::string& name) const;

    /// Variable-length UTF-8 scalar string (what h5py writes for a Python str).
    void writeStringAttr(const std::string& name, const std::string& value);
    /// 1-d fixed-length ASCII string array (numpy 'S<n>' via h5py), as Keras 2 writes names.
    void writeFixedStringListAttr(const std::string& name, const std::vector<std::string>& values);
    /// Keras's save_attributes_to_hdf5_group: one fixed-length array attribute, split into
    /// `name0`, `name1`, ... chunks when it would exceed 64 KiB.
    void writeKerasStringList(const std::string& name, const std::vector<std::string>& values);

    /// "file.h5:/model_weights/dense" for messages.
    std::string where(const std::string& child = "") const;

private:
    friend class File;
    Group(std::shared_ptr<const std::string> file, std::string path, Handle h, std::shared_ptr<HeaderCheck> check)
        : file_(std::move(file)), path_(std::move(path)), h_(std::move(h)), check_(std::move(check)) {}
    std::string childPath(const std::string& name) const;
    Handle openAttr(const std::string& name) const;
    /// Runs the header check on the child `name` before libhdf5 decodes its datatypes (files
    /// opened for reading only).
    void checkChild(const std::string& name) const;

    std::shared_ptr<const std::string> file_;
    std::string path_;
    Handle h_;
    std::shared_ptr<HeaderCheck> check_;  ///< null for files being written
};

class File {
public:
    /// Opens an existing file read-only. Throws IoError naming the file if it is not HDF5, or if
    /// its global heaps or the headers of the objects read later are damaged (hdf5_heap_check,
    /// hdf5_header_check: libhdf5 1.10 itself would loop or read out of bounds on those).
    static File openRead(const std::string& path);
    /// Opens an in-memory HDF5 image read-only (a member of a zip archive); `displayName` names it
    /// in errors ("model.keras:model.weights.h5"). The File keeps a share of the bytes.
    static File openImage(std::shared_ptr<const std::string> bytes, const std::string& displayName);
    /// Creates (truncates) a file for writing.
    static File create(const std::string& path);
    /// True if the file starts with the HDF5 signature (at offset 0).
    static bool isHdf5(const std::string& path);

    const std::string& path() const { return *path_; }
    Group root() const;
    /// Flushes and closes; errors surface here rather than in the destructor.
    void close();

private:
    File(std::string path, Handle h, std::shared_ptr<HeaderCheck> check = nullptr)
        : path_(std::make_shared<const std::string>(std::move(path))), h_(std::move(h)), check_(std::move(check)) {}
    std::shared_ptr<const std::string> path_;
    Handle h_;
    std::shared_ptr<HeaderCheck> check_;
};

/// Reads the innermost message of HDF5's current error stack ("" if none) and clears it.
std::string lastHdf5Error();

}  // namespace strata::h5
