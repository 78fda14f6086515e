#pragma once
// `qlipx bench`: latency and throughput of encode, decode and text on random-weight models of the
// released configurations, each stage shown as a fraction of the plain matmul ceiling measured in
// the same run. Torch-free header.
#include "qlip/engine.h"

#include <string>
#include <vector>

namespace qlip::bench {

struct Options {
    std::vector<std::string> models = {"QLIP-B-16-256", "QLIP-B-8-256", "QLIP-L-14-392"};
    std::vector<int> batches = {1, 4};
    std::vector<Precision> precisions = {Precision::F32, Precision::BF16};
    int repeats = 5;          // timed runs per cell (after one warm-up); the median is reported
    int threads = 0;          // 0 = all cores
    Device device = Device::Auto;
    bool measureLoad = true;  // write the random weights to a temporary safetensors file and time Engine::open
    std::string markdown;     // also write the table here (markdown), if set
};

// Writes random-weight model folders of `models` in the released checkpoint format into
// `folder`/<model>-F32 and <model>-BF16 (config.json + model.safetensors), for load-time and
// memory measurements without a download. Returns 0.
int writeCheckpoints(const std::vector<std::string>& models, const std::string& folder);

// Prints the tables to stdout; returns 0.
int run(const Options& options);

// Multiply-add count (2 per MAC) of each stage for one image / one prompt set, from the config.
struct StageFlops {
    double encode = 0; // pixels -> tokens (vision tower + quant_embed)
    double decode = 0; // tokens -> pixels (quant_embed_post + decoder)
    double text = 0;   // 3 prompts of 77 tokens
};
StageFlops stageFlops(const QlipConfig& c);

} // namespace qlip::bench
