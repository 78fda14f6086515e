// Folder index files (safetensors arrays + JSON metadata), read as FolderIndex::load reads them,
// for a model identified as "fuzz" with 2x2 grids of 28-bit tokens. Accepted entries must hold
// finite embeddings and tokens inside [0, 2^28).
#include "folderindex_file.h"
#include "fuzz_common.h"

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = fuzz::writeTemp(data, size, ".safetensors");
    std::vector<qlip::IndexEntry> entries;
    try {
        const std::string problem = qlip::indexfile::readEntries(path, "fuzz", 2, 2, 28, entries);
        if (!problem.empty()) return 0;
    } catch (const qlip::Error&) {
        return 0;
    }
    for (const auto& e : entries) {
        if (e.tokens.size() != 4) fuzz::fail("entry with a wrong token count");
        for (int64_t t : e.tokens)
            if (t < 0 || t >= (int64_t(1) << 28)) fuzz::fail("token outside [0, 2^28) accepted");
        for (float v : e.embedding)
            if (!std::isfinite(v)) fuzz::fail("non-finite embedding accepted");
    }
    return 0;
}
