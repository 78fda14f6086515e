#pragma once
// Token grids: the BSQ tokens of one image as exact int64 indices in raster order, plus (when
// they come from the encoder) the pre-quantisation latents, whose magnitude |z| per bit tells how
// close that bit is to flipping.
#include <cstdint>
#include <string>
#include <vector>

namespace qlip {

struct TokenGrid {
    int rows = 0;
    int cols = 0;
    int bits = 0;          // E, bits per token (28 for QLIP)
    int groupSize = 1;     // BSQ group size
    std::vector<int64_t> indices; // [rows * cols], token n = row * cols + col
    std::vector<float> latents;   // [rows * cols * bits] or empty

    int count() const { return rows * cols; }
    int64_t& at(int row, int col) { return indices[size_t(row) * cols + col]; }
    int64_t at(int row, int col) const { return indices[size_t(row) * cols + col]; }

    // Bit e of token n; channel e = 0 is the most significant bit of the index.
    bool bit(int n, int e) const { return (indices[size_t(n)] >> (bits - 1 - e)) & 1; }
    void setBit(int n, int e, bool on);
    int code(int n, int e) const { return bit(n, e) ? 1 : -1; }

    // [count, bits / groupSize], MSB first inside each group.
    std::vector<int64_t> groupIndices() const;

    // Throws qlip::Error (naming `what`) on a bad shape or an index outside [0, 2^bits).
    void validate(const std::string& what) const;
    bool sameShape(const TokenGrid& other) const { return rows == other.rows && cols == other.cols && bits == other.bits; }
};

// Sidecar facts written next to a tokens .npy file.
struct TokenFileInfo {
    std::string model;                  // model name / id
    std::string source;                 // image the tokens came from, if any
    std::string preprocessingJson = "{}"; // the pre-processing that produced them (a JSON object)
};

// Writes `<path>` (.npy, int64 [rows, cols], C order) and `<path minus .npy>.json`, both atomically.
void saveTokens(const std::string& npyPath, const TokenGrid& grid, const TokenFileInfo& info);

// Reads a tokens .npy (int64 or int32 [rows, cols]) and its sidecar if present (bits and group
// size come from it; otherwise `bits`/`groupSize` are assumed). Checks the grid and the index range
// against the expected model: `expectRows/Cols/Bits` <= 0 means "do not check".
TokenGrid loadTokens(const std::string& npyPath, int expectRows, int expectCols, int expectBits, int groupSize = 1);

} // namespace qlip
