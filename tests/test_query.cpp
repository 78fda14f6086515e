// Text queries on the shipped emoji model: label files, prompt-template ensembles, the per-token
// text map (MaskCLIP-style) and occlusion maps.
#include "qlip/engine.h"
#include "qlip/error.h"
#include "qlip/image.h"
#include "qlip/query.h"

#include <QtTest>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

namespace fs = std::filesystem;

namespace {

const std::string kModel = std::string(QLIPX_SOURCE_DIR) + "/resources/models/qlip-emoji-64";
const std::string kHeldout = std::string(QLIPX_TEST_DATA) + "/emoji-heldout";
const std::string kSamples = std::string(QLIPX_SOURCE_DIR) + "/resources/samples";

void writeText(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::vector<float> unit(std::vector<double> v) {
    double n = 0;
    for (double x : v) n += x * x;
    std::vector<float> out;
    for (double x : v) out.push_back(float(x / std::sqrt(n)));
    return out;
}

double meanOver(const std::vector<float>& map, int cols, int colBegin, int colEnd) {
    double s = 0;
    int n = 0;
    for (size_t i = 0; i < map.size(); ++i)
        if (int(i) % cols >= colBegin && int(i) % cols < colEnd) s += map[i], ++n;
    return s / n;
}

} // namespace

class TestQuery : public QObject {
    Q_OBJECT
    std::unique_ptr<qlip::Engine> engine;

    qlip::PixelTensor load(const std::string& path) { return engine->preprocess(qlip::loadImage(path, engine->preprocessConfig().alpha)); }

    // Left half (columns < S/2, i.e. the left half of the token columns) from `left`, right half from `right`.
    qlip::PixelTensor sideBySide(const qlip::PixelTensor& left, const qlip::PixelTensor& right) {
        qlip::PixelTensor out = left;
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < out.height; ++y)
                for (int x = out.width / 2; x < out.width; ++x) {
                    const size_t i = (size_t(c) * out.height + y) * out.width + x;
                    out.chw[i] = right.chw[i];
                }
        return out;
    }

private Q_SLOTS:
    void initTestCase() {
        qlip::EngineOptions o;
        o.device = qlip::Device::CPU;
        o.threads = 1;
        engine = qlip::Engine::open(kModel, o);
        QVERIFY(engine->hasTokenizer());
    }

    void ensembleIsMeanOfNormalisedEmbeddings() {
        const std::vector<std::string> labels = {"red apple", "black cat", "llama"};
        const std::vector<std::string> templates = {"an emoji of {}", "a picture of {}", "{}"};
        const auto ensemble = qlip::embedPrompts(*engine, labels, templates);
        QCOMPARE(ensemble.size(), labels.size());
        for (size_t l = 0; l < labels.size(); ++l) {
            std::vector<double> sum(ensemble[l].size(), 0.0);
            for (const auto& t : templates) {
                std::string prompt = t;
                prompt.replace(prompt.find("{}"), 2, labels[l]);
                const auto e = engine->embedTexts({prompt}).front();
                for (size_t i = 0; i < e.size(); ++i) sum[i] += e[i];
            }
            const auto expected = unit(sum);
            const auto single = qlip::embedPrompts(*engine, {labels[l]}, {templates[0]}).front();
            double maxDiff = 0, singleDiff = 0;
            for (size_t i = 0; i < expected.size(); ++i) {
                maxDiff = std::max(maxDiff, double(std::abs(expected[i] - ensemble[l][i])));
                singleDiff = std::max(singleDiff, double(std::abs(single[i] - ensemble[l][i])));
            }
            QVERIFY2(maxDiff < 1e-5, qPrintable(QString("ensemble differs by %1").arg(maxDiff)));
            QVERIFY2(singleDiff > 1e-3, "the ensemble should differ from one template");
        }
    }

