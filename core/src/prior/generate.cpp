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

// The tokens of one position for every sample: each group's logits for all rows at once, mixed
// (guidance), filtered and drawn per sample; the groups chosen so far condition the next group.
struct PositionDraw {
    std::vector<int64_t> index;   // [S] full token indices
    std::vector<float> confidence; // [S] geometric mean of the chosen groups' guided probabilities
};

PositionDraw drawPosition(prior::PriorTransformerImpl& m, const torch::Tensor& h, const PriorConfig& c, const SamplingParams& sampling,
                          int samples, bool guided, int pos, const torch::Device& device) {
    const int S = samples, k = c.groups, gb = c.groupBits();
    const int64_t V = c.groupVocab(), B = guided ? 2 * S : S;
    auto chosen = torch::zeros({B, k}, torch::kLong); // groups fixed so far, CPU; uncond rows mirror cond rows
    auto chosenA = chosen.accessor<int64_t, 2>();
    std::vector<double> logConfidence(size_t(S), 0.0);
    for (int g = 0; g < k; ++g) {
        auto logits = m.head(h, g, chosen.slice(1, 0, g).to(device)).to(torch::kCPU).contiguous(); // [B, V]
        const float* p = logits.data_ptr<float>();
        for (int s = 0; s < S; ++s) {
            std::vector<float> mixed(p + s * V, p + (s + 1) * V);
            if (guided) mixed = guidedLogits(mixed, std::vector<float>(p + (S + s) * V, p + (S + s + 1) * V), sampling, pos);
            const int choice = sampleGroup(mixed, sampling, uint64_t(s), uint64_t(pos), uint64_t(g));
            logConfidence[size_t(s)] += logProbability(mixed, choice);
            chosenA[s][g] = choice;
            if (guided) chosenA[S + s][g] = choice;
        }
    }
    PositionDraw out{std::vector<int64_t>(size_t(S), 0), std::vector<float>(size_t(S))};
    for (int s = 0; s < S; ++s) {
        for (int g = 0; g < k; ++g) out.index[size_t(s)] = (out.index[size_t(s)] << gb) | chosenA[s][g];
        out.confidence[size_t(s)] = float(std::exp(logConfidence[size_t(s)] / k));
    }
    return out;
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
    const int S = r.samples, N = c.tokens(), L = c.condLength;
    const bool masked = !r.keep.indices.empty();
    // Without guidance (scale 1, or nothing to contrast) the unconditional branch is not computed.
    const bool guided = r.sampling.cfgScale != 1.0f && !(r.prompt.empty() && r.negativePrompt.empty());
    const int64_t B = guided ? 2 * S : S;
    auto& m = *d.model;
    auto opts = torch::TensorOptions().device(d.device).dtype(d.dtype);

    return guarded("generating", [&] {
        std::vector<std::string> texts{r.prompt};
        if (guided) texts.push_back(r.negativePrompt);                               // "" = the null condition
        auto pre = m.prefix(d.conditions(qlip, texts, &out.notices));               // [1 or 2, L, D]
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
            const bool keptHere = masked && !r.regenerate[size_t(pos)];
            PositionDraw draw{std::vector<int64_t>(size_t(S), keptHere ? r.keep.indices[size_t(pos)] : 0), std::vector<float>(size_t(S), 1.0f)};
            if (!keptHere) {
                draw = drawPosition(m, h, c, r.sampling, S, guided, pos, d.device);
                out.sampledTokens += S;
            }
            for (int s = 0; s < S; ++s) {
                out.grids[size_t(s)].indices[size_t(pos)] = draw.index[size_t(s)];
                out.confidence[size_t(s)][size_t(pos)] = draw.confidence[size_t(s)];
                if (onToken && !onToken(GeneratedToken{s, pos, draw.index[size_t(s)], draw.confidence[size_t(s)], keptHere})) throw Cancelled();
            }
            if (pos + 1 == N) break;
            // Feed the chosen tokens (the same token to a sample's cond and uncond rows).
            auto ids = torch::tensor(draw.index, torch::kLong);
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
