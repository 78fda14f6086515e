#pragma once
// The numbers behind the statistics charts and the inspector's text: pure functions of a
// TokenData (no widgets), so tests can check them against hand-computed values.
//
// Bit e = 0 is always the most significant bit of an index, as in TokenData.
#include "tokendata.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace qlipx {

// Non-empty, with indices and latents (if any) of the sizes rows, cols and bits promise. The
// widgets show nothing for anything else rather than index past the end.
bool isConsistent(const TokenData& data);

// Fraction of tokens whose bit e is 1, one value per bit plane (empty for empty data).
// A well-used BSQ code keeps every plane near 0.5.
std::vector<double> bitBalance(const TokenData& data);

// Binary entropy H(p) in bits; 0 at p = 0 and p = 1 (the limit), 1 at p = 0.5.
double binaryEntropy(double p);
// H(balance) of each bit plane: 1 bit is a plane used evenly, 0 a plane that never changes.
std::vector<double> bitEntropy(const TokenData& data);

struct Histogram {
    double lo = 0;
    double hi = 0;
    std::vector<int> counts; // equal-width bins over [lo, hi]; the last bin includes hi
    double binWidth() const { return counts.empty() ? 0.0 : (hi - lo) / double(counts.size()); }
};
// Histogram of every margin |z| (all tokens, all bits) over [0, max |z|]. Empty counts when
// there are no latents or bins < 1. When every margin is 0 the range is [0, 1] so the bins
// still have a width.
Histogram marginHistogram(const TokenData& data, int bins);

struct TokenUsage {
    int64_t index = 0;
    int count = 0;
    bool operator==(const TokenUsage&) const = default;
};
// Every distinct index with how often it occurs, most frequent first, ties by ascending index
// (so the order is deterministic).
std::vector<TokenUsage> tokenUsage(const TokenData& data);
int distinctTokens(const TokenData& data);

// Bit e (0..bits-1) with the smallest margin of token n: the bit closest to flipping.
// -1 without latents. Ties go to the lower bit number.
int weakestBit(const TokenData& data, int n);

// ---- Text for the inspector (monospace) ----

// Hex digits needed for `bits` bits: ceil(bits / 4).
int hexDigits(int bits);
// "0x" + lowercase hex, zero-padded to hexDigits(bits): 0xABCDEF1 with 28 bits -> "0xabcdef1".
QString hexText(int64_t index, int bits);

// How the binary text is chunked. With BSQ groups (groupSize > 1 dividing bits) the chunks are
// the groups, counted from the MSB, so each chunk is one group value. Otherwise the chunks are
// hex nibbles counted from the LSB (the first chunk may be short), so each chunk is one hex digit
// of hexText().
std::vector<int> binaryChunks(int bits, int groupSize);
// The index as `bits` binary digits, b0 (MSB) first, chunks separated by one space:
// 0xABCDEF1 with 28 bits, groupSize 1 -> "1010 1011 1100 1101 1110 1111 0001".
QString binaryText(int64_t index, int bits, int groupSize);
// A ruler for binaryText(): "bK" written above the first digit of each chunk (b0 = MSB), and
// left out where it would touch the previous label (narrow chunks).
QString binaryRuler(int bits, int groupSize);

// Whether the data has BSQ groups worth showing: groupSize > 1 and dividing bits.
bool hasGroups(int bits, int groupSize);
// "g0=3 g1=12 ..." (decimal group values, g0 = most significant), or empty without groups.
QString groupText(const TokenData& data, int n);

} // namespace qlipx
