// TIFF (first page) through libtiff's RGBA reader, from memory. libtiff's error and warning
// messages go to per-decode handlers that keep the first error for our message; nothing is
// printed. libtiff's own allocations are capped at the byte budget.
#include "image_decode.h"

#if QLIP_HAVE_TIFF
#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace qlip::imagedecode {
namespace {

struct TiffSource {
    const Input* in = nullptr;
    uint64_t pos = 0;
    char error[512] = "";
};

void keepFirstError(TiffSource* s, const char* module, const char* fmt, va_list ap) {
    if (!s || s->error[0]) return;
    char text[400];
    std::vsnprintf(text, sizeof text, fmt, ap);
    std::snprintf(s->error, sizeof s->error, "%s%s%s", module ? module : "", module ? ": " : "", text);
}

tmsize_t readProc(thandle_t h, void* buf, tmsize_t n) {
    auto* s = static_cast<TiffSource*>(h);
    if (n < 0 || s->pos >= s->in->size) return 0;
    const uint64_t count = std::min<uint64_t>(uint64_t(n), s->in->size - s->pos);
    std::memcpy(buf, s->in->data + s->pos, size_t(count));
    s->pos += count;
    return tmsize_t(count);
}

tmsize_t writeProc(thandle_t, void*, tmsize_t) { return 0; } // read-only

toff_t seekProc(thandle_t h, toff_t offset, int whence) {
    auto* s = static_cast<TiffSource*>(h);
    uint64_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->in->size : 0;
    if (offset > UINT64_MAX - base) return toff_t(-1);
    s->pos = base + offset; // beyond the end is allowed; reads there return nothing
    return s->pos;
}

int closeProc(thandle_t) { return 0; }
toff_t sizeProc(thandle_t h) { return static_cast<TiffSource*>(h)->in->size; }
int mapProc(thandle_t, void**, toff_t*) { return 0; }
void unmapProc(thandle_t, void*, toff_t) {}

#if TIFFLIB_VERSION >= 20221213 // libtiff 4.5: handlers and limits per TIFF handle
int onError(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
    keepFirstError(static_cast<TiffSource*>(user), module, fmt, ap);
    return 1; // handled: the global handler (stderr) is not called
}
int onWarning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

TIFF* openTiff(TiffSource& s) {
    std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions*)> opts(TIFFOpenOptionsAlloc(), &TIFFOpenOptionsFree);
    if (!opts) return nullptr;
    TIFFOpenOptionsSetErrorHandlerExtR(opts.get(), onError, &s);
    TIFFOpenOptionsSetWarningHandlerExtR(opts.get(), onWarning, &s);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts.get(), tmsize_t(s.in->limits.maxBytes));
    return TIFFClientOpenExt(s.in->name.c_str(), "rm", &s, readProc, writeProc, seekProc, closeProc, sizeProc, mapProc,
                             unmapProc, opts.get());
}
#else // older libtiff: process-wide handlers, which get our TiffSource as client data
void onError(thandle_t h, const char* module, const char* fmt, va_list ap) {
    keepFirstError(static_cast<TiffSource*>(h), module, fmt, ap);
}
TIFF* openTiff(TiffSource& s) {
    static const bool quiet = [] {
        TIFFSetErrorHandler(nullptr);
        TIFFSetWarningHandler(nullptr);
        TIFFSetErrorHandlerExt(onError);
        TIFFSetWarningHandlerExt(nullptr);
        return true;
    }();
    (void)quiet;
    return TIFFClientOpen(s.in->name.c_str(), "rm", &s, readProc, writeProc, seekProc, closeProc, sizeProc, mapProc,
                          unmapProc);
}
#endif

std::string reason(const TiffSource& s) { return s.error[0] ? s.error : "unknown error"; }

