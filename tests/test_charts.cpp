// The statistics behind the charts (tokenstats.h) against values worked out here another way
// (binary strings, explicit entropy, bin-by-bin interval tests, a std::map count), hand-made
// grids with known answers, and the charts' bar sets against those statistics.
#include "statscharts.h"
#include "tokencolor.h"
#include "tokenstats.h"

#include <QtCharts/QAbstractBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

using qlipx::TokenData;

Q_DECLARE_METATYPE(qlipx::TokenData)

namespace {

// Latents whose signs give the index bits, magnitudes varied by position (deterministic).
std::vector<float> latentsFor(const std::vector<int64_t>& indices, int bits, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> magnitude(0.001f, 0.4f);
    std::vector<float> z;
    for (int64_t index : indices)
        for (int e = 0; e < bits; ++e) {
            const bool one = (index >> (bits - 1 - e)) & 1;
            z.push_back(one ? magnitude(rng) : -magnitude(rng));
        }
    return z;
}

TokenData makeData(int rows, int cols, int bits, std::vector<int64_t> indices, bool latents, uint32_t seed = 1) {
    TokenData d;
    d.rows = rows;
    d.cols = cols;
    d.bits = bits;
    d.indices = std::move(indices);
    if (latents) d.latents = latentsFor(d.indices, bits, seed);
    return d;
}

std::vector<int64_t> randomIndices(int n, int bits, uint32_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<int64_t> v;
    for (int i = 0; i < n; ++i) v.push_back(int64_t(rng() & ((uint64_t(1) << bits) - 1)));
    return v;
}

// Bit planes read from binary strings (QString::number), not from shifts as tokenstats does.
std::vector<double> expectedBalance(const TokenData& d) {
    std::vector<double> ones(size_t(d.bits), 0.0);
    for (int64_t index : d.indices) {
        const QString binary = QString::number(index, 2).rightJustified(d.bits, QLatin1Char('0'));
        for (int e = 0; e < d.bits; ++e)
            if (binary[e] == QLatin1Char('1')) ones[size_t(e)] += 1;
    }
    for (double& v : ones) v /= double(d.indices.size());
    return ones;
}

double expectedEntropy(double p) {
    double h = 0;
    if (p > 0) h -= p * std::log(p) / std::log(2.0);
    if (p < 1) h -= (1 - p) * std::log(1 - p) / std::log(2.0);
    return h;
}

// Each bin counted as an interval test [lo + b w, lo + (b+1) w), the last one closed.
std::vector<int> expectedHistogram(const std::vector<float>& latents, int bins, double* hiOut) {
    double hi = 0;
    for (float z : latents) hi = std::max(hi, double(std::fabs(z)));
    if (hi == 0) hi = 1;
    *hiOut = hi;
    const double w = hi / bins;
    std::vector<int> counts(size_t(bins), 0);
    for (int b = 0; b < bins; ++b)
        for (float z : latents) {
            const double m = std::fabs(z);
            const bool last = b == bins - 1;
            if (m >= b * w && (m < (b + 1) * w || (last && m <= hi))) ++counts[size_t(b)];
        }
    return counts;
}

// Top counts through a std::map, sorted by (-count, index).
std::vector<std::pair<int64_t, int>> expectedUsage(const TokenData& d) {
    std::map<int64_t, int> counts;
    for (int64_t index : d.indices) ++counts[index];
    std::vector<std::pair<int64_t, int>> v(counts.begin(), counts.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return v;
}

void compareValues(QBarSet* set, const std::vector<double>& expected, double tolerance = 1e-12) {
    QVERIFY(set);
    QCOMPARE(set->count(), qsizetype(expected.size()));
    for (int i = 0; i < set->count(); ++i)
        if (std::abs(set->at(i) - expected[size_t(i)]) > tolerance)
            QFAIL(qPrintable(QStringLiteral("bar %1: %2, expected %3").arg(i).arg(set->at(i)).arg(expected[size_t(i)])));
}

} // namespace

class TestCharts : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void stats_data();
    void balanceAndEntropy();
    void balanceAndEntropy_data() { stats_data(); }
    void knownSixBitGrid();
    void marginHistogram();
    void marginHistogram_data() { stats_data(); }
    void knownHistogram();
    void usage();
    void usage_data() { stats_data(); }
    void knownUsage();
    void textHelpers();
    void rulerLabelsSitOverTheirBits_data();
    void rulerLabelsSitOverTheirBits();
    void groupsAndWeakestBit();

