#pragma once
// The header of a safetensors file, parsed and checked without the file (for SafetensorsFile::open
// and the fuzzing harness): entries, dtypes, exact integer shapes and offsets inside `dataSize`,
// byte counts that match the shapes, no overlaps.
#include "qlip/safetensors.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace qlip {

struct SafetensorsHeader {
    std::vector<TensorInfo> tensors;
    std::map<std::string, std::string> metadata;
};

// Throws qlip::Error naming `path` with every problem found.
SafetensorsHeader parseSafetensorsHeader(std::string_view headerText, uint64_t dataSize, const std::string& path);

} // namespace qlip
