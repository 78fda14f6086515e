#include "qlip/sampling.h"

#include "qlip/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qlip {

std::vector<float> guidedLogits(const std::vector<float>& cond, const std::vector<float>& uncond, const SamplingParams& p,
                                int position) {
    if (cond.size() != uncond.size()) throw Error("classifier-free guidance: conditional and unconditional logits differ in size");
    if (position < p.cfgFirst || position > p.cfgLast || p.cfgScale == 1.0f) return cond;
    std::vector<float> out(cond.size());
    for (size_t i = 0; i < cond.size(); ++i) out[i] = uncond[i] + p.cfgScale * (cond[i] - uncond[i]);
    return out;
}

namespace {

size_t argmax(const std::vector<float>& v) { return size_t(std::max_element(v.begin(), v.end()) - v.begin()); } // first of ties

} // namespace

std::vector<double> samplingDistribution(const std::vector<float>& logits, const SamplingParams& p) {
    if (logits.empty()) throw Error("sampling: no logits");
    const float top = *std::max_element(logits.begin(), logits.end());
    if (!std::isfinite(top)) throw Error("sampling: the logits are not finite (every candidate masked, or NaN/inf)");
    for (float v : logits)
        if (std::isnan(v) || v == std::numeric_limits<float>::infinity()) throw Error("sampling: the logits are not finite");
    std::vector<double> prob(logits.size(), 0.0);
    if (p.temperature <= 0.0f) {
        prob[argmax(logits)] = 1.0;
        return prob;
    }
    for (size_t i = 0; i < logits.size(); ++i) prob[i] = std::exp((double(logits[i]) - top) / p.temperature);
    const bool filtered = (p.topK > 0 && size_t(p.topK) < logits.size()) || p.topP < 1.0f;
    if (!filtered) { // no candidate is removed: skip the O(V log V) sort
        const double sum = std::accumulate(prob.begin(), prob.end(), 0.0);
        for (double& v : prob) v /= sum;
        return prob;
    }
    // Candidates by decreasing probability (stable: ties keep the lower index first).
    std::vector<size_t> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prob[a] > prob[b]; });
    size_t keep = order.size();
    if (p.topK > 0) keep = std::min(keep, size_t(p.topK));
    if (p.topP < 1.0f) {
        double total = 0, running = 0;
        for (size_t r = 0; r < keep; ++r) total += prob[order[r]];
        size_t n = 0;
        while (n < keep) {
            running += prob[order[n++]];
            if (running >= double(p.topP) * total) break;
        }
        keep = std::max<size_t>(n, 1);
    }
    for (size_t r = keep; r < order.size(); ++r) prob[order[r]] = 0.0;
    const double sum = std::accumulate(prob.begin(), prob.end(), 0.0);
    for (double& v : prob) v /= sum;
    return prob;
}

double samplingUniform(uint64_t seed, uint64_t sample, uint64_t position, uint64_t group) {
    auto mix = [](uint64_t x) {
        x += 0x9e3779b97f4a7c15ull;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
        return x ^ (x >> 31);
    };
    const uint64_t h = mix(mix(mix(mix(seed) ^ sample) ^ position) ^ group);
    return double(h >> 11) * 0x1.0p-53; // 53 random bits
}

int sampleGroup(const std::vector<float>& logits, const SamplingParams& p, uint64_t sample, uint64_t position, uint64_t group) {
    const std::vector<double> prob = samplingDistribution(logits, p);
    const double u = samplingUniform(p.seed, sample, position, group);
    double running = 0;
    int last = 0;
    for (size_t i = 0; i < prob.size(); ++i) {
        if (prob[i] <= 0) continue;
        last = int(i);
        running += prob[i];
        if (u < running) return int(i);
    }
    return last; // rounding left u at the very top
}

} // namespace qlip