    void chartsShowTheStats();
    void chartsShowTheStats_data() { stats_data(); }
    void usageIsCappedAndColoured();
    void emptyDataClears();
    void followsPalette();
};

void TestCharts::stats_data() {
    QTest::addColumn<TokenData>("data");
    const int64_t all28 = (int64_t(1) << 28) - 1;
    QTest::newRow("all zero, 28 bits, latents") << makeData(4, 4, 28, std::vector<int64_t>(16, 0), true, 2);
    QTest::newRow("all one, 28 bits, latents") << makeData(4, 4, 28, std::vector<int64_t>(16, all28), true, 3);
    QTest::newRow("all one, 28 bits, no latents") << makeData(4, 4, 28, std::vector<int64_t>(16, all28), false);
    QTest::newRow("mixed, 6 bits, latents") << makeData(2, 2, 6, {0b101010, 0b100000, 0b111111, 0b000001}, true, 4);
    QTest::newRow("mixed, 6 bits, no latents") << makeData(3, 3, 6, {1, 2, 3, 4, 5, 6, 7, 63, 0}, false);
    QTest::newRow("random, 28 bits, latents") << makeData(8, 8, 28, randomIndices(64, 28, 5), true, 6);
    QTest::newRow("random, 28 bits, no latents") << makeData(16, 16, 28, randomIndices(256, 28, 7), false);
    std::vector<int64_t> repeats = randomIndices(10, 28, 8);
    for (int i = 0; i < 30; ++i) repeats.push_back(repeats[size_t(i % 3)]); // three popular tokens
    QTest::newRow("repeats, 28 bits, latents") << makeData(5, 8, 28, repeats, true, 9);
}

void TestCharts::balanceAndEntropy() {
    QFETCH(TokenData, data);
    const std::vector<double> balance = qlipx::bitBalance(data);
    const std::vector<double> entropy = qlipx::bitEntropy(data);
    const std::vector<double> expected = expectedBalance(data);
    QCOMPARE(balance.size(), size_t(data.bits));
    QCOMPARE(entropy.size(), size_t(data.bits));
    for (int e = 0; e < data.bits; ++e) {
        QCOMPARE(balance[size_t(e)], expected[size_t(e)]);
        QVERIFY2(std::abs(entropy[size_t(e)] - expectedEntropy(expected[size_t(e)])) < 1e-12, qPrintable(QString::number(e)));
        QVERIFY(entropy[size_t(e)] >= 0.0 && entropy[size_t(e)] <= 1.0);
    }
}

void TestCharts::knownSixBitGrid() {
    // 101010, 100000, 111111, 000001: ones per plane 3, 1, 2, 1, 2, 2 of 4.
    const TokenData d = makeData(2, 2, 6, {0b101010, 0b100000, 0b111111, 0b000001}, false);
    const std::vector<double> balance = qlipx::bitBalance(d);
    QCOMPARE(balance, (std::vector<double>{0.75, 0.25, 0.5, 0.25, 0.5, 0.5}));
    const std::vector<double> entropy = qlipx::bitEntropy(d);
    const double h34 = 0.8112781244591328; // H(3/4) = H(1/4)
    const std::vector<double> expected{h34, h34, 1.0, h34, 1.0, 1.0};
    for (size_t e = 0; e < 6; ++e) QVERIFY2(std::abs(entropy[e] - expected[e]) < 1e-12, qPrintable(QString::number(e)));
    QCOMPARE(qlipx::binaryEntropy(0.0), 0.0);
    QCOMPARE(qlipx::binaryEntropy(1.0), 0.0);
    QCOMPARE(qlipx::binaryEntropy(0.5), 1.0);
    QVERIFY(qlipx::bitBalance(TokenData{}).empty());
}

