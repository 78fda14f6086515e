// Evaluation metrics and the compact training vocabulary.
#include "qlip/engine.h"
#include "qlip/error.h"
#include "qlip/eval.h"
#include "qlip/image.h"
#include "qlip/npy.h"
#include "qlip/tokenizer.h"
#include "train/vocab.h"

#include <QtTest>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

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
    void perCategoryFiguresAgreeWithThePredictionsCsv();
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

// A packed set of the held-out test images (as tools/emoji_data.py writes one), evaluated with the
// embedded model: the per-category rows and the CSV must tell the same story as the totals.
void TestEval::perCategoryFiguresAgreeWithThePredictionsCsv() {
    const std::string cases = std::string(QLIPX_TEST_DATA) + "/emoji-heldout";
    QFile f(QString::fromStdString(cases + "/cases.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto heldout = QJsonDocument::fromJson(f.readAll()).object()["heldout"].toArray();
    QVERIFY(heldout.size() >= 8);
    QTemporaryDir dir;
    const std::string out = dir.path().toStdString();
    std::vector<uint8_t> pixels;
    std::ofstream meta(out + "/fluent.json");
    meta << "{\"items\": [";
    for (int i = 0; i < heldout.size(); ++i) {
        const auto o = heldout[i].toObject();
        auto img = qlip::loadImage(cases + "/" + o["file"].toString().toStdString(), qlip::AlphaMode::CompositeOnWhite);
        QCOMPARE(img.width, 64);
        pixels.insert(pixels.end(), img.rgb.begin(), img.rgb.end());
        meta << (i ? "," : "") << "{\"label\": \"" << o["label"].toString().toStdString() << "\", \"category\": \""
             << o["category"].toString().toStdString() << "\"}";
    }
    meta << "]}";
    meta.close();
    qlip::saveNpy(out + "/fluent_images.npy", "|u1", {heldout.size(), 64, 64, 3}, pixels.data(), pixels.size());

    auto engine = qlip::Engine::open(std::string(QLIPX_SOURCE_DIR) + "/resources/models/qlip-emoji-64", {});
    qlip::EvalOptions o;
    o.predictionsCsv = out + "/predictions.csv";
    const auto r = qlip::evaluate(*engine, out, o);
    QCOMPARE(r.images, int(heldout.size()));

    std::ifstream csv(o.predictionsCsv);
    std::string line;
    std::getline(csv, line);
    QCOMPARE(line, std::string("index,label,category,predicted,predicted_category,rank"));
    int rows = 0, rankZero = 0, sameCategory = 0;
    std::map<std::string, int> imagesOf;
    while (std::getline(csv, line)) {
        // "label","category","predicted","predicted_category": none of the test labels holds a quote.
        std::vector<std::string> q;
        for (size_t a = line.find('"'); a != std::string::npos; a = line.find('"', line.find('"', a + 1) + 1))
            q.push_back(line.substr(a + 1, line.find('"', a + 1) - a - 1));
        QCOMPARE(q.size(), size_t(4));
        const int rank = std::stoi(line.substr(line.rfind(',') + 1));
        QCOMPARE(rank == 0, q[0] == q[2]); // rank 0 exactly when the prediction is the label
        rankZero += rank == 0;
        sameCategory += q[1] == q[3];
        ++imagesOf[q[1]];
        ++rows;
    }
    QCOMPARE(rows, int(heldout.size()));
    QCOMPARE(r.top1, double(rankZero) / rows);
    QCOMPARE(r.categoryTop1, double(sameCategory) / rows);
    int counted = 0;
    double weighted = 0;
    for (const auto& c : r.byCategory) {
        QCOMPARE(c.images, imagesOf[c.category]);
        counted += c.images;
        weighted += c.categoryTop1 * c.images;
    }
    QCOMPARE(counted, rows);
    QVERIFY(std::abs(weighted / rows - r.categoryTop1) < 1e-12);

    o.predictionsCsv = out + "/no-such-folder/p.csv";
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::evaluate(*engine, out, o));
}

QTEST_GUILESS_MAIN(TestEval)
#include "test_eval.moc"
