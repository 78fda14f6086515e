#include "qlip/safetensors.h"

#include "fileio.h"
#include "qlip/error.h"
#include "qlip/json.h"
#include "safetensors_header.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace qlip {

const char* dtypeName(DType t) {
    switch (t) {
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::I64: return "I64";
    }
    return "?";
}

size_t dtypeSize(DType t) {
    switch (t) {
    case DType::F16:
    case DType::BF16: return 2;
    case DType::F32: return 4;
    case DType::F64:
    case DType::I64: return 8;
    }
    return 0;
}

static bool parseDType(const std::string& s, DType& out) {
    static const std::pair<const char*, DType> table[] = {
        {"F16", DType::F16}, {"BF16", DType::BF16}, {"F32", DType::F32}, {"F64", DType::F64}, {"I64", DType::I64}};
    for (auto& [name, t] : table)
        if (s == name) { out = t; return true; }
    return false;
}

int64_t TensorInfo::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::string TensorInfo::shapeString() const {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// The header is limited so that a corrupt length cannot make us parse gigabytes of JSON.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct SafetensorsFile::Impl {
    MappedFile file;
    const uint8_t* dataStart = nullptr;
    uint64_t dataSize = 0;
    std::vector<TensorInfo> tensors;
    std::map<std::string, size_t> byName;
    std::map<std::string, std::string> metadata;

    explicit Impl(MappedFile f) : file(std::move(f)) {}
};

