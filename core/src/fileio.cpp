#include "fileio.h"

#include "qlip/error.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qlip {
namespace {

std::string osReason() { return std::strerror(errno); }

template <class Buffer>
Buffer readWhole(const std::string& path, const std::string& what) {
    if (isDirectory(path)) throw Error(what + " '" + path + "' is a folder, not a file");
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error("cannot open " + what + " '" + path + "': " + osReason());
    Buffer out;
    char chunk[1 << 16];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) out.insert(out.end(), chunk, chunk + n);
    bool failed = std::ferror(f);
    std::fclose(f);
    if (failed) throw Error("cannot read " + what + " '" + path + "': read error");
    return out;
}

} // namespace

std::string readTextFile(const std::string& path, const std::string& what) { return readWhole<std::string>(path, what); }

std::vector<uint8_t> readBinaryFile(const std::string& path, const std::string& what) {
    return readWhole<std::vector<uint8_t>>(path, what);
}

void writeFileAtomic(const std::string& path, const void* data, size_t size) { writeFileAtomic(path, {{data, size}}); }

void writeFileAtomic(const std::string& path, const std::vector<std::pair<const void*, size_t>>& pieces) {
    // pid + counter: unique per writer, so two threads saving the same path never share a temp file
    static std::atomic<unsigned> counter{0};
    std::string tmp = path;
    tmp.append(".tmp-").append(std::to_string(::getpid())).append("-").append(std::to_string(counter.fetch_add(1)));
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error("cannot write '" + path + "': " + osReason());
    auto fail = [&](const std::string& why) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw Error("cannot write '" + path + "': " + why);
    };
    for (const auto& [data, size] : pieces) {
        const char* p = static_cast<const char*>(data);
        size_t left = size;
        while (left > 0) {
            ssize_t w = ::write(fd, p, left);
            if (w < 0) {
                if (errno == EINTR) continue;
                fail(osReason());
            }
            p += w;
            left -= size_t(w);
        }
    }
    if (::fsync(fd) != 0) fail(osReason());
    if (::close(fd) != 0) {
        std::string why = osReason();
        ::unlink(tmp.c_str());
        throw Error("cannot write '" + path + "': " + why);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string why = osReason();
        ::unlink(tmp.c_str());
        throw Error("cannot replace '" + path + "': " + why);
    }
}

bool isDirectory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isRegularFile(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

MappedFile::MappedFile(const std::string& path) : path_(path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open '" + path + "': " + osReason());
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error("'" + path + "' is not a regular file");
    }
    size_ = uint64_t(st.st_size);
    if (size_ > 0) {
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            std::string why = osReason();
            ::close(fd);
            throw Error("cannot map '" + path + "': " + why);
        }
        data_ = static_cast<const uint8_t*>(p);
    }
    ::close(fd); // the mapping stays valid without the descriptor
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)), data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
    if (this != &other) {
        release();
        path_ = std::move(other.path_);
        data_ = other.data_;
        size_ = other.size_;
        other.data_ = nullptr;
        other.size_ = 0;
    }
    return *this;
}

MappedFile::~MappedFile() { release(); }

void MappedFile::release() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
}

} // namespace qlip
