#pragma once
// Generation (issue #7) as the explorer sees it: what the engine thread reports about the prior,
// the coalesced progress of a run and its result, as plain values that cross threads in queued
// signals. GenerationStream is the engine-thread side of the streaming: it collects the tokens
// qlip::Prior::generate reports one by one and decides when a progress report is due.
#include "qlip/prior.h"
#include "qlip/tokens.h"

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace qlipx {

// The prior the engine thread holds (name empty: none).
struct PriorInfo {
    QString name;
    QString folder;   // empty for a prior made in memory
    qint64 parameters = 0;
    int rows = 0, cols = 0, groups = 0, width = 0, layers = 0;
    QString note;     // why there is none, or why the previous one was dropped

    bool available() const { return !name.isEmpty(); }
};

struct GenerationProgress {
    quint64 job = 0;
    int positionsDone = 0;                       // raster positions every sample has
    int positions = 0;                           // tokens per grid
    std::vector<qlip::TokenGrid> grids;          // per sample; positions not done hold the preview fill
    std::vector<std::vector<float>> confidence;  // [samples][tokens]; 0 where not sampled yet
    std::vector<QImage> previews;                // the grids decoded
    std::vector<uint8_t> regenerate;             // a masked run's mask (empty: every position is sampled)
};

struct GenerationResult {
    quint64 job = 0;
    qlip::GenerateRequest request;
    QString model;                               // the QLIP model's name
    QString prior;                               // the prior's name
    std::vector<qlip::TokenGrid> grids;
    std::vector<std::vector<float>> confidence;
    std::vector<QImage> images;                  // the grids decoded
    QStringList notices;                         // e.g. the prompt was cut
    double seconds = 0;                          // sampling, without the final decode
    qint64 sampledTokens = 0;
};

// Whether a position of a run is sampled (as opposed to kept from the request's tokens).
inline bool isSampledPosition(const std::vector<uint8_t>& regenerate, int position) {
    return regenerate.empty() || regenerate[size_t(position)] != 0;
}

// The token that stands in for the positions not sampled yet in a preview decode: the most
// frequent of the first `done` tokens (ties go to the smaller index), 0 when there are none.
int64_t previewFillToken(const std::vector<int64_t>& indices, int done);

class GenerationStream {
public:
    // `minIntervalMs`: the least time between two reports inside a row.
    GenerationStream(const qlip::PriorConfig& prior, const qlip::GenerateRequest& request, int groupSize,
                     double minIntervalMs = 40);

    // Records one reported token. True when a progress report is due: when the last sample of a
    // position has it and that position ends a row, or when the report interval has passed.
    bool add(const qlip::GeneratedToken& token, double nowMs);
    // A report went out at `nowMs` and preparing it took `costMs` (mostly the preview decode):
    // the next one (inside a row) waits at least three times that long, so previews take at
    // most about a quarter of the run.
    void reported(double nowMs, double costMs);
    int positionsDone() const { return m_done; }
    // The grids with the preview fill in the positions not done, and the confidences so far.
    GenerationProgress snapshot(quint64 job) const;

private:
    int m_samples, m_positions, m_cols;
    std::vector<qlip::TokenGrid> m_grids;
    std::vector<std::vector<float>> m_confidence;
    qlip::TokenGrid m_keep;
    std::vector<uint8_t> m_regenerate;
    int m_done = 0;
    double m_minIntervalMs, m_intervalMs, m_lastReportMs = 0;
};

} // namespace qlipx

Q_DECLARE_METATYPE(qlip::GenerateRequest)
Q_DECLARE_METATYPE(qlipx::PriorInfo)
Q_DECLARE_METATYPE(qlipx::GenerationProgress)
Q_DECLARE_METATYPE(qlipx::GenerationResult)
