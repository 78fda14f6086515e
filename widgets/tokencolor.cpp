#include "tokencolor.h"

#include <algorithm>
#include <cmath>

namespace qlipx {

uint32_t tokenKey(int64_t index) {
    const auto u = uint64_t(index);
    return uint32_t(u) ^ uint32_t(u >> 32);
}

uint32_t tokenHash(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

QColor tokenColor(int64_t index) {
    const uint32_t h = tokenHash(tokenKey(index));
    // Hue from the low 16 bits, saturation and value from the next two bytes.
    const double hue = double(h & 0xffffu) / 65536.0;
    const double sat = 0.55 + 0.40 * double((h >> 16) & 0xffu) / 255.0;
    const double val = 0.75 + 0.25 * double((h >> 24) & 0xffu) / 255.0;
    return QColor::fromHsvF(float(hue), float(sat), float(val));
}

QColor bitGroupColor(int64_t value, int bitCount) {
    const double levels = double(int64_t(1) << std::clamp(bitCount, 1, 30));
    const double t = levels > 1 ? double(value) / (levels - 1) : 0.0;
    return QColor::fromHsvF(float(0.85 * t), 0.75f, 0.95f);
}

namespace {

// The value of token n's features: latents when present, else the ±1 codes.
double feature(const TokenData& t, int n, int e) {
    if (t.hasLatents()) return t.latents[size_t(n) * size_t(t.bits) + size_t(e)];
    return t.bit(n, e) ? 1.0 : -1.0;
}

std::vector<double> covariance(const TokenData& t) {
    const int N = t.count(), E = t.bits;
    std::vector<double> mean(size_t(E), 0.0), cov(size_t(E) * size_t(E), 0.0);
    for (int n = 0; n < N; ++n)
        for (int e = 0; e < E; ++e) mean[size_t(e)] += feature(t, n, e) / N;
    std::vector<double> x(static_cast<size_t>(E));
    for (int n = 0; n < N; ++n) {
        for (int e = 0; e < E; ++e) x[size_t(e)] = feature(t, n, e) - mean[size_t(e)];
        for (int i = 0; i < E; ++i)
            for (int j = 0; j < E; ++j) cov[size_t(i) * E + j] += x[size_t(i)] * x[size_t(j)] / N;
    }
    return cov;
}

} // namespace

Pca latentPca(const TokenData& t, int components) {
    Pca pca;
    if (t.empty() || t.bits <= 0) return pca;
    const int E = t.bits;
    std::vector<double> cov = covariance(t);
    // Power iteration with deflation: E is 28 at most in practice, so this is microseconds.
    for (int k = 0; k < std::min(components, E); ++k) {
        std::vector<double> v(static_cast<size_t>(E));
        for (int e = 0; e < E; ++e) v[size_t(e)] = 1.0 + 0.01 * e * (k + 1); // deterministic start
        double lambda = 0;
        for (int it = 0; it < 200; ++it) {
            std::vector<double> w(size_t(E), 0.0);
            for (int i = 0; i < E; ++i)
                for (int j = 0; j < E; ++j) w[size_t(i)] += cov[size_t(i) * E + j] * v[size_t(j)];
            double norm = 0;
            for (double a : w) norm += a * a;
            norm = std::sqrt(norm);
            if (norm < 1e-15) break;
            for (int e = 0; e < E; ++e) v[size_t(e)] = w[size_t(e)] / norm;
            lambda = norm;
        }
        const auto big = std::max_element(v.begin(), v.end(), [](double a, double b) { return std::abs(a) < std::abs(b); });
        if (*big < 0)
            for (double& a : v) a = -a;
        for (int i = 0; i < E; ++i)
            for (int j = 0; j < E; ++j) cov[size_t(i) * E + j] -= lambda * v[size_t(i)] * v[size_t(j)];
        pca.axes.push_back(v);
        pca.variances.push_back(lambda);
    }
    return pca;
}

std::vector<QRgb> tokenColors(const TokenData& t, const TokenColoringOptions& o) {
    const int N = t.count();
    std::vector<QRgb> out(size_t(std::max(N, 0)));
    const bool bitsKnown = t.bits > 0;
    const bool groupOk = bitsKnown && o.bitCount >= 1 && o.bitCount <= 12 && o.bitStart >= 0 && o.bitStart + o.bitCount <= t.bits;
    if (o.mode == TokenColoring::BitGroup && groupOk) {
        for (int n = 0; n < N; ++n) {
            const int shift = t.bits - o.bitStart - o.bitCount;
            const int64_t v = (t.indices[size_t(n)] >> shift) & ((int64_t(1) << o.bitCount) - 1);
            out[size_t(n)] = bitGroupColor(v, o.bitCount).rgb();
        }
        return out;
    }
    if (o.mode == TokenColoring::LatentPca && bitsKnown && N > 1) {
        const Pca pca = latentPca(t, 3);
        // Each component scaled by its own spread: 0.5 +- 2 standard deviations covers 0..1.
        std::vector<double> proj(size_t(N) * 3, 0.0);
        for (size_t k = 0; k < pca.axes.size(); ++k) {
            const double sd = std::sqrt(std::max(pca.variances[k], 1e-30));
            for (int n = 0; n < N; ++n) {
                double p = 0;
                for (int e = 0; e < t.bits; ++e) p += feature(t, n, e) * pca.axes[k][size_t(e)];
                proj[size_t(n) * 3 + k] = p;
            }
            double mean = 0;
            for (int n = 0; n < N; ++n) mean += proj[size_t(n) * 3 + k] / N;
            for (int n = 0; n < N; ++n) proj[size_t(n) * 3 + k] = std::clamp(0.5 + (proj[size_t(n) * 3 + k] - mean) / (4 * sd), 0.0, 1.0);
        }
        for (int n = 0; n < N; ++n)
            out[size_t(n)] = qRgb(int(std::lround(255 * proj[size_t(n) * 3])), int(std::lround(255 * proj[size_t(n) * 3 + 1])),
                                  int(std::lround(255 * proj[size_t(n) * 3 + 2])));
        return out;
    }
    for (int n = 0; n < N; ++n) out[size_t(n)] = tokenColor(t.indices[size_t(n)]).rgb();
    return out;
}

QColor heatColor(double t) {
    struct Stop {
        double at, r, g, b;
    };
    static const Stop stops[] = {{0.00, 0.00, 0.00, 0.02}, {0.25, 0.33, 0.06, 0.45}, {0.50, 0.78, 0.20, 0.33},
                                 {0.75, 0.98, 0.55, 0.10}, {1.00, 0.99, 0.99, 0.75}};
    t = std::clamp(t, 0.0, 1.0);
    for (size_t i = 1; i < std::size(stops); ++i) {
        if (t <= stops[i].at) {
            const Stop &a = stops[i - 1], &b = stops[i];
            const double f = (t - a.at) / (b.at - a.at);
            return QColor::fromRgbF(float(a.r + f * (b.r - a.r)), float(a.g + f * (b.g - a.g)), float(a.b + f * (b.b - a.b)));
        }
    }
    return QColor::fromRgbF(0.99f, 0.99f, 0.75f);
}

} // namespace qlipx
