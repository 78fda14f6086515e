#pragma once
// Colours for tokens and errors, computed on the CPU and uploaded to the canvas as one texel per
// token, so the canvas, the status bar swatch and the inspector always agree.
//  - IndexHash: a hash of the index mapped to a saturated hue; equal tokens share a colour.
//  - LatentPca: the first three principal components of the tokens' pre-quantisation latents (or
//    of their ±1 codes when there are no latents) as RGB: tokens with similar latents look alike.
//  - BitGroup: the value of a chosen run of bits as a hue: shows which tokens agree on those bits.
#include "tokendata.h"

#include <QColor>
#include <QRgb>

#include <array>
#include <cstdint>
#include <vector>

namespace qlipx {

// The 32-bit key of an index (indices wider than 32 bits are folded).
uint32_t tokenKey(int64_t index);
// An integer hash with good avalanche (xor-shift / multiply rounds).
uint32_t tokenHash(uint32_t key);
QColor tokenColor(int64_t index);

// Custom: colours given by the application (e.g. a bit-flip sensitivity map), see CanvasView.
enum class TokenColoring { IndexHash, LatentPca, BitGroup, Custom };

struct TokenColoringOptions {
    TokenColoring mode = TokenColoring::IndexHash;
    int bitStart = 0; // BitGroup: first bit (0 = MSB) ...
    int bitCount = 7; // ... and how many bits (1..12)
};

// One opaque colour per token, raster order. Falls back to IndexHash when the mode cannot apply
// (no bits known, or a bit range outside the token).
std::vector<QRgb> tokenColors(const TokenData& tokens, const TokenColoringOptions& options);

// The colour of value `value` of a `bitCount`-bit group (the hue walks 0..0.85 of the circle, so
// the smallest and largest values do not look alike).
QColor bitGroupColor(int64_t value, int bitCount);

// Principal components of the latents (or codes): `components` unit vectors of length `bits`,
// strongest first, each with its largest entry positive so the result does not flip between runs.
struct Pca {
    std::vector<std::vector<double>> axes;
    std::vector<double> variances;
};
Pca latentPca(const TokenData& tokens, int components = 3);

// The error colour map of the canvas heat layer, t in [0, 1]: black, violet, red, orange, pale
// yellow. Mirrors heatColor() in shaders/canvas.frag.
QColor heatColor(double t);

} // namespace qlipx
