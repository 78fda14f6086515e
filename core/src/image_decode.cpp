// decodeImage/loadImage: picks the decoder by the file's magic bytes (never by its name), and
// the checks every decoder shares: size limits before allocation, and row conversion to RGB.
#include "image_decode.h"

#include "qlip/error.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

namespace qlip {
namespace imagedecode {

void fail(const Input& in, const std::string& message) { throw Error(in.name + ": " + message); }

void checkSize(const Input& in, const char* format, int64_t width, int64_t height, double bytesPerPixel) {
    const std::string size = std::to_string(width) + "x" + std::to_string(height);
    if (width <= 0 || height <= 0) fail(in, std::string(format) + " header gives an empty image (" + size + " pixels)");
    const ImageLimits& l = in.limits;
    if (width > l.maxSide || height > l.maxSide || width * height > l.maxPixels)
        fail(in, "image is " + size + " pixels (" + format + " header), larger than the limit (" +
                     std::to_string(l.maxSide) + " per side, " + std::to_string(l.maxPixels) + " pixels in all)");
    const double bytes = double(width) * double(height) * bytesPerPixel;
    if (bytes > double(l.maxBytes)) {
        auto mib = [](double b) { return std::to_string(int64_t(b / (1 << 20) + 0.5)) + " MiB"; };
        fail(in, "decoding this " + size + " " + format + " image needs about " + mib(bytes) +
                     ", more than the limit of " + mib(double(l.maxBytes)));
    }
}

ImageRGB8 allocateRgb(int width, int height) {
    ImageRGB8 image;
    image.width = width;
    image.height = height;
    image.rgb.assign(size_t(width) * size_t(height) * 3, 0);
    return image;
}

void toRgbRow(const uint8_t* src, int channels, int width, AlphaMode alpha, uint8_t* dst) {
    const bool hasAlpha = channels == 2 || channels == 4;
    const bool composite = hasAlpha && alpha == AlphaMode::CompositeOnWhite;
    for (int x = 0; x < width; ++x, src += channels, dst += 3) {
        const bool grey = channels < 3;
        uint8_t c[3] = {src[0], src[grey ? 0 : 1], src[grey ? 0 : 2]};
        if (composite) {
            // c * a + white * (1 - a), rounded to nearest: (v + 127) / 255 never hits a tie.
            const unsigned a = src[channels - 1];
            for (uint8_t& v : c) v = uint8_t((v * a + 255u * (255u - a) + 127u) / 255u);
        }
        std::memcpy(dst, c, 3);
    }
}

bool jpegFrameSize(const uint8_t* d, size_t n, int64_t& width, int64_t& height) {
    auto be16 = [&](size_t i) { return int64_t(d[i]) << 8 | d[i + 1]; };
    for (size_t p = 2; p + 4 <= n && d[p] == 0xFF;) {
        const uint8_t m = d[p + 1];
        if (m == 0xFF) { // fill byte
            ++p;
            continue;
        }
        // SOF0-15, but not DHT (C4), JPG (C8) or DAC (CC).
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            if (p + 9 > n) return false;
            height = be16(p + 5);
            width = be16(p + 7);
            return true;
        }
        p += 2 + size_t(be16(p + 2));
    }
    return false;
}

} // namespace imagedecode

