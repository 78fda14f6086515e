#include "train/losses.h"

#include <cmath>

namespace qlip::train {

torch::Tensor bsqStraightThrough(const torch::Tensor& u) {
    const double scale = 1.0 / std::sqrt(double(u.size(-1)));
    auto hard = torch::where(u > 0, torch::full_like(u, scale), torch::full_like(u, -scale));
    return u + (hard - u).detach();
}

EntropyTerms groupEntropy(const torch::Tensor& u, int group, double invTemperature) {
    const int64_t E = u.size(-1);
    const int64_t groups = E / group;
    // all 2^group sign patterns, MSB first: [2^group, group]
    auto codes = torch::arange(int64_t(1) << group, torch::kLong).unsqueeze(1)
                     .bitwise_right_shift(torch::arange(group - 1, -1, -1, torch::kLong))
                     .bitwise_and(1).to(u.scalar_type()).mul(2).sub(1).to(u.device());
    auto ug = u.reshape({-1, groups, group}) * std::sqrt(double(E));          // [T, G, g], entries ~ +-1
    auto logits = torch::matmul(ug, codes.t()) * invTemperature;              // [T, G, 2^g]
    auto logp = torch::log_softmax(logits, -1);
    auto p = logp.exp();
    auto perSample = -(p * logp).sum(-1).mean();
    auto avg = p.mean(0);                                                      // [G, 2^g]
    auto codebook = -(avg * torch::log(avg.clamp_min(1e-12))).sum(-1).mean();
    return {perSample, codebook};
}

torch::Tensor contrastiveLoss(const torch::Tensor& img, const torch::Tensor& txt, const torch::Tensor& logitScale,
                              const torch::Tensor& concepts) {
    auto logits = logitScale.exp().clamp_max(100.0) * torch::matmul(img, txt.t());  // [B, B]
    auto same = (concepts.unsqueeze(0) == concepts.unsqueeze(1)).to(logits.scalar_type());
    auto targets = same / same.sum(1, true);
    auto rows = -(targets * torch::log_softmax(logits, 1)).sum(1).mean();
    auto cols = -(targets * torch::log_softmax(logits.t(), 1)).sum(1).mean();
    return (rows + cols) / 2;
}

} // namespace qlip::train
