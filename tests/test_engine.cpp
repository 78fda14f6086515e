// Engine behaviour through its public API: model folders (good and broken), token files,
// text inputs, and errors that name the file and the problem without losing the engine.
#include "qlip/engine.h"
#include "qlip/error.h"
#include "qlip/image.h"
#include "qlip/json.h"
#include "qlip/npy.h"
#include "qlip/safetensors.h"
#include "qlip/tokenizer.h"

#include <QtTest>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>

namespace fs = std::filesystem;

namespace {

const std::string kGolden = std::string(QLIPX_TEST_DATA) + "/golden/tiny-b16";
const std::string kBpe = std::string(QLIPX_TEST_DATA) + "/clip-bpe";

// A copy of the golden model folder (optionally with the CLIP vocabulary) to break on purpose.
std::string makeModelFolder(const QTemporaryDir& dir, const std::string& name, bool withTokenizer = false) {
    fs::path folder = fs::path(dir.path().toStdString()) / name;
    fs::create_directories(folder);
    fs::copy_file(kGolden + "/config.json", folder / "config.json");
    fs::copy_file(kGolden + "/model.safetensors", folder / "model.safetensors");
    if (withTokenizer) {
        fs::copy_file(kBpe + "/vocab.json", folder / "vocab.json");
        fs::copy_file(kBpe + "/merges.txt", folder / "merges.txt");
    }
    return folder.string();
}

void writeText(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string openError(const std::string& folder) {
    try {
        qlip::Engine::open(folder, {qlip::Device::CPU});
    } catch (const qlip::Error& e) {
        return e.what();
    }
    return {};
}

// Rewrite model.safetensors through `edit(name, shape) -> keep?`, adding `extra` tensors.
void rewriteWeights(const std::string& folder, const std::function<bool(const std::string&, std::vector<int64_t>&)>& edit,
                    const std::vector<std::string>& extra = {}) {
    auto src = qlip::SafetensorsFile::open(kGolden + "/model.safetensors");
    qlip::SafetensorsWriter w;
    std::vector<std::vector<float>> keep;
    for (const auto& t : src.tensors()) {
        std::vector<int64_t> shape = t.shape;
        if (!edit(t.name, shape)) continue;
        int64_t n = 1;
        for (auto d : shape) n *= d;
        auto values = src.readAsDouble(t.name); // real values, so the stored RoPE tables stay valid
        keep.emplace_back(size_t(n), 0.5f);
        if (shape == t.shape) std::copy(values.begin(), values.end(), keep.back().begin());
        w.add(t.name, qlip::DType::F32, shape, keep.back().data(), keep.back().size() * 4);
    }
    float one = 1;
    for (const auto& name : extra) w.add(name, qlip::DType::F32, {1}, &one, 4);
    w.save(folder + "/model.safetensors");
}

qlip::TokenGrid gridOf(int rows, int cols, int64_t value) {
    qlip::TokenGrid g;
    g.rows = rows;
    g.cols = cols;
    g.bits = 28;
    g.indices.assign(size_t(rows) * cols, value);
    return g;
}

} // namespace

class TestEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void opensGoldenFolder();
    void loadReportsProgressAndCancels();
    void badFolders_data();
    void badFolders();
    void reportsEveryWeightMismatch();
    void loadsHalfPrecisionWeights();
    void savedFolderLoadsBack();
    void decodeRejectsWrongTokens();
    void tokenFilesRoundTrip();
    void tokenFileErrors();
    void npyHeadersAreStrict_data();
    void npyHeadersAreStrict();
    void hostileConfigsFailBeforeAllocating_data();
    void hostileConfigsFailBeforeAllocating();
    void nonFiniteWeightsWarnAndRefuseOutputs();
    void textInputs();
    void imageEncodeMatchesPixels();
    void bitSensitivityMatchesSingleDecodes();
};

void TestEngine::opensGoldenFolder() {
    auto e = qlip::Engine::open(kGolden, {qlip::Device::CPU});
    const auto& i = e->info();
    QCOMPARE(i.gridRows, 16);
    QCOMPARE(i.bits, 28);
    QCOMPARE(i.imageSize, 128);
    QCOMPARE(i.device, std::string("cpu"));
    QVERIFY(std::abs(i.logitScale - 4.02958f) < 1e-4);
    QVERIFY(!e->hasTokenizer());
    QVERIFY(i.warnings.empty());
    QVERIFY_THROWS_EXCEPTION(qlip::Error, e->embedTexts({"a cat"})); // no vocabulary in this folder
}

