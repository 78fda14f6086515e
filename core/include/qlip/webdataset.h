#pragma once
// WebDataset conventions over tar archives: consecutive members sharing a key form one sample.
// The key of "dir/abc.seg.png" is "dir/abc" (everything up to the first dot of the file name) and
// its extension "seg.png" (the rest), as the WebDataset library splits them.
#include "qlip/tar.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace qlip::wds {

// {key, extension}; a name without a dot in its file name has an empty extension.
std::pair<std::string, std::string> splitKey(const std::string& memberName);

// True for the image types the decoder reads (by the last part of the extension, any case).
bool isImageExtension(const std::string& extension);
// The image member of a sample: the first whose extension is an image type, in a fixed
// preference (jpg, jpeg, png, webp, ...); "" when none.
std::string pickImageExtension(const std::vector<std::string>& extensions);

struct SampleMember {
    std::string extension;
    tar::Member member;
    std::vector<uint8_t> data; // empty when read without data
};

struct Sample {
    std::string key;
    std::vector<SampleMember> members; // in archive order
    const SampleMember* find(const std::string& extension) const;
};

// Groups a tar reader's members into samples. A key that comes back after other keys starts a
// new sample (as in WebDataset); callers that need unique keys check for repeats.
class SampleReader {
public:
    explicit SampleReader(tar::Reader& reader, bool withData = true) : reader_(reader), withData_(withData) {}
    bool next(Sample& sample);

private:
    tar::Reader& reader_;
    bool withData_;
    bool pending_ = false;
    SampleMember pendingMember_;
    std::string pendingKey_;
};

} // namespace qlip::wds
