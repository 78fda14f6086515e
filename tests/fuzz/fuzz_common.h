#pragma once
// Shared by the libFuzzer harnesses: qlip::Error is the expected outcome of bad input; anything
// else (a crash, a sanitizer report, another exception, a broken invariant) is a finding.
#include "qlip/error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace fuzz {

// A broken invariant: print it and abort, so libFuzzer keeps the input as a crash.
[[noreturn]] inline void fail(const std::string& why) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", why.c_str());
    std::abort();
}

// The input as a file, for readers that take a path (memory-mapped or streamed). /dev/shm keeps
// it in memory; one file per process, so parallel fuzzers do not collide.
inline std::string writeTemp(const uint8_t* data, size_t size, const char* suffix) {
    const char* shm = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string path = std::string(shm) + "/qlip-fuzz-" + std::to_string(getpid()) + suffix;
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), std::streamsize(size));
    return path;
}

// Splits the input at the first NUL byte: the first part and what follows it.
inline std::pair<std::string_view, std::string_view> splitAtNul(const uint8_t* data, size_t size) {
    std::string_view all(reinterpret_cast<const char*>(data), size);
    size_t at = all.find('\0');
    if (at == std::string_view::npos) return {all, {}};
    return {all.substr(0, at), all.substr(at + 1)};
}

} // namespace fuzz
