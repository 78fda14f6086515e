// File helpers with one implementation per platform family: POSIX (open/write/fsync/rename,
// mmap) and Windows (CreateFileW/WriteFile/FlushFileBuffers/MoveFileExW, CreateFileMappingW).
// Paths arrive as UTF-8 and reach Windows as UTF-16, so non-ASCII names work on both.
#include "fileio.h"

#include "qlip/error.h"
#include "qlip/installlayout.h"
#include "qlip/processinfo.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#ifdef _WIN32
#include "windows_lean.h"
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace qlip {
namespace {

#ifdef _WIN32
std::wstring widePath(const std::string& utf8) { return pathFromUtf8(utf8).wstring(); }
// The message of GetLastError() (or of `code`), in the system's words.
std::string osReason(DWORD code = GetLastError()) { return std::system_category().message(int(code)); }
#else
std::string osReason() { return std::strerror(errno); }
#endif

std::FILE* openForReading(const std::string& path) {
#ifdef _WIN32
    return _wfopen(widePath(path).c_str(), L"rb");
#else
    return std::fopen(path.c_str(), "rbe"); // e: close on exec
#endif
}

template <class Buffer>
Buffer readWhole(const std::string& path, const std::string& what) {
    if (isDirectory(path)) throw Error(what + " '" + path + "' is a folder, not a file");
    FILE* f = openForReading(path);
    if (!f) throw Error("cannot open " + what + " '" + path + "': " + std::strerror(errno));
    Buffer out;
    char chunk[1 << 16];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) out.insert(out.end(), chunk, chunk + n);
    bool failed = std::ferror(f);
    std::fclose(f);
    if (failed) throw Error("cannot read " + what + " '" + path + "': read error");
    return out;
}

// "<path>.tmp-<pid>-<n>": unique per writer, so two threads saving the same path never share a temp file.
std::string temporaryName(const std::string& path) {
    static std::atomic<unsigned> counter{0};
    std::string tmp = path;
    tmp.append(".tmp-").append(std::to_string(processId())).append("-").append(std::to_string(counter.fetch_add(1)));
    return tmp;
}

using Pieces = std::vector<std::pair<const void*, size_t>>;

#ifdef _WIN32

void writeAndReplace(const std::string& path, const std::string& tmp, const Pieces& pieces) {
    const std::wstring wtmp = widePath(tmp), wpath = widePath(path);
    HANDLE h = CreateFileW(wtmp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) throw Error("cannot write '" + path + "': " + osReason());
    auto fail = [&](const std::string& why) {
        CloseHandle(h);
        DeleteFileW(wtmp.c_str());
        throw Error("cannot write '" + path + "': " + why);
    };
    for (const auto& [data, size] : pieces) {
        const char* p = static_cast<const char*>(data);
        size_t left = size;
        while (left > 0) {
            const DWORD chunk = DWORD(std::min<size_t>(left, size_t(1) << 30));
            DWORD written = 0;
            if (!WriteFile(h, p, chunk, &written, nullptr)) fail(osReason());
            p += written;
            left -= written;
        }
    }
    if (!FlushFileBuffers(h)) fail(osReason());
    CloseHandle(h);
    // MoveFileExW replaces an existing target in one step, as rename() does on POSIX.
    if (!MoveFileExW(wtmp.c_str(), wpath.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        const std::string why = osReason();
        DeleteFileW(wtmp.c_str());
        throw Error("cannot replace '" + path + "': " + why);
    }
}

#else

void writeAndReplace(const std::string& path, const std::string& tmp, const Pieces& pieces) {
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

#endif

} // namespace

std::string readTextFile(const std::string& path, const std::string& what) { return readWhole<std::string>(path, what); }

std::vector<uint8_t> readBinaryFile(const std::string& path, const std::string& what) {
    return readWhole<std::vector<uint8_t>>(path, what);
}

void writeFileAtomic(const std::string& path, const void* data, size_t size) { writeFileAtomic(path, {{data, size}}); }

void writeFileAtomic(const std::string& path, const std::vector<std::pair<const void*, size_t>>& pieces) {
    writeAndReplace(path, temporaryName(path), pieces);
}

bool isDirectory(const std::string& path) {
    std::error_code ec;
    return std::filesystem::is_directory(pathFromUtf8(path), ec);
}

bool isRegularFile(const std::string& path) {
    std::error_code ec;
    return std::filesystem::is_regular_file(pathFromUtf8(path), ec);
}

#ifdef _WIN32

MappedFile::MappedFile(const std::string& path) : path_(path) {
    HANDLE file = CreateFileW(widePath(path).c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE) throw Error("cannot open '" + path + "': " + osReason());
    LARGE_INTEGER size{};
    if (GetFileType(file) != FILE_TYPE_DISK || !GetFileSizeEx(file, &size) || isDirectory(path)) {
        CloseHandle(file);
        throw Error("'" + path + "' is not a regular file");
    }
    size_ = uint64_t(size.QuadPart);
    if (size_ > 0) { // a mapping of an empty file is an error on Windows: leave data() null
        HANDLE mapping = CreateFileMappingW(file, nullptr, PAGE_READONLY, 0, 0, nullptr);
        void* p = mapping ? MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0) : nullptr;
        const std::string why = p ? std::string() : osReason();
        if (mapping) CloseHandle(mapping); // the view keeps the mapping alive
        if (!p) {
            CloseHandle(file);
            throw Error("cannot map '" + path + "': " + why);
        }
        data_ = static_cast<const uint8_t*>(p);
    }
    CloseHandle(file);
}

void MappedFile::release() {
    if (data_) UnmapViewOfFile(data_);
    data_ = nullptr;
    size_ = 0;
}

// Windows has no madvise(DONTNEED) for file-backed views; the clean pages are dropped from the
// working set by the memory manager when memory is needed, so this is a no-op there.
void MappedFile::discard(uint64_t, uint64_t) const {}

#else

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

void MappedFile::release() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
}

void MappedFile::discard(uint64_t begin, uint64_t end) const {
    const uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
    end = std::min(end, size_);
    const uint64_t first = (begin + page - 1) / page * page, last = end / page * page; // whole pages only
    if (data_ && last > first) ::madvise(const_cast<uint8_t*>(data_) + first, last - first, MADV_DONTNEED);
}

#endif

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

} // namespace qlip