void TestCharts::marginHistogram() {
    QFETCH(TokenData, data);
    const qlipx::Histogram hist = qlipx::marginHistogram(data, 20);
    if (!data.hasLatents()) {
        QVERIFY(hist.counts.empty());
        return;
    }
    double hi = 0;
    const std::vector<int> expected = expectedHistogram(data.latents, 20, &hi);
    QCOMPARE(hist.lo, 0.0);
    QCOMPARE(hist.hi, hi);
    QCOMPARE(hist.counts, expected);
    int total = 0;
    for (int c : hist.counts) total += c;
    QCOMPARE(total, int(data.latents.size()));
    QVERIFY(qlipx::marginHistogram(data, 0).counts.empty());
}

void TestCharts::knownHistogram() {
    TokenData d = makeData(1, 5, 1, {0, 1, 1, 0, 1}, false);
    d.latents = {0.f, 0.25f, 0.5f, -0.75f, 1.f};
    const qlipx::Histogram hist = qlipx::marginHistogram(d, 4);
    QCOMPARE(hist.hi, 1.0);
    QCOMPARE(hist.binWidth(), 0.25);
    QCOMPARE(hist.counts, (std::vector<int>{1, 1, 1, 2})); // the maximum falls in the last bin
    d.latents = {0.f, 0.f, 0.f, 0.f, 0.f};
    QCOMPARE(qlipx::marginHistogram(d, 4).counts, (std::vector<int>{5, 0, 0, 0}));
}

void TestCharts::usage() {
    QFETCH(TokenData, data);
    const std::vector<qlipx::TokenUsage> usage = qlipx::tokenUsage(data);
    const auto expected = expectedUsage(data);
    QCOMPARE(usage.size(), expected.size());
    for (size_t i = 0; i < usage.size(); ++i) {
        QCOMPARE(usage[i].index, expected[i].first);
        QCOMPARE(usage[i].count, expected[i].second);
    }
    QCOMPARE(qlipx::distinctTokens(data), int(expected.size()));
}

void TestCharts::knownUsage() {
    const TokenData d = makeData(1, 7, 4, {5, 3, 5, 7, 3, 5, 9}, false);
    const std::vector<qlipx::TokenUsage> expected{{5, 3}, {3, 2}, {7, 1}, {9, 1}}; // ties: lower index first
    QCOMPARE(qlipx::tokenUsage(d), expected);
    QCOMPARE(qlipx::distinctTokens(d), 4);
}

void TestCharts::textHelpers() {
    QCOMPARE(qlipx::hexDigits(28), 7);
    QCOMPARE(qlipx::hexDigits(6), 2);
    QCOMPARE(qlipx::hexText(0xABCDEF1, 28), QStringLiteral("0xabcdef1"));
    QCOMPARE(qlipx::hexText(5, 28), QStringLiteral("0x0000005"));
    QCOMPARE(qlipx::hexText(0x2b, 6), QStringLiteral("0x2b"));
    QCOMPARE(qlipx::binaryText(0xABCDEF1, 28, 1), QStringLiteral("1010 1011 1100 1101 1110 1111 0001"));
    QCOMPARE(qlipx::binaryText(0xABCDEF1, 28, 7), QStringLiteral("1010101 1110011 0111101 1110001"));
    QCOMPARE(qlipx::binaryText(0b101011, 6, 1), QStringLiteral("10 1011")); // hex nibbles: 0x2b
    QCOMPARE(qlipx::binaryText(0b101011, 6, 2), QStringLiteral("10 10 11"));
    QCOMPARE(qlipx::binaryText(0b101011, 6, 4), QStringLiteral("10 1011")); // 4 does not divide 6: nibbles
    QCOMPARE(qlipx::binaryRuler(28, 1), QStringLiteral("b0   b4   b8   b12  b16  b20  b24"));
    QCOMPARE(qlipx::binaryRuler(28, 2), QStringLiteral("b0    b4    b8    b12   b16   b20   b24"));
    QCOMPARE(qlipx::binaryRuler(6, 1), QStringLiteral("b0 b2"));
}

void TestCharts::rulerLabelsSitOverTheirBits_data() {
    QTest::addColumn<int>("bits");
    QTest::addColumn<int>("groupSize");
    for (int bits : {6, 9, 18, 28, 36})
        for (int g : {1, 2, 3, 4, 9})
            QTest::addRow("%d bits, groups of %d", bits, g) << bits << g;
}

