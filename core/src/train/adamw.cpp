#include "train/adamw.h"

#include "model/weights.h"
#include "qlip/error.h"
#include "qlip/safetensors.h"

#include <cmath>

namespace qlip::train {

AdamW::AdamW(std::vector<Group> groups, double beta1, double beta2, double eps)
    : groups_(std::move(groups)), beta1_(beta1), beta2_(beta2), eps_(eps) {
    for (const auto& g : groups_)
        for (const auto& p : g.params) {
            m_.push_back(torch::zeros_like(p));
            v_.push_back(torch::zeros_like(p));
        }
}

void AdamW::zeroGrad() {
    for (auto& g : groups_)
        for (auto& p : g.params)
            if (p.grad().defined()) p.mutable_grad().zero_();
}

void AdamW::step(double lr) {
    torch::NoGradGuard guard;
    ++t_;
    const double c1 = 1 - std::pow(beta1_, double(t_)), c2 = 1 - std::pow(beta2_, double(t_));
    size_t i = 0;
    for (auto& g : groups_) {
        for (auto& p : g.params) {
            auto& m = m_[i];
            auto& v = v_[i];
            ++i;
            if (!p.grad().defined()) continue;
            const auto& grad = p.grad();
            if (g.weightDecay > 0) p.mul_(1 - lr * g.weightDecay); // decoupled weight decay
            m.mul_(beta1_).add_(grad, 1 - beta1_);
            v.mul_(beta2_).addcmul_(grad, grad, 1 - beta2_);
            auto denom = (v / c2).sqrt_().add_(eps_);
            p.addcdiv_(m, denom, -lr / c1);
        }
    }
}

void AdamW::save(const std::string& path) const {
    SafetensorsWriter w;
    std::vector<torch::Tensor> keep;
    size_t i = 0;
    for (const auto& g : groups_)
        for (const auto& name : g.names) {
            for (const auto* which : {&m_, &v_}) {
                auto t = (*which)[i].to(torch::kCPU, torch::kFloat32).contiguous();
                keep.push_back(t);
                w.addBorrowed((which == &m_ ? "m." : "v.") + name, DType::F32, t.sizes().vec(), t.data_ptr(), size_t(t.numel()) * 4);
            }
            ++i;
        }
    int64_t t = t_;
    w.add("step", DType::I64, {}, &t, 8);
    w.save(path);
}

void AdamW::load(const std::string& path) {
    auto f = SafetensorsFile::open(path);
    size_t i = 0;
    torch::NoGradGuard guard;
    for (const auto& g : groups_)
        for (const auto& name : g.names) {
            for (auto* which : {&m_, &v_}) {
                const std::string key = (which == &m_ ? "m." : "v.") + name;
                const TensorInfo* info = f.find(key);
                if (!info || info->shape != (*which)[i].sizes().vec())
                    throw Error("'" + path + "': optimizer state for '" + name + "' is missing or has another shape");
                (*which)[i].copy_(model::tensorFromFile(f, *info));
            }
            ++i;
        }
    auto step = f.readAsInt64("step");
    if (step.size() != 1) throw Error("'" + path + "': bad step counter");
    t_ = step[0];
}

} // namespace qlip::train
