#include "model/mapped_weights.h"

#include "qlip/error.h"
#include "qlip/hub.h"

#include <cstring>
#include <filesystem>

#ifdef _WIN32
#include <windows.h>
#else
#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace qlip::model {

std::shared_ptr<MappedWeights> MappedWeights::open(const std::string& path) {
    std::shared_ptr<MappedWeights> m(new MappedWeights());
#ifdef _WIN32
    HANDLE file = ::CreateFileW(hub::pathFromUtf8(path).c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE) throw Error("cannot open '" + path + "' to map its weights");
    LARGE_INTEGER size{};
    ::GetFileSizeEx(file, &size);
    m->size_ = uint64_t(size.QuadPart);
    m->mapping_ = m->size_ ? ::CreateFileMappingW(file, nullptr, PAGE_WRITECOPY, 0, 0, nullptr) : nullptr;
    ::CloseHandle(file);
    if (m->size_ && !m->mapping_) throw Error("cannot map '" + path + "'");
    if (m->size_) m->base_ = static_cast<uint8_t*>(::MapViewOfFile(m->mapping_, FILE_MAP_COPY, 0, 0, 0));
    if (m->size_ && !m->base_) throw Error("cannot map '" + path + "'");
#else
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open '" + path + "' to map its weights: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        throw Error("cannot read the size of '" + path + "'");
    }
    m->size_ = uint64_t(st.st_size);
    if (m->size_) {
        void* p = ::mmap(nullptr, m->size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            throw Error("cannot map '" + path + "': " + why);
        }
        m->base_ = static_cast<uint8_t*>(p);
    }
    ::close(fd);
#endif
    if (m->size_ < 8) throw Error("'" + path + "' is too short for a safetensors file");
    uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i) headerLen = (headerLen << 8) | m->base_[i];
    if (headerLen > m->size_ - 8) throw Error("'" + path + "' has a header length beyond its end");
    m->dataStart_ = 8 + headerLen;
    return m;
}

MappedWeights::~MappedWeights() {
#ifdef _WIN32
    if (base_) ::UnmapViewOfFile(base_);
    if (mapping_) ::CloseHandle(mapping_);
#else
    if (base_) ::munmap(base_, size_);
#endif
}

torch::Tensor MappedWeights::view(const TensorInfo& info, torch::ScalarType type) {
    const uint64_t offset = dataStart_ + info.begin;
    const size_t element = c10::elementSize(type);
    if (offset % element != 0 || info.end > size_ - dataStart_) return {};
    auto keep = shared_from_this(); // the mapping stays while any view lives
    return torch::from_blob(base_ + offset, info.shape, [keep](void*) {}, torch::TensorOptions().dtype(type));
}

} // namespace qlip::model