void TestCharts::rulerLabelsSitOverTheirBits() {
    QFETCH(int, bits);
    QFETCH(int, groupSize);
    const QString binary = qlipx::binaryText(0x5555555, bits, groupSize);
    QCOMPARE(QString(binary).remove(QLatin1Char(' ')).size(), bits);
    const QString ruler = qlipx::binaryRuler(bits, groupSize);
    QVERIFY(ruler.startsWith(QStringLiteral("b0")));
    static const QRegularExpression label(QStringLiteral("b(\\d+)"));
    int labels = 0;
    for (const QRegularExpressionMatch& m : label.globalMatch(ruler)) {
        const int column = int(m.capturedStart());
        QVERIFY2(column < binary.size() && binary[column] != QLatin1Char(' '), qPrintable(ruler));
        // The digits before that column are the bits before it.
        const int bitsBefore = int(binary.left(column).remove(QLatin1Char(' ')).size());
        QCOMPARE(bitsBefore, m.captured(1).toInt());
        // And it starts a chunk.
        QVERIFY(column == 0 || binary[column - 1] == QLatin1Char(' '));
        ++labels;
    }
    QVERIFY(labels >= std::min(2, int(qlipx::binaryChunks(bits, groupSize).size())));
}

void TestCharts::groupsAndWeakestBit() {
    TokenData d = makeData(1, 2, 28, {0xABCDEF1, 0}, false);
    d.groupSize = 7;
    QCOMPARE(qlipx::groupText(d, 0), QStringLiteral("g0=85 g1=115 g2=61 g3=113"));
    d.groupSize = 4;
    QCOMPARE(qlipx::groupText(d, 0), QStringLiteral("g0=10 g1=11 g2=12 g3=13 g4=14 g5=15 g6=1"));
    QCOMPARE(qlipx::groupText(d, 1), QStringLiteral("g0=0 g1=0 g2=0 g3=0 g4=0 g5=0 g6=0"));
    d.groupSize = 1;
    QVERIFY(qlipx::groupText(d, 0).isEmpty());
    QCOMPARE(qlipx::weakestBit(d, 0), -1);
    d.latents.assign(56, 0.5f);
    d.latents[size_t(28 + 17)] = -0.01f; // token 1, bit 17
    d.latents[size_t(28 + 20)] = 0.01f;  // a tie: the lower bit wins
    d.latents[size_t(5)] = 0.2f;
    QCOMPARE(qlipx::weakestBit(d, 1), 17);
    QCOMPARE(qlipx::weakestBit(d, 0), 5);
}

void TestCharts::chartsShowTheStats() {
    QFETCH(TokenData, data);
    qlipx::StatsCharts charts;
    charts.setTokens(data);
    QVERIFY(!charts.showsPlaceholder());
    // Balance and entropy against the independent computation, not tokenstats.
    const std::vector<double> balance = expectedBalance(data);
    std::vector<double> entropy(balance.size());
    std::transform(balance.begin(), balance.end(), entropy.begin(), expectedEntropy);
    compareValues(charts.balanceSet(), balance);
    if (QTest::currentTestFailed()) return;
    compareValues(charts.entropySet(), entropy, 1e-12);
    if (QTest::currentTestFailed()) return;
    if (data.hasLatents()) {
        double hi = 0;
        const std::vector<int> counts = expectedHistogram(data.latents, qlipx::StatsCharts::kMarginBins, &hi);
        compareValues(charts.marginSet(), std::vector<double>(counts.begin(), counts.end()));
        if (QTest::currentTestFailed()) return;
        QCOMPARE(charts.marginAxisMin(), 0.0);
        QCOMPARE(charts.marginAxisMax(), hi);
    } else {
        QCOMPARE(charts.marginSet()->count(), 0);
    }
    const auto usage = expectedUsage(data);
    const size_t shown = std::min(usage.size(), size_t(qlipx::StatsCharts::kMaxUsageBars));
    const std::vector<double> values = charts.usageValues();
    QCOMPARE(values.size(), shown);
    QCOMPARE(charts.usageIndices().size(), shown);
    for (size_t i = 0; i < shown; ++i) {
        QCOMPARE(values[i], double(usage[i].second));
        QCOMPARE(charts.usageIndices()[i], usage[i].first);
    }
}

