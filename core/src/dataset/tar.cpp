#include "qlip/tar.h"

#include "qlip/error.h"

#include <algorithm>
#include <cstring>
#include <istream>
#include <ostream>
#include <sstream>

namespace qlip::tar {

namespace {

constexpr size_t kBlock = 512;

uint64_t paddedSize(uint64_t size) { return (size + kBlock - 1) / kBlock * kBlock; }

std::string field(const uint8_t* p, size_t n) {
    size_t len = 0;
    while (len < n && p[len] != 0) ++len;
    return std::string(reinterpret_cast<const char*>(p), len);
}

std::string at(const std::string& archive, uint64_t offset) {
    return "'" + archive + "' at byte offset " + std::to_string(offset);
}

// Octal (NUL/space padded) or, when the top bit of the first byte is set, base-256 big-endian
// (GNU and star use it for sizes of 8 GiB and more). Negative base-256 values are refused.
uint64_t numericField(const uint8_t* p, size_t n, const char* what, const std::string& where) {
    if (p[0] & 0x80) {
        if (p[0] != 0x80) throw Error("tar " + where + ": negative or oversized base-256 " + what + " field");
        uint64_t v = 0;
        for (size_t i = 1; i < n; ++i) {
            if (v >> 56) throw Error("tar " + where + ": base-256 " + what + " field does not fit in 64 bits");
            v = (v << 8) | p[i];
        }
        return v;
    }
    size_t i = 0;
    while (i < n && p[i] == ' ') ++i;
    uint64_t v = 0;
    bool digits = false;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) {
        if (v >> 61) throw Error("tar " + where + ": octal " + what + " field overflows");
        v = v * 8 + uint64_t(p[i] - '0');
        digits = true;
    }
    for (; i < n; ++i)
        if (p[i] != ' ' && p[i] != 0)
            throw Error("tar " + where + ": " + what + " field is not an octal number ('" + field(p, n) + "')");
    if (!digits && std::string(what) == "size") return 0;
    return v;
}

bool checksumMatches(const uint8_t* h, const std::string& where) {
    const uint64_t stored = numericField(h + 148, 8, "checksum", where);
    uint64_t unsignedSum = 0;
    int64_t signedSum = 0;
    for (size_t i = 0; i < kBlock; ++i) {
        const uint8_t b = (i >= 148 && i < 156) ? uint8_t(' ') : h[i];
        unsignedSum += b;
        signedSum += int8_t(b); // some old writers summed signed chars
    }
    return stored == unsignedSum || int64_t(stored) == signedSum;
}

bool allZero(const uint8_t* h) {
    return std::all_of(h, h + kBlock, [](uint8_t b) { return b == 0; });
}

// pax records: "<length> <key>=<value>\n", length counting the whole record in decimal.
void parsePax(const std::string& payload, std::string& path, bool& hasSize, uint64_t& size, const std::string& where) {
    size_t pos = 0;
    while (pos < payload.size()) {
        if (payload[pos] == 0) break; // some writers pad with NULs
        size_t space = payload.find(' ', pos);
        if (space == std::string::npos || space == pos || space - pos > 20)
            throw Error("tar " + where + ": malformed pax record (no length)");
        uint64_t len = 0;
        for (size_t i = pos; i < space; ++i) {
            if (payload[i] < '0' || payload[i] > '9') throw Error("tar " + where + ": malformed pax record length");
            len = len * 10 + uint64_t(payload[i] - '0');
        }
        if (len < space - pos + 3 || len > payload.size() - pos || payload[pos + len - 1] != '\n')
            throw Error("tar " + where + ": pax record length " + std::to_string(len) + " does not match its text");
        const std::string record = payload.substr(space + 1, len - (space - pos) - 2);
        const size_t eq = record.find('=');
        if (eq == std::string::npos) throw Error("tar " + where + ": pax record without '='");
        const std::string key = record.substr(0, eq), value = record.substr(eq + 1);
        if (key == "path") {
            path = value;
        } else if (key == "size") {
            if (value.empty() || value.size() > 19 || value.find_first_not_of("0123456789") != std::string::npos)
                throw Error("tar " + where + ": pax size '" + value + "' is not a number");
            size = std::stoull(value);
            hasSize = true;
        }
        pos += len;
    }
}

} // namespace

Reader::Reader(std::istream& in, std::string archiveName, ReaderLimits limits) : in_(in), name_(std::move(archiveName)), limits_(limits) {}

