#include "qlip/tokenedit.h"

#include "qlip/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>

namespace qlip {

namespace {

int64_t fullMask(int bits) { return bits >= 63 ? INT64_MAX : (int64_t(1) << bits) - 1; }
// The index bit of channel e (channel 0 = most significant).
int64_t channelBit(int bits, int e) { return int64_t(1) << (bits - 1 - e); }

// One change per cell whose index differs; `next` maps a cell's index to its new one.
template <typename Next>
TokenEdit changesFor(const TokenGrid& g, const CellSet& cells, Next&& next) {
    TokenEdit edit;
    for (int n : cells) {
        if (n < 0 || n >= g.count()) continue;
        const int64_t before = g.indices[size_t(n)], after = next(n, before);
        if (after != before) edit.push_back({n, before, after});
    }
    return edit;
}

uint64_t maskToIndexBits(int bits, uint64_t channelMask) {
    uint64_t m = 0;
    for (int e = 0; e < bits && e < 64; ++e)
        if (channelMask >> e & 1) m |= uint64_t(channelBit(bits, e));
    return m;
}

} // namespace

CellSet rectCells(const TokenGrid& g, int row0, int col0, int row1, int col1) {
    if (row0 > row1) std::swap(row0, row1);
    if (col0 > col1) std::swap(col0, col1);
    row0 = std::max(row0, 0), col0 = std::max(col0, 0);
    row1 = std::min(row1, g.rows), col1 = std::min(col1, g.cols);
    CellSet cells;
    for (int r = row0; r < row1; ++r)
        for (int c = col0; c < col1; ++c) cells.push_back(r * g.cols + c);
    return cells;
}

CellSet polygonCells(const TokenGrid& g, const std::vector<std::pair<double, double>>& poly) {
    CellSet cells;
    if (poly.size() < 3) return cells;
    for (int r = 0; r < g.rows; ++r)
        for (int c = 0; c < g.cols; ++c) {
            const double x = c + 0.5, y = r + 0.5;
            bool inside = false;
            for (size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
                const auto [xi, yi] = poly[i];
                const auto [xj, yj] = poly[j];
                if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
            }
            if (inside) cells.push_back(r * g.cols + c);
        }
    return cells;
}

CellSet brushCells(const TokenGrid& g, int row, int col, int radius) {
    CellSet cells;
    radius = std::max(radius, 0);
    for (int r = row - radius; r <= row + radius; ++r)
        for (int c = col - radius; c <= col + radius; ++c) {
            if (r < 0 || c < 0 || r >= g.rows || c >= g.cols) continue;
            if ((r - row) * (r - row) + (c - col) * (c - col) <= radius * radius) cells.push_back(r * g.cols + c);
        }
    return cells;
}

TokenEdit flipBit(const TokenGrid& g, int n, int bit) {
    if (bit < 0 || bit >= g.bits) return {};
    return changesFor(g, {n}, [&](int, int64_t v) { return v ^ channelBit(g.bits, bit); });
}

TokenEdit applyBits(const TokenGrid& g, const CellSet& cells, uint64_t bitMask, BitOp op, uint64_t seed) {
    const int64_t m = int64_t(maskToIndexBits(g.bits, bitMask));
    std::mt19937_64 rng(seed);
    return changesFor(g, cells, [&](int, int64_t v) -> int64_t {
        switch (op) {
        case BitOp::Set: return v | m;
        case BitOp::Clear: return v & ~m;
        case BitOp::Toggle: return v ^ m;
        case BitOp::Randomize: return (v & ~m) | (int64_t(rng()) & m);
        }
        return v;
    });
}

TokenEdit rotateBits(const TokenGrid& g, const CellSet& cells, int steps) {
    const int b = g.bits;
    if (b <= 0) return {};
    const int s = ((steps % b) + b) % b;
    return changesFor(g, cells, [&](int, int64_t v) {
        if (s == 0) return v;
        return ((v << s) | (v >> (b - s))) & fullMask(b);
    });
}

TokenEdit fillTokens(const TokenGrid& g, const CellSet& cells, int64_t index) {
    if (index < 0 || index > fullMask(g.bits))
        throw Error("token " + std::to_string(index) + " does not fit in " + std::to_string(g.bits) + " bits");
    return changesFor(g, cells, [&](int, int64_t) { return index; });
}

TokenEdit revertTokens(const TokenGrid& g, const TokenGrid& original, const CellSet& cells) {
    if (!g.sameShape(original)) throw Error("the original tokens have another shape than the edited ones");
    return changesFor(g, cells, [&](int n, int64_t) { return original.indices[size_t(n)]; });
}

TokenGrid copyTokens(const TokenGrid& g, int row0, int col0, int row1, int col1) {
    if (row0 > row1) std::swap(row0, row1);
    if (col0 > col1) std::swap(col0, col1);
    row0 = std::max(row0, 0), col0 = std::max(col0, 0);
    row1 = std::min(row1, g.rows), col1 = std::min(col1, g.cols);
    TokenGrid clip;
    clip.bits = g.bits;
    clip.groupSize = g.groupSize;
    clip.rows = std::max(row1 - row0, 0);
    clip.cols = std::max(col1 - col0, 0);
    for (int r = row0; r < row1; ++r)
        for (int c = col0; c < col1; ++c) clip.indices.push_back(g.at(r, c));
    return clip;
}

TokenEdit pasteTokens(const TokenGrid& g, const TokenGrid& clip, int row, int col) {
    if (clip.bits != g.bits)
        throw Error("the copied tokens have " + std::to_string(clip.bits) + " bits, this model's have " + std::to_string(g.bits));
    TokenEdit edit;
    for (int r = std::max(row, 0); r < std::min(row + clip.rows, g.rows); ++r)
        for (int c = std::max(col, 0); c < std::min(col + clip.cols, g.cols); ++c) {
            const int n = r * g.cols + c;
            const int64_t after = clip.at(r - row, c - col), before = g.indices[size_t(n)];
            if (after != before) edit.push_back({n, before, after});
        }
    return edit;
}

namespace {

void setIndex(TokenGrid& g, int n, int64_t from, int64_t to, const char* what) {
    if (n < 0 || n >= g.count()) throw Error(std::string(what) + ": token " + std::to_string(n) + " is outside the grid");
    if (g.indices[size_t(n)] != from)
        throw Error(std::string(what) + ": token " + std::to_string(n) + " is " + std::to_string(g.indices[size_t(n)]) +
                    ", the edit expects " + std::to_string(from));
    g.indices[size_t(n)] = to;
    if (g.latents.size() == size_t(g.count()) * size_t(g.bits))
        for (int e = 0; e < g.bits; ++e) {
            float& z = g.latents[size_t(n) * size_t(g.bits) + size_t(e)];
            const bool one = (to >> (g.bits - 1 - e)) & 1;
            z = one ? std::fabs(z) : -std::fabs(z);
        }
}

} // namespace

void applyEdit(TokenGrid& g, const TokenEdit& edit) {
    for (const auto& c : edit) setIndex(g, c.n, c.before, c.after, "applying an edit");
}

void undoEdit(TokenGrid& g, const TokenEdit& edit) {
    for (auto it = edit.rbegin(); it != edit.rend(); ++it) setIndex(g, it->n, it->after, it->before, "undoing an edit");
}

TokenEdit mergeEdits(const TokenEdit& first, const TokenEdit& second) {
    std::map<int, TokenChange> byToken;
    for (const auto& c : first) byToken[c.n] = c;
    for (const auto& c : second) {
        auto [it, fresh] = byToken.try_emplace(c.n, c);
        if (!fresh) it->second.after = c.after;
    }
    TokenEdit out;
    for (const auto& [n, c] : byToken)
        if (c.before != c.after) out.push_back(c);
    return out;
}

std::string tokenDigest(const TokenGrid& g) {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&](uint64_t v) {
        for (int i = 0; i < 8; ++i) {
            h ^= (v >> (8 * i)) & 0xff;
            h *= 1099511628211ull;
        }
    };
    mix(uint64_t(g.rows)), mix(uint64_t(g.cols)), mix(uint64_t(g.bits));
    for (int64_t v : g.indices) mix(uint64_t(v));
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

} // namespace qlip
