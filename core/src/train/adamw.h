#pragma once
// AdamW with state we own, so checkpoints can hold it as safetensors (no pickled optimizer).
#include <torch/torch.h>

#include <string>
#include <vector>

namespace qlip::train {

class AdamW {
public:
    struct Group {
        std::vector<std::string> names;
        std::vector<torch::Tensor> params;
        double weightDecay = 0;
    };
    AdamW(std::vector<Group> groups, double beta1 = 0.9, double beta2 = 0.95, double eps = 1e-8);

    void step(double lr); // uses .grad() of every parameter
    void zeroGrad();
    int64_t steps() const { return t_; }

    void save(const std::string& path) const; // moments + step count as safetensors
    void load(const std::string& path);       // throws qlip::Error on any mismatch

private:
    std::vector<Group> groups_;
    std::vector<torch::Tensor> m_, v_;
    double beta1_, beta2_, eps_;
    int64_t t_ = 0;
};

} // namespace qlip::train
