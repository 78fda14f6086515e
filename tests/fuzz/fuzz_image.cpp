// libFuzzer harness over the image decoder (issue #15): every format decodeImage() reads
// (PNG, JPEG, WebP, TIFF, PNM, BMP, GIF, TGA, PSD), through the in-memory entry point.
// Seeds: tests/fuzz/corpus/image/. Any qlip::Error is a correct answer; a crash, a sanitizer
// report, a leak, or a result whose buffer does not match its size is a bug.
#include "qlip/error.h"
#include "qlip/image.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Smaller limits than the defaults keep each run fast and memory under libFuzzer's -rss_limit;
    // the checks against them are the same code.
    qlip::ImageLimits limits;
    limits.maxPixels = int64_t(4) << 20;
    limits.maxSide = 8192;
    limits.maxBytes = int64_t(96) << 20;
    // The last byte picks the alpha handling, so both paths are explored.
    const auto alpha = size > 0 && (data[size - 1] & 1) ? qlip::AlphaMode::CompositeOnWhite : qlip::AlphaMode::Drop;
    try {
        const qlip::ImageRGB8 image = qlip::decodeImage(data, size, "fuzz-input", alpha, limits);
        if (image.width <= 0 || image.height <= 0 || int64_t(image.width) * image.height > limits.maxPixels ||
            image.rgb.size() != size_t(image.width) * size_t(image.height) * 3)
            std::abort();
    } catch (const qlip::Error&) {
    }
    return 0;
}
