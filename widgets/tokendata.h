#pragma once
// The token grid as the widgets see it: plain values copied from the engine's qlip::TokenGrid
// (widgets never link the engine). Channel e = 0 is the most significant bit of an index.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qlipx {

struct TokenData {
    int rows = 0;
    int cols = 0;
    int bits = 0;
    int groupSize = 1;
    std::vector<int64_t> indices; // [rows * cols], raster order
    std::vector<float> latents;   // [rows * cols * bits] pre-quantisation values, or empty

    int count() const { return rows * cols; }
    bool empty() const { return count() == 0 || bits == 0; }
    bool hasLatents() const { return !latents.empty(); }
    int64_t index(int row, int col) const { return indices[std::size_t(row) * std::size_t(cols) + std::size_t(col)]; }
    // Bit e of token n (n = row * cols + col).
    bool bit(int n, int e) const { return (indices[std::size_t(n)] >> (bits - 1 - e)) & 1; }
    // |z| of bit e of token n: how far that bit is from flipping (0 when there are no latents).
    float margin(int n, int e) const {
        if (latents.empty()) return 0.f;
        const float z = latents[std::size_t(n) * std::size_t(bits) + std::size_t(e)];
        return z < 0 ? -z : z;
    }
    // The value of bit group g of token n (groupSize bits, MSB first).
    int64_t group(int n, int g) const {
        const int shift = bits - (g + 1) * groupSize;
        return (indices[std::size_t(n)] >> shift) & ((int64_t(1) << groupSize) - 1);
    }
};

} // namespace qlipx
