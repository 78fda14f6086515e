// WebP (lossy and lossless, still images) through libwebp, decoded straight into our buffer
// after the size in the header has passed the limits. Without libwebp the format is refused.
#include "image_decode.h"

#if QLIP_HAVE_WEBP
#include <webp/decode.h>

#include <vector>

namespace qlip::imagedecode {
namespace {

const char* statusText(VP8StatusCode status) {
    switch (status) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "suspended";
    case VP8_STATUS_USER_ABORT: return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "the file ends early (truncated)";
    default: return "unknown error";
    }
}

} // namespace

ImageRGB8 decodeWebp(const Input& in) {
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) fail(in, "cannot start the WebP decoder (library version mismatch)");
    const VP8StatusCode header = WebPGetFeatures(in.data, in.size, &config.input);
    if (header != VP8_STATUS_OK)
        fail(in, std::string("damaged or unsupported WebP file (bad header): ") + statusText(header));
    const WebPBitstreamFeatures& f = config.input;
    if (f.has_animation) fail(in, "animated WebP images are not supported (only still images)");
    const int channels = f.has_alpha ? 4 : 3;
    checkSize(in, "WebP", f.width, f.height, 3.0 + (f.has_alpha ? 4 : 0));
    std::vector<uint8_t> pixels(size_t(f.width) * size_t(f.height) * size_t(channels));
    config.output.colorspace = f.has_alpha ? MODE_RGBA : MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = pixels.data();
    config.output.u.RGBA.stride = f.width * channels;
    config.output.u.RGBA.size = pixels.size();
    const VP8StatusCode status = WebPDecode(in.data, in.size, &config);
    WebPFreeDecBuffer(&config.output); // external memory: frees nothing of ours, but is the contract
    if (status != VP8_STATUS_OK) fail(in, std::string("corrupt or truncated WebP data: ") + statusText(status));
    if (channels == 3) {
        ImageRGB8 image;
        image.width = f.width;
        image.height = f.height;
        image.rgb = std::move(pixels);
        return image;
    }
    ImageRGB8 image = allocateRgb(f.width, f.height);
    for (int y = 0; y < f.height; ++y)
        toRgbRow(pixels.data() + size_t(y) * size_t(f.width) * 4, 4, f.width, in.alpha, image.pixel(0, y));
    return image;
}

} // namespace qlip::imagedecode

#else

namespace qlip::imagedecode {
ImageRGB8 decodeWebp(const Input& in) {
    fail(in, "WebP images are not supported in this build (it was built without libwebp)");
}
} // namespace qlip::imagedecode

#endif
