#pragma once
// The auto-regressive prior over QLIP tokens (issue #7): a LlamaGen-style decoder-only
// transformer that predicts an image's tokens in raster order, conditioned on the QLIP text
// tower's final hidden states for a prompt. Torch-free header (pimpl).
//
// Design (docs/prior.md has the reasons):
// - input of a token: Linear(bits -> width) over its ±1 codes;
// - 2-D RoPE over the image grid (rows on the first half of each head, columns on the second),
//   identity rotation for the prompt prefix;
// - output: the bits split into `groups` groups predicted one after another inside a position,
//   each conditioned on the groups already chosen (embedding sum + a small SwiGLU MLP);
// - classifier-free guidance: a learned null condition (the prefix of an empty prompt), used for
//   caption dropout in training and as the unconditional branch when there is no negative prompt.
//
// Thread contract: like Engine, one thread at a time.
#include "qlip/sampling.h"
#include "qlip/tokens.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace qlip {

class Engine;
class Json;

struct PriorConfig {
    std::string name = "qlip-prior";
    std::string qlipModel;      // name of the QLIP model whose tokens it predicts ("" = any with this shape)
    int gridRows = 0, gridCols = 0;
    int bits = 28;
    int groups = 4;             // k: the bits are predicted as k groups of bits / k
    int width = 256, layers = 6, heads = 4, mlp = 768;
    int headMlp = 512;          // hidden width of the per-position group MLP
    int condLength = 32;        // prefix slots = the QLIP text tower's context length
    int condWidth = 192;        // the QLIP text tower's hidden size
    double ropeTheta = 10000;
    double normEps = 1e-5;

    int tokens() const { return gridRows * gridCols; }
    int groupBits() const { return bits / groups; }
    int64_t groupVocab() const { return int64_t(1) << groupBits(); }

    Json toJson() const;
    static PriorConfig fromJson(const Json& j, const std::string& where); // throws qlip::Error naming `where`
    void validate(const std::string& where) const;                      // throws on impossible sizes
    // The default sizes above, fitted to `qlip`: its name, grid, bits, text context and width.
    static PriorConfig forModel(const Engine& qlip);
    // A GPT-B-sized prior (12 layers, width 768, 12 heads) for a QLIP grid, for benchmarks.
    static PriorConfig gptB(int gridRows, int gridCols, int bits, int groups, int condLength, int condWidth);
};

struct PriorOptions {
    std::string precision = "fp32"; // "fp32" or "bf16" (the prior runs on the QLIP engine's device)
};

struct GenerateRequest {
    std::string prompt;          // "" = unconditional
    std::string negativePrompt;  // "" = the learned null condition is the unconditional branch
    int samples = 1;
    SamplingParams sampling;     // temperature, top-k, top-p (per group), CFG scale and interval, seed
    bool kvCache = true;         // false recomputes the whole sequence at every position (benchmarks, tests)
    // Masked regeneration: when `keep` has tokens, positions whose `regenerate` entry is 0 keep
    // keep's token (teacher-forced); the others are sampled, in raster order.
    TokenGrid keep;
    std::vector<uint8_t> regenerate; // [tokens], 1 = sample this position
};

// One sampled (or kept) token, reported as soon as it is known.
struct GeneratedToken {
    int sample = 0;
    int position = 0;            // raster index
    int64_t index = 0;           // the full token index
    float confidence = 1;        // geometric mean over groups of the chosen candidate's guided probability (T = 1)
    bool kept = false;           // masked regeneration: taken from `keep`
};

struct GenerateResult {
    std::vector<TokenGrid> grids;                  // one per sample
    std::vector<std::vector<float>> confidence;    // [samples][tokens]
    std::vector<std::string> notices;              // e.g. "the prompt was cut to 32 tokens"
    double seconds = 0;
    int64_t sampledTokens = 0;
};

// Called for every token; return false to cancel (generate then throws qlip::Cancelled).
using TokenCallback = std::function<bool(const GeneratedToken&)>;

// How an image was generated, as one JSON object (prompt, negative prompt, every sampling
// parameter, sample number, QLIP model and prior), for PNG metadata and the app's run history.
std::string generationJson(const GenerateRequest& request, int sample, const std::string& qlipModel, const std::string& priorName);
// PNG tEXt entries: "Title" = the prompt, "Software", and "qlipx-generation" = generationJson().
std::vector<std::pair<std::string, std::string>> generationMetadata(const GenerateRequest& request, int sample,
                                                                    const std::string& qlipModel, const std::string& priorName);

class Prior {
public:
    // Opens a prior folder (config.json + model.safetensors) for `qlip`'s device. Throws
    // qlip::Error naming every missing, unexpected or misshaped tensor, and when the prior belongs
    // to another QLIP model (grid, bits, text tower size or model name differ).
    static std::unique_ptr<Prior> open(const std::string& folder, const Engine& qlip, const PriorOptions& options = {});
    // Random weights (seeded; std 0.02, zero output heads would be too uniform so they are random too).
    static std::unique_ptr<Prior> random(const PriorConfig& config, const Engine& qlip, const PriorOptions& options = {},
                                         uint64_t seed = 0);
    ~Prior();

    const PriorConfig& config() const;
    int64_t parameters() const;
    std::string folder() const; // "" for random priors

    // Throws qlip::Error when `qlip` cannot be used with this prior.
    void checkCompatible(const Engine& qlip) const;

    // Samples `samples` token grids. `qlip` supplies the text tower for the prompts; its tokens
    // come from this prior. Same request on the same device -> the same tokens, for any batch size.
    GenerateResult generate(Engine& qlip, const GenerateRequest& request, const TokenCallback& onToken = {});

    // Writes config.json + model.safetensors ("F32", "BF16" or "F16") into `folder`.
    void save(const std::string& folder, const std::string& weightDtype = "F32") const;

    struct Impl;
    Impl& impl() { return *impl_; }

private:
    explicit Prior(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace qlip
