#pragma once
// Learning-rate schedule shared by the trainers: linear warm-up, then cosine decay to a floor.
#include <algorithm>
#include <cmath>

namespace qlip::train {

inline double cosineLearningRate(double peak, int warmup, int steps, double minFraction, int step) {
    if (step < warmup) return peak * (step + 1) / warmup;
    const double progress = double(step - warmup) / std::max(1, steps - warmup);
    const double cosine = 0.5 * (1 + std::cos(M_PI * std::min(1.0, progress)));
    return peak * (minFraction + (1 - minFraction) * cosine);
}

} // namespace qlip::train
