#pragma once
// File helpers shared by the loaders: whole-file reads, read-only memory maps, atomic writes.
// All failures are qlip::Error messages that name the path and the OS reason.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qlip {

std::string readTextFile(const std::string& path, const std::string& what);
std::vector<uint8_t> readBinaryFile(const std::string& path, const std::string& what);

// Write to "<path>.tmp-<pid>-<n>" in the same folder, flush to disk, then rename over `path`
// (rename(2); MoveFileExW on Windows), so a crash never leaves a half-written file under the
// final name. Paths are UTF-8 on every platform.
void writeFileAtomic(const std::string& path, const void* data, size_t size);
// The same for a file made of several pieces written one after another.
void writeFileAtomic(const std::string& path, const std::vector<std::pair<const void*, size_t>>& pieces);

bool isDirectory(const std::string& path);
bool isRegularFile(const std::string& path);

// Read-only private mapping of a whole file; empty files map to size() == 0.
class MappedFile {
public:
    explicit MappedFile(const std::string& path);
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();

    const uint8_t* data() const { return data_; }
    uint64_t size() const { return size_; }
    const std::string& path() const { return path_; }
    // Drops the pages of bytes [begin, end) from this process's memory (they are read again from
    // the file if touched): after a tensor was copied out, its mapped pages need not stay
    // resident. Only whole pages inside the range; a no-op on Windows.
    void discard(uint64_t begin, uint64_t end) const;

private:
    void release();
    std::string path_;
    const uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
};

} // namespace qlip