void TestEngine::loadReportsProgressAndCancels() {
    qlip::EngineOptions o;
    o.device = qlip::Device::CPU;
    std::vector<double> seen;
    auto engine = qlip::Engine::open(kGolden, o, [&](double f) {
        seen.push_back(f);
        return true;
    });
    QVERIFY(engine);
    QVERIFY(seen.size() > 5); // one report per tensor at least
    QCOMPARE(seen.front(), 0.0);
    QCOMPARE(seen.back(), 1.0);
    QVERIFY(std::is_sorted(seen.begin(), seen.end()));

    // Returning false stops the load with qlip::Cancelled, not with an error.
    int calls = 0;
    bool cancelled = false;
    try {
        qlip::Engine::open(kGolden, o, [&](double f) { return ++calls, f < 0.5; });
    } catch (const qlip::Cancelled&) {
        cancelled = true;
    }
    QVERIFY(cancelled);
    QVERIFY(calls < int(seen.size())); // it stopped early
}

void TestEngine::badFolders_data() {
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing folder") << "rmdir" << "does not exist";
    QTest::newRow("no config") << "rm config.json" << "has no config.json";
    QTest::newRow("malformed config") << "config {\"vision_config\": [" << "config.json";
    QTest::newRow("config not an object") << "config [1]" << "expected a JSON object";
    QTest::newRow("wrong quantizer") << "quantizer" << "only \"bsq\"";
    QTest::newRow("config wrong type") << "config {\"projection_dim\": \"big\", \"vision_projection_bias\": true, \"text_projection_bias\": false}" << "projection_dim";
    QTest::newRow("no weights") << "rm model.safetensors" << "has no model.safetensors";
    QTest::newRow("pickle only") << "pickle" << "never are";
    QTest::newRow("truncated weights") << "truncate" << "outside the data section";
    QTest::newRow("header length too large") << "header" << "larger than the";
}

