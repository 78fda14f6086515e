// stb_image: BMP, GIF (first frame), TGA and PSD, each recognised by decodeImage first, and PNG/JPEG in builds without libpng or
// libjpeg (e.g. headless GPU machines). PNM never comes here (image_pnm.cpp): stb 2.27 reads past
// the end of a short 16-bit PNM. The size in the header is checked before stb decodes anything.
#include "image_decode.h"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

#if QLIP_HAVE_STB
#include <stb_image.h>
#endif

namespace qlip::imagedecode {
namespace {

#if QLIP_HAVE_STB
// Size read straight from the header of the formats stb decodes here. stbi_info refuses to
// report the size of a PNG or JPEG too large for it to decode (and then says "unknown image
// type"), so this is what lets a 30000x30000 file be named as too large.
struct Sniffed {
    int64_t width = -1, height = -1;
};

Sniffed sniff(const uint8_t* d, size_t n) {
    auto be16 = [&](size_t i) { return int64_t(d[i]) << 8 | d[i + 1]; };
    auto le16 = [&](size_t i) { return int64_t(d[i + 1]) << 8 | d[i]; };
    auto be32 = [&](size_t i) { return be16(i) << 16 | be16(i + 2); };
    auto le32 = [&](size_t i) { return int32_t(uint32_t(le16(i + 2) << 16 | le16(i))); };
    Sniffed s;
    if (n >= 24 && std::memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0 && std::memcmp(d + 12, "IHDR", 4) == 0) {
        s.width = be32(16);
        s.height = be32(20);
    } else if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
        jpegFrameSize(d, n, s.width, s.height);
    } else if (n >= 10 && (std::memcmp(d, "GIF87a", 6) == 0 || std::memcmp(d, "GIF89a", 6) == 0)) {
        s.width = le16(6);
        s.height = le16(8);
    } else if (n >= 26 && d[0] == 'B' && d[1] == 'M') {
        const bool core = le32(14) == 12; // OS/2 header: 16-bit sizes
        s.width = core ? le16(18) : le32(18);
        s.height = core ? le16(20) : std::abs(int64_t(le32(22))); // negative = top-down rows
    } else if (n >= 18 && d[1] <= 1) { // TGA (decodeImage checked the rest of its header)
        s.width = le16(12);
        s.height = le16(14);
    }
    return s;
}

// Bytes of pixel data an uncompressed TGA (types 1-3) or BMP (BI_RGB) must hold after its header,
// or -1 when the file is compressed or not one of those. stb fills rows past the end of the file
// with zeros, so without this a truncated file (18 bytes announcing 4180x255 under fuzzing) would
// "decode" into an image of mostly nothing.
int64_t uncompressedPixelBytes(const uint8_t* d, size_t n, const char* format, int64_t width, int64_t height) {
    if (!format || width <= 0 || height <= 0) return -1;
    auto le16 = [&](size_t i) { return int64_t(d[i + 1]) << 8 | d[i]; };
    auto le32 = [&](size_t i) { return int64_t(uint32_t(le16(i + 2) << 16 | le16(i))); };
    if (std::strcmp(format, "TGA") == 0 && n >= 18 && d[2] >= 1 && d[2] <= 3) {
        const int64_t colourMap = d[1] == 1 ? le16(5) * ((d[7] + 7) / 8) : 0;
        return 18 + d[0] + colourMap + width * height * ((d[16] + 7) / 8);
    }
    if (std::strcmp(format, "BMP") == 0 && n >= 30) {
        const bool core = le32(14) == 12;
        const int64_t bitsPerPixel = core ? le16(24) : le16(28);
        if (!core && (n < 34 || le32(30) != 0)) return -1; // compressed (RLE, bitfields): stb checks
        const int64_t stride = (width * bitsPerPixel + 31) / 32 * 4;
        return le32(10) + stride * height;
    }
    return -1;
}

// ": <stb's reason>", or nothing when it has none. stb keeps it in a thread-local variable.
std::string stbReason() {
    const char* r = stbi_failure_reason();
    return r && *r ? std::string(": ") + r : std::string();
}

// stb's peak per pixel: its RGBA result (GIF: two frame buffers and a history besides) plus ours.
double stbBytesPerPixel(const char* format) {
    return format && std::strcmp(format, "GIF") == 0 ? 4 * 3 + 1 + 3 : 4 + 3;
}
#endif

} // namespace

ImageRGB8 decodeWithStb(const Input& in, const char* format) {
#if !QLIP_HAVE_STB
    if (format) fail(in, std::string(format) + " images are not supported in this build (it was built without stb_image)");
    fail(in, "not a readable image (PNG, JPEG, WebP, TIFF or PNM expected; this build has no BMP/GIF/TGA support)");
#else
    if (in.size > size_t(INT_MAX)) fail(in, "file is too large to decode (" + std::to_string(in.size) + " bytes)");
    const int len = int(in.size);
    const Sniffed header = sniff(in.data, in.size);
    if (format && header.width >= 0) checkSize(in, format, header.width, header.height, stbBytesPerPixel(format));
    int w = 0, h = 0, channels = 0;
    if (!stbi_info_from_memory(in.data, len, &w, &h, &channels)) {
        // stb tried every format, so its reason is only "unknown image type".
        if (format) fail(in, std::string("damaged or unsupported ") + format + " file (bad header)");
        fail(in, "not a readable image (PNG, JPEG, WebP, TIFF, BMP, GIF, TGA, PSD or PNM expected)" + stbReason());
    }
    checkSize(in, format ? format : "image", w, h, stbBytesPerPixel(format));
    if (const int64_t needed = uncompressedPixelBytes(in.data, in.size, format, w, h); needed > int64_t(in.size))
        fail(in, "truncated " + std::string(format) + " file: the header announces " + std::to_string(w) + "x" + std::to_string(h) +
                     " uncompressed pixels (" + std::to_string(needed) + " bytes with the header) but the file holds only " +
                     std::to_string(in.size));

    // Our own thread's settings, in case other code changed stb's global flip flag.
    stbi_set_flip_vertically_on_load_thread(0);
    int dw = 0, dh = 0, dc = 0;
    std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load_from_memory(in.data, len, &dw, &dh, &dc, 4),
                                                    &stbi_image_free);
    if (!pixels) fail(in, "corrupt or truncated image data" + stbReason());
    if (dw != w || dh != h)
        fail(in, "inconsistent image header (" + std::to_string(w) + "x" + std::to_string(h) + " vs " +
                     std::to_string(dw) + "x" + std::to_string(dh) + ")");
    ImageRGB8 image = allocateRgb(w, h);
    for (int y = 0; y < h; ++y)
        toRgbRow(pixels.get() + size_t(y) * size_t(w) * 4, 4, w, in.alpha, image.pixel(0, y));
    return image;
#endif
}

bool haveLibrary(const char* format) {
    const std::string f = format;
    if (f == "PNG") return QLIP_HAVE_PNG != 0;
    if (f == "JPEG") return QLIP_HAVE_JPEG != 0;
    if (f == "WebP") return QLIP_HAVE_WEBP != 0;
    if (f == "TIFF") return QLIP_HAVE_TIFF != 0;
    if (f == "stb") return QLIP_HAVE_STB != 0;
    return false;
}

} // namespace qlip::imagedecode
