// The sampler's logit processing (issue #7) on hand-made logits: temperature, top-k, top-p and
// classifier-free guidance keep exactly the right candidates; a fixed seed reproduces; bad logits
// are clear errors.
#include "qlip/error.h"
#include "qlip/sampling.h"

#include <QtTest>

#include <cmath>
#include <map>

using qlip::SamplingParams;

namespace {

// log-probabilities of 0.5, 0.25, 0.125, 0.0625, 0.0625 in a shuffled order.
const std::vector<float> kLogits = {std::log(0.125f), std::log(0.5f), std::log(0.0625f), std::log(0.25f), std::log(0.0625f)};

std::vector<int> support(const std::vector<double>& p) {
    std::vector<int> s;
    for (size_t i = 0; i < p.size(); ++i)
        if (p[i] > 0) s.push_back(int(i));
    return s;
}

} // namespace

class TestSampling : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void keepsTheRightCandidates_data();
    void keepsTheRightCandidates();
    void temperatureSharpens();
    void guidance();
    void seedsReproduceAndDiffer();
    void drawsFollowTheDistribution();
    void badLogits();
};

void TestSampling::keepsTheRightCandidates_data() {
    QTest::addColumn<float>("temperature");
    QTest::addColumn<int>("topK");
    QTest::addColumn<float>("topP");
    QTest::addColumn<QList<int>>("kept");
    QTest::newRow("all") << 1.f << 0 << 1.f << QList<int>{0, 1, 2, 3, 4};
    QTest::newRow("top-k 2") << 1.f << 2 << 1.f << QList<int>{1, 3};
    QTest::newRow("top-k larger than the vocabulary") << 1.f << 99 << 1.f << QList<int>{0, 1, 2, 3, 4};
    QTest::newRow("top-p 0.5: the best alone reaches it") << 1.f << 0 << 0.5f << QList<int>{1};
    QTest::newRow("top-p 0.7") << 1.f << 0 << 0.7f << QList<int>{1, 3};
    QTest::newRow("top-p 0.8") << 1.f << 0 << 0.8f << QList<int>{0, 1, 3};
    QTest::newRow("top-k 3 then top-p 0.9 of what is left") << 1.f << 3 << 0.9f << QList<int>{0, 1, 3};
    QTest::newRow("top-p tiny keeps one") << 1.f << 0 << 0.01f << QList<int>{1};
    QTest::newRow("greedy") << 0.f << 0 << 1.f << QList<int>{1};
}

void TestSampling::keepsTheRightCandidates() {
    QFETCH(float, temperature);
    QFETCH(int, topK);
    QFETCH(float, topP);
    QFETCH(QList<int>, kept);
    SamplingParams p;
    p.temperature = temperature, p.topK = topK, p.topP = topP;
    const auto prob = qlip::samplingDistribution(kLogits, p);
    QCOMPARE(support(prob), std::vector<int>(kept.begin(), kept.end()));
    double sum = 0;
    for (double v : prob) sum += v;
    QVERIFY(std::abs(sum - 1) < 1e-12);
    // Renormalised over the kept candidates, in the original ratios.
    if (kept.size() > 1) QVERIFY(std::abs(prob[size_t(kept[0])] / prob[size_t(kept[1])] - std::exp(double(kLogits[size_t(kept[0])] - kLogits[size_t(kept[1])]) / temperature)) < 1e-9);
}

void TestSampling::temperatureSharpens() {
    SamplingParams hot, cold;
    hot.temperature = 2, cold.temperature = 0.5;
    const auto h = qlip::samplingDistribution(kLogits, hot), c = qlip::samplingDistribution(kLogits, cold);
    QVERIFY(c[1] > 0.5 && h[1] < 0.5);               // 0.5 at temperature 1
    QVERIFY(std::abs(c[1] / c[3] - 4.0) < 1e-5);     // (0.5 / 0.25)^(1 / 0.5), logits in float
    QVERIFY(std::abs(h[1] / h[3] - std::sqrt(2.0)) < 1e-5);
    // Greedy takes the lower index of a tie.
    SamplingParams greedy;
    greedy.temperature = 0;
    QCOMPARE(support(qlip::samplingDistribution({1.f, 3.f, 3.f}, greedy)), std::vector<int>{1});
}