void TestEngine::badFolders() {
    QFETCH(QString, damage);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    std::string folder = makeModelFolder(dir, "m");
    const std::string d = damage.toStdString();
    if (d == "rmdir") fs::remove_all(folder);
    else if (d.rfind("rm ", 0) == 0) fs::remove(folder + "/" + d.substr(3));
    else if (d.rfind("config ", 0) == 0) writeText(folder + "/config.json", d.substr(7));
    else if (d == "quantizer") {
        std::ifstream in(kGolden + "/config.json");
        std::string text((std::istreambuf_iterator<char>(in)), {});
        text.replace(text.find("\"bsq\""), 5, "\"vq\"");
        writeText(folder + "/config.json", text);
    } else if (d == "pickle") {
        fs::remove(folder + "/model.safetensors");
        writeText(folder + "/pytorch_model.bin", "PK\x03\x04 not to be unpickled");
    } else if (d == "truncate") fs::resize_file(folder + "/model.safetensors", fs::file_size(folder + "/model.safetensors") / 2);
    else if (d == "header") {
        std::fstream f(folder + "/model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
        const char big[8] = {0, 0, 0, 0, 0x10, 0, 0, 0};
        f.write(big, 8);
    }
    std::string err = openError(folder);
    QVERIFY2(!err.empty(), "broken folder was accepted");
    QVERIFY2(err.find(expected.toStdString()) != std::string::npos, err.c_str());
    QVERIFY2(err.find(folder) != std::string::npos, err.c_str()); // names the folder or file
}

void TestEngine::reportsEveryWeightMismatch() {
    QTemporaryDir dir;
    std::string folder = makeModelFolder(dir, "m");
    rewriteWeights(folder, [](const std::string& name, std::vector<int64_t>& shape) {
        if (name == "text_projection.weight") return false;                  // missing
        if (name == "vision_model.quant_embed.c_proj.weight") shape[0] = 27; // wrong shape
        return true;
    }, {"vision_model.extra_head.weight"});                                  // unexpected
    std::string err = openError(folder);
    qInfo("%s", err.c_str());
    QVERIFY(err.find("3 problems") != std::string::npos);
    QVERIFY(err.find("missing tensors (1):\n    text_projection.weight [32, 64]") != std::string::npos);
    QVERIFY(err.find("unexpected tensors (1):\n    vision_model.extra_head.weight [1]") != std::string::npos);
    QVERIFY(err.find("vision_model.quant_embed.c_proj.weight: file [27, 64], model expects [28, 64]") != std::string::npos);

    // A missing LayerNorm bias is left at zero with a warning, as the reference loader does.
    std::string folder2 = makeModelFolder(dir, "m2");
    rewriteWeights(folder2, [](const std::string& name, std::vector<int64_t>&) { return name != "vision_model.post_layernorm.bias"; });
    auto e = qlip::Engine::open(folder2, {qlip::Device::CPU});
    QCOMPARE(e->info().warnings.size(), size_t(1));
    QVERIFY(e->info().warnings[0].find("post_layernorm.bias") != std::string::npos);
}

void TestEngine::loadsHalfPrecisionWeights() {
    // BF16 and F16 weight files are upcast; results stay close to the F32 model.
    QTemporaryDir dir;
    auto ref = qlip::Engine::open(kGolden, {qlip::Device::CPU});
    auto grid = ref->encode({[] {
        qlip::PixelTensor p;
        p.height = p.width = 128;
        p.chw.resize(3 * 128 * 128);
        for (size_t i = 0; i < p.chw.size(); ++i) p.chw[i] = float(std::sin(0.01 * double(i)));
        return p;
    }()}).front();
    auto refPixels = ref->decode({grid}).front();
    for (const char* dtype : {"BF16", "F16"}) {
        std::string folder = dir.path().toStdString() + "/" + dtype;
        ref->saveModelFolder(folder, dtype);
        auto half = qlip::Engine::open(folder, {qlip::Device::CPU});
        auto pixels = half->decode({grid}).front();
        double err = 0;
        for (size_t i = 0; i < pixels.chw.size(); ++i) err = std::max(err, double(std::abs(pixels.chw[i] - refPixels.chw[i])));
        qInfo("%s weights: max |pixel diff| %.4f", dtype, err);
        QVERIFY(err > 0);    // the weights really were rounded
        QVERIFY(err < 0.05);
    }
}

void TestEngine::savedFolderLoadsBack() {
    QTemporaryDir dir;
    auto ref = qlip::Engine::open(kGolden, {qlip::Device::CPU});
    std::string folder = dir.path().toStdString() + "/copy";
    ref->saveModelFolder(folder, "F32");
    auto copy = qlip::Engine::open(folder, {qlip::Device::CPU});
    QCOMPARE(copy->config().toJson().dump(), ref->config().toJson().dump());
    auto g = gridOf(16, 16, 123456789);
    QCOMPARE(copy->decode({g}).front().chw, ref->decode({g}).front().chw);
}

void TestEngine::decodeRejectsWrongTokens() {
    auto e = qlip::Engine::open(kGolden, {qlip::Device::CPU});
    auto good = gridOf(16, 16, 5);
    auto before = e->decode({good}).front().chw;
    QVERIFY_THROWS_EXCEPTION(qlip::Error, e->decode({gridOf(8, 8, 5)}));                 // another grid
    QVERIFY_THROWS_EXCEPTION(qlip::Error, e->decode({gridOf(16, 16, int64_t(1) << 28)})); // out of range
    QVERIFY_THROWS_EXCEPTION(qlip::Error, e->decode({gridOf(16, 16, -1)}));
    auto wrongBits = good;
    wrongBits.bits = 18;
    QVERIFY_THROWS_EXCEPTION(qlip::Error, e->decode({wrongBits}));
    QCOMPARE(e->decode({good}).front().chw, before); // the engine is unharmed
    qlip::PixelTensor small;
    small.height = small.width = 64;
    small.chw.assign(3 * 64 * 64, 0.f);
    QVERIFY_THROWS_EXCEPTION(qlip::Error, e->encode({small}));
}

void TestEngine::tokenFilesRoundTrip() {
    QTemporaryDir dir;
    auto g = gridOf(16, 16, 0);
    for (int n = 0; n < g.count(); ++n) g.indices[n] = (int64_t(n) * 2654435761LL) % (int64_t(1) << 28);
    std::string path = dir.path().toStdString() + "/t.npy";
    qlip::saveTokens(path, g, {"tiny", "img.png", "{\"shortest_edge\": 128}"});
    auto back = qlip::loadTokens(path, 16, 16, 28);
    QCOMPARE(back.indices, g.indices);
    QCOMPARE(back.groupIndices(), g.groupIndices());
    std::ifstream side(dir.path().toStdString() + "/t.json");
    std::string sidecar((std::istreambuf_iterator<char>(side)), {});
    QVERIFY(sidecar.find("\"bits\":28") != std::string::npos);
    QVERIFY(sidecar.find("msb-first") != std::string::npos);
}

void TestEngine::tokenFileErrors() {
    QTemporaryDir dir;
    const std::string base = dir.path().toStdString();
    qlip::saveTokens(base + "/small.npy", gridOf(8, 8, 1), {"tiny", "", "{}"});
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::loadTokens(base + "/small.npy", 16, 16, 28)); // wrong grid
    // out-of-range index written by hand (no sidecar)
    std::vector<int64_t> bad(256, int64_t(1) << 30);
    qlip::saveNpy(base + "/range.npy", "<i8", {16, 16}, bad.data(), bad.size() * 8);
    try {
        qlip::loadTokens(base + "/range.npy", 16, 16, 28);
        QFAIL("out-of-range tokens accepted");
    } catch (const qlip::Error& e) {
        QVERIFY2(std::string(e.what()).find("outside [0, 2^28)") != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).find("range.npy") != std::string::npos, e.what());
    }
    writeText(base + "/trunc.npy", "\x93NUMPY\x01\x00\x76\x00{'descr': '<i8', 'fortran_order': False, 'shape': (16, 16), }");
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::loadTokens(base + "/trunc.npy", 16, 16, 28));
    writeText(base + "/junk.npy", "not numpy at all");
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::loadTokens(base + "/junk.npy", 16, 16, 28));
    QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::loadTokens(base + "/missing.npy", 16, 16, 28));
}

