#pragma once
// What this build of QLIP Explorer is and what the machine it runs on offers the engine: the text
// of `qlipx --version` and of the explorer's Help > About. Torch-free header.
#include <string>
#include <utility>
#include <vector>

namespace qlip {

struct BuildInfo {
    std::string version;   // the project version, e.g. "0.1.0"
    std::string commit;    // `git describe --always --dirty` of the sources when built; "unknown" outside a git checkout
    std::string libtorch;  // the LibTorch version compiled against, e.g. "1.13.1"
    std::string compiler;  // e.g. "GCC 12.2.0", "MSVC 19.38"
    std::string buildType; // e.g. "Release"
    std::string platform;  // e.g. "Linux x86_64", "Windows AMD64"
};
BuildInfo buildInfo();

// Probed when asked (cheap: no model is loaded).
struct RuntimeInfo {
    std::string cpuKernels; // the fused bf16/fp16 CPU kernels: "avx512, 2 threads", or why they are not used
    std::string blas;       // the BLAS that LibTorch's fp32 products run on, as far as it can be told
    std::string cuda;       // "not available (...)" or "available, N device(s)"
    bool cudaAvailable = false;
    int threads = 1;        // LibTorch's intra-op threads
    int cpuThreads = 1;     // hardware threads of this machine
};
// threads >= 0 first applies that thread count as the engine would (0 = all cores, the default
// of every qlipx command), so that the kernels' split is the one a run gets; -1 reports the
// process as it is (the explorer, whose engine already set it).
RuntimeInfo runtimeInfo(int threads = -1);

// Both as (label, value) rows in a fixed order: version, commit, built, LibTorch, CPU kernels,
// BLAS, threads, CUDA. The About box adds its Qt row to these. `threads` as for runtimeInfo().
std::vector<std::pair<std::string, std::string>> versionRows(int threads = -1);

// "qlipx 0.1.0 (commit abc1234)" style first line for a program name.
std::string versionLine(const std::string& program);

} // namespace qlip
