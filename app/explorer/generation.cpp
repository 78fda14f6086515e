#include "generation.h"

#include <algorithm>
#include <unordered_map>

namespace qlipx {

namespace {
// A report that cost c ms (the preview decodes) is followed by at least kCostFactor·c ms of
// sampling: previews take at most a quarter of a run (measured: 8 previews of the emoji model
// cost 25-70 ms on one CPU thread, sampling 8 images about 1 s).
constexpr double kCostFactor = 3;
} // namespace

int64_t previewFillToken(const std::vector<int64_t>& indices, int done) {
    std::unordered_map<int64_t, int> counts;
    int64_t best = 0;
    int bestCount = 0;
    for (int n = 0; n < done && n < int(indices.size()); ++n) {
        const int64_t index = indices[size_t(n)];
        const int c = ++counts[index];
        if (c > bestCount || (c == bestCount && index < best)) best = index, bestCount = c;
    }
    return best;
}

GenerationStream::GenerationStream(const qlip::PriorConfig& prior, const qlip::GenerateRequest& request, int groupSize,
                                   double minIntervalMs)
    : m_samples(request.samples), m_positions(prior.tokens()), m_cols(prior.gridCols), m_keep(request.keep),
      m_regenerate(request.regenerate), m_minIntervalMs(minIntervalMs), m_intervalMs(minIntervalMs) {
    const qlip::TokenGrid empty{prior.gridRows, prior.gridCols, prior.bits, groupSize, std::vector<int64_t>(size_t(m_positions), 0), {}};
    m_grids.assign(size_t(m_samples), empty);
    m_confidence.assign(size_t(m_samples), std::vector<float>(size_t(m_positions), 0.f));
}

bool GenerationStream::add(const qlip::GeneratedToken& t, double nowMs) {
    if (t.sample < 0 || t.sample >= m_samples || t.position < 0 || t.position >= m_positions) return false;
    m_grids[size_t(t.sample)].indices[size_t(t.position)] = t.index;
    m_confidence[size_t(t.sample)][size_t(t.position)] = t.confidence;
    // The prior reports position by position, every sample in turn: the last sample completes it.
    if (t.sample != m_samples - 1) return false;
    m_done = t.position + 1;
    const bool rowEnds = m_done % std::max(m_cols, 1) == 0;
    return rowEnds || nowMs - m_lastReportMs >= m_intervalMs;
}

void GenerationStream::reported(double nowMs, double costMs) {
    m_lastReportMs = nowMs;
    m_intervalMs = std::max(m_minIntervalMs, kCostFactor * costMs);
}

GenerationProgress GenerationStream::snapshot(quint64 job) const {
    GenerationProgress p;
    p.job = job;
    p.positionsDone = m_done;
    p.positions = m_positions;
    p.grids = m_grids;
    p.confidence = m_confidence;
    p.regenerate = m_regenerate;
    for (auto& grid : p.grids) {
        // The positions to come must hold some token for the preview decode, and the decoder's
        // attention lets them colour the finished rows too. A full run uses the most frequent
        // token so far: a token of this very image (usually its background or main colour), so
        // the finished rows decode much as they will in the end; token 0 (all bits clear) is an
        // arbitrary pattern that bleeds its own texture into them. (The explorer draws these
        // cells as empty anyway.) A masked run keeps the tokens it started from: the image stays
        // recognisable around the region being redone.
        const bool masked = !m_keep.indices.empty();
        const int64_t fill = masked ? 0 : previewFillToken(grid.indices, m_done);
        for (int n = m_done; n < m_positions; ++n) grid.indices[size_t(n)] = masked ? m_keep.indices[size_t(n)] : fill;
    }
    return p;
}

} // namespace qlipx
