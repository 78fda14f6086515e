#include "qlip/npy.h"

#include "fileio.h"
#include "qlip/error.h"

#include <cstring>

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

NpyArray loadNpy(const std::string& path) {
    auto file = readBinaryFile(path, ".npy file");
    static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (file.size() < 10 || std::memcmp(file.data(), magic, 6) != 0)
        throw Error("'" + path + "' is not a .npy file (bad magic)");
    const int major = file[6];
    size_t headerLen, offset;
    if (major == 1) { headerLen = file[8] | (size_t(file[9]) << 8); offset = 10; }
    else if (major == 2 || major == 3) {
        if (file.size() < 12) throw Error("'" + path + "': truncated .npy header");
        headerLen = file[8] | (size_t(file[9]) << 8) | (size_t(file[10]) << 16) | (size_t(file[11]) << 24);
        offset = 12;
    } else throw Error("'" + path + "': unsupported .npy version " + std::to_string(major));
    if (offset + headerLen > file.size()) throw Error("'" + path + "': truncated .npy header");
    std::string header(file.begin() + long(offset), file.begin() + long(offset + headerLen));

    NpyArray a;
    std::string descr = dictValue(header, "descr", path);
    a.descr = descr.size() >= 2 ? descr.substr(1, descr.size() - 2) : descr;
    if (a.descr.size() == 3 && a.descr[0] == '=') a.descr[0] = '<';
    if (descrSize(a.descr) == 0) throw Error("'" + path + "': unsupported .npy dtype '" + a.descr + "' (little-endian numbers only)");
    if (dictValue(header, "fortran_order", path) != "False") throw Error("'" + path + "': Fortran-ordered arrays are not supported");
    std::string dims = dictValue(header, "shape", path);
    size_t i = 1;
    while (i < dims.size()) {
        size_t j = dims.find_first_of(",)", i);
        std::string num = dims.substr(i, j - i);
        num.erase(0, num.find_first_not_of(' '));
        if (!num.empty()) {
            char* end = nullptr;
            long long v = std::strtoll(num.c_str(), &end, 10);
            if (*end != '\0' && *end != ' ') throw Error("'" + path + "': malformed .npy shape " + dims);
            if (v < 0) throw Error("'" + path + "': negative dimension in .npy shape");
            a.shape.push_back(v);
        }
        if (j == std::string::npos || dims[j] == ')') break;
        i = j + 1;
    }
    size_t need = size_t(a.numel()) * descrSize(a.descr);
    size_t have = file.size() - offset - headerLen;
    if (have != need)
        throw Error("'" + path + "': shape " + dims + " needs " + std::to_string(need) + " bytes of data but the file holds " +
                    std::to_string(have) + (have < need ? " (truncated)" : ""));
    a.bytes.assign(file.begin() + long(offset + headerLen), file.end());
    return a;
}

} // namespace qlip
