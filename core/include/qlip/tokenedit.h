#pragma once
// Editing token grids: the operations behind the explorer's edit tools, as pure functions that
// return the changes they would make (so that undo, merging of brush strokes and sessions all
// work on the same small records). Channel e = 0 is the most significant bit of an index.
#include "qlip/tokens.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qlip {

// Token n (raster order) goes from `before` to `after`.
struct TokenChange {
    int n = 0;
    int64_t before = 0;
    int64_t after = 0;
    bool operator==(const TokenChange&) const = default;
};
using TokenEdit = std::vector<TokenChange>; // only tokens whose index changes, n ascending

// Cells of a grid, as raster indices (ascending, unique).
using CellSet = std::vector<int>;
// Rows [row0, row1) x columns [col0, col1), clipped to the grid (the corners may come in any order).
CellSet rectCells(const TokenGrid& grid, int row0, int col0, int row1, int col1);
// Cells whose centre lies inside the polygon, given in grid units (x = column, y = row; the
// centre of cell (r, c) is (c + 0.5, r + 0.5)). Even-odd rule; fewer than 3 points selects nothing.
CellSet polygonCells(const TokenGrid& grid, const std::vector<std::pair<double, double>>& polygon);
// The cells a brush of `radius` tokens covers around (row, col): a disc (radius 0: one cell).
CellSet brushCells(const TokenGrid& grid, int row, int col, int radius);

enum class BitOp { Set, Clear, Toggle, Randomize };

// Bit `bit` of token n flipped.
TokenEdit flipBit(const TokenGrid& grid, int n, int bit);
// The bits of `bitMask` (bit e of the mask = channel e, so mask 1 is channel 0, the MSB) set,
// cleared, toggled or drawn at random (deterministic for a seed) in every cell.
TokenEdit applyBits(const TokenGrid& grid, const CellSet& cells, uint64_t bitMask, BitOp op, uint64_t seed = 0);
// Each token's bits rotated by `steps` channels (positive: towards channel 0, i.e. a left
// rotation of the index within its `bits`).
TokenEdit rotateBits(const TokenGrid& grid, const CellSet& cells, int steps);
// Every cell set to `index`.
TokenEdit fillTokens(const TokenGrid& grid, const CellSet& cells, int64_t index);
// The cells given back their tokens from `original` (same shape).
TokenEdit revertTokens(const TokenGrid& grid, const TokenGrid& original, const CellSet& cells);
// Rows [row0, row1) x cols [col0, col1) of a grid as a grid of its own (the token clipboard).
TokenGrid copyTokens(const TokenGrid& grid, int row0, int col0, int row1, int col1);
// `clip` written with its top-left token at (row, col); what falls outside is dropped. The
// clipboard may come from another image (transplant); its bit count must match.
TokenEdit pasteTokens(const TokenGrid& grid, const TokenGrid& clip, int row, int col);

// Applies the changes (after) or takes them back (before). Latents, when present, keep their
// magnitude and take the sign of the new bit, so margins stay meaningful for the edited bits.
// Throws qlip::Error when a change does not fit the grid or does not start from the grid's token.
void applyEdit(TokenGrid& grid, const TokenEdit& edit);
void undoEdit(TokenGrid& grid, const TokenEdit& edit);
// Two edits as one (a brush stroke): the first `before` and the last `after` of every token;
// tokens that end where they started are dropped.
TokenEdit mergeEdits(const TokenEdit& first, const TokenEdit& second);

// A short fingerprint of a grid's shape and indices (16 hex digits, FNV-1a 64), for PNG metadata
// and session checks.
std::string tokenDigest(const TokenGrid& grid);

} // namespace qlip
