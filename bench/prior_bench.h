#pragma once
// `qlipx bench-prior`: sampling speed of AR priors, in tokens per second and seconds per image,
// with and without the KV cache. Torch-free header.
#include "qlip/engine.h"

#include <string>

namespace qlip::bench {

struct PriorBenchOptions {
    std::string model;          // QLIP folder with a tokenizer for the shipped prior ("" = skip)
    std::string prior;          // the shipped prior ("" = skip)
    bool gptB = true;           // also a GPT-B-sized random prior on a random QLIP-B-16-256
    int gptBPositions = 32;     // positions timed for the GPT-B no-cache comparison (a full pass is minutes)
    int repeats = 3;
    int threads = 0;
    Device device = Device::Auto;
    std::string markdown;       // also write the table here
};

int runPriorBench(const PriorBenchOptions& options);

} // namespace qlip::bench
