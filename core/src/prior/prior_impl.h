#pragma once
// Prior internals shared by loading, sampling and training. Includes torch.
#include "prior/prior_model.h"
#include "qlip/engine.h"
#include "qlip/error.h"
#include "qlip/prior.h"

namespace qlip {

struct Prior::Impl {
    PriorConfig config;
    std::string folder;
    prior::PriorTransformer model{nullptr};
    torch::Device device{torch::kCPU};
    torch::ScalarType dtype = torch::kFloat32;

    // The QLIP text tower's final hidden states [T, L, Dt] for non-empty texts (padded to the full
    // context), on the prior's device and dtype; a note per truncated text goes to `notices`.
    torch::Tensor textHidden(Engine& qlip, const std::vector<std::string>& texts, std::vector<std::string>* notices) const;
    // The same, with the learned null condition for empty texts.
    torch::Tensor conditions(Engine& qlip, const std::vector<std::string>& texts, std::vector<std::string>* notices) const;
};

} // namespace qlip
