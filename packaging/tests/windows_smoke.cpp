// Cross-compiled with mingw-w64 by the CTest test windows_portability (test-windows-portability.cmake)
// together with the Torch-free core sources: the link proves that those sources need nothing
// POSIX-only, and, where wine is installed, running it exercises the Windows branches (executable
// path, memory map, atomic replace with MoveFileExW, UTF-8 file names, working-set readout).
// Exit code 0 and "windows smoke: ok" on success.
#include "fileio.h"
#include "qlip/error.h"
#include "qlip/installlayout.h"
#include "qlip/json.h"
#include "qlip/npy.h"
#include "qlip/processinfo.h"
#include "qlip/tokens.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

namespace {

int failures = 0;

void check(bool ok, const char* what) {
    std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) ++failures;
}

} // namespace

int main() {
    namespace fs = std::filesystem;
    try {
        const fs::path exe = qlip::executablePath();
        check(!exe.empty() && fs::exists(exe), "executablePath() names this program");
        const std::string data = qlip::pathToUtf8(qlip::dataFolder());
        check(data.size() > 20 && data.find("qlip-explorer") != std::string::npos, "dataFolder() is <exe>/../share/qlip-explorer");

        // A non-ASCII folder and file name: UTF-8 in, UTF-16 to Windows.
        const fs::path dir = fs::temp_directory_path() / qlip::pathFromUtf8("qlipx-smoke-\xc3\xa9\xc3\xb8");
        fs::create_directories(dir);
        const std::string file = qlip::pathToUtf8(dir / qlip::pathFromUtf8("t\xc3\xabst.bin"));
        qlip::writeFileAtomic(file, "first", 5);
        qlip::writeFileAtomic(file, "second!", 7); // replaces an existing file
        {
            qlip::MappedFile map(file);
            check(map.size() == 7 && std::memcmp(map.data(), "second!", 7) == 0, "writeFileAtomic replaces; MappedFile reads it");
            map.discard(0, map.size());
        }
        check(qlip::readTextFile(file, "smoke file") == "second!", "readTextFile with a UTF-8 path");
        check(qlip::isRegularFile(file) && qlip::isDirectory(qlip::pathToUtf8(dir)), "isRegularFile / isDirectory");

        qlip::TokenGrid grid;
        grid.rows = grid.cols = 2;
        grid.bits = 28;
        grid.indices = {1, 2, 3, (int64_t(1) << 28) - 1};
        const std::string npy = qlip::pathToUtf8(dir / "tokens.npy");
        qlip::saveTokens(npy, grid, {"smoke", "", "{}"});
        check(qlip::loadTokens(npy, 2, 2, 28).indices == grid.indices, "tokens .npy + sidecar round trip");
        check(qlip::Json::parse("{\"a\": [1, 2.5, \"x\"]}").dump() == "{\"a\":[1,2.5,\"x\"]}", "JSON parse and dump");

        bool threw = false;
        try {
            qlip::MappedFile missing(qlip::pathToUtf8(dir / "missing.bin"));
        } catch (const qlip::Error&) {
            threw = true;
        }
        check(threw, "a missing file is a qlip::Error");
        check(qlip::residentBytes() > 0, "residentBytes() reads the working set");
        fs::remove_all(dir);
    } catch (const std::exception& e) {
        std::printf("FAIL: exception: %s\n", e.what());
        return 1;
    }
    if (failures) return 1;
    std::printf("windows smoke: ok\n");
    return 0;
}
