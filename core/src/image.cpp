// PNG encoding with stb_image_write plus our own tEXt/iTXt chunks, atomic saving, and the
// pre-processing config. Decoding is in image_decode.cpp and the per-format image_*.cpp; the
// pixel arithmetic of the CLIP pre-processing lives in preprocess.cpp.
#include "qlip/image.h"

#include "fileio.h"
#include "qlip/error.h"
#include "qlip/json.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h> // fsync, getpid
#endif

#if QLIP_HAVE_STB
#include <stb_image_write.h>
#endif

namespace qlip {
namespace {

std::string sizeText(int64_t w, int64_t h) { return std::to_string(w) + "x" + std::to_string(h); }

[[noreturn, maybe_unused]] void noImageSupport(const std::string& name) {
    throw Error(name + ": cannot write image files: QLIP Explorer was built without stb_image_write "
                       "(install libstb-dev and rebuild)");
}

// ---- PNG chunks ---------------------------------------------------------------------------

uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc = 0) {
    static const auto table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t n = 0; n < 256; ++n) {
            uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    crc = ~crc;
    for (size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

void putBE32(std::vector<uint8_t>& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(v >> shift));
}

// length, type, data, CRC(type + data)
std::vector<uint8_t> pngChunk(const char (&type)[5], const std::string& data) {
    std::vector<uint8_t> chunk;
    chunk.reserve(data.size() + 12);
    putBE32(chunk, uint32_t(data.size()));
    chunk.insert(chunk.end(), type, type + 4);
    chunk.insert(chunk.end(), data.begin(), data.end());
    putBE32(chunk, crc32(chunk.data() + 4, chunk.size() - 4));
    return chunk;
}

// tEXt for ASCII values (what every viewer shows); iTXt (UTF-8) when the value is not ASCII,
// since tEXt is Latin-1.
[[maybe_unused]] std::vector<uint8_t> textChunk(const std::string& key, const std::string& value) {
    const bool keyOk = !key.empty() && key.size() <= 79 && key.front() != ' ' && key.back() != ' ' &&
                       key.find("  ") == std::string::npos &&
                       std::all_of(key.begin(), key.end(), [](char c) { return c >= 32 && c <= 126; });
    if (!keyOk)
        throw Error("PNG text key \"" + key + "\" is invalid: it must be 1-79 printable ASCII characters "
                    "without leading, trailing or double spaces");
    if (value.find('\0') != std::string::npos)
        throw Error("PNG text \"" + key + "\": the value contains a NUL character");
    const bool ascii = std::all_of(value.begin(), value.end(), [](char c) { return uint8_t(c) < 0x80; });
    if (ascii) return pngChunk("tEXt", key + '\0' + value);
    // keyword NUL, compression flag 0, method 0, language "" NUL, translated keyword "" NUL, text
    return pngChunk("iTXt", key + std::string("\0\0\0\0\0", 5) + value);
}

#if QLIP_HAVE_STB
void appendBytes(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<uint8_t>*>(context);
    const auto* p = static_cast<const uint8_t*>(data);
    out->insert(out->end(), p, p + size);
}
#endif

} // namespace

// ---- encoding -----------------------------------------------------------------------------

std::vector<uint8_t> encodePng(const ImageRGB8& image, const std::vector<std::pair<std::string, std::string>>& text) {
#if !QLIP_HAVE_STB
    (void)image, (void)text;
    noImageSupport("PNG");
#else
    if (image.width <= 0 || image.height <= 0 ||
        image.rgb.size() != size_t(image.width) * size_t(image.height) * 3)
        throw Error("PNG encoding: invalid image (" + sizeText(image.width, image.height) + ", " +
                    std::to_string(image.rgb.size()) + " bytes)");
    // stb_image_write works with int sizes (filtered rows plus one filter byte per row).
    if ((int64_t(image.width) * 3 + 1) * image.height > INT_MAX / 2)
        throw Error("PNG encoding: image " + sizeText(image.width, image.height) + " is too large");
    std::vector<std::vector<uint8_t>> chunks;
    for (const auto& [key, value] : text) chunks.push_back(textChunk(key, value));

    std::vector<uint8_t> png;
    if (!stbi_write_png_to_func(appendBytes, &png, image.width, image.height, 3, image.rgb.data(), image.width * 3))
        throw Error("PNG encoding failed for a " + sizeText(image.width, image.height) + " image");
    // stb writes signature (8) + IHDR (25) first; text chunks go right after IHDR so that
    // readers which stop at the image data still see them.
    constexpr size_t afterIhdr = 8 + 25;
    if (png.size() < afterIhdr || std::memcmp(png.data() + 12, "IHDR", 4) != 0)
        throw Error("PNG encoding: unexpected encoder output");
    std::vector<uint8_t> extra;
    for (const auto& c : chunks) extra.insert(extra.end(), c.begin(), c.end());
    png.insert(png.begin() + afterIhdr, extra.begin(), extra.end());
    return png;
#endif
}

void savePng(const std::string& path, const ImageRGB8& image, const std::vector<std::pair<std::string, std::string>>& text) {
    std::vector<uint8_t> bytes;
    try {
        bytes = encodePng(image, text);
    } catch (const Error& e) {
        throw Error(path + ": cannot save: " + e.what());
    }
    writeFileAtomic(path, bytes.data(), bytes.size());
}

// ---- model space -> pixels ----------------------------------------------------------------

ImageRGB8 denormalize(const float* chw, int height, int width, const PreprocessConfig& config) {
    if (!chw || height <= 0 || width <= 0) throw Error("denormalize: invalid tensor " + sizeText(width, height));
    ImageRGB8 image;
    image.width = width;
    image.height = height;
    const size_t plane = size_t(width) * size_t(height);
    image.rgb.resize(plane * 3);
    // Undo the rescale too, so this inverts preprocess() whatever its settings.
    const double toPixel = config.doRescale ? 1.0 / config.rescaleFactor : 1.0;
    for (int c = 0; c < 3; ++c) {
        const float* src = chw + size_t(c) * plane;
        const double mean = config.mean[size_t(c)], stdev = config.std[size_t(c)];
        for (size_t i = 0; i < plane; ++i) {
            double v = src[i];
            if (config.doNormalize) v = v * stdev + mean;
            v = std::clamp(std::nearbyint(v * toPixel), 0.0, 255.0); // NaN -> 0 below
            image.rgb[i * 3 + size_t(c)] = std::isnan(v) ? 0 : uint8_t(v);
        }
    }
    return image;
}

// ---- preprocessor_config.json -------------------------------------------------------------

PreprocessConfig PreprocessConfig::forImageSize(int imageSize) {
    PreprocessConfig c;
    c.shortestEdge = c.cropHeight = c.cropWidth = imageSize;
    return c;
}

PreprocessConfig PreprocessConfig::fromJson(const Json& doc, const PreprocessConfig& defaults, const std::string& what) {
    if (!doc.isObject()) throw Error(what + ": expected a JSON object, got " + doc.typeName());
    PreprocessConfig c = defaults;
    auto keyName = [&](const std::string& key) { return what + ": \"" + key + "\""; };
    // Absent and null (HF writes None as null) both mean "keep the default".
    auto get = [&](const char* key) -> const Json* {
        const Json* v = doc.find(key);
        return v && !v->isNull() ? v : nullptr;
    };
    auto positive = [&](const Json& v, const std::string& key) {
        const int64_t n = v.asInt(keyName(key));
        if (n < 1 || n > 65536) throw Error(keyName(key) + ": expected a positive size, got " + std::to_string(n));
        return int(n);
    };
    // {"height": h, "width": w}
    auto heightWidth = [&](const Json& v, const std::string& key, int& height, int& width) {
        const Json* hj = v.find("height");
        const Json* wj = v.find("width");
        if (!hj || !wj) return false;
        height = positive(*hj, key + ".height");
        width = positive(*wj, key + ".width");
        return true;
    };
    auto channels = [&](const Json& v, const std::string& key) {
        std::array<float, 3> out{};
        if (v.isNumber()) { // one value for all channels
            out.fill(float(v.asNumber(keyName(key))));
            return out;
        }
        const auto& a = v.asArray(keyName(key));
        if (a.size() != 3) throw Error(keyName(key) + ": expected 3 values, got " + std::to_string(a.size()));
        for (size_t i = 0; i < 3; ++i) out[i] = float(a[i].asNumber(keyName(key) + "[" + std::to_string(i) + "]"));
        return out;
    };

    if (const Json* v = get("do_resize")) c.doResize = v->asBool(keyName("do_resize"));
    if (const Json* v = get("size")) {
        if (v->isNumber()) {
            c.shortestEdge = positive(*v, "size");
            c.resizeHeight = c.resizeWidth = 0;
        } else if (!v->isObject()) {
            throw Error(keyName("size") + ": expected a number or an object, got " + v->typeName());
        } else if (const Json* s = v->find("shortest_edge")) {
            c.shortestEdge = positive(*s, "size.shortest_edge");
            c.resizeHeight = c.resizeWidth = 0;
        } else if (!heightWidth(*v, "size", c.resizeHeight, c.resizeWidth)) {
            throw Error(keyName("size") + ": expected {\"shortest_edge\": n} or {\"height\": h, \"width\": w}");
        }
    }
    if (const Json* v = get("resample")) {
        const int64_t r = v->asInt(keyName("resample"));
        if (r < 1 || r > 5)
            throw Error(keyName("resample") + ": filter " + std::to_string(r) +
                        " is not supported (1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)");
        c.resample = int(r);
    }
    if (const Json* v = get("do_center_crop")) c.doCenterCrop = v->asBool(keyName("do_center_crop"));
    if (const Json* v = get("crop_size")) {
        if (v->isNumber()) {
            c.cropHeight = c.cropWidth = positive(*v, "crop_size");
        } else if (!v->isObject()) {
            throw Error(keyName("crop_size") + ": expected a number or an object, got " + v->typeName());
        } else if (!heightWidth(*v, "crop_size", c.cropHeight, c.cropWidth)) {
            throw Error(keyName("crop_size") + ": expected {\"height\": h, \"width\": w}");
        }
    }
    if (const Json* v = get("do_rescale")) c.doRescale = v->asBool(keyName("do_rescale"));
    if (const Json* v = get("rescale_factor")) {
        c.rescaleFactor = v->asNumber(keyName("rescale_factor"));
        if (!(c.rescaleFactor > 0) || !std::isfinite(c.rescaleFactor))
            throw Error(keyName("rescale_factor") + ": expected a positive number");
    }
    if (const Json* v = get("do_normalize")) c.doNormalize = v->asBool(keyName("do_normalize"));
    if (const Json* v = get("image_mean")) c.mean = channels(*v, "image_mean");
    if (const Json* v = get("image_std")) {
        c.std = channels(*v, "image_std");
        for (float s : c.std)
            if (!(s > 0) || !std::isfinite(s)) throw Error(keyName("image_std") + ": values must be positive");
    }
    if (const Json* v = get("do_convert_rgb")) (void)v->asBool(keyName("do_convert_rgb"));
    if (const Json* v = get("qlipx_alpha")) {
        const std::string& mode = v->asString(keyName("qlipx_alpha"));
        if (mode == "drop") c.alpha = AlphaMode::Drop;
        else if (mode == "white") c.alpha = AlphaMode::CompositeOnWhite;
        else throw Error(what + ": \"qlipx_alpha\" must be \"drop\" or \"white\", got \"" + mode + "\"");
    }
    return c;
}

} // namespace qlip
