#include "qlip/webdataset.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace qlip::wds {

std::pair<std::string, std::string> splitKey(const std::string& memberName) {
    const size_t slash = memberName.rfind('/');
    const size_t fileStart = slash == std::string::npos ? 0 : slash + 1;
    const size_t dot = memberName.find('.', fileStart);
    if (dot == std::string::npos) return {memberName, ""};
    return {memberName.substr(0, dot), memberName.substr(dot + 1)};
}

namespace {
// Preference order when a sample holds several images (WebDataset writers use these names).
constexpr std::array<const char*, 13> kImageTypes = {"jpg", "jpeg", "png", "webp", "bmp", "gif", "tif",
                                                     "tiff", "ppm", "pgm", "pnm", "tga", "psd"};

std::string lastPartLower(const std::string& extension) {
    const size_t dot = extension.rfind('.');
    std::string last = dot == std::string::npos ? extension : extension.substr(dot + 1);
    std::transform(last.begin(), last.end(), last.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return last;
}
} // namespace

bool isImageExtension(const std::string& extension) {
    const std::string last = lastPartLower(extension);
    return std::any_of(kImageTypes.begin(), kImageTypes.end(), [&](const char* t) { return last == t; });
}

std::string pickImageExtension(const std::vector<std::string>& extensions) {
    for (const char* type : kImageTypes)
        for (const auto& e : extensions)
            if (lastPartLower(e) == type) return e;
    return "";
}

const SampleMember* Sample::find(const std::string& extension) const {
    for (const auto& m : members)
        if (m.extension == extension) return &m;
    return nullptr;
}

bool SampleReader::next(Sample& sample) {
    sample.key.clear();
    sample.members.clear();
    if (!pending_) {
        tar::Member m;
        std::vector<uint8_t> data;
        if (!reader_.next(m, withData_ ? &data : nullptr)) return false;
        auto [key, ext] = splitKey(m.name);
        pendingKey_ = std::move(key);
        pendingMember_ = SampleMember{std::move(ext), std::move(m), std::move(data)};
        pending_ = true;
    }
    sample.key = pendingKey_;
    sample.members.push_back(std::move(pendingMember_));
    pending_ = false;
    for (;;) {
        tar::Member m;
        std::vector<uint8_t> data;
        if (!reader_.next(m, withData_ ? &data : nullptr)) return true;
        auto [key, ext] = splitKey(m.name);
        if (key != sample.key) {
            pendingKey_ = std::move(key);
            pendingMember_ = SampleMember{std::move(ext), std::move(m), std::move(data)};
            pending_ = true;
            return true;
        }
        sample.members.push_back(SampleMember{std::move(ext), std::move(m), std::move(data)});
    }
}

} // namespace qlip::wds
