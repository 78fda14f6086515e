// Zero-shot label files (qlipx query --labels-file, the explorer's "Load label file…"): one label
// per line, UTF-8. Accepted labels are valid UTF-8, trimmed, unique, and fit prompt templates.
#include "fuzz_common.h"

#include "qlip/query.h"

#include <set>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = fuzz::writeTemp(data, size, "-labels.txt");
    try {
        int duplicates = 0;
        const auto labels = qlip::readLabelFile(path, &duplicates);
        std::set<std::string> seen;
        for (const auto& l : labels) {
            if (l.empty() || !qlip::isValidUtf8(l)) fuzz::fail("empty or invalid label accepted");
            if (!seen.insert(l).second) fuzz::fail("duplicate label kept: " + l);
            (void)qlip::applyTemplate("a photo of {}, {}", l);
        }
        if (duplicates < 0) fuzz::fail("negative duplicate count");
    } catch (const qlip::Error&) {
    }
    return 0;
}
