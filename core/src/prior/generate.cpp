// Prior::generate: raster-order sampling with a KV cache (or full recomputation), grouped heads,
// classifier-free guidance and masked regeneration.
#include "engine_impl.h"
#include "prior/prior_impl.h"

#include <chrono>
#include <cmath>

namespace qlip {
namespace {

void checkRequest(const GenerateRequest& r, const PriorConfig& c) {
    const auto& p = r.sampling;
    if (r.samples < 1 || r.samples > 256) throw Error("generate: the number of samples must be 1..256 (got " + std::to_string(r.samples) + ")");
    if (!std::isfinite(p.temperature) || p.temperature < 0) throw Error("generate: the temperature must be >= 0 (0 = greedy)");
    if (!std::isfinite(p.topP) || p.topP < 0) throw Error("generate: top-p must be in [0, 1]");
    if (p.topK < 0) throw Error("generate: top-k must be >= 0 (0 = no limit)");
    if (!std::isfinite(p.cfgScale)) throw Error("generate: the guidance scale must be a finite number");
    if (r.keep.indices.empty()) {
        if (!r.regenerate.empty()) throw Error("generate: a regeneration mask needs the tokens to keep");
        return;
    }
    r.keep.validate("tokens to keep");
    if (r.keep.rows != c.gridRows || r.keep.cols != c.gridCols || r.keep.bits != c.bits)
        throw Error("generate: the tokens to keep are a " + std::to_string(r.keep.rows) + "x" + std::to_string(r.keep.cols) + " grid of " +
                    std::to_string(r.keep.bits) + "-bit tokens; the prior makes " + std::to_string(c.gridRows) + "x" +
                    std::to_string(c.gridCols) + " grids of " + std::to_string(c.bits) + "-bit tokens");
    if (r.regenerate.size() != size_t(c.tokens()))
        throw Error("generate: the regeneration mask has " + std::to_string(r.regenerate.size()) + " entries; the grid has " +
                    std::to_string(c.tokens()) + " tokens");
}

// log softmax(logits)[i] in double.
double logProbability(const std::vector<float>& logits, int i) {
    double top = -INFINITY;
    for (float v : logits) top = std::max(top, double(v));
    double sum = 0;
    for (float v : logits) sum += std::exp(double(v) - top);
    return double(logits[size_t(i)]) - top - std::log(sum);
}

} // namespace

GenerateResult Prior::generate(Engine& qlip, const GenerateRequest& r, const TokenCallback& onToken) {
    auto& d = *impl_;
    const auto& c = d.config;
    checkCompatible(qlip);
    checkRequest(r, c);
    const auto start = std::chrono::steady_clock::now();
    torch::NoGradGuard noGrad;
    GenerateResult out;
    const int S = r.samples, N = c.tokens(), L = c.condLength, k = c.groups, gb = c.groupBits();
    const int64_t V = c.groupVocab();
    const bool masked = !r.keep.indices.empty();
    // Without guidance (scale 1, or nothing to contrast) the unconditional branch is not computed.
    const bool guided = r.sampling.cfgScale != 1.0f && !(r.prompt.empty() && r.negativePrompt.empty());
    const int64_t B = guided ? 2 * S : S;
    auto& m = *d.model;
    auto opts = torch::TensorOptions().device(d.device).dtype(d.dtype);

    return guarded("generating", [&] {
        auto cond = d.conditions(qlip, {r.prompt, r.negativePrompt}, &out.notices); // [2, L, Dt]
        auto pre = m.prefix(cond);                                                   // [2, L, D]
        auto prefixes = pre[0].unsqueeze(0).expand({S, L, pre.size(2)});
        if (guided) prefixes = torch::cat({prefixes, pre[1].unsqueeze(0).expand({S, L, pre.size(2)})});
        prefixes = prefixes.contiguous(); // [B, L, D]: cond rows, then uncond rows

        prior::KvCache cache;
        torch::Tensor sequence, h;
        if (r.kvCache) {
            cache = m.makeCache(B, opts);
            h = m.backbone(prefixes, 0, &cache).select(1, L - 1); // [B, D]
        } else {
            sequence = prefixes;
            h = m.backbone(sequence, 0, nullptr).select(1, L - 1);
        }

        out.grids.assign(size_t(S), TokenGrid{c.gridRows, c.gridCols, c.bits, qlip.info().groupSize, std::vector<int64_t>(size_t(N)), {}});
        out.confidence.assign(size_t(S), std::vector<float>(size_t(N), 1.0f));
        for (int pos = 0; pos < N; ++pos) {
            std::vector<int64_t> chosenIndex(static_cast<size_t>(S));
            std::vector<float> confidence(size_t(S), 1.0f);
            const bool keptHere = masked && !r.regenerate[size_t(pos)];
            if (keptHere) {
                std::fill(chosenIndex.begin(), chosenIndex.end(), r.keep.indices[size_t(pos)]);
            } else {
                auto chosen = torch::zeros({B, k}, torch::kLong); // groups fixed so far, CPU
                auto chosenA = chosen.accessor<int64_t, 2>();
                std::vector<double> logConfidence(size_t(S), 0.0);
                for (int g = 0; g < k; ++g) {
                    auto logits = m.head(h, g, chosen.slice(1, 0, g).to(d.device)).to(torch::kCPU).contiguous(); // [B, V]
                    const float* p = logits.data_ptr<float>();
                    for (int s = 0; s < S; ++s) {
                        std::vector<float> condLogits(p + s * V, p + (s + 1) * V), mixed = condLogits;
                        if (guided) mixed = guidedLogits(condLogits, std::vector<float>(p + (S + s) * V, p + (S + s + 1) * V), r.sampling, pos);
                        const int choice = sampleGroup(mixed, r.sampling, uint64_t(s), uint64_t(pos), uint64_t(g));
                        logConfidence[size_t(s)] += logProbability(mixed, choice);
                        chosenA[s][g] = choice;
                        if (guided) chosenA[S + s][g] = choice;
                    }
                }
                for (int s = 0; s < S; ++s) {
                    int64_t index = 0;
                    for (int g = 0; g < k; ++g) index = (index << gb) | chosenA[s][g];
                    chosenIndex[size_t(s)] = index;
                    confidence[size_t(s)] = float(std::exp(logConfidence[size_t(s)] / k));
                }
                out.sampledTokens += S;
            }
            for (int s = 0; s < S; ++s) {
                out.grids[size_t(s)].indices[size_t(pos)] = chosenIndex[size_t(s)];
                out.confidence[size_t(s)][size_t(pos)] = confidence[size_t(s)];
                if (onToken && !onToken(GeneratedToken{s, pos, chosenIndex[size_t(s)], confidence[size_t(s)], keptHere})) throw Cancelled();
            }
            if (pos + 1 == N) break;
            // Feed the chosen tokens (the same token to a sample's cond and uncond rows).
            auto ids = torch::tensor(chosenIndex, torch::kLong);
            if (guided) ids = torch::cat({ids, ids});
            auto x = m.tokenInputs(prior::indicesToCodes(ids.to(d.device), c.bits, d.dtype)).unsqueeze(1); // [B, 1, D]
            if (r.kvCache) {
                h = m.backbone(x, L + pos, &cache).select(1, 0);
            } else {
                sequence = torch::cat({sequence, x}, 1);
                h = m.backbone(sequence, 0, nullptr).select(1, -1);
            }
        }
        out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return out;
    });
}

} // namespace qlip
