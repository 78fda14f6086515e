#include "qlip/npy.h"

#include "fileio.h"
#include "qlip/error.h"

#include <cstring>
#include <limits>

namespace qlip {
namespace {

size_t descrSize(const std::string& d) {
    if (d == "<i8" || d == "<f8" || d == "<u8") return 8;
    if (d == "<i4" || d == "<f4" || d == "<u4") return 4;
    if (d == "<i2" || d == "<f2" || d == "<u2") return 2;
    if (d == "|u1" || d == "|i1" || d == "|b1") return 1;
    return 0;
}

// Extract the value of `'key': value` from the header dict (a Python literal, not JSON).
std::string dictValue(const std::string& header, const std::string& key, const std::string& path) {
    auto k = header.find("'" + key + "'");
    if (k == std::string::npos) throw Error("'" + path + "': .npy header has no '" + key + "'");
    auto colon = header.find(':', k);
    if (colon == std::string::npos) throw Error("'" + path + "': malformed .npy header");
    size_t start = header.find_first_not_of(' ', colon + 1);
    if (start == std::string::npos) throw Error("'" + path + "': malformed .npy header");
    size_t end = start;
    if (header[start] == '\'') end = header.find('\'', start + 1) + 1;
    else if (header[start] == '(') end = header.find(')', start) + 1;
    else end = header.find_first_of(",}", start);
    if (end == std::string::npos || end == 0 || end <= start) throw Error("'" + path + "': malformed .npy header");
    return header.substr(start, end - start);
}

// The shape tuple exactly as Python writes it: "()", "(8,)", "(2, 3)" (spaces anywhere between
// tokens); dimensions are decimal non-negative integers that fit int64. Anything else, such as
// "(8, 8 junk!)" or "(-1,)", is refused rather than half-read.
std::vector<int64_t> parseShape(const std::string& dims, const std::string& path) {
    auto bad = [&](const std::string& why) {
        return Error("'" + path + "': malformed .npy shape " + dims + " (" + why + ")");
    };
    std::vector<int64_t> shape;
    size_t i = 0;
    auto skipSpaces = [&] { while (i < dims.size() && dims[i] == ' ') ++i; };
    if (dims.empty() || dims[0] != '(') throw bad("expected '('");
    ++i;
    for (;;) {
        skipSpaces();
        if (i < dims.size() && dims[i] == ')') break;
        if (i >= dims.size() || dims[i] < '0' || dims[i] > '9') throw bad("expected a non-negative integer");
        int64_t v = 0;
        while (i < dims.size() && dims[i] >= '0' && dims[i] <= '9') {
            const int digit = dims[i++] - '0';
            if (v > (std::numeric_limits<int64_t>::max() - digit) / 10) throw bad("dimension too large");
            v = v * 10 + digit;
        }
        shape.push_back(v);
        if (shape.size() > 32) throw bad("more than 32 dimensions");
        skipSpaces();
        if (i < dims.size() && dims[i] == ',') { ++i; continue; }
        if (i < dims.size() && dims[i] == ')') break;
        throw bad("expected ',' or ')'");
    }
    if (i + 1 != dims.size()) throw bad("characters after ')'");
    return shape;
}

} // namespace

int64_t NpyArray::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::vector<uint8_t> encodeNpy(const std::string& descr, const std::vector<int64_t>& shape, const void* data, size_t bytes) {
    std::string dims;
    for (size_t i = 0; i < shape.size(); ++i) dims += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
    // magic(6) + version(2) + length(2) + header + '\n' is padded to a multiple of 64
    size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    out.push_back(uint8_t(header.size() & 0xFF));
    out.push_back(uint8_t(header.size() >> 8));
    out.insert(out.end(), header.begin(), header.end());
    const auto* p = static_cast<const uint8_t*>(data);
    out.insert(out.end(), p, p + bytes);
    return out;
}

void saveNpy(const std::string& path, const std::string& descr, const std::vector<int64_t>& shape, const void* data, size_t bytes) {
    auto encoded = encodeNpy(descr, shape, data, bytes);
    writeFileAtomic(path, encoded.data(), encoded.size());
}

NpyArray parseNpy(const uint8_t* data, size_t size, const std::string& path) {
    static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (size < 10 || std::memcmp(data, magic, 6) != 0)
        throw Error("'" + path + "' is not a .npy file (bad magic)");
    const uint8_t* file = data;
    const int major = file[6];
    size_t headerLen, offset;
    if (major == 1) { headerLen = file[8] | (size_t(file[9]) << 8); offset = 10; }
    else if (major == 2 || major == 3) {
        if (size < 12) throw Error("'" + path + "': truncated .npy header");
        headerLen = file[8] | (size_t(file[9]) << 8) | (size_t(file[10]) << 16) | (size_t(file[11]) << 24);
        offset = 12;
    } else throw Error("'" + path + "': unsupported .npy version " + std::to_string(major));
    if (offset + headerLen > size) throw Error("'" + path + "': truncated .npy header");
    std::string header(reinterpret_cast<const char*>(data + offset), headerLen);

    NpyArray a;
    std::string descr = dictValue(header, "descr", path);
    a.descr = descr.size() >= 2 ? descr.substr(1, descr.size() - 2) : descr;
    if (a.descr.size() == 3 && a.descr[0] == '=') a.descr[0] = '<';
    if (descrSize(a.descr) == 0) throw Error("'" + path + "': unsupported .npy dtype '" + a.descr + "' (little-endian numbers only)");
    if (dictValue(header, "fortran_order", path) != "False") throw Error("'" + path + "': Fortran-ordered arrays are not supported");
    std::string dims = dictValue(header, "shape", path);
    a.shape = parseShape(dims, path);
    const uint64_t elementSize = descrSize(a.descr);
    uint64_t need = elementSize;
    for (int64_t d : a.shape) {
        if (d != 0 && need > std::numeric_limits<uint64_t>::max() / uint64_t(d))
            throw Error("'" + path + "': .npy shape " + dims + " has more elements than any file can hold");
        need *= uint64_t(d);
    }
    const uint64_t have = size - offset - headerLen;
    if (have != need)
        throw Error("'" + path + "': shape " + dims + " needs " + std::to_string(need) + " bytes of data but the file holds " +
                    std::to_string(have) + (have < need ? " (truncated)" : ""));
    a.bytes.assign(data + offset + headerLen, data + size);
    return a;
}

NpyArray loadNpy(const std::string& path) {
    auto file = readBinaryFile(path, ".npy file");
    return parseNpy(file.data(), file.size(), path);
}

} // namespace qlip
