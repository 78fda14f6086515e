// Trainer smoke test on a tiny synthetic set: the loss falls, runs are deterministic, a resumed
// run equals an uninterrupted one, and the written model folder loads back bit-exactly.
#include "qlip/engine.h"
#include "qlip/error.h"
#include "qlip/npy.h"
#include "qlip/safetensors.h"
#include "qlip/train.h"
#include "train/dataset.h"

#include <QtTest>
#include <filesystem>
#include <fstream>
#include <random>

namespace {

// 48 images of 16x16: a coloured square or bar on white, labelled by colour and shape.
void writeSyntheticSet(const std::string& dir) {
    const char* colours[] = {"red", "green", "blue"};
    const uint8_t rgb[3][3] = {{220, 30, 30}, {30, 180, 40}, {40, 60, 220}};
    const char* shapes[] = {"square", "bar"};
    std::vector<uint8_t> pixels;
    std::string json = "{\"images\": [";
    std::mt19937 rng(1);
    for (int i = 0; i < 48; ++i) {
        int c = i % 3, s = (i / 3) % 2;
        std::vector<uint8_t> img(16 * 16 * 3, 255);
        int x0 = int(rng() % 4), y0 = int(rng() % 4);
        for (int y = y0; y < y0 + (s ? 4 : 10); ++y)
            for (int x = x0; x < x0 + 10; ++x)
                for (int k = 0; k < 3; ++k) img[(size_t(y) * 16 + x) * 3 + k] = rgb[c][k];
        pixels.insert(pixels.end(), img.begin(), img.end());
        json += std::string(i ? ", " : "") + "{\"label\": \"" + colours[c] + " " + shapes[s] +
                "\", \"category\": \"Shapes\", \"keywords\": [\"" + colours[c] + "\", \"" + shapes[s] + "\"]}";
    }
    json += "]}";
    qlip::saveNpy(dir + "/train_images.npy", "|u1", {48, 16, 16, 3}, pixels.data(), pixels.size());
    std::ofstream(dir + "/train.json") << json;
}

qlip::TokenizerTrainOptions tinyOptions(const std::string& data, const std::string& out) {
    qlip::TokenizerTrainOptions o;
    o.data = data;
    o.out = out;
    o.merges = std::string(QLIPX_TEST_DATA) + "/clip-bpe/merges.txt";
    o.mergeCount = 300;
    o.width = 32; o.heads = 2; o.mlp = 64; o.layers = 1; o.decoderLayers = 1;
    o.textWidth = 32; o.textHeads = 2; o.textMlp = 64; o.textLayers = 1;
    o.contextLength = 16; o.patch = 4; o.imageSize = 16; o.bits = 28; o.projectionDim = 16;
    o.steps = 40; o.batch = 8; o.warmup = 5; o.lr = 3e-3;
    o.checkpointEvery = 10; o.logEvery = 5; o.threads = 1;
    return o;
}

std::vector<std::vector<double>> readLog(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    std::vector<std::vector<double>> rows;
    while (std::getline(in, line)) {
        std::vector<double> r;
        std::stringstream ss(line);
        for (std::string v; std::getline(ss, v, ',');) r.push_back(std::atof(v.c_str()));
        rows.push_back(r);
    }
    return rows;
}

std::vector<double> weights(const std::string& file, const std::string& name) {
    return qlip::SafetensorsFile::open(file).readAsDouble(name);
}

} // namespace

class TestTrain : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void lossFallsAndFolderLoads();
    void resumeEqualsUninterrupted();
    void badData();
    void styleAugmentationKeepsWhiteAndMeaning();
};

