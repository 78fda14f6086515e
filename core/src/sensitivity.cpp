// Engine::bitSensitivity: how much the decoded image changes when one bit of one token flips.
#include "engine_impl.h"

#include "qlip/error.h"

#include <torch/torch.h>

namespace qlip {

namespace {

// CLIP-normalised decoder output [B, 3, S, S] -> displayed RGB in levels of 255, clamped.
torch::Tensor toLevels(const torch::Tensor& pixels, const PreprocessConfig& p) {
    auto mean = torch::tensor({p.mean[0], p.mean[1], p.mean[2]}).view({1, 3, 1, 1});
    auto stdv = torch::tensor({p.std[0], p.std[1], p.std[2]}).view({1, 3, 1, 1});
    return (pixels.to(torch::kCPU, torch::kFloat32) * stdv + mean).clamp(0, 1) * 255.0;
}

} // namespace

std::vector<std::vector<float>> Engine::bitSensitivity(const TokenGrid& tokens, const std::vector<int>& bits,
                                                       const std::function<bool(double)>& progress) {
    auto& d = *impl_;
    decode({tokens}); // checks the grid against the model, with the same messages
    for (int e : bits)
        if (e < 0 || e >= tokens.bits) throw Error("bit " + std::to_string(e) + " does not exist in " + std::to_string(tokens.bits) + "-bit tokens");
    torch::NoGradGuard noGrad;
    const int64_t N = tokens.count();
    auto base = torch::from_blob(const_cast<int64_t*>(tokens.indices.data()), {1, N}, torch::kLong).clone(); // [1, N]
    auto decodeLevels = [&](const torch::Tensor& indices) {
        return toLevels(guarded("decoding", [&] { return d.model->decodeCodes(d.model->codesFromIndices(indices.to(d.device))); }),
                        d.preprocess);                                                             // [B, 3, S, S]
    };
    const auto reference = decodeLevels(base);
    const int64_t batch = std::max(1, d.options.maxBatch), total = int64_t(bits.size()) * N;
    std::vector<std::vector<float>> out(bits.size(), std::vector<float>(size_t(N)));
    int64_t done = 0;
    for (size_t b = 0; b < bits.size(); ++b) {
        const int64_t flip = int64_t(1) << (tokens.bits - 1 - bits[b]);
        for (int64_t n0 = 0; n0 < N; n0 += batch) {
            if (progress && !progress(double(done) / double(total))) throw Cancelled();
            const int64_t count = std::min(batch, N - n0);
            auto indices = base.repeat({count, 1});                                                // [count, N]
            auto rows = torch::arange(count), cols = torch::arange(n0, n0 + count);
            indices.index_put_({rows, cols}, indices.index({rows, cols}).bitwise_xor(flip));        // token n0+i flipped in row i
            auto change = (decodeLevels(indices) - reference).abs().mean({1, 2, 3});               // [count]
            std::memcpy(out[b].data() + n0, change.contiguous().data_ptr<float>(), size_t(count) * sizeof(float));
            done += count;
        }
    }
    if (progress) progress(1.0);
    return out;
}

} // namespace qlip