namespace {

// Parse one header entry; appends problems instead of throwing so all of them get reported.
void parseEntry(const std::string& name, const Json& v, uint64_t dataSize, std::vector<TensorInfo>& out,
                std::vector<std::string>& problems) {
    if (!v.isObject()) { problems.push_back("'" + name + "': entry is not an object"); return; }
    const Json* dt = v.find("dtype");
    const Json* shape = v.find("shape");
    const Json* offs = v.find("data_offsets");
    if (!dt || !dt->isString() || !shape || !shape->isArray() || !offs || !offs->isArray()) {
        problems.push_back("'" + name + "': needs string 'dtype', array 'shape' and array 'data_offsets'");
        return;
    }
    TensorInfo t;
    t.name = name;
    if (!parseDType(dt->asString(), t.dtype)) {
        problems.push_back("'" + name + "': unsupported dtype " + dt->asString() + " (known: F16, BF16, F32, F64, I64)");
        return;
    }
    // Exact integers only: never through a double (1e300 or 2^64+1 must not pass as something else).
    bool overflow = false;
    uint64_t numel = 1;
    for (const Json& d : shape->asArray()) {
        if (!d.isInteger() || d.asNumber() < 0 || d.asUInt() > uint64_t(std::numeric_limits<int64_t>::max())) {
            problems.push_back("'" + name + "': shape entries must be non-negative integers below 2^63");
            return;
        }
        const uint64_t dim = d.asUInt();
        t.shape.push_back(int64_t(dim));
        if (dim != 0 && numel > std::numeric_limits<uint64_t>::max() / dim) overflow = true;
        else numel *= dim;
    }
    const auto& o = offs->asArray();
    if (o.size() != 2 || !o[0].isInteger() || !o[1].isInteger() || o[0].asNumber() < 0 || o[1].asNumber() < 0) {
        problems.push_back("'" + name + "': data_offsets must be two non-negative integers");
        return;
    }
    t.begin = o[0].asUInt();
    t.end = o[1].asUInt();
    if (t.end < t.begin) { problems.push_back("'" + name + "': data_offsets end before they begin"); return; }
    if (t.end > dataSize) {
        problems.push_back("'" + name + "': data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                           ") lie outside the data section of " + std::to_string(dataSize) + " bytes (truncated file?)");
        return;
    }
    if (overflow || numel > std::numeric_limits<uint64_t>::max() / dtypeSize(t.dtype) ||
        numel * dtypeSize(t.dtype) != t.end - t.begin) {
        problems.push_back("'" + name + "': shape " + t.shapeString() + " of " + dtypeName(t.dtype) + " needs " +
                           (overflow ? std::string("an impossible number of") : std::to_string(numel * dtypeSize(t.dtype))) +
                           " bytes but data_offsets span " + std::to_string(t.end - t.begin));
        return;
    }
    out.push_back(std::move(t));
}

void checkOverlaps(std::vector<TensorInfo> sorted, std::vector<std::string>& problems) {
    std::sort(sorted.begin(), sorted.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    for (size_t i = 1; i < sorted.size(); ++i) {
        const auto& a = sorted[i - 1];
        const auto& b = sorted[i];
        if (b.begin < a.end && b.end > b.begin && a.end > a.begin)
            problems.push_back("'" + a.name + "' and '" + b.name + "' overlap in the data section");
    }
}

std::string joinProblems(const std::vector<std::string>& problems) {
    std::string s;
    for (const auto& p : problems) s += "\n  - " + p;
    return s;
}

uint64_t readLE64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

} // namespace

SafetensorsFile SafetensorsFile::open(const std::string& path) {
    if (!isRegularFile(path)) {
        if (isDirectory(path)) throw Error("'" + path + "' is a folder, not a safetensors file");
        throw Error("safetensors file '" + path + "' does not exist");
    }
    auto impl = std::make_unique<Impl>(MappedFile(path));
    const uint64_t fileSize = impl->file.size();
    if (fileSize < 8)
        throw Error("'" + path + "' is not a safetensors file: " + std::to_string(fileSize) + " bytes, shorter than the 8-byte header length");
    const uint64_t headerLen = readLE64(impl->file.data());
    if (headerLen > fileSize - 8)
        throw Error("'" + path + "' is truncated or corrupt: header length " + std::to_string(headerLen) +
                    " is larger than the " + std::to_string(fileSize - 8) + " bytes that follow it");
    if (headerLen > kMaxHeaderBytes)
        throw Error("'" + path + "': header length " + std::to_string(headerLen) + " exceeds the 100 MB limit");
    std::string_view headerText(reinterpret_cast<const char*>(impl->file.data() + 8), headerLen);
    impl->dataStart = impl->file.data() + 8 + headerLen;
    impl->dataSize = fileSize - 8 - headerLen;
    SafetensorsHeader header = parseSafetensorsHeader(headerText, impl->dataSize, path);
    impl->tensors = std::move(header.tensors);
    impl->metadata = std::move(header.metadata);
    for (size_t i = 0; i < impl->tensors.size(); ++i) impl->byName[impl->tensors[i].name] = i;
    return SafetensorsFile(std::move(impl));
}

SafetensorsHeader parseSafetensorsHeader(std::string_view headerText, uint64_t dataSize, const std::string& path) {
    Json doc = Json::parse(headerText, "'" + path + "' header");
    if (!doc.isObject()) throw Error("'" + path + "' header is not a JSON object");
    SafetensorsHeader out;
    std::vector<std::string> problems;
    for (const auto& [name, value] : doc.asObject()) {
        if (name == "__metadata__") {
            if (!value.isObject()) { problems.push_back("__metadata__ is not an object"); continue; }
            for (const auto& [k, v] : value.asObject()) {
                if (v.isString()) out.metadata[k] = v.asString();
                else problems.push_back("__metadata__ value '" + k + "' is not a string");
            }
            continue;
        }
        parseEntry(name, value, dataSize, out.tensors, problems);
    }
    checkOverlaps(out.tensors, problems);
    if (!problems.empty())
        throw Error("'" + path + "' is not a valid safetensors file (" + std::to_string(problems.size()) +
                    " problem" + (problems.size() > 1 ? "s" : "") + "):" + joinProblems(problems));
    return out;
}

SafetensorsFile::SafetensorsFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;
SafetensorsFile::~SafetensorsFile() = default;

const std::string& SafetensorsFile::path() const { return impl_->file.path(); }
const std::vector<TensorInfo>& SafetensorsFile::tensors() const { return impl_->tensors; }
const std::map<std::string, std::string>& SafetensorsFile::metadata() const { return impl_->metadata; }
const uint8_t* SafetensorsFile::data(const TensorInfo& t) const { return impl_->dataStart + t.begin; }

void SafetensorsFile::releasePages(const TensorInfo& t) const {
    const uint64_t fileBegin = uint64_t(impl_->dataStart - impl_->file.data()) + t.begin;
    impl_->file.discard(fileBegin, fileBegin + (t.end - t.begin));
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
    auto it = impl_->byName.find(name);
    return it == impl_->byName.end() ? nullptr : &impl_->tensors[it->second];
}

static float halfToFloat(uint16_t h) {
    uint32_t sign = uint32_t(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F;
    uint32_t mant = h & 0x3FF;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) bits = sign;
        else { // subnormal: renormalise
            exp = 127 - 15 + 1;
            while (!(mant & 0x400)) { mant <<= 1; --exp; }
            mant &= 0x3FF;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 31) bits = sign | 0x7F800000u | (mant << 13);
    else bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

std::vector<double> SafetensorsFile::readAsDouble(const std::string& name) const {
    const TensorInfo* t = find(name);
    if (!t) throw Error("'" + path() + "' has no tensor '" + name + "'");
    const uint8_t* p = data(*t);
    std::vector<double> out(size_t(t->numel()));
    for (size_t i = 0; i < out.size(); ++i) {
        switch (t->dtype) {
        case DType::F32: { float f; std::memcpy(&f, p + 4 * i, 4); out[i] = f; break; }
        case DType::F64: { std::memcpy(&out[i], p + 8 * i, 8); break; }
        case DType::I64: { int64_t v; std::memcpy(&v, p + 8 * i, 8); out[i] = double(v); break; }
        case DType::F16: { uint16_t h; std::memcpy(&h, p + 2 * i, 2); out[i] = halfToFloat(h); break; }
        case DType::BF16: {
            uint16_t h; std::memcpy(&h, p + 2 * i, 2);
            uint32_t bits = uint32_t(h) << 16; float f; std::memcpy(&f, &bits, 4); out[i] = f; break;
        }
        }
    }
    return out;
}

std::vector<int64_t> SafetensorsFile::readAsInt64(const std::string& name) const {
    const TensorInfo* t = find(name);
    if (!t) throw Error("'" + path() + "' has no tensor '" + name + "'");
    if (t->dtype != DType::I64) throw Error("'" + path() + "': tensor '" + name + "' is " + dtypeName(t->dtype) + ", expected I64");
    std::vector<int64_t> out(size_t(t->numel()));
    if (!out.empty()) std::memcpy(out.data(), data(*t), out.size() * 8);
    return out;
}

void SafetensorsWriter::addBorrowed(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* data,
                                    size_t bytes) {
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    if (size_t(numel) * dtypeSize(dtype) != bytes)
        throw Error("safetensors writer: '" + name + "' has " + std::to_string(bytes) + " bytes, shape needs " +
                    std::to_string(size_t(numel) * dtypeSize(dtype)));
    for (const auto& e : entries_)
        if (e.name == name) throw Error("safetensors writer: duplicate tensor '" + name + "'");
    entries_.push_back({name, dtype, std::move(shape), {}, static_cast<const uint8_t*>(data), bytes});
}

void SafetensorsWriter::add(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* data, size_t bytes) {
    addBorrowed(name, dtype, std::move(shape), data, bytes);
    auto& e = entries_.back();
    const auto* p = static_cast<const uint8_t*>(data);
    e.owned.assign(p, p + bytes);
    e.data = e.owned.data();
}

std::string SafetensorsWriter::header() const {
    Json::Object header;
    if (!metadata_.empty()) {
        Json::Object meta;
        for (const auto& [k, v] : metadata_) meta[k] = Json(v);
        header["__metadata__"] = Json(std::move(meta));
    }
    uint64_t offset = 0;
    for (const auto& e : entries_) {
        Json::Array shape;
        for (int64_t d : e.shape) shape.push_back(Json(d));
        Json::Object entry;
        entry["dtype"] = Json(dtypeName(e.dtype));
        entry["shape"] = Json(std::move(shape));
        entry["data_offsets"] = Json(Json::Array{Json(int64_t(offset)), Json(int64_t(offset + e.size))});
        header[e.name] = Json(std::move(entry));
        offset += e.size;
    }
    std::string text = Json(std::move(header)).dump();
    while (text.size() % 8) text += ' '; // keeps the data section 8-byte aligned, as the format recommends
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[size_t(i)] = char(uint8_t(text.size() >> (8 * i)));
    return out + text;
}

std::vector<uint8_t> SafetensorsWriter::serialize() const {
    std::string head = header();
    size_t total = head.size();
    for (const auto& e : entries_) total += e.size;
    std::vector<uint8_t> out(total);
    std::memcpy(out.data(), head.data(), head.size());
    size_t pos = head.size();
    for (const auto& e : entries_) {
        if (e.size) std::memcpy(out.data() + pos, e.data, e.size);
        pos += e.size;
    }
    return out;
}

void SafetensorsWriter::save(const std::string& path) const {
    std::vector<std::pair<const void*, size_t>> pieces;
    std::string head = header();
    pieces.emplace_back(head.data(), head.size());
    for (const auto& e : entries_) pieces.emplace_back(e.data, e.size);
    writeFileAtomic(path, pieces);
}

} // namespace qlip
