// NumPy .npy reader (token files): exact shape grammar, overflow-checked sizes. An accepted array
// holds exactly numel x element-size bytes; as a token file it must load or be refused cleanly.
#include "fuzz_common.h"

#include "qlip/npy.h"
#include "qlip/tokens.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const qlip::NpyArray a = qlip::parseNpy(data, size, "fuzz.npy");
        uint64_t n = 1;
        for (int64_t d : a.shape) {
            if (d < 0) fuzz::fail("negative dimension accepted");
            n *= uint64_t(d);
        }
        if (a.descr.size() != 3) fuzz::fail("odd descr accepted: " + a.descr);
        const uint64_t element = uint64_t(a.descr[2] - '0');
        if (n * element != a.bytes.size()) fuzz::fail("data size disagrees with the shape");
        if (a.shape.size() == 2) {
            const std::string path = fuzz::writeTemp(data, size, ".npy");
            (void)qlip::loadTokens(path, 0, 0, 28, 1);
        }
    } catch (const qlip::Error&) {
    }
    return 0;
}
