#pragma once
// Image value types, decoding/encoding and the CLIP pre-processing (CLIPImageProcessor).
// Qt-free and torch-free: the GUI converts QImage <-> ImageRGB8 at its edge.
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qlip {

class Json;

// 8-bit RGB, interleaved, row-major, no padding: rgb.size() == width * height * 3.
struct ImageRGB8 {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> rgb;

    bool empty() const { return width == 0 || height == 0; }
    const uint8_t* pixel(int x, int y) const { return rgb.data() + (size_t(y) * width + x) * 3; }
    uint8_t* pixel(int x, int y) { return rgb.data() + (size_t(y) * width + x) * 3; }
};

// What to do with an alpha channel. The reference (PIL `convert("RGB")`) drops it, which is the
// default; emoji art is transparent and is composited on white for training and display.
enum class AlphaMode { Drop, CompositeOnWhite };

// Decoding refuses images whose header announces more than this (checked before any pixel is
// decoded), so a 30000x30000 file is a clear error instead of a multi-gigabyte allocation.
// maxBytes bounds what one decode may allocate: the RGB result plus the decoder's own
// whole-image buffers (TIFF's RGBA raster, a progressive JPEG's coefficients, ...).
struct ImageLimits {
    int64_t maxPixels = int64_t(1) << 26;  // 64 Mpx (8192x8192)
    int maxSide = 32768;
    int64_t maxBytes = int64_t(1) << 30;   // 1 GiB
};

// Decode PNG (libpng), JPEG (libjpeg-turbo), WebP (libwebp), TIFF (libtiff, first page), PNM
// (P1-P6, 8 and 16 bit; our own parser), and BMP/GIF (first frame)/TGA/PSD (stb_image). Where
// libpng or libjpeg is missing from the build, stb decodes PNG and JPEG; WebP and TIFF then say
// they are not supported. Grey is expanded, 16-bit samples are reduced to 8 bits (their high
// byte; PNM scales by its maxval). Throws qlip::Error naming `name` and the problem (empty file,
// unknown format, corrupt or truncated data, too large). Never writes to stderr.
ImageRGB8 decodeImage(const uint8_t* data, size_t size, const std::string& name,
                      AlphaMode alpha = AlphaMode::Drop, const ImageLimits& limits = {});
ImageRGB8 loadImage(const std::string& path, AlphaMode alpha = AlphaMode::Drop, const ImageLimits& limits = {});

// File name extensions (lower case, with the dot) of the formats decodeImage reads in this
// build, e.g. for folder scans and file dialogs.
const std::vector<std::string>& imageFileExtensions();
// Whether `path` ends in one of imageFileExtensions() (case-insensitive).
bool hasImageExtension(const std::string& path);

// Write an 8-bit RGB PNG, atomically (temp file + rename). `text` becomes tEXt chunks
// (key, value) so that exported images carry provenance (model id, token digest, ...).
void savePng(const std::string& path, const ImageRGB8& image,
             const std::vector<std::pair<std::string, std::string>>& text = {});
// Encode to PNG bytes (same as savePng, without the file).
std::vector<uint8_t> encodePng(const ImageRGB8& image,
                               const std::vector<std::pair<std::string, std::string>>& text = {});

// ---- CLIP pre-processing ------------------------------------------------------------------

struct PreprocessConfig {
    bool doResize = true;
    int shortestEdge = 256;   // `size` (int or {"shortest_edge": n})
    // `size` = {"height": h, "width": w}: resize to exactly this size instead (0 = shortest-edge rule).
    int resizeHeight = 0;
    int resizeWidth = 0;
    int resample = 3;         // PIL filter id; 3 = bicubic (what CLIP uses); 1, 2, 4, 5 (lanczos, bilinear,
                              // box, hamming) also work; 0 (nearest) does not
    bool doCenterCrop = true;
    int cropHeight = 256;
    int cropWidth = 256;
    bool doRescale = true;
    double rescaleFactor = 1.0 / 255.0;
    bool doNormalize = true;
    std::array<float, 3> mean{0.48145466f, 0.4578275f, 0.40821073f};
    std::array<float, 3> std{0.26862954f, 0.26130258f, 0.27577711f};

    // Defaults of the stock CLIP file with `size` = `crop` = imageSize.
    static PreprocessConfig forImageSize(int imageSize);
    // Read a preprocessor_config.json document; absent (or null) keys keep the values of `defaults`.
    // A key of the wrong type or out of range throws qlip::Error naming `what` and the key.
    // How images with an alpha channel become RGB. Our own key `qlipx_alpha` ("drop" or "white"):
    // the reference drops alpha; models trained on transparent art (the emoji model) want white.
    AlphaMode alpha = AlphaMode::Drop;

    // `do_convert_rgb` is validated but has no field: decoded images are always RGB.
    static PreprocessConfig fromJson(const Json& doc, const PreprocessConfig& defaults, const std::string& what);
};

// Float image, channel-major [3, H, W] (CHW), as fed to the model.
struct PixelTensor {
    int height = 0;
    int width = 0;
    std::vector<float> chw;
};

// Resize like PIL's Image.resize(..., resample) without reducing_gap: separable convolution whose
// support widens when downscaling (antialiasing), horizontal pass first, 8-bit rounding between
// passes, exactly as Pillow does it.
ImageRGB8 resizePil(const ImageRGB8& image, int width, int height, int resample = 3);
// Output size of the shortest-edge rule: the short side becomes `shortest`, the long side
// floor(shortest * long / short).
std::pair<int, int> shortestEdgeSize(int width, int height, int shortest);
// HF centre crop: top = (H - h) // 2, left = (W - w) // 2; pads with zeros when the image is smaller.
ImageRGB8 centerCrop(const ImageRGB8& image, int width, int height);

// The whole CLIPImageProcessor chain: resize (shortest edge) -> centre crop -> rescale -> normalise.
PixelTensor preprocess(const ImageRGB8& image, const PreprocessConfig& config);

// Model space -> displayable image: x * std + mean, clamp to [0, 1], * 255, rounded.
ImageRGB8 denormalize(const float* chw, int height, int width, const PreprocessConfig& config);

// The pre-processing as a JSON object (text), for the sidecar of saved tokens: processor, shortest
// edge, resampling, crop, mean, std and what happens to alpha.
std::string preprocessingJson(const PreprocessConfig& config);

} // namespace qlip