void TestEngine::npyHeadersAreStrict_data() {
    QTest::addColumn<QString>("shape");
    QTest::addColumn<int>("dataBytes");
    QTest::addColumn<QString>("expected");
    QTest::newRow("junk inside the tuple") << "(8, 8 junk!)" << 512 << "malformed .npy shape";
    QTest::newRow("negative dimension") << "(-1,)" << 0 << "malformed .npy shape";
    QTest::newRow("2^62 elements, no data") << "(4611686018427387904,)" << 0 << "more elements than any file can hold";
    QTest::newRow("2^60 elements, no data") << "(1152921504606846976,)" << 0 << "needs 9223372036854775808 bytes";
    QTest::newRow("dimension beyond int64") << "(99999999999999999999,)" << 0 << "dimension too large";
    QTest::newRow("product overflows") << "(4294967296, 4294967296)" << 0 << "more elements than any file can hold";
    QTest::newRow("no closing parenthesis") << "(8, 8" << 512 << "malformed .npy";
    QTest::newRow("size disagrees") << "(8, 8)" << 511 << "needs 512 bytes";
}

void TestEngine::npyHeadersAreStrict() {
    QFETCH(QString, shape);
    QFETCH(int, dataBytes);
    QFETCH(QString, expected);
    std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': " + shape.toStdString() + ", }\n";
    std::vector<uint8_t> bytes = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(header.size()), 0};
    bytes.insert(bytes.end(), header.begin(), header.end());
    bytes.resize(bytes.size() + size_t(dataBytes));
    try {
        qlip::parseNpy(bytes.data(), bytes.size(), "bad.npy");
        QFAIL("a malformed .npy header was accepted");
    } catch (const qlip::Error& e) {
        QVERIFY2(std::string(e.what()).find("bad.npy") != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
    }
    // The exact grammar still reads what numpy writes.
    std::string good = "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }\n";
    std::vector<uint8_t> ok = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(good.size()), 0};
    ok.insert(ok.end(), good.begin(), good.end());
    ok.resize(ok.size() + 48);
    QCOMPARE(qlip::parseNpy(ok.data(), ok.size(), "ok.npy").shape, (std::vector<int64_t>{2, 3}));
}

