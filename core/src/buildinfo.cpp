#include "qlip/buildinfo.h"

#include "engine_impl.h"
#include "model/cpu_kernels.h"
#include "qlip_buildconfig.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <sstream>
#include <thread>

#if defined(__linux__)
#include <dlfcn.h>
#endif

#ifndef QLIP_BUILD_TYPE
#define QLIP_BUILD_TYPE "unknown"
#endif

namespace qlip {
namespace detail {
const char* gitCommit(); // buildstamp.cpp
} // namespace detail

namespace {

std::string cpuKernelsText() {
    const std::string isa = model::cpu::isa();
    if (isa.empty()) return "not used on this CPU or build (LibTorch's own ops run bf16/fp16)";
    const int width = model::cpu::parallelWidth();
    return isa + ", " + std::to_string(width) + (width == 1 ? " thread" : " threads");
}

// OpenBLAS says who it is through openblas_get_config(); the reference BLAS that Debian's
// libtorch falls back to without libopenblas0 has no such symbol and runs fp32 products about 20x
// slower, which is worth telling. The symbol is looked up in the process (no new library loads).
std::string blasText() {
#if defined(__linux__)
    using ConfigFn = char* (*)();
    using ParallelFn = int (*)();
    auto config = reinterpret_cast<ConfigFn>(::dlsym(RTLD_DEFAULT, "openblas_get_config"));
    if (!config) return "not OpenBLAS (LibTorch's own, or the reference BLAS: fp32 then runs far slower; install libopenblas0-openmp)";
    // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ... Haswell MAX_THREADS=64": the name, the version and
    // the kernel family (the one word with lower-case letters) say what matters.
    std::istringstream words(config());
    std::string name, version, word, kernels;
    words >> name >> version;
    while (words >> word)
        if (std::any_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; })) kernels = word;
    std::string text = name + " " + version;
    if (!kernels.empty()) text += ", " + kernels + " kernels";
    if (auto parallel = reinterpret_cast<ParallelFn>(::dlsym(RTLD_DEFAULT, "openblas_get_parallel"))) {
        const int mode = parallel();
        text += mode == 2 ? ", OpenMP" : mode == 1 ? ", pthreads" : ", single-threaded";
    }
    return text;
#else
    return "LibTorch's own (MKL in pytorch.org's builds)";
#endif
}

} // namespace

BuildInfo buildInfo() {
    BuildInfo b;
    b.version = QLIP_VERSION;
    b.commit = detail::gitCommit();
    b.libtorch = TORCH_VERSION;
    b.compiler = QLIP_COMPILER;
    b.buildType = QLIP_BUILD_TYPE;
    b.platform = QLIP_PLATFORM;
    return b;
}

RuntimeInfo runtimeInfo(int threads) {
    if (threads >= 0) applyThreadCount(threads);
    RuntimeInfo r;
    r.cpuKernels = cpuKernelsText();
    r.blas = blasText();
    r.threads = int(torch::get_num_threads());
    r.cpuThreads = int(std::max(1u, std::thread::hardware_concurrency()));
    r.cudaAvailable = torch::cuda::is_available();
    if (r.cudaAvailable) {
        const auto n = torch::cuda::device_count();
        r.cuda = "available, " + std::to_string(n) + (n == 1 ? " device" : " devices");
    } else {
        r.cuda = at::hasCUDA() ? "not available (no CUDA device found)" : "not available (this LibTorch is built without CUDA)";
    }
    return r;
}

std::vector<std::pair<std::string, std::string>> versionRows(int threads) {
    const BuildInfo b = buildInfo();
    const RuntimeInfo r = runtimeInfo(threads);
    return {
        {"version", b.version},
        {"commit", b.commit},
        {"built", b.buildType + ", " + b.compiler + ", " + b.platform},
        {"LibTorch", b.libtorch},
        {"CPU kernels", r.cpuKernels},
        {"BLAS", r.blas},
        {"threads", std::to_string(r.threads) + " of " + std::to_string(r.cpuThreads) + " CPU threads"},
        {"CUDA", r.cuda},
    };
}

std::string versionLine(const std::string& program) {
    const BuildInfo b = buildInfo();
    return program + " " + b.version + " (commit " + b.commit + ")";
}

} // namespace qlip
