#pragma once
// Evaluation of a model on a packed image/label set (tools/emoji_data.py layout): reconstruction
// quality, token usage and zero-shot classification. Used by `qlipx eval` and the model card.
#include "qlip/engine.h"
#include "qlip/prior.h"

#include <string>
#include <vector>

namespace qlip {

struct EvalOptions {
    std::string imagesFile = "fluent_images.npy";
    std::string metaFile = "fluent.json";
    std::string subsetKey;              // JSON array of image indices to evaluate ("" = all images)
    std::string promptTemplate = "an emoji of {}";
    std::string hundredWayKey = "subset100"; // JSON array for the fixed 100-way zero-shot subset
    bool zeroShot = true;
    std::string gridPng;                // write originals vs reconstructions here (first 32 images)
    std::string predictionsCsv;         // per image: label, category, top-1 prediction, rank of the truth (0 = top-1)
};

struct EvalReport {
    int images = 0;
    double psnr = 0;            // dB, mean over images, uint8 RGB on white
    double ssim = 0;            // 11x11 Gaussian (sigma 1.5), per channel, mean
    double blockMeanPsnr = 0;   // baseline: one colour per patch (patch-size block mean)
    int distinctTokens = 0;
    double bitEntropySum = 0;   // sum over bits of the marginal bit entropy (max = bits)
    int labels = 0;
    double top1 = 0, top5 = 0;  // zero-shot over all distinct labels of the set
    double hundredWayTop1 = -1; // -1 when the set has no 100-way subset
    double categoryTop1 = 0;    // the top-1 label's category is the true one
    struct CategoryRow {
        std::string category;
        int images = 0;
        double categoryTop1 = 0; // as above, within the images of this category
        double top1 = 0;
    };
    std::vector<CategoryRow> byCategory; // in order of first appearance
    double seconds = 0;
};

EvalReport evaluate(Engine& engine, const std::string& dataFolder, const EvalOptions& options);

// Helpers shared with tests: PSNR of two uint8 images, SSIM (Wang et al. 2004 constants).
double psnr(const ImageRGB8& a, const ImageRGB8& b);
double ssim(const ImageRGB8& a, const ImageRGB8& b);

// The prior's quality check (issue #7): one image per label of the fixed 100-way subset, generated
// from "an emoji of {label}" with seed = seedBase + i, then classified by the QLIP model's own
// zero-shot classifier over the same labels.
struct PriorEvalOptions {
    std::string metaFile = "fluent.json";
    std::string subsetKey = "subset100";
    std::string promptTemplate = "an emoji of {}";
    SamplingParams sampling;     // seed = the base seed
    std::string gridPng;         // the samples, 10 a row, in subset order
    std::string labelsCsv;       // index, label, predicted label, hit
    int seedCheck = 4;           // also generate the first prompt with this many seeds and count distinct grids
};

struct PriorEvalReport {
    int prompts = 0;
    double top1 = 0, top5 = 0;     // over the subset's labels
    double meanConfidence = 0;     // mean per-token confidence of the samples
    int seedsChecked = 0, distinctAcrossSeeds = 0;
    double secondsPerImage = 0;
    double tokensPerSecond = 0;
};

PriorEvalReport evaluatePrior(Engine& engine, Prior& prior, const std::string& dataFolder, const PriorEvalOptions& options);

} // namespace qlip
