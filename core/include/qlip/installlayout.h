#pragma once
// Where QLIP Explorer's programs find their data. An installed tree (the .deb, the portable
// bundle, the Windows installer) and the build tree share one layout:
//
//   <root>/bin/qlipx, <root>/bin/qlip-explorer     the programs
//   <root>/share/qlip-explorer/{models,samples,labels}   their data
//
// so each program looks only relative to its own executable and no path of the build machine is
// compiled in. Torch-free and Qt-free.
#include <filesystem>
#include <string>

namespace qlip {

// The running program's executable with symlinks resolved (Linux: /proc/self/exe; Windows:
// GetModuleFileNameW); empty when the system does not say.
std::filesystem::path executablePath();

// $QLIPX_DATA_DIR when set (a relocated data folder), else <executable folder>/../share/qlip-explorer.
// Empty when neither is known. The folder may not exist; callers check what they need in it.
std::filesystem::path dataFolder();

// dataFolder()/models/<name> when it holds a config.json (the embedded model "qlip-emoji-64" and
// its prior "qlip-emoji-64-prior"), else empty.
std::filesystem::path embeddedModelFolder(const std::string& name);

// A path as UTF-8 text for messages and for APIs that take std::string (on Windows
// path::string() would convert to the ANSI code page and lose characters).
std::string pathToUtf8(const std::filesystem::path& p);
// The inverse: UTF-8 text (command lines, JSON) to a path.
std::filesystem::path pathFromUtf8(const std::string& utf8);

} // namespace qlip
