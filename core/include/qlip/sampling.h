#pragma once
// Sampling one token group from a prior's logits (issue #7): classifier-free guidance,
// temperature, top-k and top-p, with randomness that depends only on (seed, sample, position,
// group), so the same seed and settings give the same tokens whatever the batch size or the order
// in which samples are drawn. Plain C++ on small vectors (one group: 128 to 16,384 logits).
#include <cstdint>
#include <limits>
#include <vector>

namespace qlip {

struct SamplingParams {
    float temperature = 1.0f; // 0: greedy (the most likely candidate; ties go to the lower index)
    int topK = 0;             // keep the k most likely (0 or >= vocabulary: all)
    float topP = 1.0f;        // keep the smallest most-likely set whose probability reaches p (1: all)
    float cfgScale = 1.0f;    // classifier-free guidance: uncond + scale * (cond - uncond); 1 = cond only
    int cfgFirst = 0;         // guidance applies to positions [cfgFirst, cfgLast] (the "interval")
    int cfgLast = std::numeric_limits<int>::max();
    uint64_t seed = 0;
};

// The guided logits at `position`: cond outside the CFG interval, else uncond + scale·(cond − uncond).
// A scale of 0 gives the unconditional logits (an empty prompt).
std::vector<float> guidedLogits(const std::vector<float>& cond, const std::vector<float>& uncond, const SamplingParams& p,
                                int position);

// The distribution the sampler draws from: softmax(logits / temperature), restricted to top-k and
// then to top-p, renormalised. Removed candidates have probability 0. Temperature 0: a one-hot on
// the argmax. Throws qlip::Error on empty or non-finite logits (all -inf included).
std::vector<double> samplingDistribution(const std::vector<float>& logits, const SamplingParams& p);

// A uniform number in [0, 1) that depends only on its arguments (SplitMix64 of them).
double samplingUniform(uint64_t seed, uint64_t sample, uint64_t position, uint64_t group);

// Draws a candidate index from samplingDistribution() with samplingUniform(seed, sample, position, group).
int sampleGroup(const std::vector<float>& logits, const SamplingParams& p, uint64_t sample, uint64_t position, uint64_t group);

} // namespace qlip
