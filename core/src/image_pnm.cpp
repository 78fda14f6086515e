// Netpbm images (P1-P6: PBM, PGM, PPM, plain and raw, 8 and 16 bit), parsed by our own code:
// the format is simple, and stb_image 2.27 read past the end of a short 16-bit PNM (issue #15).
// The header is read first; the pixel data the header announces is compared with what the file
// holds before anything the size of the image is allocated.
#include "image_decode.h"

#include <algorithm>
#include <array>

namespace qlip::imagedecode {
namespace {

bool isSpace(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

class PnmReader {
public:
    explicit PnmReader(const Input& in) : in_(in), pos_(2) {}

    // Skips whitespace and comments ('#' to the end of the line), as the header allows between
    // any two tokens.
    void skipSeparators() {
        while (pos_ < in_.size) {
            if (in_.data[pos_] == '#') {
                while (pos_ < in_.size && in_.data[pos_] != '\n' && in_.data[pos_] != '\r') ++pos_;
            } else if (isSpace(in_.data[pos_])) {
                ++pos_;
            } else {
                return;
            }
        }
    }

    // A decimal number of the header; `what` names it in the error.
    int64_t headerNumber(const char* what, int64_t max) {
        skipSeparators();
        if (pos_ >= in_.size) fail(in_, std::string("PNM header ends before the ") + what);
        if (in_.data[pos_] < '0' || in_.data[pos_] > '9')
            fail(in_, std::string("PNM header: expected the ") + what + " (a number), found '" + printable() + "'");
        int64_t v = 0;
        while (pos_ < in_.size && in_.data[pos_] >= '0' && in_.data[pos_] <= '9') {
            v = v * 10 + (in_.data[pos_++] - '0');
            if (v > max) fail(in_, std::string("PNM header: the ") + what + " is larger than " + std::to_string(max));
        }
        return v;
    }

    // After the last header number, exactly one whitespace byte comes before raw pixel data.
    void endOfHeader() {
        if (pos_ >= in_.size || !isSpace(in_.data[pos_])) fail(in_, "PNM header: no whitespace after the last number");
        ++pos_;
    }

    // A sample of a plain (ASCII) PNM; P1 allows digits without separators.
    unsigned plainSample(bool singleDigit, unsigned maxval, size_t index) {
        skipSeparators();
        if (pos_ >= in_.size)
            fail(in_, "truncated plain PNM: the file ends after " + std::to_string(index) + " samples");
        const uint8_t c = in_.data[pos_];
        if (c < '0' || c > '9') fail(in_, "plain PNM: sample " + std::to_string(index) + " is not a number ('" + printable() + "')");
        if (singleDigit) {
            ++pos_;
            if (c > '1') fail(in_, "plain PBM: sample " + std::to_string(index) + " is not 0 or 1");
            return unsigned(c - '0');
        }
        unsigned v = 0;
        while (pos_ < in_.size && in_.data[pos_] >= '0' && in_.data[pos_] <= '9') {
            v = v * 10 + unsigned(in_.data[pos_++] - '0');
            if (v > maxval)
                fail(in_, "plain PNM: sample " + std::to_string(index) + " is larger than the maxval " + std::to_string(maxval));
        }
        return v;
    }

    size_t pos() const { return pos_; }
    size_t remaining() const { return in_.size - pos_; }

private:
    std::string printable() const {
        const uint8_t c = in_.data[pos_];
        return c >= 32 && c < 127 ? std::string(1, char(c)) : "\\x" + std::to_string(c);
    }

    const Input& in_;
    size_t pos_;
};

struct PnmHeader {
    int kind = 0;      // 1-6, the digit after 'P'
    int channels = 1;  // 1 (PBM, PGM) or 3 (PPM)
    bool plain = false;
    int64_t width = 0, height = 0;
    unsigned maxval = 1;
};

PnmHeader readHeader(const Input& in, PnmReader& r) {
    PnmHeader h;
    h.kind = in.data[1] - '0';
    if (h.kind == 7) fail(in, "PAM (P7) images are not supported; P1-P6 are");
    h.plain = h.kind <= 3;
    h.channels = (h.kind == 3 || h.kind == 6) ? 3 : 1;
    // Larger than any limit, small enough that width * height * 6 cannot overflow.
    constexpr int64_t kMaxSide = int64_t(1) << 24;
    h.width = r.headerNumber("width", kMaxSide);
    h.height = r.headerNumber("height", kMaxSide);
    const bool bitmap = h.kind == 1 || h.kind == 4;
    if (!bitmap) {
        const int64_t maxval = r.headerNumber("maxval", 65535);
        if (maxval < 1) fail(in, "PNM header: maxval is 0 (it must be 1-65535)");
        h.maxval = unsigned(maxval);
    }
    if (!h.plain) r.endOfHeader();
    return h;
}

// Sample (0..maxval) -> 0..255, rounded; a table for 8-bit, arithmetic for 16-bit.
class Scale {
public:
    explicit Scale(unsigned maxval) : maxval_(maxval) {
        if (maxval < 256)
            for (unsigned v = 0; v < 256; ++v) table_[v] = to8(std::min(v, maxval));
    }
    uint8_t operator()(unsigned v) const {
        if (maxval_ < 256) return table_[v & 0xFF];
        return to8(std::min(v, maxval_)); // raw samples above maxval are clamped
    }

private:
    uint8_t to8(unsigned v) const { return uint8_t((uint64_t(v) * 255 + maxval_ / 2) / maxval_); }
    unsigned maxval_;
    std::array<uint8_t, 256> table_{};
};

void checkDataSize(const Input& in, const PnmHeader& h, uint64_t needed, uint64_t available, const char* unit) {
    if (available >= needed) return;
    fail(in, "truncated PNM: the header announces " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                 " pixels (" + std::to_string(needed) + " " + unit + " of pixel data) but the file holds only " +
                 std::to_string(available));
}

void decodeRaw(const Input& in, const PnmHeader& h, size_t start, ImageRGB8& image) {
    const uint8_t* p = in.data + start;
    const size_t w = size_t(h.width);
    if (h.kind == 4) { // 1 bit per pixel, rows padded to a byte, 1 = black
        const size_t stride = (w + 7) / 8;
        for (size_t y = 0; y < size_t(h.height); ++y, p += stride)
            for (size_t x = 0; x < w; ++x) {
                const uint8_t v = (p[x / 8] >> (7 - x % 8)) & 1 ? 0 : 255;
                std::fill_n(image.pixel(int(x), int(y)), 3, v);
            }
        return;
    }
    const Scale scale(h.maxval);
    const bool wide = h.maxval > 255;
    const size_t samples = w * size_t(h.height) * size_t(h.channels);
    uint8_t* out = image.rgb.data();
    for (size_t i = 0; i < samples; ++i) {
        const unsigned v = wide ? unsigned(p[2 * i]) << 8 | p[2 * i + 1] : p[i];
        const uint8_t s = scale(v);
        if (h.channels == 3) *out++ = s;
        else out = std::fill_n(out, 3, s);
    }
}

void decodePlain(const PnmHeader& h, PnmReader& r, ImageRGB8& image) {
    const bool bitmap = h.kind == 1;
    const Scale scale(h.maxval);
    const size_t samples = size_t(h.width) * size_t(h.height) * size_t(h.channels);
    uint8_t* out = image.rgb.data();
    for (size_t i = 0; i < samples; ++i) {
        const unsigned v = r.plainSample(bitmap, h.maxval, i);
        const uint8_t s = bitmap ? (v ? 0 : 255) : scale(v);
        if (h.channels == 3) *out++ = s;
        else out = std::fill_n(out, 3, s);
    }
}

} // namespace

ImageRGB8 decodePnm(const Input& in) {
    PnmReader r(in);
    const PnmHeader h = readHeader(in, r);
    const int bytesPerSample = h.maxval > 255 ? 2 : 1;
    const uint64_t pixels = uint64_t(h.width) * uint64_t(h.height);
    checkSize(in, "PNM", h.width, h.height, 3);
    // The data must be there before the image is allocated: a 21-byte file must not cost
    // 8000x8000 pixels. A plain sample takes at least one byte (P1) or a digit and a separator.
    if (h.kind == 4) {
        checkDataSize(in, h, (uint64_t(h.width) + 7) / 8 * uint64_t(h.height), r.remaining(), "bytes");
    } else if (!h.plain) {
        checkDataSize(in, h, pixels * uint64_t(h.channels) * uint64_t(bytesPerSample), r.remaining(), "bytes");
    } else {
        r.skipSeparators();
        const uint64_t samples = pixels * uint64_t(h.channels);
        const uint64_t minBytes = h.kind == 1 ? samples : 2 * samples - 1;
        checkDataSize(in, h, minBytes, r.remaining(), "bytes at least");
    }
    ImageRGB8 image = allocateRgb(int(h.width), int(h.height));
    if (h.plain) decodePlain(h, r, image);
    else decodeRaw(in, h, r.pos(), image);
    return image;
}

} // namespace qlip::imagedecode
