#include "engine/io/hdf5_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace strata::h5 {

namespace {

class DiskBytes final : public FileBytes {
public:
    DiskBytes(int fd, int64_t size) : fd_(fd), size_(size) {}
    ~DiskBytes() override { ::close(fd_); }
    int64_t size() const override { return size_; }
    bool read(int64_t offset, int64_t len, void* dst) const override {
        if (offset < 0 || len < 0 || offset > size_ || len > size_ - offset) return false;
        auto* out = static_cast<char*>(dst);
        while (len > 0) {  // pread: no shared file position, so concurrent readers are fine
            const ssize_t got = ::pread(fd_, out, static_cast<size_t>(len), static_cast<off_t>(offset));
            if (got <= 0) return false;
            out += got;
            offset += got;
            len -= got;
        }
        return true;
    }

private:
    int fd_;
    int64_t size_;
};

class ImageBytes final : public FileBytes {
public:
    explicit ImageBytes(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {}
    int64_t size() const override { return static_cast<int64_t>(bytes_->size()); }
    bool read(int64_t offset, int64_t len, void* dst) const override {
        const int64_t n = size();
        if (offset < 0 || len < 0 || offset > n || len > n - offset) return false;
        std::memcpy(dst, bytes_->data() + offset, static_cast<size_t>(len));
        return true;
    }

private:
    std::shared_ptr<const std::string> bytes_;
};

}  // namespace

std::shared_ptr<const FileBytes> FileBytes::ofFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        return nullptr;
    }
    return std::make_shared<DiskBytes>(fd, static_cast<int64_t>(st.st_size));
}

std::shared_ptr<const FileBytes> FileBytes::ofImage(std::shared_ptr<const std::string> bytes) {
    return std::make_shared<ImageBytes>(std::move(bytes));
}

}  // namespace strata::h5
