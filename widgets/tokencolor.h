#pragma once
// The colour the grid overlay gives a token: a hash of its index mapped to a saturated hue, so
// equal tokens share a colour wherever they occur. Mirrors tokenColor() in shaders/canvas.frag;
// the status bar uses it for the hovered token's swatch.
#include <QColor>

#include <cstdint>

namespace qlipx {

// The 32-bit key the shader sees for an index (indices wider than 32 bits are folded).
uint32_t tokenKey(int64_t index);
// An integer hash with good avalanche (xor-shift / multiply rounds).
uint32_t tokenHash(uint32_t key);
QColor tokenColor(int64_t index);

} // namespace qlipx