void TestCharts::usageIsCappedAndColoured() {
    // 40 distinct tokens, token t occurring t + 1 times: the chart keeps the 32 most used.
    std::vector<int64_t> indices;
    for (int t = 0; t < 40; ++t)
        for (int k = 0; k <= t; ++k) indices.push_back(1000 + t);
    const int n = int(indices.size()); // 820 = 20 x 41
    const TokenData d = makeData(20, n / 20, 28, indices, false);
    qlipx::StatsCharts charts;
    charts.setTokens(d);
    const std::vector<double> values = charts.usageValues();
    QCOMPARE(int(values.size()), qlipx::StatsCharts::kMaxUsageBars);
    for (int i = 0; i < qlipx::StatsCharts::kMaxUsageBars; ++i) {
        QCOMPARE(values[size_t(i)], double(40 - i));
        QCOMPARE(charts.usageIndices()[size_t(i)], int64_t(1000 + 39 - i));
    }
    // One set per bar, zero outside its own bar, in the token's canvas colour.
    const QList<QBarSet*> sets = charts.usageSeries()->barSets();
    QCOMPARE(int(sets.size()), qlipx::StatsCharts::kMaxUsageBars);
    for (int i = 0; i < int(sets.size()); ++i) {
        QCOMPARE(sets[i]->color(), qlipx::tokenColor(1000 + 39 - i));
        for (int j = 0; j < sets[i]->count(); ++j)
            if (j != i) QCOMPARE(sets[i]->at(j), 0.0);
    }
}

void TestCharts::emptyDataClears() {
    qlipx::StatsCharts charts;
    QVERIFY(charts.showsPlaceholder()); // nothing yet
    charts.setTokens(makeData(8, 8, 28, randomIndices(64, 28, 11), true, 12));
    QVERIFY(!charts.showsPlaceholder());
    QCOMPARE(charts.balanceSet()->count(), 28);
    QVERIFY(charts.marginSet()->count() > 0);
    charts.setTokens(TokenData{});
    QVERIFY(charts.showsPlaceholder());
    QCOMPARE(charts.balanceSet()->count(), 0);
    QCOMPARE(charts.entropySet()->count(), 0);
    QCOMPARE(charts.marginSet()->count(), 0);
    QCOMPARE(charts.usageSeries()->count(), 0);
    QVERIFY(charts.usageValues().empty());
    // Inconsistent data (indices short of rows * cols) is treated as empty, not read past its end.
    TokenData broken = makeData(4, 4, 28, randomIndices(16, 28, 13), false);
    broken.indices.resize(10);
    charts.setTokens(broken);
    QVERIFY(charts.showsPlaceholder());
}

void TestCharts::followsPalette() {
    qlipx::StatsCharts charts;
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x1e, 0x1e, 0x20));
    dark.setColor(QPalette::WindowText, QColor(0xdd, 0xdd, 0xdd));
    charts.setPalette(dark);
    QCOMPARE(charts.chart(qlipx::StatsCharts::Balance)->theme(), QChart::ChartThemeDark);
    QCOMPARE(charts.chart(qlipx::StatsCharts::Usage)->backgroundBrush().color(), QColor(0x1e, 0x1e, 0x20));
    QPalette light;
    light.setColor(QPalette::Window, QColor(0xf0, 0xf0, 0xf0));
    light.setColor(QPalette::WindowText, Qt::black);
    charts.setPalette(light);
    QCOMPARE(charts.chart(qlipx::StatsCharts::Entropy)->theme(), QChart::ChartThemeLight);
    // The theme must not repaint the data colours: the usage bars keep their token colours.
    charts.setTokens(makeData(1, 3, 28, {7, 7, 9}, false));
    charts.setPalette(dark);
    QCOMPARE(charts.usageSeries()->barSets().at(0)->color(), qlipx::tokenColor(7));
}

QTEST_MAIN(TestCharts)
#include "test_charts.moc"
