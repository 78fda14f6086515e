#include "qlip/installlayout.h"

#include <cstdlib>
#include <system_error>
#include <vector>

#ifdef _WIN32
#include "windows_lean.h"
#endif

namespace fs = std::filesystem;

namespace qlip {

fs::path executablePath() {
#ifdef _WIN32
    // The path can be longer than MAX_PATH: grow the buffer until it fits.
    std::vector<wchar_t> buffer(512);
    for (;;) {
        const DWORD n = GetModuleFileNameW(nullptr, buffer.data(), DWORD(buffer.size()));
        if (n == 0) return {};
        if (n < buffer.size()) return fs::path(std::wstring(buffer.data(), n));
        if (buffer.size() >= 32768) return {};
        buffer.resize(buffer.size() * 2);
    }
#else
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec); // Linux; other systems fall through
    return ec ? fs::path() : exe;
#endif
}

fs::path dataFolder() {
#ifdef _WIN32
    if (const wchar_t* env = _wgetenv(L"QLIPX_DATA_DIR"); env && *env) return fs::path(env);
#else
    if (const char* env = std::getenv("QLIPX_DATA_DIR"); env && *env) return fs::path(env);
#endif
    const fs::path exe = executablePath();
    if (exe.empty()) return {};
    return (exe.parent_path().parent_path() / "share" / "qlip-explorer").lexically_normal();
}

fs::path embeddedModelFolder(const std::string& name) {
    const fs::path data = dataFolder();
    if (data.empty()) return {};
    const fs::path folder = data / "models" / pathFromUtf8(name);
    std::error_code ec;
    return fs::is_regular_file(folder / "config.json", ec) ? folder : fs::path();
}

std::string pathToUtf8(const fs::path& p) {
    const std::u8string s = p.u8string();
    return std::string(s.begin(), s.end());
}

fs::path pathFromUtf8(const std::string& utf8) { return fs::path(std::u8string(utf8.begin(), utf8.end())); }

} // namespace qlip