    void singleTemplateEqualsPlainPath() {
        const std::vector<std::string> labels = {"red apple", "black cat", "smiling face"};
        const auto viaPrompts = qlip::embedPrompts(*engine, labels, {"an emoji of {}"});
        const auto plain = engine->embedTexts({"an emoji of red apple", "an emoji of black cat", "an emoji of smiling face"});
        QCOMPARE(viaPrompts, plain);
        QCOMPARE(qlip::embedPrompts(*engine, labels, {}), engine->embedTexts(labels));
        const auto image = engine->embedImages({load(kSamples + "/red-apple.png")}).front();
        const auto a = engine->zeroShot(image, viaPrompts), b = engine->zeroShot(image, plain);
        QCOMPARE(a.probabilities, b.probabilities);
        const auto ens = engine->zeroShot(image, qlip::embedPrompts(*engine, labels, {"an emoji of {}", "a picture of {}"}));
        const double sum = std::accumulate(ens.probabilities.begin(), ens.probabilities.end(), 0.0);
        QVERIFY(std::abs(sum - 1.0) < 1e-5);
        for (float p : ens.probabilities) QVERIFY(p >= 0 && p <= 1);
    }

    void promptErrors() {
        QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::embedPrompts(*engine, {}, {"{}"}));
        try {
            qlip::embedPrompts(*engine, {"cat"}, {"a photo of {}", "no placeholder"});
            QFAIL("a template without {} was accepted");
        } catch (const qlip::Error& e) {
            QVERIFY(std::string(e.what()).find("no placeholder") != std::string::npos);
        }
        QCOMPARE(qlip::applyTemplate("{} and {}", "x"), std::string("x and x"));
    }

    void tokenMapFollowsTheContent() {
        // Left 4 token columns from one emoji, right 4 from another: each label's similarity should
        // be higher on the half that shows it. Emoji the model recognises (top-1 zero-shot among these
        // labels); it does not recognise the held-out black cat, so that one is left out.
        const std::vector<std::pair<std::string, std::string>> items = {
            {kHeldout + "/google_red_apple.png", "red apple"}, {kHeldout + "/fluent_02.png", "cow face"},
            {kHeldout + "/fluent_00.png", "poodle"}, {kHeldout + "/fluent_03.png", "pig face"},
            {kHeldout + "/fluent_07.png", "fish"}, {kHeldout + "/fluent_09.png", "oyster"},
            {kHeldout + "/fluent_10.png", "hyacinth"}, {kSamples + "/smiley.png", "smiling face"}};
        std::vector<qlip::PixelTensor> pixels;
        std::vector<std::string> prompts;
        for (const auto& [file, label] : items) {
            pixels.push_back(load(file));
            prompts.push_back("an emoji of " + label);
        }
        const auto texts = engine->embedTexts(prompts);
        const int cols = engine->info().gridCols;
        QCOMPARE(engine->info().gridRows * cols, 64);
        // Per method: pairs (left i, right j) where both maps favour their own half.
        auto halves = [&](const qlip::PixelTensor& image, size_t i, size_t j, qlip::TokenMapMethod m) {
            const auto mi = qlip::tokenTextMap(*engine, image, texts[i], m), mj = qlip::tokenTextMap(*engine, image, texts[j], m);
            return std::array<double, 4>{meanOver(mi, cols, 0, cols / 2), meanOver(mi, cols, cols / 2, cols),
                                         meanOver(mj, cols, 0, cols / 2), meanOver(mj, cols, cols / 2, cols)};
        };
        const auto valuePath = qlip::TokenMapMethod::ValuePath, hidden = qlip::TokenMapMethod::FinalHidden;
        const auto pair = sideBySide(pixels[0], pixels[1]);
        const auto v = halves(pair, 0, 1, valuePath), h = halves(pair, 0, 1, hidden);
        qInfo("apple | cow, value path:   apple map left %.4f right %.4f; cow map left %.4f right %.4f", v[0], v[1], v[2], v[3]);
        qInfo("apple | cow, final hidden: apple map left %.4f right %.4f; cow map left %.4f right %.4f", h[0], h[1], h[2], h[3]);
        for (auto m : {valuePath, hidden}) {
            const auto map = qlip::tokenTextMap(*engine, pair, texts[0], m);
            QCOMPARE(int(map.size()), 64);
            for (float x : map) QVERIFY(x >= -1.0001f && x <= 1.0001f);
        }
        QVERIFY(v[0] > v[1]);
        QVERIFY(v[3] > v[2]);
        int valueOk = 0, hiddenOk = 0, pairs = 0;
        for (size_t i = 0; i < items.size(); ++i)
            for (size_t j = 0; j < items.size(); ++j) {
                if (i == j) continue;
                const auto image = sideBySide(pixels[i], pixels[j]);
                const auto a = halves(image, i, j, valuePath), b = halves(image, i, j, hidden);
                valueOk += a[0] > a[1] && a[3] > a[2];
                hiddenOk += b[0] > b[1] && b[3] > b[2];
                ++pairs;
            }
        qInfo("pairs where both maps favour their own half: value path %d of %d, final hidden %d of %d", valueOk, pairs, hiddenOk, pairs);
        QVERIFY(valueOk * 2 > pairs);
        // Final-layer patch states of this model are known to give inverted maps (CLIP's "opposite
        // visualisation"); an XPASS here means the model or the engine changed.
        QEXPECT_FAIL("", "final hidden patch states of qlip-emoji-64 give inverted maps", Continue);
        QVERIFY(hiddenOk * 2 > pairs);
    }

    void occlusionMap() {
        const auto image = load(kSamples + "/red-apple.png");
        const auto text = engine->embedTexts({"an emoji of red apple"}).front();
        int calls = 0;
        const auto map = qlip::occlusionMap(*engine, image, text, 2, [&](double f) {
            ++calls;
            return f >= 0 && f <= 1;
        });
        QCOMPARE(int(map.size()), engine->info().gridRows * engine->info().gridCols);
        QVERIFY(calls >= 2);
        double absSum = 0;
        for (float v : map) absSum += std::abs(v);
        QVERIFY2(absSum > 1e-3, "occluding the image did not change its similarity");
        // Cancelled after the first batch.
        int seen = 0;
        QVERIFY_THROWS_EXCEPTION(qlip::Cancelled, qlip::occlusionMap(*engine, image, text, 1, [&](double) { return ++seen < 2; }));
        QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::occlusionMap(*engine, image, text, 0));
        QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::occlusionMap(*engine, image, text, 9));
        QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::occlusionMap(*engine, image, {1.0f, 2.0f}, 2));
    }

    void labelFiles() {
        QTemporaryDir dir;
        const std::string base = dir.path().toStdString();
        writeText(base + "/empty.txt", "# only a comment\n\n   \n");
        QVERIFY(qlip::readLabelFile(base + "/empty.txt").empty());

        std::string many;
        for (int i = 0; i < 10000; ++i) many += "label " + std::to_string(i) + "\n";
        writeText(base + "/many.txt", many);
        QCOMPARE(qlip::readLabelFile(base + "/many.txt").size(), size_t(10000));

        writeText(base + "/dups.txt", "\xEF\xBB\xBF" "cat\r\n  dog  \n# comment\ncat\n\tdog\nbird\n");
        int duplicates = -1;
        const auto labels = qlip::readLabelFile(base + "/dups.txt", &duplicates);
        QCOMPARE(labels, (std::vector<std::string>{"cat", "dog", "bird"}));
        QCOMPARE(duplicates, 2);

        writeText(base + "/latin1.txt", "cat\ncaf\xE9\n");
        try {
            qlip::readLabelFile(base + "/latin1.txt");
            QFAIL("non-UTF-8 text was accepted");
        } catch (const qlip::Error& e) {
            const std::string msg = e.what();
            QVERIFY2(msg.find("latin1.txt") != std::string::npos && msg.find("line 2") != std::string::npos, msg.c_str());
        }
        QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::readLabelFile(base + "/missing.txt"));
        QVERIFY(qlip::isValidUtf8("caf\xC3\xA9 \xF0\x9F\x8D\x8E"));
        QVERIFY(!qlip::isValidUtf8("\xC0\xAF"));          // overlong '/'
        QVERIFY(!qlip::isValidUtf8("\xED\xA0\x80"));      // surrogate
        // An empty label list is an error when embedding.
        QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::embedPrompts(*engine, qlip::readLabelFile(base + "/empty.txt"), {"{}"}));
    }
};

QTEST_GUILESS_MAIN(TestQuery)
#include "test_query.moc"
