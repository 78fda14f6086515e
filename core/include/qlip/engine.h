#pragma once
// The QLIP engine: one loaded model on one device. Torch-free header (pimpl).
//
// Thread contract: an Engine is used by one thread at a time (the app's engine thread owns it).
// Every method reports failures as qlip::Error (bad input, shape mismatch, out of memory, ...)
// and leaves the engine usable afterwards.
#include "qlip/config.h"
#include "qlip/image.h"
#include "qlip/tokens.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace qlip {

class ClipTokenizer;

enum class Device { Auto, CPU, CUDA };
enum class Precision { F32, BF16, F16, F64 };

const char* deviceName(Device d);
const char* precisionName(Precision p);
Device parseDevice(const std::string& s);       // "auto", "cpu", "cuda"
Precision parsePrecision(const std::string& s); // "fp32"/"f32", "bf16", "fp16"/"f16", "fp64"/"f64"
bool cudaAvailable();                           // false when this LibTorch has no CUDA

struct EngineOptions {
    Device device = Device::Auto;       // Auto: CUDA when available, else CPU
    Precision precision = Precision::F32;
    int threads = 0;                    // intra-op threads; 0 = all hardware threads (LibTorch's own default is 1 on some VMs)
    int maxBatch = 16;                  // larger requests run in chunks of this size
    // Keep freed memory in the process for the next call (glibc: no mmap/munmap per activation).
    // Much faster on the CPU; the process keeps its peak memory. Process-wide, set once.
    bool keepFreedMemory = true;
    // Engine::open: parameters whose dtype matches the file (fp32 mode with the official F32
    // files, bf16 mode with BF16 files) are views of the memory-mapped file, not copies: loading
    // reads nothing up front, and the pages are shared with the OS cache. Off: always copy.
    bool mapWeights = true;
};

struct ModelInfo {
    std::string name;
    std::string folder;
    std::string device;       // "cpu", "cuda:0"
    std::string precision;    // "fp32", ...
    int imageSize = 0;
    int patchSize = 0;
    int gridRows = 0;
    int gridCols = 0;
    int bits = 0;
    int groupSize = 1;
    int projectionDim = 0;
    int contextLength = 0;
    int64_t parameters = 0;
    float logitScale = 0;     // the learned log-scale; logits use exp(logitScale)
    bool hasTokenizer = false;
    int threads = 1;
    double loadSeconds = 0;
    uint64_t mappedBytes = 0; // weights used in place from the memory-mapped file (EngineOptions::mapWeights)
    std::vector<std::string> warnings;
};

// How zero-shot probabilities turn cosine similarities into logits.
enum class ZeroShotScale { Fixed100, Learned }; // the reference notebook's 100, or exp(logit_scale)

struct ZeroShotResult {
    std::vector<float> cosine;        // per label
    std::vector<float> probabilities; // softmax over labels of scale * cosine
    double scale = 100;
};

// Called while a model loads with the fraction done (0..1); return false to cancel the load,
// which then throws qlip::Cancelled and leaves nothing behind.
using LoadProgress = std::function<bool(double fraction)>;

class Engine {
public:
    // Opens a Hugging Face model folder: config.json, model.safetensors, vocab.json + merges.txt
    // (optional: without them text queries are unavailable), preprocessor_config.json (optional).
    // A repo id ("nvidia/QLIP-B-16-256", "ORG/NAME@REVISION") that is not a folder opens its
    // snapshot in the Hugging Face cache (qlip/hub.h); the model is then named after the repo.
    // Throws qlip::Error naming the file and every problem found.
    static std::unique_ptr<Engine> open(const std::string& folder, const EngineOptions& options = {},
                                        const LoadProgress& progress = {});
    // A model with random weights (seeded) for benchmarks and tests; no tokenizer.
    static std::unique_ptr<Engine> random(const QlipConfig& config, const EngineOptions& options = {}, uint64_t seed = 0);
    ~Engine();

    const ModelInfo& info() const;
    const QlipConfig& config() const;
    const PreprocessConfig& preprocessConfig() const;
    bool hasTokenizer() const;
    const ClipTokenizer& tokenizer() const; // throws when the folder had none

    PixelTensor preprocess(const ImageRGB8& image) const;

    // Images -> tokens (with pre-quantisation latents). Pixel tensors must be 3 x S x S.
    std::vector<TokenGrid> encode(const std::vector<PixelTensor>& pixels);
    TokenGrid encodeImage(const ImageRGB8& image);

    // Tokens -> CLIP-normalised pixels (3 x S x S), or a displayable image.
    std::vector<PixelTensor> decode(const std::vector<TokenGrid>& tokens);
    ImageRGB8 decodeToImage(const TokenGrid& tokens);
    // Bit-flip sensitivity: for each channel in `bits` and each token n, the mean absolute change
    // of the decoded image (RGB, levels of 255, clamped as displayed, over every pixel) when that
    // one bit of that one token is flipped. [bits.size()][tokens.count()]. Decodes in batches;
    // `progress` hears the fraction done and may return false to cancel (throws qlip::Cancelled).
    std::vector<std::vector<float>> bitSensitivity(const TokenGrid& tokens, const std::vector<int>& bits,
                                                   const std::function<bool(double)>& progress = {});

    // L2-normalised joint embeddings (projection_dim floats each).
    std::vector<std::vector<float>> embedImages(const std::vector<PixelTensor>& pixels);
    std::vector<std::vector<float>> embedTexts(const std::vector<std::string>& texts);

    ZeroShotResult zeroShot(const std::vector<float>& imageEmbedding, const std::vector<std::vector<float>>& textEmbeddings,
                            ZeroShotScale scale = ZeroShotScale::Fixed100) const;

    // Write config.json + model.safetensors (weights as `weights`: F32, F16 or BF16) into `folder`,
    // a folder that Engine::open reads back. Tokenizer and pre-processing files are not written.
    void saveModelFolder(const std::string& folder, const std::string& weightDtype = "F32");

    struct Impl;
    Impl& impl() { return *impl_; } // for core-internal tools (parity, bench, the prior)
    const Impl& impl() const { return *impl_; }

private:
    explicit Engine(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace qlip
