#include "tokenstats.h"

#include <QStringList>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace qlipx {

bool isConsistent(const TokenData& data) {
    if (data.empty() || data.rows < 0 || data.cols < 0 || data.bits < 1 || data.bits > 63) return false;
    const size_t n = size_t(data.count());
    return data.indices.size() == n && (data.latents.empty() || data.latents.size() == n * size_t(data.bits));
}

std::vector<double> bitBalance(const TokenData& data) {
    if (data.empty()) return {};
    std::vector<int64_t> ones(size_t(data.bits), 0);
    for (int n = 0; n < data.count(); ++n)
        for (int e = 0; e < data.bits; ++e) ones[size_t(e)] += data.bit(n, e) ? 1 : 0;
    std::vector<double> balance(ones.size());
    for (size_t e = 0; e < ones.size(); ++e) balance[e] = double(ones[e]) / double(data.count());
    return balance;
}

double binaryEntropy(double p) {
    if (p <= 0.0 || p >= 1.0) return 0.0;
    return -(p * std::log2(p) + (1.0 - p) * std::log2(1.0 - p));
}

std::vector<double> bitEntropy(const TokenData& data) {
    std::vector<double> h = bitBalance(data);
    for (double& v : h) v = binaryEntropy(v);
    return h;
}

Histogram marginHistogram(const TokenData& data, int bins) {
    Histogram hist;
    if (data.empty() || !data.hasLatents() || bins < 1) return hist;
    float maxMargin = 0.f;
    for (float z : data.latents) maxMargin = std::max(maxMargin, std::abs(z));
    hist.hi = maxMargin > 0.f ? double(maxMargin) : 1.0;
    hist.counts.assign(size_t(bins), 0);
    const double scale = double(bins) / (hist.hi - hist.lo);
    for (float z : data.latents) {
        // The maximum itself lands in the last bin rather than one past it.
        const int b = std::min(bins - 1, int(double(std::abs(z)) * scale));
        ++hist.counts[size_t(b)];
    }
    return hist;
}

std::vector<TokenUsage> tokenUsage(const TokenData& data) {
    std::unordered_map<int64_t, int> counts;
    for (int64_t index : data.indices) ++counts[index];
    std::vector<TokenUsage> usage;
    usage.reserve(counts.size());
    for (const auto& [index, count] : counts) usage.push_back({index, count});
    std::sort(usage.begin(), usage.end(), [](const TokenUsage& a, const TokenUsage& b) {
        return a.count != b.count ? a.count > b.count : a.index < b.index;
    });
    return usage;
}

int distinctTokens(const TokenData& data) {
    std::vector<int64_t> sorted = data.indices;
    std::sort(sorted.begin(), sorted.end());
    return int(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
}

int weakestBit(const TokenData& data, int n) {
    if (!data.hasLatents() || n < 0 || n >= data.count()) return -1;
    int best = 0;
    for (int e = 1; e < data.bits; ++e)
        if (data.margin(n, e) < data.margin(n, best)) best = e;
    return best;
}

int hexDigits(int bits) { return std::max(1, (bits + 3) / 4); }

QString hexText(int64_t index, int bits) {
    return QStringLiteral("0x") + QString::number(quint64(index), 16).rightJustified(hexDigits(bits), QLatin1Char('0'));
}

bool hasGroups(int bits, int groupSize) { return groupSize > 1 && bits > 0 && bits % groupSize == 0; }

std::vector<int> binaryChunks(int bits, int groupSize) {
    if (bits <= 0) return {};
    if (hasGroups(bits, groupSize)) return std::vector<int>(size_t(bits / groupSize), groupSize);
    std::vector<int> chunks;
    if (bits % 4) chunks.push_back(bits % 4);
    for (int i = 0; i < bits / 4; ++i) chunks.push_back(4);
    return chunks;
}

QString binaryText(int64_t index, int bits, int groupSize) {
    QString text;
    int e = 0;
    for (int width : binaryChunks(bits, groupSize)) {
        if (!text.isEmpty()) text += QLatin1Char(' ');
        for (int i = 0; i < width; ++i, ++e)
            text += ((index >> (bits - 1 - e)) & 1) ? QLatin1Char('1') : QLatin1Char('0');
    }
    return text;
}

QString binaryRuler(int bits, int groupSize) {
    const std::vector<int> chunks = binaryChunks(bits, groupSize);
    if (chunks.empty()) return {};
    // Label every k-th chunk so the widest label plus a blank fits: narrow chunks (groups of 2)
    // get a regular b0, b4, b8... rather than labels crowding or dropping out at random.
    const int widest = int(QStringLiteral("b%1").arg(bits - 1).size()) + 1;
    const int chunkColumns = chunks.back() + 1; // all chunks but perhaps the first are this wide
    const int every = (widest + chunkColumns - 1) / chunkColumns;
    QString ruler;
    int e = 0;
    int column = 0; // where the current chunk's first digit sits in binaryText()
    for (size_t c = 0; c < chunks.size(); ++c) {
        const bool wanted = c % size_t(every) == 0;
        // One blank column between labels keeps "b8b12" from reading as one token.
        const bool fits = ruler.isEmpty() || column > ruler.size();
        if (wanted && fits) ruler = ruler.leftJustified(column, QLatin1Char(' ')) + QStringLiteral("b%1").arg(e);
        e += chunks[c];
        column += chunks[c] + 1;
    }
    return ruler;
}

QString groupText(const TokenData& data, int n) {
    if (!hasGroups(data.bits, data.groupSize) || n < 0 || n >= data.count()) return {};
    QStringList parts;
    for (int g = 0; g < data.bits / data.groupSize; ++g)
        parts << QStringLiteral("g%1=%2").arg(g).arg(data.group(n, g));
    return parts.join(QLatin1Char(' '));
}

} // namespace qlipx
