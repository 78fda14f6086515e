// CLIP pre-processing: a re-implementation of the arithmetic of Pillow's Image.resize (the
// convolution resampler of Pillow 9/10) and of HF CLIPImageProcessor's crop / rescale / normalise,
// so that our tensors match the reference pipeline to the last uint8 level.
#include "qlip/image.h"
#include "qlip/json.h"
#include "qlip/error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <string>

namespace qlip {
namespace {

// Pillow's resampling filters (ids as in PIL.Image.Resampling) and their supports.
double boxFilter(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }

double bilinearFilter(double x) {
    x = std::fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

double hammingFilter(double x) {
    x = std::fabs(x);
    if (x == 0.0) return 1.0;
    if (x >= 1.0) return 0.0;
    x *= std::numbers::pi;
    return std::sin(x) / x * (0.54 + 0.46 * std::cos(x));
}

// Keys' cubic with a = -0.5 (Pillow's BICUBIC; Catmull-Rom).
double bicubicFilter(double x) {
    constexpr double a = -0.5;
    x = std::fabs(x);
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
    return 0.0;
}

double sinc(double x) {
    if (x == 0.0) return 1.0;
    x *= std::numbers::pi;
    return std::sin(x) / x;
}

double lanczosFilter(double x) { return (x >= -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0; }

struct Filter {
    double support;
    double (*weight)(double);
};

const Filter& filterFor(int resample) {
    static const Filter lanczos{3.0, lanczosFilter}, bilinear{1.0, bilinearFilter},
        bicubic{2.0, bicubicFilter}, box{0.5, boxFilter}, hamming{1.0, hammingFilter};
    switch (resample) {
    case 1: return lanczos;
    case 2: return bilinear;
    case 3: return bicubic;
    case 4: return box;
    case 5: return hamming;
    default:
        throw Error("resize: resample filter " + std::to_string(resample) +
                    " is not supported (1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)");
    }
}

// 8-bit images: weights in fixed point with 22 fractional bits, like Pillow (32 - 8 - 2 bits
// leave headroom for the negative lobes of the sum).
constexpr int kPrecisionBits = 22;

uint8_t clip8(int32_t v) {
    if (v >= (int32_t(1) << kPrecisionBits << 8)) return 255;
    if (v <= 0) return 0;
    return uint8_t(v >> kPrecisionBits);
}

// One axis of the separable resize: output sample i reads `count[i]` input samples from
// `first[i]` with weights coeff[i * ksize ...].
struct Kernel {
    int ksize = 0;
    std::vector<int> first, count;
    std::vector<int32_t> coeff;
};

// Mirrors Pillow's precompute_coeffs + normalize_coeffs_8bpc operation for operation (the
// double arithmetic and the truncating casts decide which input pixels are used, so the
// order of operations matters for bit-exactness).
Kernel makeKernel(int inSize, int outSize, const Filter& filter) {
    const double scale = double(inSize) / outSize;
    // Downscaling stretches the filter over `scale` input pixels: that is the antialiasing.
    const double filterScale = std::max(scale, 1.0);
    const double support = filter.support * filterScale;
    const double invScale = 1.0 / filterScale;

    Kernel k;
    k.ksize = int(std::ceil(support)) * 2 + 1;
    k.first.resize(size_t(outSize));
    k.count.resize(size_t(outSize));
    k.coeff.assign(size_t(outSize) * size_t(k.ksize), 0);
    std::vector<double> w(size_t(k.ksize));
    for (int i = 0; i < outSize; ++i) {
        const double center = (i + 0.5) * scale;
        const int xmin = std::max(int(center - support + 0.5), 0);
        const int xmax = std::min(int(center + support + 0.5), inSize);
        const int n = xmax - xmin;
        double sum = 0.0;
        for (int x = 0; x < n; ++x) {
            w[size_t(x)] = filter.weight((x + xmin - center + 0.5) * invScale);
            sum += w[size_t(x)];
        }
        int32_t* c = &k.coeff[size_t(i) * size_t(k.ksize)];
        for (int x = 0; x < n; ++x) {
            const double v = sum != 0.0 ? w[size_t(x)] / sum : w[size_t(x)];
            const double fixed = v * double(1 << kPrecisionBits);
            c[x] = int32_t(v < 0 ? fixed - 0.5 : fixed + 0.5); // round half away from zero
        }
        k.first[size_t(i)] = xmin;
        k.count[size_t(i)] = n;
    }
    return k;
}

// Horizontal pass over rows [row0, row0 + rows) of `in`, into a (outWidth x rows) image.
std::vector<uint8_t> resampleRows(const ImageRGB8& in, int row0, int rows, int outWidth, const Kernel& k) {
    std::vector<uint8_t> out(size_t(outWidth) * size_t(rows) * 3);
    const size_t inStride = size_t(in.width) * 3;
    for (int y = 0; y < rows; ++y) {
        const uint8_t* src = in.rgb.data() + size_t(row0 + y) * inStride;
        uint8_t* dst = out.data() + size_t(y) * size_t(outWidth) * 3;
        for (int x = 0; x < outWidth; ++x) {
            const int32_t* c = &k.coeff[size_t(x) * size_t(k.ksize)];
            const uint8_t* p = src + size_t(k.first[size_t(x)]) * 3;
            int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0; // +0.5 for rounding
            for (int i = 0, n = k.count[size_t(x)]; i < n; ++i, p += 3) {
                s0 += p[0] * c[i];
                s1 += p[1] * c[i];
                s2 += p[2] * c[i];
            }
            dst[3 * x] = clip8(s0);
            dst[3 * x + 1] = clip8(s1);
            dst[3 * x + 2] = clip8(s2);
        }
    }
    return out;
}

// Vertical pass: `src` holds rows [row0, ...) of a `width`-wide image; produces k.first.size() rows.
void resampleColumns(const uint8_t* src, int width, int row0, const Kernel& k, uint8_t* out) {
    const size_t stride = size_t(width) * 3;
    std::vector<int32_t> acc(stride);
    for (size_t y = 0; y < k.first.size(); ++y) {
        std::fill(acc.begin(), acc.end(), int32_t(1) << (kPrecisionBits - 1));
        const int32_t* c = &k.coeff[y * size_t(k.ksize)];
        // Row by row so that the inner loop runs over contiguous bytes (vectorises); the
        // integer sums are the same as Pillow's per-pixel loop.
        for (int i = 0; i < k.count[y]; ++i) {
            const uint8_t* row = src + size_t(k.first[y] - row0 + i) * stride;
            const int32_t w = c[i];
            for (size_t j = 0; j < stride; ++j) acc[j] += row[j] * w;
        }
        uint8_t* dst = out + y * stride;
        for (size_t j = 0; j < stride; ++j) dst[j] = clip8(acc[j]);
    }
}

void checkImage(const ImageRGB8& image, const char* what) {
    if (image.empty() || image.width < 0 || image.height < 0 ||
        image.rgb.size() != size_t(image.width) * size_t(image.height) * 3)
        throw Error(std::string(what) + ": invalid image (" + std::to_string(image.width) + "x" +
                    std::to_string(image.height) + ", " + std::to_string(image.rgb.size()) + " bytes)");
}

} // namespace

ImageRGB8 resizePil(const ImageRGB8& image, int width, int height, int resample) {
    checkImage(image, "resize");
    if (width < 1 || height < 1)
        throw Error("resize: invalid target size " + std::to_string(width) + "x" + std::to_string(height));
    const Filter& filter = filterFor(resample);
    if (width == image.width && height == image.height) return image; // Pillow returns a copy too

    const bool horizontal = width != image.width;
    const bool vertical = height != image.height;
    const Kernel kv = makeKernel(image.height, height, filter);
    // Like Pillow, run the horizontal pass only over the rows the vertical pass reads.
    int row0 = 0, rows = image.height;
    if (vertical) {
        row0 = kv.first.front();
        rows = kv.first.back() + kv.count.back() - row0;
    }

    ImageRGB8 out;
    out.width = width;
    out.height = height;
    out.rgb.resize(size_t(width) * size_t(height) * 3);
    if (horizontal) {
        const std::vector<uint8_t> tmp = resampleRows(image, row0, rows, width, makeKernel(image.width, width, filter));
        if (vertical)
            resampleColumns(tmp.data(), width, row0, kv, out.rgb.data());
        else
            out.rgb = tmp;
    } else {
        resampleColumns(image.rgb.data(), width, 0, kv, out.rgb.data());
    }
    return out;
}

std::pair<int, int> shortestEdgeSize(int width, int height, int shortest) {
    if (width < 1 || height < 1 || shortest < 1)
        throw Error("resize: invalid sizes (image " + std::to_string(width) + "x" + std::to_string(height) +
                    ", shortest edge " + std::to_string(shortest) + ")");
    const int shortSide = std::min(width, height), longSide = std::max(width, height);
    // HF: int(size * long / short) -- Python's true division is a correctly rounded double
    // division of the exact integers, then truncation; the same holds here.
    const double longD = double(int64_t(shortest) * longSide) / double(shortSide);
    if (longD > 1e9) throw Error("resize: resized image would be too large");
    const int newLong = int(longD);
    return width <= height ? std::pair{shortest, newLong} : std::pair{newLong, shortest};
}

ImageRGB8 centerCrop(const ImageRGB8& image, int width, int height) {
    checkImage(image, "centre crop");
    if (width < 1 || height < 1)
        throw Error("centre crop: invalid size " + std::to_string(width) + "x" + std::to_string(height));
    // Output pixel (x, y) is source pixel (x + left, y + top) with Python's floor division; this
    // one rule covers both HF branches (crop inside, or zero padding of ceil((h - H) / 2) rows).
    auto floorHalf = [](int v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); };
    const int top = floorHalf(image.height - height), left = floorHalf(image.width - width);
    ImageRGB8 out;
    out.width = width;
    out.height = height;
    out.rgb.assign(size_t(width) * size_t(height) * 3, 0);
    const int x0 = std::max(0, -left), x1 = std::min(width, image.width - left);
    if (x1 <= x0) return out;
    for (int y = std::max(0, -top); y < std::min(height, image.height - top); ++y)
        std::memcpy(out.pixel(x0, y), image.pixel(x0 + left, y + top), size_t(x1 - x0) * 3);
    return out;
}

PixelTensor preprocess(const ImageRGB8& image, const PreprocessConfig& config) {
    checkImage(image, "preprocess");
    const ImageRGB8* current = &image;
    ImageRGB8 resized, cropped;
    if (config.doResize) {
        auto [w, h] = config.resizeHeight > 0 && config.resizeWidth > 0
                          ? std::pair{config.resizeWidth, config.resizeHeight}
                          : shortestEdgeSize(image.width, image.height, config.shortestEdge);
        resized = resizePil(*current, w, h, config.resample);
        current = &resized;
    }
    if (config.doCenterCrop) {
        cropped = centerCrop(*current, config.cropWidth, config.cropHeight);
        current = &cropped;
    }

    // HF rescales in float64 and casts to float32, then normalises in float32: a 256-entry
    // table per channel reproduces those roundings exactly.
    float lut[3][256];
    for (int c = 0; c < 3; ++c)
        for (int v = 0; v < 256; ++v) {
            float x = config.doRescale ? float(double(v) * config.rescaleFactor) : float(v);
            if (config.doNormalize) x = (x - config.mean[size_t(c)]) / config.std[size_t(c)];
            lut[c][v] = x;
        }

    PixelTensor t;
    t.width = current->width;
    t.height = current->height;
    const size_t plane = size_t(t.width) * size_t(t.height);
    t.chw.resize(plane * 3);
    const uint8_t* px = current->rgb.data();
    for (size_t i = 0; i < plane; ++i, px += 3) {
        t.chw[i] = lut[0][px[0]];
        t.chw[plane + i] = lut[1][px[1]];
        t.chw[2 * plane + i] = lut[2][px[2]];
    }
    return t;
}

std::string preprocessingJson(const PreprocessConfig& p) {
    Json::Object o;
    o["processor"] = Json("CLIPImageProcessor");
    o["shortest_edge"] = Json(p.shortestEdge);
    o["resample"] = Json(p.resample == 3 ? "bicubic (PIL, antialiased)" : "PIL filter " + std::to_string(p.resample));
    o["crop"] = Json(Json::Array{Json(p.cropHeight), Json(p.cropWidth)});
    o["image_mean"] = Json(Json::Array{Json(double(p.mean[0])), Json(double(p.mean[1])), Json(double(p.mean[2]))});
    o["image_std"] = Json(Json::Array{Json(double(p.std[0])), Json(double(p.std[1])), Json(double(p.std[2]))});
    o["alpha"] = Json(p.alpha == AlphaMode::Drop ? "dropped (as PIL convert('RGB'))" : "composited on white");
    return Json(std::move(o)).dump();
}

} // namespace qlip
