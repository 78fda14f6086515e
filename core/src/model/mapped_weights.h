#pragma once
// A copy-on-write memory map of a safetensors file whose tensors become model parameters without
// a copy: a parameter whose dtype already matches the file is a view of the mapping (from_blob),
// and the mapping lives as long as any such parameter does. Pages are shared with the OS page
// cache (and with other processes that map the same file) and are read from disk on first use.
// Copy-on-write, so a stray in-place write changes only this process's copy, never the file.
#include "qlip/safetensors.h"

#include <torch/torch.h>

#include <memory>
#include <string>

namespace qlip::model {

class MappedWeights : public std::enable_shared_from_this<MappedWeights> {
public:
    // Throws qlip::Error when the file cannot be mapped.
    static std::shared_ptr<MappedWeights> open(const std::string& path);
    MappedWeights(const MappedWeights&) = delete;
    MappedWeights& operator=(const MappedWeights&) = delete;
    ~MappedWeights();

    // The tensor as a view of the mapping, or an undefined tensor when its bytes are not aligned
    // for its dtype (the caller copies it then).
    torch::Tensor view(const TensorInfo& info, torch::ScalarType type);

private:
    MappedWeights() = default;
    uint8_t* base_ = nullptr;
    uint64_t size_ = 0;
    uint64_t dataStart_ = 0; // file offset of the data section (8 + header length)
#ifdef _WIN32
    void* mapping_ = nullptr;
#endif
};

} // namespace qlip::model
