#pragma once
// NumPy .npy v1/v2 reading and writing (little-endian numeric arrays, C order).
#include <cstdint>
#include <string>
#include <vector>

namespace qlip {

struct NpyArray {
    std::string descr;               // "<i8", "<f4", ...
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;      // raw data, C order

    int64_t numel() const;
};

std::vector<uint8_t> encodeNpy(const std::string& descr, const std::vector<int64_t>& shape, const void* data, size_t bytes);
void saveNpy(const std::string& path, const std::string& descr, const std::vector<int64_t>& shape, const void* data, size_t bytes);
// Throws qlip::Error naming the file: bad magic, unsupported version/dtype, Fortran order,
// data size that disagrees with the shape.
NpyArray loadNpy(const std::string& path);
// The same from bytes in memory (`path` only names them in errors). The shape must be an exact
// Python tuple of non-negative integers, and its byte count (overflow-checked) the data's size.
NpyArray parseNpy(const uint8_t* data, size_t size, const std::string& path);

} // namespace qlip
