#pragma once
// Engine internals shared with core's own tools (parity check, benchmarks). Includes torch.
#include "model/qlip_model.h"
#include "qlip/engine.h"
#include "qlip/error.h"
#include "qlip/tokenizer.h"

#include <optional>

namespace qlip {

struct Engine::Impl {
    QlipConfig config;
    PreprocessConfig preprocess;
    ModelInfo info;
    EngineOptions options;
    model::QLIPModel model{nullptr};
    std::optional<ClipTokenizer> tokenizer;
    torch::Device device{torch::kCPU};
    torch::ScalarType dtype = torch::kFloat32;

    // [B, 3, S, S] on the model's device and dtype, after checking every tensor's size.
    torch::Tensor pixelBatch(const std::vector<PixelTensor>& pixels, size_t begin, size_t end) const;
    torch::Tensor tokenIds(const std::vector<std::string>& texts) const; // [T, L] int64 on device
};

torch::Device resolveDevice(Device requested);
torch::ScalarType resolveDtype(Precision p, const torch::Device& device);
void applyThreadCount(int threads);

// Runs `fn`, turning LibTorch errors (out of memory, shape errors) into qlip::Error "<what>: ...".
template <class Fn>
auto guarded(const std::string& what, Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const c10::Error& e) {
        std::string msg = e.what_without_backtrace();
        if (msg.find("out of memory") != std::string::npos)
            throw qlip::Error(what + ": the device ran out of memory; try a smaller batch, bf16, or the CPU");
        throw qlip::Error(what + ": " + msg);
    } catch (const std::bad_alloc&) {
        throw qlip::Error(what + ": out of memory");
    }
}

} // namespace qlip