bool Reader::readBlock(uint8_t* block) {
    in_.read(reinterpret_cast<char*>(block), kBlock);
    const auto got = uint64_t(in_.gcount());
    if (got == 0 && in_.eof()) return false;
    if (got != kBlock)
        throw Error("tar " + at(name_, offset_) + ": truncated header (" + std::to_string(got) + " of 512 bytes)");
    offset_ += kBlock;
    return true;
}

void Reader::readExact(uint8_t* dst, uint64_t size, const std::string& what, uint64_t where) {
    in_.read(reinterpret_cast<char*>(dst), std::streamsize(size));
    const auto got = uint64_t(in_.gcount());
    offset_ += got;
    if (got != size)
        throw Error("tar " + at(name_, where) + ": member '" + what + "' is truncated: its header says " + std::to_string(size) +
                    " bytes, only " + std::to_string(got) + " remain");
}

void Reader::skip(uint64_t size, const std::string& what, uint64_t where) {
    // Seek when we can, but never past the end: a truncated member must still be reported.
    const auto here = in_.tellg();
    if (here != std::streampos(-1)) {
        in_.seekg(0, std::ios::end);
        const auto end = in_.tellg();
        if (end != std::streampos(-1) && uint64_t(end - here) >= size) {
            in_.seekg(here + std::streamoff(size));
            offset_ += size;
            return;
        }
        in_.clear();
        in_.seekg(here);
    }
    std::vector<uint8_t> scratch(64 * 1024);
    uint64_t left = size;
    while (left > 0) {
        const uint64_t n = std::min<uint64_t>(left, scratch.size());
        in_.read(reinterpret_cast<char*>(scratch.data()), std::streamsize(n));
        const auto got = uint64_t(in_.gcount());
        offset_ += got;
        left -= got;
        if (got != n)
            throw Error("tar " + at(name_, where) + ": member '" + what + "' is truncated: its header says " + std::to_string(size) +
                        " bytes, only " + std::to_string(size - left) + " remain");
    }
}

std::string Reader::readPayload(uint64_t size, const std::string& what, uint64_t where) {
    if (size > limits_.maxHeaderBytes)
        throw Error("tar " + at(name_, where) + ": " + what + " of " + std::to_string(size) + " bytes is larger than the limit of " +
                    std::to_string(limits_.maxHeaderBytes));
    std::string s(size_t(size), '\0');
    readExact(reinterpret_cast<uint8_t*>(s.data()), size, what, where);
    skip(paddedSize(size) - size, what, where);
    return s;
}

