// JPEG through libjpeg(-turbo), row by row into the RGB result. libjpeg's error_exit must not
// return: it longjmps back to decodeJpeg, which turns the message into a qlip::Error. Truncated
// data is an error here (libjpeg itself only warns and pads the image with grey), and so is a
// file with an absurd number of progressive scans (each scan is a pass over the whole image).
#include "image_decode.h"

#if QLIP_HAVE_JPEG
#include <algorithm>
#include <climits>
#include <csetjmp>
#include <cstdio>
// jpeglib.h needs size_t and FILE declared first.
#include <jerror.h>
#include <jpeglib.h>

#include <vector>

namespace qlip::imagedecode {
namespace {

// More scans than any encoder writes (libjpeg-turbo's progressive default is 10, jpegtran's
// optimised ones stay under 100); libjpeg-turbo's own fuzzers stop at 500.
constexpr int kMaxScans = 500;

struct JpegErrors {
    jpeg_error_mgr mgr{};     // first member: libjpeg hands us a pointer to it
    jmp_buf jump{};
    char message[JMSG_LENGTH_MAX] = "";
    bool truncated = false;
};

[[noreturn]] void onError(j_common_ptr cinfo) {
    auto* e = reinterpret_cast<JpegErrors*>(cinfo->err);
    cinfo->err->format_message(cinfo, e->message);
    std::longjmp(e->jump, 1);
}

// Warnings are not printed. Running out of data is fatal: libjpeg would go on with made-up
// grey blocks, and a progressive file would then come out as a blur of what was read.
void onMessage(j_common_ptr cinfo, int level) {
    if (level >= 0) return; // trace messages
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        reinterpret_cast<JpegErrors*>(cinfo->err)->truncated = true;
        onError(cinfo);
    }
    ++cinfo->err->num_warnings;
}

void onProgress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
    if (d->input_scan_number > kMaxScans) {
        auto* e = reinterpret_cast<JpegErrors*>(cinfo->err);
        std::snprintf(e->message, sizeof e->message, "more than %d progressive scans", kMaxScans);
        std::longjmp(e->jump, 1);
    }
}

struct JpegDecoder {
    jpeg_decompress_struct cinfo{};
    JpegErrors errors;
    jpeg_progress_mgr progress{};
    bool created = false;
    ImageRGB8 image;
    std::vector<uint8_t> row;
    ~JpegDecoder() {
        if (created) jpeg_destroy_decompress(&cinfo);
    }
};

// Adobe's CMYK JPEGs store inverted samples (Photoshop); others plain ones. PIL's CMYK -> RGB:
// R = (255 - C) * (255 - K) / 255.
void cmykRowToRgb(const uint8_t* src, int width, bool inverted, uint8_t* dst) {
    for (int x = 0; x < width; ++x, src += 4, dst += 3) {
        const unsigned k = inverted ? src[3] : 255u - src[3];
        for (int c = 0; c < 3; ++c) {
            const unsigned v = inverted ? src[c] : 255u - src[c];
            dst[c] = uint8_t((v * k + 127u) / 255u);
        }
    }
}

// Bytes per pixel of the decode: the RGB result, plus, for a progressive (or multi-scan) file,
// the coefficient image libjpeg keeps: 2 bytes per coefficient, one per sample of each component.
double bytesPerPixel(const jpeg_decompress_struct& c) {
    double perPixel = 3;
    if (jpeg_has_multiple_scans(const_cast<j_decompress_ptr>(&c))) {
        for (int i = 0; i < c.num_components; ++i) {
            const auto& comp = c.comp_info[i];
            perPixel += 2.0 * comp.h_samp_factor * comp.v_samp_factor / (c.max_h_samp_factor * c.max_v_samp_factor);
        }
    }
    return perPixel;
}

} // namespace

ImageRGB8 decodeJpeg(const Input& in) {
    int64_t frameWidth = 0, frameHeight = 0;
    if (jpegFrameSize(in.data, in.size, frameWidth, frameHeight)) checkSize(in, "JPEG", frameWidth, frameHeight, 3);
    JpegDecoder d;
    d.cinfo.err = jpeg_std_error(&d.errors.mgr);
    d.errors.mgr.error_exit = onError;
    d.errors.mgr.emit_message = onMessage;
    volatile bool headerRead = false; // changed between setjmp and a longjmp, read after it
    if (setjmp(d.errors.jump)) {
        if (d.errors.truncated) fail(in, std::string("corrupt or truncated JPEG data: the file ends early (") + d.errors.message + ")");
        if (!headerRead) fail(in, std::string("damaged or unsupported JPEG file (bad header): ") + d.errors.message);
        fail(in, std::string("corrupt or truncated JPEG data: ") + d.errors.message);
    }
    jpeg_create_decompress(&d.cinfo);
    d.created = true;
    d.progress.progress_monitor = onProgress;
    d.cinfo.progress = &d.progress;
    // Without a backing store, libjpeg fails cleanly when a progressive image needs more.
    d.cinfo.mem->max_memory_to_use = long(std::min<int64_t>(in.limits.maxBytes, LONG_MAX));
    jpeg_mem_src(&d.cinfo, in.data, static_cast<unsigned long>(in.size));
    jpeg_read_header(&d.cinfo, TRUE);
    checkSize(in, "JPEG", d.cinfo.image_width, d.cinfo.image_height, bytesPerPixel(d.cinfo));
    const bool cmyk = d.cinfo.jpeg_color_space == JCS_CMYK || d.cinfo.jpeg_color_space == JCS_YCCK;
    const bool grey = d.cinfo.jpeg_color_space == JCS_GRAYSCALE;
    d.cinfo.out_color_space = cmyk ? JCS_CMYK : grey ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&d.cinfo);
    const int w = int(d.cinfo.output_width), h = int(d.cinfo.output_height);
    const int channels = d.cinfo.output_components;
    if (w != int(d.cinfo.image_width) || h != int(d.cinfo.image_height) || channels != (cmyk ? 4 : grey ? 1 : 3))
        fail(in, "unsupported JPEG layout (" + std::to_string(channels) + " components)");
    d.image = allocateRgb(w, h);
    d.row.resize(size_t(w) * size_t(channels));
    headerRead = true;
    while (d.cinfo.output_scanline < d.cinfo.output_height) {
        const int y = int(d.cinfo.output_scanline);
        JSAMPROW rows[1] = {d.row.data()};
        if (jpeg_read_scanlines(&d.cinfo, rows, 1) != 1) fail(in, "corrupt or truncated JPEG data: no more rows");
        if (cmyk) cmykRowToRgb(d.row.data(), w, d.cinfo.saw_Adobe_marker, d.image.pixel(0, y));
        else toRgbRow(d.row.data(), channels, w, AlphaMode::Drop, d.image.pixel(0, y));
    }
    // The rows are all there; what follows them (markers, padding) does not matter.
    jpeg_abort_decompress(&d.cinfo);
    return std::move(d.image);
}

} // namespace qlip::imagedecode

#else // no libjpeg: stb_image decodes JPEG

namespace qlip::imagedecode {
ImageRGB8 decodeJpeg(const Input& in) { return decodeWithStb(in, "JPEG"); }
} // namespace qlip::imagedecode

#endif