namespace {

using imagedecode::Input;

bool startsWith(const uint8_t* d, size_t n, const char* magic, size_t len) {
    return n >= len && std::memcmp(d, magic, len) == 0;
}

bool isPnm(const uint8_t* d, size_t n) {
    return n >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '7' && (std::isspace(d[2]) || d[2] == '#');
}

// TGA has no magic: its header must at least be plausible (colour map type 0/1, a known image
// type). Everything else stays away from stb, whose own format tests would otherwise let it parse
// PNM-like data (as "P66 ..." did under fuzzing) or HDR/PIC files we do not support.
bool looksLikeTga(const uint8_t* d, size_t n) {
    if (n < 18 || d[1] > 1) return false;
    const uint8_t type = d[2];
    return type == 1 || type == 2 || type == 3 || type == 9 || type == 10 || type == 11;
}

std::string systemError(int err) { return std::generic_category().message(err); }

std::vector<uint8_t> readFile(const std::string& path, const ImageLimits& limits) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not an image file");
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) throw Error(path + ": cannot open image: " + systemError(errno));
    // A compressed image is smaller than its pixels; anything far larger than the biggest
    // allowed raw image (16-bit RGBA) is not worth reading into memory.
    const auto fileSize = std::filesystem::file_size(path, ec);
    const uint64_t maxBytes = uint64_t(limits.maxPixels) * 8 + (uint64_t(64) << 20);
    if (!ec && fileSize > maxBytes)
        throw Error(path + ": file is too large for an image (" + std::to_string(fileSize) + " bytes, limit " +
                    std::to_string(maxBytes) + ")");
    std::vector<uint8_t> bytes;
    if (!ec) bytes.reserve(size_t(fileSize));
    uint8_t buffer[65536];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, f.get())) > 0) {
        bytes.insert(bytes.end(), buffer, buffer + n);
        if (bytes.size() > maxBytes) throw Error(path + ": file is too large for an image (more than " +
                                                 std::to_string(maxBytes) + " bytes)");
    }
    if (std::ferror(f.get())) throw Error(path + ": cannot read image: " + systemError(errno));
    return bytes;
}

} // namespace

ImageRGB8 decodeImage(const uint8_t* data, size_t size, const std::string& name, AlphaMode alpha,
                      const ImageLimits& limits) {
    using namespace imagedecode;
    if (size == 0 || !data) throw Error(name + ": empty file (0 bytes), not an image");
    const Input in{data, size, name, alpha, limits};
    if (startsWith(data, size, "\x89PNG\r\n\x1a\n", 8)) return decodePng(in);
    if (startsWith(data, size, "\xff\xd8\xff", 3)) return decodeJpeg(in);
    if (size >= 12 && startsWith(data, size, "RIFF", 4) && std::memcmp(data + 8, "WEBP", 4) == 0) return decodeWebp(in);
    if (startsWith(data, size, "II*\0", 4) || startsWith(data, size, "MM\0*", 4) ||
        startsWith(data, size, "II+\0", 4) || startsWith(data, size, "MM\0+", 4))
        return decodeTiff(in);
    if (isPnm(data, size)) return decodePnm(in);
    if (startsWith(data, size, "GIF87a", 6) || startsWith(data, size, "GIF89a", 6)) return decodeWithStb(in, "GIF");
    if (startsWith(data, size, "BM", 2)) return decodeWithStb(in, "BMP");
    if (startsWith(data, size, "8BPS", 4)) return decodeWithStb(in, "PSD");
    if (looksLikeTga(data, size)) return decodeWithStb(in, "TGA");
    fail(in, "not a readable image (PNG, JPEG, WebP, TIFF, BMP, GIF, TGA, PSD or PNM expected)");
}

ImageRGB8 loadImage(const std::string& path, AlphaMode alpha, const ImageLimits& limits) {
    const std::vector<uint8_t> bytes = readFile(path, limits);
    return decodeImage(bytes.data(), bytes.size(), path, alpha, limits);
}

const std::vector<std::string>& imageFileExtensions() {
    static const std::vector<std::string> extensions = [] {
        std::vector<std::string> e = {".png", ".jpg", ".jpeg", ".ppm", ".pgm", ".pbm", ".pnm"};
        if (imagedecode::haveLibrary("WebP")) e.push_back(".webp");
        if (imagedecode::haveLibrary("TIFF")) e.insert(e.end(), {".tif", ".tiff"});
        if (imagedecode::haveLibrary("stb")) e.insert(e.end(), {".bmp", ".gif", ".tga"});
        return e;
    }();
    return extensions;
}

bool hasImageExtension(const std::string& path) {
    const size_t dot = path.find_last_of('.');
    if (dot == std::string::npos || path.find_first_of("/\\", dot) != std::string::npos) return false;
    std::string ext = path.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    const auto& all = imageFileExtensions();
    return std::find(all.begin(), all.end(), ext) != all.end();
}

} // namespace qlip
