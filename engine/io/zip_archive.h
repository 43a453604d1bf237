#pragma once
/// Small RAII wrapper over libzip for .npz and .keras archives. Errors are IoError naming the archive
/// (and the entry).
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

struct zip;

namespace strata::zipio {

struct Entry {
    std::string name;
    uint64_t size = 0;  ///< uncompressed size as the archive declares it
};

class Reader {
public:
    explicit Reader(const std::string& path);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    const std::string& path() const { return path_; }
    const std::vector<Entry>& entries() const { return entries_; }
    bool contains(const std::string& name) const;
    /// Whole entry; refuses entries larger than `maxBytes` (declared or actual).
    std::string read(const std::string& name, uint64_t maxBytes) const;

private:
    std::string path_;
    ::zip* za_ = nullptr;
    std::vector<Entry> entries_;
};

/// Builds an archive in a temporary file beside `path`; commit() closes it and renames it over
/// `path`. Without commit() the temporary file is removed.
class Writer {
public:
    explicit Writer(const std::string& path);
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    void add(const std::string& name, std::string data, bool compress);
    /// Adds a file's content (read now).
    void addFile(const std::string& name, const std::string& filePath, bool compress);
    void commit();

private:
    std::string path_, tmp_;
    ::zip* za_ = nullptr;
    std::deque<std::string> buffers_;  // libzip reads them at close time
};

}  // namespace strata::zipio
