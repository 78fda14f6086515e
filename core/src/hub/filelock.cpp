#include "hub/filelock.h"

#include "qlip/error.h"
#include "qlip/hub.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#endif

namespace qlip::hub {

FileLock::FileLock(const std::filesystem::path& file) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
#ifdef _WIN32
    handle_ = ::CreateFileW(file.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                            nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (handle_ == INVALID_HANDLE_VALUE) {
        handle_ = nullptr;
        throw Error("cannot create the lock file '" + pathString(file) + "'");
    }
#else
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("cannot create the lock file '" + pathString(file) + "': " + std::strerror(errno));
#endif
}

FileLock::~FileLock() {
#ifdef _WIN32
    if (handle_) {
        if (locked_) {
            OVERLAPPED o{};
            ::UnlockFileEx(handle_, 0, 1, 0, &o);
        }
        ::CloseHandle(handle_);
    }
#else
    if (fd_ >= 0) ::close(fd_); // closing drops the flock
#endif
}

bool FileLock::tryLock() {
    if (locked_) return true;
#ifdef _WIN32
    OVERLAPPED o{};
    locked_ = ::LockFileEx(handle_, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &o) != 0;
#else
    locked_ = ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
#endif
    return locked_;
}

} // namespace qlip::hub
