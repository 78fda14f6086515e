// PNG through libpng (fuzzed upstream, patched by Debian), row by row into the RGB result.
// libpng reports errors through a callback that must not return: it longjmps back to the
// setjmp in decodePng, where the error becomes a qlip::Error. Nothing with a destructor lives
// in a frame that the longjmp skips: the callbacks only copy bytes and C strings.
#include "image_decode.h"

#if QLIP_HAVE_PNG
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

namespace qlip::imagedecode {
namespace {

struct PngContext {
    const Input* in = nullptr;
    size_t pos = 0;
    char error[256] = "";
    bool truncated = false;
    ImageRGB8 image;
    std::vector<uint8_t> rows; // the whole image, only for interlaced files
    std::vector<png_bytep> rowPointers;
};

void readBytes(png_structp png, png_bytep out, size_t n) {
    auto* c = static_cast<PngContext*>(png_get_io_ptr(png));
    if (n > c->in->size - c->pos) {
        c->truncated = true;
        png_error(png, "the file ends early");
    }
    std::memcpy(out, c->in->data + c->pos, n);
    c->pos += n;
}

[[noreturn]] void onError(png_structp png, png_const_charp message) {
    auto* c = static_cast<PngContext*>(png_get_error_ptr(png));
    std::snprintf(c->error, sizeof c->error, "%s", message ? message : "unknown error");
    png_longjmp(png, 1);
}

// libpng warns about harmless things (a bad CRC in an ancillary chunk, an odd sRGB profile);
// it must not print them, and they do not stop the decoding.
void onWarning(png_structp, png_const_charp) {}

struct PngHandles {
    png_structp png = nullptr;
    png_infop info = nullptr;
    ~PngHandles() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

// Expands palette, low-bit grey and tRNS to 8-bit samples; returns the number of passes.
int setTransforms(png_structp png, png_infop info) {
    const int colour = png_get_color_type(png, info);
    const int depth = png_get_bit_depth(png, info);
    if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) png_set_strip_16(png); // the high byte, as stb and the fixtures do
    const int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    return passes;
}

// The size in IHDR (always the first chunk), checked before libpng reads on: it stops at the
// next chunks, and a header announcing a huge image followed by garbage must be named as huge.
void checkIhdr(const Input& in) {
    if (in.size < 24 || std::memcmp(in.data + 12, "IHDR", 4) != 0) return; // libpng will say what is wrong
    auto be32 = [&](size_t i) {
        return int64_t(in.data[i]) << 24 | int64_t(in.data[i + 1]) << 16 | int64_t(in.data[i + 2]) << 8 | in.data[i + 3];
    };
    checkSize(in, "PNG", be32(16), be32(20), 3);
}

} // namespace

ImageRGB8 decodePng(const Input& in) {
    checkIhdr(in);
    PngContext ctx;
    ctx.in = &in;
    PngHandles h;
    h.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, onError, onWarning);
    if (!h.png) fail(in, "cannot start the PNG decoder (out of memory)");
    h.info = png_create_info_struct(h.png);
    if (!h.info) fail(in, "cannot start the PNG decoder (out of memory)");
    volatile bool headerRead = false; // changed between setjmp and a longjmp, read after it
    if (setjmp(png_jmpbuf(h.png))) {
        if (ctx.truncated) fail(in, "corrupt or truncated PNG data: the file ends early (truncated)");
        if (!headerRead) fail(in, std::string("damaged or unsupported PNG file (bad header): ") + ctx.error);
        fail(in, std::string("corrupt or truncated PNG data: ") + ctx.error);
    }
    png_set_read_fn(h.png, &ctx, readBytes);
    png_set_user_limits(h.png, png_uint_32(in.limits.maxSide), png_uint_32(in.limits.maxSide));
    // Ancillary chunks (text, ICC profiles) are not ours to keep: bound what they may cost.
    png_set_chunk_malloc_max(h.png, 8u << 20);
    png_set_chunk_cache_max(h.png, 1000);
    png_read_info(h.png, h.info);
    const int64_t w = png_get_image_width(h.png, h.info), hgt = png_get_image_height(h.png, h.info);
    const int passes = setTransforms(h.png, h.info);
    const int channels = png_get_channels(h.png, h.info);
    const size_t rowBytes = png_get_rowbytes(h.png, h.info);
    checkSize(in, "PNG", w, hgt, 3.0 + (passes > 1 ? channels : 0));
    if (channels < 1 || channels > 4 || rowBytes != size_t(w) * size_t(channels))
        fail(in, "unsupported PNG layout (" + std::to_string(channels) + " channels)");
    ctx.image = allocateRgb(int(w), int(hgt));
    headerRead = true;
    if (passes > 1) { // Adam7: every pass touches every row, so the whole image is kept
        ctx.rows.resize(rowBytes * size_t(hgt));
        ctx.rowPointers.resize(size_t(hgt));
        for (size_t y = 0; y < ctx.rowPointers.size(); ++y) ctx.rowPointers[y] = ctx.rows.data() + y * rowBytes;
        png_read_image(h.png, ctx.rowPointers.data());
        for (int y = 0; y < int(hgt); ++y)
            toRgbRow(ctx.rowPointers[size_t(y)], channels, int(w), in.alpha, ctx.image.pixel(0, y));
    } else {
        ctx.rows.resize(rowBytes);
        for (int y = 0; y < int(hgt); ++y) {
            png_read_row(h.png, ctx.rows.data(), nullptr);
            toRgbRow(ctx.rows.data(), channels, int(w), in.alpha, ctx.image.pixel(0, y));
        }
    }
    return std::move(ctx.image);
}

} // namespace qlip::imagedecode

#else // no libpng: stb_image decodes PNG

namespace qlip::imagedecode {
ImageRGB8 decodePng(const Input& in) { return decodeWithStb(in, "PNG"); }
} // namespace qlip::imagedecode

#endif