void TestSampling::guidance() {
    const std::vector<float> cond{2.f, 0.f, 1.f}, uncond{1.f, 1.f, 1.f};
    SamplingParams p;
    p.cfgScale = 3;
    QCOMPARE(qlip::guidedLogits(cond, uncond, p, 0), (std::vector<float>{4.f, -2.f, 1.f})); // 1 + 3 (c - 1)
    p.cfgScale = 0;
    QCOMPARE(qlip::guidedLogits(cond, uncond, p, 0), uncond);                             // unconditional
    p.cfgScale = 1;
    QCOMPARE(qlip::guidedLogits(cond, uncond, p, 0), cond);
    // Outside the interval the conditional logits are used as they are.
    p.cfgScale = 3, p.cfgFirst = 2, p.cfgLast = 5;
    QCOMPARE(qlip::guidedLogits(cond, uncond, p, 1), cond);
    QCOMPARE(qlip::guidedLogits(cond, uncond, p, 5), (std::vector<float>{4.f, -2.f, 1.f}));
    QCOMPARE(qlip::guidedLogits(cond, uncond, p, 6), cond);
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::guidedLogits(cond, {1.f}, p, 3));
}

void TestSampling::seedsReproduceAndDiffer() {
    std::vector<float> flat(128, 0.f); // uniform: every draw depends on the randomness alone
    SamplingParams a, b;
    a.seed = 1, b.seed = 2;
    std::vector<int> first, again, other;
    for (int pos = 0; pos < 64; ++pos) {
        first.push_back(qlip::sampleGroup(flat, a, 0, uint64_t(pos), 0));
        again.push_back(qlip::sampleGroup(flat, a, 0, uint64_t(pos), 0));
        other.push_back(qlip::sampleGroup(flat, b, 0, uint64_t(pos), 0));
    }
    QCOMPARE(again, first);
    QVERIFY(other != first);
    // Sample 1 of a batch differs from sample 0 with the same seed, and does not depend on the order of draws.
    QVERIFY(qlip::sampleGroup(flat, a, 1, 0, 0) == qlip::sampleGroup(flat, a, 1, 0, 0));
    std::vector<int> s1;
    for (int pos = 0; pos < 64; ++pos) s1.push_back(qlip::sampleGroup(flat, a, 1, uint64_t(pos), 0));
    QVERIFY(s1 != first);
    // Removed candidates are never drawn.
    SamplingParams k2;
    k2.topK = 2;
    for (uint64_t pos = 0; pos < 500; ++pos) {
        const int i = qlip::sampleGroup(kLogits, k2, 0, pos, 3);
        QVERIFY(i == 1 || i == 3);
    }
}

void TestSampling::drawsFollowTheDistribution() {
    SamplingParams p;
    p.seed = 7;
    std::map<int, int> counts;
    const int n = 20000;
    for (int i = 0; i < n; ++i) ++counts[qlip::sampleGroup(kLogits, p, 0, uint64_t(i), 0)];
    const double want[] = {0.125, 0.5, 0.0625, 0.25, 0.0625};
    for (int i = 0; i < 5; ++i) QVERIFY2(std::abs(counts[i] / double(n) - want[i]) < 0.015, qPrintable(QString::number(counts[i])));
}

void TestSampling::badLogits() {
    SamplingParams p;
    const float inf = std::numeric_limits<float>::infinity();
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::samplingDistribution({}, p));
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::samplingDistribution({-inf, -inf}, p));
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::samplingDistribution({0.f, std::nanf("")}, p));
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::samplingDistribution({0.f, inf}, p));
    // A masked candidate (-inf) next to finite ones is fine and never drawn.
    QCOMPARE(support(qlip::samplingDistribution({-inf, 0.f, 1.f}, p)), (std::vector<int>{1, 2}));
}

QTEST_GUILESS_MAIN(TestSampling)
#include "test_sampling.moc"
