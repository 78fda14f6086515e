#pragma once
// What the trainers share about a run's course: the learning-rate schedule (linear warm-up, then
// cosine decay to a floor), the data order, and when to stop early.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <numeric>
#include <random>
#include <vector>

namespace qlip::train {

inline double cosineLearningRate(double peak, int warmup, int steps, double minFraction, int step) {
    if (step < warmup) return peak * (step + 1) / warmup;
    const double progress = double(step - warmup) / std::max(1, steps - warmup);
    const double cosine = 0.5 * (1 + std::cos(std::numbers::pi * std::min(1.0, progress)));
    return peak * (minFraction + (1 - minFraction) * cosine);
}

// The samples of `step`: each epoch is a shuffle that depends only on (seed, epoch), so a resumed
// run sees the same batches as an uninterrupted one.
inline std::vector<int64_t> batchIndices(int64_t n, int64_t batch, uint64_t seed, int step) {
    const int64_t perEpoch = std::max<int64_t>(1, n / batch);
    const int64_t epoch = step / perEpoch, offset = (step % perEpoch) * batch;
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 epochRng(seed * 7919 + uint64_t(epoch));
    std::shuffle(order.begin(), order.end(), epochRng);
    return std::vector<int64_t>(order.begin() + offset, order.begin() + std::min(n, offset + batch));
}

// Stop (and save) after `step` (0-based) when the wall-time or step limit is reached (0 = none).
inline bool limitReached(std::chrono::steady_clock::time_point start, double maxMinutes, int stopAt, int step) {
    const double minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60;
    return (maxMinutes > 0 && minutes >= maxMinutes) || (stopAt > 0 && step + 1 >= stopAt);
}

} // namespace qlip::train
