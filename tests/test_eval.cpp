// Evaluation metrics and the compact training vocabulary.
#include "qlip/error.h"
#include "qlip/eval.h"
#include "qlip/tokenizer.h"
#include "train/vocab.h"

#include <QtTest>
#include <cmath>
#include <random>

namespace {

qlip::ImageRGB8 noiseImage(int size, unsigned seed) {
    qlip::ImageRGB8 img;
    img.width = img.height = size;
    img.rgb.resize(size_t(size) * size * 3);
    std::mt19937 rng(seed);
    for (auto& v : img.rgb) v = uint8_t(rng() % 256);
    return img;
}

} // namespace

class TestEval : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void psnrKnownValues();
    void ssimProperties();
    void compactVocabularyTokenizes();
};

void TestEval::psnrKnownValues() {
    auto a = noiseImage(16, 1);
    auto b = a;
    QCOMPARE(qlip::psnr(a, b), 100.0); // identical images: capped
    for (auto& v : b.rgb) v = uint8_t(v < 245 ? v + 10 : v - 10); // every sample off by exactly 10
    QVERIFY(std::abs(qlip::psnr(a, b) - 10 * std::log10(255.0 * 255.0 / 100.0)) < 1e-9);
}

void TestEval::ssimProperties() {
    auto a = noiseImage(32, 2);
    QVERIFY(std::abs(qlip::ssim(a, a) - 1.0) < 1e-12);
    auto b = noiseImage(32, 3);
    double unrelated = qlip::ssim(a, b);
    QVERIFY(std::abs(unrelated) < 0.1); // independent noise: no structure in common
    auto c = a;
    for (size_t i = 0; i < c.rgb.size(); i += 7) c.rgb[i] = uint8_t(255 - c.rgb[i]);
    double damaged = qlip::ssim(a, c);
    QVERIFY(damaged < 0.99 && damaged > unrelated);
    QCOMPARE(qlip::ssim(a, c), qlip::ssim(c, a)); // symmetric
}

void TestEval::compactVocabularyTokenizes() {
    QTemporaryDir dir;
    const std::string merges = std::string(QLIPX_TEST_DATA) + "/clip-bpe/merges.txt";
    const std::string out = dir.path().toStdString();
    QCOMPARE(qlip::train::writeCompactVocabulary(merges, 2000, out), 512 + 2000 + 2);
    auto compact = qlip::ClipTokenizer::fromFiles(out + "/vocab.json", out + "/merges.txt");
    auto full = qlip::ClipTokenizer::fromFiles(std::string(QLIPX_TEST_DATA) + "/clip-bpe/vocab.json", merges);
    QCOMPARE(compact.vocabSize(), size_t(2514));
    QCOMPARE(compact.bosId(), 2512);
    QCOMPARE(compact.eosId(), 2513);
    // Common words are among the first merges: same ids as the full vocabulary.
    QCOMPARE(compact.encode("a photo of a cat"), full.encode("a photo of a cat"));
    // A rare word splits into more, shorter pieces, all inside the compact vocabulary.
    auto rare = compact.encode("hippopotamus");
    QVERIFY(rare.size() > full.encode("hippopotamus").size());
    for (int32_t id : rare) QVERIFY(id < 2512);
    QCOMPARE(compact.decode(rare), std::string("hippopotamus"));
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::train::writeCompactVocabulary(merges, 60000, out));
}

QTEST_GUILESS_MAIN(TestEval)
#include "test_eval.moc"
