#include "engine_impl.h"

#include <thread>

namespace qlip {

const char* deviceName(Device d) {
    switch (d) {
    case Device::Auto: return "auto";
    case Device::CPU: return "cpu";
    case Device::CUDA: return "cuda";
    }
    return "?";
}

const char* precisionName(Precision p) {
    switch (p) {
    case Precision::F32: return "fp32";
    case Precision::BF16: return "bf16";
    case Precision::F16: return "fp16";
    case Precision::F64: return "fp64";
    }
    return "?";
}

Device parseDevice(const std::string& s) {
    if (s == "auto") return Device::Auto;
    if (s == "cpu") return Device::CPU;
    if (s == "cuda" || s == "gpu") return Device::CUDA;
    throw Error("unknown device '" + s + "' (use auto, cpu or cuda)");
}

Precision parsePrecision(const std::string& s) {
    if (s == "fp32" || s == "f32" || s == "float32") return Precision::F32;
    if (s == "bf16" || s == "bfloat16") return Precision::BF16;
    if (s == "fp16" || s == "f16" || s == "float16") return Precision::F16;
    if (s == "fp64" || s == "f64" || s == "float64") return Precision::F64;
    throw Error("unknown precision '" + s + "' (use fp32, bf16, fp16 or fp64)");
}

bool cudaAvailable() { return torch::cuda::is_available(); }

torch::Device resolveDevice(Device requested) {
    if (requested == Device::CUDA && !cudaAvailable())
        throw Error("CUDA was requested but this build of LibTorch has no CUDA device available");
    if (requested == Device::CUDA || (requested == Device::Auto && cudaAvailable())) return torch::Device(torch::kCUDA, 0);
    return torch::Device(torch::kCPU);
}

torch::ScalarType resolveDtype(Precision p, const torch::Device& device) {
    // fp32 means fp32: cuDNN would otherwise run the patch-embedding convolution in TF32 on
    // Ampere and newer GPUs, which breaks parity with the reference by ~1e-3.
    if (device.is_cuda() && (p == Precision::F32 || p == Precision::F64)) at::globalContext().setAllowTF32CuDNN(false);
    switch (p) {
    case Precision::F32: return torch::kFloat32;
    case Precision::F64: return torch::kFloat64;
    case Precision::BF16: return torch::kBFloat16;
    case Precision::F16:
        // LibTorch's CPU kernels lack fp16 matrix products in 1.13; fp16 is a GPU precision.
        if (!device.is_cuda()) throw Error("fp16 is only supported on CUDA; use bf16 or fp32 on the CPU");
        return torch::kFloat16;
    }
    return torch::kFloat32;
}

void applyThreadCount(int threads) {
    // The intra-op pool is process-wide. LibTorch defaults to 1 thread on some VMs, so always set it.
    int n = threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()));
    torch::set_num_threads(n);
}

} // namespace qlip
