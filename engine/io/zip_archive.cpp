#include "engine/io/zip_archive.h"

#include <unistd.h>
#include <zip.h>

#include <cstdio>

#include "engine/core/errors.h"
#include "engine/graph/model_config.h"

namespace strata::zipio {

namespace {
std::string zipErrorString(int code) {
    zip_error_t err;
    zip_error_init_with_code(&err, code);
    std::string s = zip_error_strerror(&err);
    zip_error_fini(&err);
    return s;
}
}  // namespace

Reader::Reader(const std::string& path) : path_(path) {
    int code = 0;
    za_ = zip_open(path.c_str(), ZIP_RDONLY, &code);
    if (!za_) throw IoError("cannot open zip archive '" + path + "': " + zipErrorString(code));
    zip_int64_t n = zip_get_num_entries(za_, 0);
    if (n < 0 || n > 1000000) {
        zip_discard(za_);
        throw IoError("'" + path + "': unreadable zip directory");
    }
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(za_, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME)) continue;
        Entry e;
        e.name = st.name;
        e.size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
        entries_.push_back(e);
    }
}

Reader::~Reader() {
    if (za_) zip_discard(za_);
}

bool Reader::contains(const std::string& name) const {
    for (const auto& e : entries_)
        if (e.name == name) return true;
    return false;
}

std::string Reader::read(const std::string& name, uint64_t maxBytes) const {
    zip_int64_t idx = zip_name_locate(za_, name.c_str(), 0);
    if (idx < 0) throw IoError("'" + path_ + "' has no entry '" + name + "'");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za_, static_cast<zip_uint64_t>(idx), 0, &st) != 0)
        throw IoError("'" + path_ + "': cannot stat entry '" + name + "'");
    if ((st.valid & ZIP_STAT_SIZE) && st.size > maxBytes)
        throw IoError("'" + path_ + "': entry '" + name + "' declares " + std::to_string(st.size) +
                      " bytes, more than the limit of " + std::to_string(maxBytes));
    zip_file_t* f = zip_fopen_index(za_, static_cast<zip_uint64_t>(idx), 0);
    if (!f) throw IoError("'" + path_ + "': cannot open entry '" + name + "': " + zip_strerror(za_));
    std::string out;
    if (st.valid & ZIP_STAT_SIZE) out.reserve(static_cast<size_t>(st.size));
    char buf[65536];
    for (;;) {
        zip_int64_t got = zip_fread(f, buf, sizeof buf);
        if (got < 0) {
            std::string msg = zip_file_strerror(f);
            zip_fclose(f);
            throw IoError("'" + path_ + "': entry '" + name + "' is corrupt: " + msg);
        }
        if (got == 0) break;
        if (out.size() + static_cast<uint64_t>(got) > maxBytes) {
            zip_fclose(f);
            throw IoError("'" + path_ + "': entry '" + name + "' is larger than the limit of " +
                          std::to_string(maxBytes) + " bytes");
        }
        out.append(buf, static_cast<size_t>(got));
    }
    zip_fclose(f);
    return out;
}

Writer::Writer(const std::string& path) : path_(path), tmp_(path + ".tmp-" + std::to_string(::getpid())) {
    int code = 0;
    za_ = zip_open(tmp_.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (!za_) throw IoError("cannot create '" + tmp_ + "': " + zipErrorString(code));
}

Writer::~Writer() {
    if (za_) {
        zip_discard(za_);
        std::remove(tmp_.c_str());
    }
}

void Writer::add(const std::string& name, std::string data, bool compress) {
    buffers_.push_back(std::move(data));
    const std::string& b = buffers_.back();
    zip_source_t* src = zip_source_buffer(za_, b.data(), b.size(), 0);
    if (!src) throw IoError("'" + path_ + "': cannot add '" + name + "': " + zip_strerror(za_));
    zip_int64_t idx = zip_file_add(za_, name.c_str(), src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(src);
        throw IoError("'" + path_ + "': cannot add '" + name + "': " + zip_strerror(za_));
    }
    zip_set_file_compression(za_, static_cast<zip_uint64_t>(idx), compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
}

void Writer::addFile(const std::string& name, const std::string& filePath, bool compress) {
    add(name, readTextFile(filePath), compress);
}

void Writer::commit() {
    if (buffers_.empty()) {  // libzip writes no file for an empty archive: write the bare end record
        zip_discard(za_);
        za_ = nullptr;
        std::remove(tmp_.c_str());
        writeFileAtomic(path_, std::string("PK\x05\x06", 4) + std::string(18, '\0'));
        return;
    }
    if (zip_close(za_) != 0) {
        std::string msg = zip_strerror(za_);
        zip_discard(za_);
        za_ = nullptr;
        std::remove(tmp_.c_str());
        throw IoError("writing '" + path_ + "' failed: " + msg);
    }
    za_ = nullptr;
    buffers_.clear();
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
        std::remove(tmp_.c_str());
        throw IoError("cannot replace '" + path_ + "'");
    }
}

}  // namespace strata::zipio
