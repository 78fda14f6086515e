// libFuzzer harness: the tar reader and WebDataset grouping over arbitrary bytes (untrusted
// dataset shards). Every input must end in samples or a qlip::Error, within the member size
// limit, never a crash, an over-read or a huge allocation. Built alone, e.g.
//   clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Icore/include \
//     tests/fuzz/fuzz_tar.cpp core/src/dataset/tar.cpp core/src/dataset/webdataset.cpp -o fuzz_tar
#include "qlip/error.h"
#include "qlip/tar.h"
#include "qlip/webdataset.h"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    qlip::tar::ReaderLimits limits;
    limits.maxMemberBytes = 1 << 20;
    limits.maxHeaderBytes = 1 << 16;
    for (bool withData : {true, false}) { // both the reading and the seeking (listing) paths
        std::istringstream in(bytes);
        qlip::tar::Reader reader(in, "fuzz.tar", limits);
        qlip::wds::SampleReader samples(reader, withData);
        qlip::wds::Sample s;
        try {
            size_t members = 0;
            while (samples.next(s)) {
                std::vector<std::string> extensions;
                for (const auto& m : s.members) {
                    extensions.push_back(m.extension);
                    if (withData && m.data.size() != m.member.size) __builtin_trap();
                    ++members;
                }
                (void)qlip::wds::pickImageExtension(extensions);
                if (members > size / 512 + 1) __builtin_trap(); // each member costs at least one header block
            }
        } catch (const qlip::Error&) {
        }
    }
    return 0;
}
