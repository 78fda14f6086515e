#pragma once
// An advisory lock on a file, released when the holder ends (or crashes). huggingface_hub locks
// <cache>/.locks/models--ORG--NAME/<etag>.lock the same way (flock on POSIX, LockFileEx on
// Windows), so a Python download and ours never write one blob at the same time.
#include <filesystem>

namespace qlip::hub {

class FileLock {
public:
    explicit FileLock(const std::filesystem::path& file); // creates the file and its folders
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();
    bool tryLock(); // false while another process (or handle) holds it
private:
#ifdef _WIN32
    void* handle_ = nullptr;
#else
    int fd_ = -1;
#endif
    bool locked_ = false;
};

} // namespace qlip::hub
