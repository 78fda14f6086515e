#pragma once
// How a generation looks in the explorer: the per-token confidence as heat colours for the
// canvas's token layer, the preview with the positions not sampled yet shown as empty, the
// legend of the colours, and file names for generated images.
#include "generation.h"

#include <QImage>
#include <QPixmap>
#include <QRgb>

#include <vector>

namespace qlipx {

// A sampled token's tint: the heat colour at this alpha (times the token layer's opacity), light
// enough that the sample itself stays readable under its confidences.
constexpr int kConfidenceAlpha = 150;
// One colour per token: heatColor(confidence) at kConfidenceAlpha where a token was sampled, fully
// transparent (alpha 0: the canvas leaves the image untinted) where it is not sampled yet or was kept.
std::vector<QRgb> confidenceColors(const std::vector<float>& confidence, int positionsDone, const std::vector<uint8_t>& regenerate);
// Positions that will be sampled but are not yet: true from `positionsDone` on, inside the mask.
std::vector<uint8_t> pendingPositions(int positions, int positionsDone, const std::vector<uint8_t>& regenerate);
// The preview with each pending token's cell darkened under a checkerboard (the usual picture of
// "nothing here yet"); the fill the decoder was given stays faintly visible.
QImage withPendingCellsEmpty(const QImage& preview, int rows, int cols, const std::vector<uint8_t>& pending);
// The mean confidence of the sampled tokens among the first `positionsDone` (NaN when none).
double meanConfidence(const std::vector<float>& confidence, int positionsDone, const std::vector<uint8_t>& regenerate);
// The heat colour scale from confidence 0 (left) to 1 (right), with the canvas's own colours.
QPixmap confidenceLegend(int width, int height);
// A strip of the checkerboard that marks tokens not sampled yet (wider than tall: not a check box).
QPixmap emptyCellSwatch(int width, int height);
// "<prompt-slug>-s<seed>-<sample>.png".
QString generatedFileName(const qlip::GenerateRequest& request, int sample);

} // namespace qlipx