// libtiff's RGBA reader premultiplies unassociated alpha; the colours are wanted straight.
void rgbaRowToRgb(const uint32_t* src, int width, AlphaMode alpha, std::vector<uint8_t>& rgba, uint8_t* dst) {
    for (int x = 0; x < width; ++x) {
        const uint32_t p = src[x];
        const unsigned a = TIFFGetA(p);
        const unsigned c[3] = {TIFFGetR(p), TIFFGetG(p), TIFFGetB(p)};
        for (int i = 0; i < 3; ++i)
            rgba[size_t(x) * 4 + size_t(i)] =
                a == 255 ? uint8_t(c[i]) : a == 0 ? 0 : uint8_t(std::min(255u, (c[i] * 255 + a / 2) / a));
        rgba[size_t(x) * 4 + 3] = uint8_t(a);
    }
    toRgbRow(rgba.data(), 4, width, alpha, dst);
}

// The strips (or tiles) must lie inside the file, and uncompressed ones must hold at least the
// announced pixels: checked before the raster is allocated, so that a 150-byte file announcing
// 8000x8000 pixels costs nothing. (Compressed data may legitimately be tiny.)
void checkStripData(const Input& in, TIFF* tif, uint32_t w, uint32_t h) {
    const bool tiled = TIFFIsTiled(tif);
    const uint32_t count = tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
    uint64_t* offsets = nullptr;
    uint64_t* sizes = nullptr;
    if (!TIFFGetField(tif, tiled ? TIFFTAG_TILEOFFSETS : TIFFTAG_STRIPOFFSETS, &offsets) ||
        !TIFFGetField(tif, tiled ? TIFFTAG_TILEBYTECOUNTS : TIFFTAG_STRIPBYTECOUNTS, &sizes) || !offsets || !sizes)
        fail(in, "damaged TIFF file: no strip or tile offsets");
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; ++i) {
        if (offsets[i] > in.size || sizes[i] > in.size - offsets[i])
            fail(in, "truncated TIFF file: " + std::string(tiled ? "tile " : "strip ") + std::to_string(i) +
                         " lies past the end of the file (" + std::to_string(in.size) + " bytes)");
        total += sizes[i];
    }
    uint16_t compression = COMPRESSION_NONE, samples = 1, bits = 1;
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    const uint64_t needed = uint64_t(w) * h * samples * bits / 8;
    if (compression == COMPRESSION_NONE && total < needed)
        fail(in, "truncated TIFF file: " + std::to_string(w) + "x" + std::to_string(h) + " uncompressed pixels need " +
                     std::to_string(needed) + " bytes, its strips hold " + std::to_string(total));
}

} // namespace

ImageRGB8 decodeTiff(const Input& in) {
    TiffSource source;
    source.in = &in;
    std::unique_ptr<TIFF, void (*)(TIFF*)> tif(openTiff(source), &TIFFClose);
    if (!tif) fail(in, "damaged or unsupported TIFF file (bad header): " + reason(source));
    uint32_t w = 0, h = 0;
    if (!TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &h))
        fail(in, "damaged TIFF file: no image size");
    checkSize(in, "TIFF", w, h, 3.0 + 4.0);
    char why[1024] = "";
    if (!TIFFRGBAImageOK(tif.get(), why)) fail(in, std::string("unsupported TIFF image: ") + why);
    checkStripData(in, tif.get(), w, h);
    std::vector<uint32_t> raster(size_t(w) * size_t(h));
    if (!TIFFReadRGBAImageOriented(tif.get(), w, h, raster.data(), ORIENTATION_TOPLEFT, 1))
        fail(in, "corrupt or truncated TIFF data: " + reason(source));
    ImageRGB8 image = allocateRgb(int(w), int(h));
    std::vector<uint8_t> rgba(size_t(w) * 4);
    for (uint32_t y = 0; y < h; ++y)
        rgbaRowToRgb(raster.data() + size_t(y) * w, int(w), in.alpha, rgba, image.pixel(0, int(y)));
    return image;
}

} // namespace qlip::imagedecode

#else

namespace qlip::imagedecode {
ImageRGB8 decodeTiff(const Input& in) {
    fail(in, "TIFF images are not supported in this build (it was built without libtiff)");
}
} // namespace qlip::imagedecode

#endif