bool Reader::next(Member& member, std::vector<uint8_t>* data) {
    if (ended_) return false;
    std::string longName;
    bool paxSize = false;
    uint64_t paxSizeValue = 0;
    uint64_t firstHeader = offset_;
    bool haveExtended = false;
    uint8_t h[kBlock];
    for (;;) {
        const uint64_t headerAt = offset_;
        if (!haveExtended) firstHeader = headerAt;
        if (!readBlock(h)) {
            if (haveExtended) throw Error("tar " + at(name_, headerAt) + ": archive ends after an extended header");
            ended_ = true;
            return false;
        }
        if (allZero(h)) {
            if (haveExtended) throw Error("tar " + at(name_, headerAt) + ": end-of-archive block after an extended header");
            ended_ = true; // the second zero block (if any) needs no reading
            return false;
        }
        const std::string where = at(name_, headerAt);
        if (!checksumMatches(h, where)) throw Error("tar " + where + ": header checksum mismatch (not a tar file, or corrupt)");
        const char type = char(h[156]);
        uint64_t size = numericField(h + 124, 12, "size", where);
        const bool isExtended = type == 'x' || type == 'g' || type == 'L' || type == 'K';
        if (!isExtended && paxSize) size = paxSizeValue;
        const std::string headerName = field(h, 100);
        if (isExtended) {
            const std::string payload = readPayload(size, "extended header", headerAt);
            if (type == 'x') parsePax(payload, longName, paxSize, paxSizeValue, where);
            else if (type == 'L') longName = field(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
            // 'g' (global pax) and 'K' (GNU long link target) say nothing we use.
            haveExtended = type != 'g' || haveExtended;
            continue;
        }
        std::string name = longName;
        if (name.empty()) {
            name = headerName;
            const bool ustar = std::memcmp(h + 257, "ustar", 5) == 0;
            const std::string prefix = ustar ? field(h + 345, 155) : std::string();
            if (!prefix.empty()) name = prefix + "/" + name;
        }
        const bool regular = type == '0' || type == '\0' || type == '7';
        if (!regular) {
            // Directories, links, devices: nothing to read, but their data (if any) is skipped.
            skip(paddedSize(size), name, headerAt);
            longName.clear();
            paxSize = false;
            haveExtended = false;
            continue;
        }
        if (name.empty()) throw Error("tar " + where + ": member without a name");
        if (size > limits_.maxMemberBytes)
            throw Error("tar " + where + ": member '" + name + "' declares " + std::to_string(size) + " bytes, more than the limit of " +
                        std::to_string(limits_.maxMemberBytes));
        member.name = name;
        member.size = size;
        member.headerOffset = firstHeader;
        member.dataOffset = offset_;
        if (data) {
            data->resize(size_t(size));
            readExact(data->data(), size, name, headerAt);
            skip(paddedSize(size) - size, name, headerAt);
        } else {
            skip(paddedSize(size), name, headerAt);
        }
        return true;
    }
}

// ---- writer ---------------------------------------------------------------------------------

Writer::Writer(std::ostream& out, std::string archiveName) : out_(out), name_(std::move(archiveName)) {}

void Writer::write(const void* data, size_t size) {
    out_.write(static_cast<const char*>(data), std::streamsize(size));
    if (!out_) throw Error("cannot write tar '" + name_ + "' (disk full?)");
    offset_ += size;
}

namespace {
void putOctal(uint8_t* p, size_t n, uint64_t v) {
    // n - 1 digits and a NUL, as ustar wants.
    for (size_t i = n - 1; i-- > 0;) {
        p[i] = uint8_t('0' + (v & 7));
        v >>= 3;
    }
    p[n - 1] = 0;
}
} // namespace

void Writer::writeHeader(const std::string& name, uint64_t size, char type) {
    uint8_t h[kBlock] = {};
    std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
    putOctal(h + 100, 8, 0644);
    putOctal(h + 108, 8, 0);
    putOctal(h + 116, 8, 0);
    if (size >= (uint64_t(1) << 33)) {
        h[124] = 0x80; // base-256 for 8 GiB and more
        for (int i = 0; i < 8; ++i) h[124 + 11 - i] = uint8_t(size >> (8 * i));
    } else {
        putOctal(h + 124, 12, size);
    }
    putOctal(h + 136, 12, 0);
    h[156] = uint8_t(type);
    std::memcpy(h + 257, "ustar", 6);
    h[263] = '0';
    h[264] = '0';
    std::memset(h + 148, ' ', 8);
    uint64_t sum = 0;
    for (uint8_t b : h) sum += b;
    putOctal(h + 148, 7, sum);
    h[155] = ' ';
    write(h, kBlock);
}

void Writer::add(const std::string& name, const void* data, size_t size) {
    if (name.empty()) throw Error("tar '" + name_ + "': a member needs a name");
    if (name.size() > 100) {
        // pax record "<len> path=<name>\n": the length counts its own digits.
        const std::string body = " path=" + name + "\n";
        size_t len = body.size() + 1;
        while (std::to_string(len).size() + body.size() != len) ++len;
        const std::string record = std::to_string(len) + body;
        writeHeader("PaxHeaders/" + name.substr(name.size() - std::min<size_t>(name.size(), 80)), record.size(), 'x');
        write(record.data(), record.size());
        const std::vector<uint8_t> pad(paddedSize(record.size()) - record.size(), 0);
        if (!pad.empty()) write(pad.data(), pad.size());
    }
    writeHeader(name, size, '0');
    if (size) write(data, size);
    const std::vector<uint8_t> pad(paddedSize(size) - size, 0);
    if (!pad.empty()) write(pad.data(), pad.size());
}

void Writer::finish() {
    const std::vector<uint8_t> zeros(2 * kBlock, 0);
    write(zeros.data(), zeros.size());
    out_.flush();
    if (!out_) throw Error("cannot write tar '" + name_ + "' (disk full?)");
}

std::vector<std::pair<Member, std::vector<uint8_t>>> readAll(const std::string& bytes, const std::string& archiveName, ReaderLimits limits) {
    std::istringstream in(bytes);
    Reader reader(in, archiveName, limits);
    std::vector<std::pair<Member, std::vector<uint8_t>>> out;
    Member m;
    std::vector<uint8_t> data;
    while (reader.next(m, &data)) out.emplace_back(m, data);
    return out;
}

} // namespace qlip::tar
