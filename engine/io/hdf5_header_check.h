#pragma once
/// A structural check of one HDF5 object header (a group's or a dataset's), run before libhdf5
/// decodes the datatypes in it.
///
/// libhdf5 1.10 copies a datatype whenever H5Aget_type, H5Dget_type or a read asks for it, and the
/// copy trusts sizes the decoder never cross-checked: an enum whose own size exceeds its base
/// type's made H5T_copy read past its value buffer (a 16-byte heap over-read, found by
/// tests/fuzz/fuzz_model_file). Keras never stores such types, so before Strata touches an object
/// we walk its header ourselves and accept only what Keras and h5py write: integers, floats,
/// fixed-length strings and variable-length strings, each self-consistent, in attribute messages
/// whose name, datatype, dataspace and data fit the message, and whose variable-length strings
/// name objects that exist in their global heap collections and fit the strings' lengths.
/// Anything else is refused with the object, the attribute and the reason.
#include <hdf5.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "engine/io/hdf5_bytes.h"

namespace strata::h5 {

class HeaderCheck {
public:
    /// Reads the superblock of `bytes` (address and length sizes, base address, root group);
    /// `name` names the file in messages. Nothing is checked yet.
    HeaderCheck(std::shared_ptr<const FileBytes> bytes, std::string name);

    /// Checks the root group's header, which H5Fopen loads before anything else: a continuation chunk of
    /// 2^40 there made libhdf5's metadata cache allocate a terabyte (found by the fuzzer). Run it
    /// before H5Fopen. A file without a recognisable superblock is left to libhdf5 to refuse.
    void checkRoot();

    /// Checks the header of the object `name` (relative to `loc`) unless it was checked before.
    /// Throws IoError naming `where` (the object's path for messages) and what is wrong.
    void checkObject(hid_t loc, const std::string& name, const std::string& where);

    /// The same for an object header at a known address (relative to the file's base address).
    void checkHeaderAt(uint64_t address, const std::string& where);

private:
    void checkLocalHeap(uint64_t address) const;
    /// Checks the global heap ids of `count` variable-length string elements at `data`.
    void checkStringReferences(const unsigned char* data, uint64_t count);

    std::shared_ptr<const FileBytes> bytes_;
    std::string name_;
    int sizeofAddr_ = 8;
    int sizeofSize_ = 8;
    uint64_t base_ = 0;
    uint64_t root_ = ~uint64_t(0);  ///< the root group's object header address, if the superblock was read
    std::mutex mutex_;
    std::set<uint64_t> checked_;
    std::map<uint64_t, std::map<uint64_t, uint64_t>> collections_;  ///< collection address -> object sizes
};

}  // namespace strata::h5