void TestEngine::hostileConfigsFailBeforeAllocating_data() {
    // Each edit replaces `key` in one section of the golden config. The messages come from
    // validate() or from the header check, both of which run before the model is built: a 1 KB
    // config can no longer allocate gigabytes (peak RSS figures: docs/reliability.md).
    QTest::addColumn<QString>("section");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expected");
    QTest::newRow("1e9 layers") << "vision_config" << "num_hidden_layers" << "1e9" << "num_hidden_layers must be between 0 and 256, got 1000000000";
    QTest::newRow("1000 layers") << "text_config" << "num_hidden_layers" << "1000" << "num_hidden_layers must be between 0 and 256, got 1000";
    QTest::newRow("vocab 2e6") << "text_config" << "vocab_size" << "2e6" << "vocab_size must be between 1 and 1048576, got 2000000";
    QTest::newRow("hidden 2^32+192") << "vision_config" << "hidden_size" << "4294967488" << "hidden_size: 4294967488 is out of range";
    QTest::newRow("hidden 1e12") << "vision_config" << "hidden_size" << "1e12" << "hidden_size: 1000000000000 is out of range";
    QTest::newRow("hidden 1e300") << "vision_config" << "hidden_size" << "1e300" << "too large to be read as an exact integer";
    QTest::newRow("bos outside vocab") << "text_config" << "bos_token_id" << "49408" << "bos_token_id must be between 0 and 49407";
    QTest::newRow("eos negative") << "text_config" << "eos_token_id" << "-3" << "eos_token_id must be between 0 and 49407";
    QTest::newRow("huge grid") << "vision_config" << "image_size" << "4096" << "a grid of 512x512 patches is larger than 256x256";
    QTest::newRow("3 layers, file has 2") << "vision_config" << "num_hidden_layers" << "3" << "checked before building the model";
    QTest::newRow("vocab 1e6 vs file") << "text_config" << "vocab_size" << "1000000" << "token_embedding.weight is [49408, 64] in the file";
    QTest::newRow("MLP 65536 vs file") << "text_config" << "intermediate_size" << "65536" << "parameters";
}

void TestEngine::hostileConfigsFailBeforeAllocating() {
    QFETCH(QString, section);
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    std::string folder = makeModelFolder(dir, "m");
    std::ifstream in(kGolden + "/config.json");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const size_t sectionAt = text.find("\"" + section.toStdString() + "\"");
    const size_t keyAt = text.find("\"" + key.toStdString() + "\": ", sectionAt);
    QVERIFY(sectionAt != std::string::npos && keyAt != std::string::npos);
    const size_t valueAt = keyAt + key.size() + 4, valueEnd = text.find_first_of(",\n}", valueAt);
    text.replace(valueAt, valueEnd - valueAt, value.toStdString());
    writeText(folder + "/config.json", text);
    std::string err = openError(folder);
    QVERIFY2(err.find(expected.toStdString()) != std::string::npos, err.c_str());
    QVERIFY2(err.find(folder) != std::string::npos, err.c_str());
}

void TestEngine::nonFiniteWeightsWarnAndRefuseOutputs() {
    QTemporaryDir dir;
    std::string folder = makeModelFolder(dir, "m");
    {
        auto src = qlip::SafetensorsFile::open(kGolden + "/model.safetensors");
        qlip::SafetensorsWriter w;
        std::vector<std::vector<float>> keep;
        for (const auto& t : src.tensors()) {
            auto values = src.readAsDouble(t.name);
            keep.emplace_back(values.begin(), values.end());
            if (t.name == "vision_model.embeddings.patch_embedding.weight") {
                keep.back()[0] = std::numeric_limits<float>::quiet_NaN();
                keep.back()[1] = std::numeric_limits<float>::infinity();
            }
            w.add(t.name, qlip::DType::F32, t.shape, keep.back().data(), keep.back().size() * 4);
        }
        w.save(folder + "/model.safetensors");
    }
    auto e = qlip::Engine::open(folder, {qlip::Device::CPU});
    const auto& warnings = e->info().warnings;
    QVERIFY2(std::any_of(warnings.begin(), warnings.end(), [](const std::string& w) {
                 return w.find("2 NaN/infinite values in 1 tensor (first: vision_model.embeddings.patch_embedding.weight)") != std::string::npos;
             }), warnings.empty() ? "no warning" : warnings[0].c_str());
    qlip::PixelTensor p;
    p.height = p.width = e->config().vision.imageSize;
    p.chw.assign(size_t(3) * p.height * p.width, 0.1f);
    try {
        e->encode({p});
        QFAIL("NaN weights gave a token grid");
    } catch (const qlip::Error& err) {
        QVERIFY2(std::string(err.what()).find("encoding produced NaN or infinite values") != std::string::npos, err.what());
    }
    QVERIFY_THROWS_EXCEPTION(qlip::Error, e->embedImages({p}));
}