void TestTrain::lossFallsAndFolderLoads() {
    QTemporaryDir dir;
    const std::string base = dir.path().toStdString();
    writeSyntheticSet(base);
    int reports = 0;
    qlip::trainTokenizer(tinyOptions(base, base + "/model"), [&](const qlip::TrainProgress&) { ++reports; });
    QCOMPARE(reports, 8);
    auto log = readLog(base + "/model/train-log.csv");
    QCOMPARE(int(log.size()), 8);
    qInfo("loss %.4f -> %.4f, psnr %.2f -> %.2f dB", log.front()[2], log.back()[2], log.front()[4], log.back()[4]);
    QVERIFY(log.back()[2] < log.front()[2] * 0.8);
    QVERIFY(std::filesystem::file_size(base + "/model/train-loss.png") > 1000);
    // The final folder (BF16 weights + compact vocabulary) opens with the normal loader.
    auto engine = qlip::Engine::open(base + "/model", {qlip::Device::CPU});
    QCOMPARE(engine->info().gridRows, 4);
    QVERIFY(engine->hasTokenizer());
    QCOMPARE(engine->embedTexts({"a red square"}).front().size(), size_t(16));
    // The F32 checkpoint loads and saves back bit-exactly.
    auto ck = qlip::Engine::open(base + "/model/checkpoint", {qlip::Device::CPU});
    ck->saveModelFolder(base + "/resaved", "F32");
    auto original = qlip::SafetensorsFile::open(base + "/model/checkpoint/model.safetensors");
    for (const auto& t : original.tensors())
        QCOMPARE(weights(base + "/resaved/model.safetensors", t.name), original.readAsDouble(t.name));
}

void TestTrain::resumeEqualsUninterrupted() {
    QTemporaryDir dir;
    const std::string base = dir.path().toStdString();
    writeSyntheticSet(base);
    auto straight = tinyOptions(base, base + "/a");
    straight.steps = 20;
    qlip::trainTokenizer(straight, [](const qlip::TrainProgress&) {});
    auto paused = tinyOptions(base, base + "/b");
    paused.steps = 20;
    paused.stopAt = 10;
    qlip::trainTokenizer(paused, [](const qlip::TrainProgress&) {});
    paused.stopAt = 0;
    qlip::trainTokenizer(paused, [](const qlip::TrainProgress&) {}); // resumes from step 10
    auto a = qlip::SafetensorsFile::open(base + "/a/checkpoint/model.safetensors");
    for (const auto& t : a.tensors())
        QVERIFY2(weights(base + "/b/checkpoint/model.safetensors", t.name) == a.readAsDouble(t.name), t.name.c_str());
}

void TestTrain::badData() {
    QTemporaryDir dir;
    const std::string base = dir.path().toStdString();
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::trainTokenizer(tinyOptions(base, base + "/m"), [](const qlip::TrainProgress&) {}));
    writeSyntheticSet(base);
    std::ofstream(base + "/train.json") << "{\"images\": [{\"label\": \"only one\"}]}";
    try {
        qlip::trainTokenizer(tinyOptions(base, base + "/m"), [](const qlip::TrainProgress&) {});
        QFAIL("mismatched metadata accepted");
    } catch (const qlip::Error& e) {
        QVERIFY2(std::string(e.what()).find("describes 1 images") != std::string::npos, e.what());
    }
}

void TestTrain::styleAugmentationKeepsWhiteAndMeaning() {
    // A red disc on white, 8 copies.
    const int64_t S = 32;
    auto yy = torch::arange(S).view({S, 1}).to(torch::kFloat32), xx = torch::arange(S).view({1, S}).to(torch::kFloat32);
    auto disc = ((yy - 15.5).pow(2) + (xx - 15.5).pow(2) < 100).to(torch::kFloat32);          // [S, S]
    auto img = torch::stack({torch::ones({S, S}), 1 - disc, 1 - disc}).unsqueeze(0).repeat({8, 1, 1, 1});
    std::mt19937_64 a(7), b(7), c(7);

    auto none = qlip::train::augmentStyle(img, 0.0, a);
    QVERIFY(torch::allclose(none, img, 0, 1e-5)); // strength 0 changes nothing

    auto x = qlip::train::augmentStyle(img, 1.0, b), y = qlip::train::augmentStyle(img, 1.0, c);
    QCOMPARE(x.sizes(), img.sizes());
    QVERIFY(torch::equal(x, y));                                     // same seed, same pictures
    QVERIFY(x.min().item<float>() >= 0.f && x.max().item<float>() <= 1.f);
    QVERIFY((x - img).abs().max().item<float>() > 0.05f);            // it does change the drawing
    // Corners stay white (zoom pads with white), and the disc stays red: R > G, B where it is.
    QVERIFY(x.select(2, 0).select(2, 0).min().item<float>() > 0.99f);
    auto centre = x.select(3, 16).select(2, 16);                     // [8, 3]
    QVERIFY((centre.select(1, 0) - centre.select(1, 1)).min().item<float>() > 0.5f);
    QVERIFY(torch::allclose(centre.select(1, 1), centre.select(1, 2), 0, 1e-5));
}

QTEST_GUILESS_MAIN(TestTrain)
#include "test_train.moc"
