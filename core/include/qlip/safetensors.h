#pragma once
// Our own safetensors reader and writer (https://huggingface.co/docs/safetensors format:
// 8-byte little-endian header length, JSON header, raw little-endian data). The reader validates
// the whole header before any tensor is touched and memory-maps the file. Never unpickles.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace qlip {

enum class DType { F16, BF16, F32, F64, I64 };

const char* dtypeName(DType t);     // "F32", ...
size_t dtypeSize(DType t);          // bytes per element

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0; // byte offsets relative to the start of the data section
    uint64_t end = 0;

    int64_t numel() const;
    std::string shapeString() const; // "[2, 3]"
};

class SafetensorsFile {
public:
    // Throws qlip::Error naming the file and the problem: too short, header length larger than the
    // file, malformed JSON, unknown dtype, shape/offset mismatch, offsets out of bounds or
    // overlapping. Every problem of the header is listed in one message.
    static SafetensorsFile open(const std::string& path);

    SafetensorsFile(SafetensorsFile&&) noexcept;
    SafetensorsFile& operator=(SafetensorsFile&&) noexcept;
    ~SafetensorsFile();

    const std::string& path() const;
    const std::vector<TensorInfo>& tensors() const;
    const TensorInfo* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const;
    const uint8_t* data(const TensorInfo& t) const; // points into the mapping
    // Tell the OS that this tensor's bytes are no longer needed (after they were copied), so a
    // multi-gigabyte load does not keep the file resident next to the copied weights.
    void releasePages(const TensorInfo& t) const;

    // Convenience for small tensors (tests, fixtures): values converted to double / int64.
    std::vector<double> readAsDouble(const std::string& name) const;
    std::vector<int64_t> readAsInt64(const std::string& name) const;

private:
    struct Impl;
    explicit SafetensorsFile(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Builds a safetensors file; tensors are written in the order added.
class SafetensorsWriter {
public:
    // Copies the data.
    void add(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* data, size_t bytes);
    // Keeps only the pointer: the caller keeps the data alive until save()/serialize() returns.
    // Lets multi-gigabyte models be written without a second copy in memory.
    void addBorrowed(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* data, size_t bytes);
    void setMetadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
    std::vector<uint8_t> serialize() const;
    void save(const std::string& path) const; // atomic (temp file + rename), streamed

private:
    struct Entry {
        std::string name;
        DType dtype;
        std::vector<int64_t> shape;
        std::vector<uint8_t> owned;
        const uint8_t* data = nullptr;
        size_t size = 0;
    };
    std::string header() const; // length prefix + padded JSON
    std::vector<Entry> entries_;
    std::map<std::string, std::string> metadata_;
};

} // namespace qlip
