#pragma once
// What the per-format decoders (image_pnm.cpp, image_png.cpp, image_jpeg.cpp, image_webp.cpp,
// image_tiff.cpp, image_stb.cpp) share. decodeImage() (image_decode.cpp) picks one by the
// file's magic bytes; each decoder reads its header, calls checkSize() BEFORE it allocates
// anything the size of the image, and throws qlip::Error naming the input on any failure.
#include "qlip/image.h"

#include <cstddef>
#include <cstdint>
#include <string>

// Which libraries this build decodes with (set by core/CMakeLists.txt); 0 where missing.
#ifndef QLIP_HAVE_PNG
#define QLIP_HAVE_PNG 0
#endif
#ifndef QLIP_HAVE_JPEG
#define QLIP_HAVE_JPEG 0
#endif
#ifndef QLIP_HAVE_WEBP
#define QLIP_HAVE_WEBP 0
#endif
#ifndef QLIP_HAVE_TIFF
#define QLIP_HAVE_TIFF 0
#endif
#ifndef QLIP_HAVE_STB
#define QLIP_HAVE_STB 0
#endif

namespace qlip::imagedecode {

struct Input {
    const uint8_t* data;
    size_t size;
    const std::string& name;
    AlphaMode alpha;
    const ImageLimits& limits;
};

// Throws "<name>: <message>".
[[noreturn]] void fail(const Input& in, const std::string& message);

// Refuses a header size of 0, one above the pixel limits, or one whose decoding would need more
// than limits.maxBytes. `bytesPerPixel` is the decoder's peak use per pixel: the RGB output plus
// whatever whole-image buffer the library keeps.
void checkSize(const Input& in, const char* format, int64_t width, int64_t height, double bytesPerPixel);

// An RGB image of that size (after checkSize), zero-filled.
ImageRGB8 allocateRgb(int width, int height);

// One row of 8-bit samples with 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) channels
// into RGB, dropping alpha or compositing it on white as `alpha` says.
void toRgbRow(const uint8_t* src, int channels, int width, AlphaMode alpha, uint8_t* dst);

// The size in a JPEG's start-of-frame, found by walking the marker segments before it; false
// when there is none in the data. Lets a huge frame be refused before a library reads further.
bool jpegFrameSize(const uint8_t* data, size_t size, int64_t& width, int64_t& height);

ImageRGB8 decodePnm(const Input& in);  // always available (our own code)
ImageRGB8 decodePng(const Input& in);  // libpng, or stb without it
ImageRGB8 decodeJpeg(const Input& in); // libjpeg(-turbo), or stb without it
ImageRGB8 decodeWebp(const Input& in); // libwebp, or "not supported in this build"
ImageRGB8 decodeTiff(const Input& in); // libtiff, or "not supported in this build"
// BMP, GIF (first frame), TGA, PSD, and PNG/JPEG where their libraries are missing.
ImageRGB8 decodeWithStb(const Input& in, const char* format);

// Whether this build decodes the format with a library of its own (libpng, libjpeg, ...)
// rather than the stb fallback; for messages and tests.
bool haveLibrary(const char* format);

} // namespace qlip::imagedecode
