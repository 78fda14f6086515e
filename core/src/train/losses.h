#pragma once
// The QLIP training objectives, scaled down (see the model card for the weights used).
#include <torch/torch.h>

namespace qlip::train {

// BSQ with a straight-through estimator: forward = sign(u) / sqrt(E), gradient flows to u.
torch::Tensor bsqStraightThrough(const torch::Tensor& unitLatent);

struct EntropyTerms {
    torch::Tensor perSample; // mean entropy of each token's soft code distribution (to minimise)
    torch::Tensor codebook;  // entropy of the batch-averaged distribution (to maximise)
};
// Exact entropies over groups of `group` bits: each group's 2^group codes get the soft assignment
// softmax(invTemperature * sqrt(E) * <u_group, c>), the BSQ soft quantiser restricted to the group.
// (A factorised per-bit entropy let every bit flip together and collapsed to ~30 codes.)
EntropyTerms groupEntropy(const torch::Tensor& unitLatent, int group, double invTemperature);

// Symmetric InfoNCE with soft targets: pairs that show the same concept count as positives.
torch::Tensor contrastiveLoss(const torch::Tensor& imageEmbeds, const torch::Tensor& textEmbeds,
                              const torch::Tensor& logitScale, const torch::Tensor& concepts);

} // namespace qlip::train