void TestEngine::textInputs() {
    QTemporaryDir dir;
    auto e = qlip::Engine::open(makeModelFolder(dir, "m", true), {qlip::Device::CPU});
    QVERIFY(e->hasTokenizer());
    std::string longPrompt;
    for (int i = 0; i < 2000; ++i) longPrompt += "cat ";
    QCOMPARE(longPrompt.size(), size_t(8000));
    longPrompt += std::string(2000, 'x');
    auto emb = e->embedTexts({"", longPrompt, "a photo of a cat", "\xF0\x9F\x8D\x8E apple \xFF\xFE"});
    QCOMPARE(emb.size(), size_t(4));
    for (const auto& v : emb) {
        double norm = 0;
        for (float x : v) { QVERIFY(std::isfinite(x)); norm += double(x) * x; }
        QVERIFY(std::abs(norm - 1.0) < 1e-4);
    }
    QVERIFY(emb[0] != emb[2]);
    QVERIFY_THROWS_EXCEPTION(qlip::Error, e->embedTexts({}));
    auto image = e->embedImages({e->preprocess([] {
        qlip::ImageRGB8 img;
        img.width = img.height = 128;
        img.rgb.assign(128 * 128 * 3, 200);
        return img;
    }())}).front();
    auto zs = e->zeroShot(image, emb, qlip::ZeroShotScale::Learned);
    double sum = 0;
    for (float p : zs.probabilities) sum += p;
    QVERIFY(std::abs(sum - 1.0) < 1e-5);
    QVERIFY(std::abs(zs.scale - std::exp(4.02958)) < 1e-3);
}

void TestEngine::imageEncodeMatchesPixels() {
    // encodeImage = preprocess + encode; a bad image file is a clear error and leaves the engine usable.
    auto e = qlip::Engine::open(kGolden, {qlip::Device::CPU});
    qlip::ImageRGB8 img;
    img.width = 300;
    img.height = 200;
    img.rgb.resize(size_t(300) * 200 * 3);
    for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = uint8_t((i * 7) % 251);
    auto a = e->encodeImage(img);
    auto b = e->encode({e->preprocess(img)}).front();
    QCOMPARE(a.indices, b.indices);
    QTemporaryDir dir;
    std::string empty = dir.path().toStdString() + "/empty.png";
    writeText(empty, "");
    QVERIFY_THROWS_EXCEPTION(qlip::Error, e->encodeImage(qlip::loadImage(empty)));
    QCOMPARE(e->encodeImage(img).indices, a.indices);
}

void TestEngine::bitSensitivityMatchesSingleDecodes() {
    qlip::EngineOptions o;
    o.device = qlip::Device::CPU;
    o.maxBatch = 7; // batches that do not divide the grid
    o.threads = 1;
    auto e = qlip::Engine::open(kGolden, o);
    qlip::ImageRGB8 img{96, 80, std::vector<uint8_t>(size_t(96) * 80 * 3)};
    for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = uint8_t((i * 13) % 253);
    const qlip::TokenGrid grid = e->encodeImage(img);
    const auto sens = e->bitSensitivity(grid, {0, 27});
    QCOMPARE(sens.size(), size_t(2));
    QCOMPARE(int(sens[0].size()), grid.count());
    const qlip::ImageRGB8 base = e->decodeToImage(grid);
    for (int k = 0; k < 2; ++k)
        for (int n : {0, 37, grid.count() - 1}) {
            qlip::TokenGrid flipped = grid;
            const int bit = k == 0 ? 0 : 27;
            flipped.setBit(n, bit, !grid.bit(n, bit));
            const qlip::ImageRGB8 img2 = e->decodeToImage(flipped);
            double sum = 0;
            for (size_t i = 0; i < base.rgb.size(); ++i) sum += std::abs(int(base.rgb[i]) - int(img2.rgb[i]));
            const double want = sum / double(base.rgb.size());
            // The image is rounded to whole levels; the sensitivity is not.
            QVERIFY2(std::abs(sens[size_t(k)][size_t(n)] - want) < 0.6, qPrintable(QStringLiteral("%1 vs %2").arg(sens[size_t(k)][size_t(n)]).arg(want)));
        }
    // Cancelling stops it; a bit that does not exist is an error.
    int calls = 0;
    QVERIFY_THROWS_EXCEPTION(qlip::Cancelled, e->bitSensitivity(grid, {0, 1, 2}, [&](double) { return ++calls < 3; }));
    QCOMPARE(calls, 3);
    QVERIFY_THROWS_EXCEPTION(qlip::Error, e->bitSensitivity(grid, {28}));
}

QTEST_GUILESS_MAIN(TestEngine)
#include "test_engine.moc"
