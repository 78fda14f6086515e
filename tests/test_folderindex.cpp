// The incremental folder index: what is encoded when, what invalidates the index file, search
// and token statistics.
#include "qlip/engine.h"
#include "qlip/error.h"
#include "qlip/folderindex.h"
#include "qlip/image.h"
#include "qlip/query.h"
#include "qlip/json.h"
#include "qlip/safetensors.h"

#include <QtTest>
#include <filesystem>
#include <fstream>
#include <limits>

namespace fs = std::filesystem;

namespace {

const std::string kModel = std::string(QLIPX_SOURCE_DIR) + "/resources/models/qlip-emoji-64";
const std::string kGolden = std::string(QLIPX_TEST_DATA) + "/golden/tiny-b16";
const std::string kSamples = std::string(QLIPX_SOURCE_DIR) + "/resources/samples";
const std::string kHeldout = std::string(QLIPX_TEST_DATA) + "/emoji-heldout";

std::unique_ptr<qlip::Engine> openModel(const std::string& folder) {
    qlip::EngineOptions o;
    o.device = qlip::Device::CPU;
    o.threads = 1;
    return qlip::Engine::open(folder, o);
}

bool hasMessage(const qlip::IndexUpdate& u, const std::string& part) {
    for (const auto& m : u.messages)
        if (m.find(part) != std::string::npos) return true;
    return false;
}

} // namespace

class TestFolderIndex : public QObject {
    Q_OBJECT
    std::unique_ptr<qlip::Engine> engine;
    QTemporaryDir tmp;
    std::string dir;

private Q_SLOTS:
    void initTestCase() {
        engine = openModel(kModel);
        dir = tmp.path().toStdString() + "/images";
        fs::create_directories(dir + "/sub/deeper");
        for (const char* f : {"red-apple.png", "smiley.png", "chelsea.png"}) fs::copy_file(kSamples + "/" + f, dir + "/" + f);
        fs::copy_file(kHeldout + "/fluent_01.png", dir + "/sub/cat.png");
        fs::copy_file(kHeldout + "/fluent_04.png", dir + "/sub/deeper/llama.PNG");
        std::ofstream(dir + "/sub/broken.jpg", std::ios::binary) << "not a jpeg at all";
        std::ofstream(dir + "/notes.txt") << "not an image, not listed";
    }

    void buildEncodesEveryGoodImage() {
        qlip::IndexUpdate u;
        int calls = 0;
        auto index = qlip::FolderIndex::build(dir, *engine, {}, [&](const qlip::IndexProgress& p) {
            ++calls;
            return p.done <= p.total;
        }, &u);
        QCOMPARE(u.encoded, 5);
        QCOMPARE(u.reused, 0);
        QCOMPARE(u.skipped.size(), size_t(1));
        QCOMPARE(u.skipped[0].first, std::string("sub/broken.jpg"));
        QCOMPARE(calls, 6);
        QVERIFY(u.saved);
        QVERIFY(fs::is_regular_file(qlip::FolderIndex::defaultIndexPath(dir)));
        QCOMPARE(index.entries().size(), size_t(5));
        QCOMPARE(index.entries().back().path, std::string("sub/deeper/llama.PNG"));
        for (const auto& e : index.entries()) {
            QCOMPARE(int(e.embedding.size()), engine->info().projectionDim);
            QCOMPARE(int(e.tokens.size()), engine->info().gridRows * engine->info().gridCols);
        }
        // The stored grid equals the engine's own encoding.
        const auto grid = engine->encodeImage(qlip::loadImage(dir + "/smiley.png", engine->preprocessConfig().alpha));
        QCOMPARE(index.entries()[2].path, std::string("smiley.png"));
        QCOMPARE(index.entries()[2].tokens, grid.indices);
    }

    void secondUpdateEncodesNothing() {
        qlip::IndexUpdate u;
        qlip::FolderIndex::build(dir, *engine, {}, {}, &u); // a fresh object: reads the file
        QCOMPARE(u.encoded, 0);
        QCOMPARE(u.reused, 5);
        QCOMPARE(u.removed, 0);
        QVERIFY(u.messages.empty());
        QCOMPARE(u.skipped.size(), size_t(1)); // still listed, still not fatal
    }

    void changedFileIsReencoded() {
        fs::copy_file(kSamples + "/red-apple.png", dir + "/smiley.png", fs::copy_options::overwrite_existing);
        fs::last_write_time(dir + "/smiley.png", fs::last_write_time(dir + "/smiley.png") + std::chrono::seconds(5));
        qlip::FolderIndex index(dir);
        auto u = index.update(*engine);
        QCOMPARE(u.encoded, 1);
        QCOMPARE(u.reused, 4);
        // The same object again: nothing to do.
        u = index.update(*engine);
        QCOMPARE(u.encoded, 0);
        // Touched only (same bytes, new mtime): re-encoded too.
        fs::last_write_time(dir + "/chelsea.png", fs::last_write_time(dir + "/chelsea.png") + std::chrono::seconds(5));
        u = index.update(*engine);
        QCOMPARE(u.encoded, 1);
        QCOMPARE(u.reused, 4);
    }

    void searchFindsTheQueryImageFirst() {
        qlip::FolderIndex index(dir);
        index.update(*engine);
        const auto query = engine->embedImages({engine->preprocess(qlip::loadImage(kSamples + "/chelsea.png"))}).front();
        const auto hits = index.search(query, 3);
        QCOMPARE(hits.size(), size_t(3));
        QCOMPARE(hits[0].path, std::string("chelsea.png"));
        QVERIFY(hits[0].score > 0.999f);
        QVERIFY(hits[0].score >= hits[1].score && hits[1].score >= hits[2].score);
        QCOMPARE(index.search(query, 0).size(), size_t(5));
        const auto text = qlip::embedPrompts(*engine, {"black cat"}, {"an emoji of {}"}).front();
        QCOMPARE(index.search(text, 10).size(), size_t(5));
        QVERIFY_THROWS_EXCEPTION(qlip::Error, index.search({1.0f, 0.0f}, 1));
    }

    void statsCountEveryToken() {
        qlip::FolderIndex index(dir);
        index.update(*engine);
        const auto s = index.stats(5);
        const int perImage = engine->info().gridRows * engine->info().gridCols;
        QCOMPARE(s.images, 5);
        QCOMPARE(s.tokens, int64_t(5) * perImage);
        QCOMPARE(int(s.bitOnes.size()), engine->info().bits);
        QVERIFY(s.distinct > 0 && s.distinct <= s.tokens);
        QVERIFY(s.entropySum > 0 && s.entropySum <= engine->info().bits);
        QCOMPARE(s.top.size(), size_t(5));
        QVERIFY(s.top[0].count >= s.top[4].count);
        // Two identical images (smiley.png is now a copy of red-apple.png): every token of that
        // image appears at least twice.
        QVERIFY(s.top[0].count >= 2);
        const auto& ex = s.top[0];
        const auto* entry = &index.entries().front();
        for (const auto& e : index.entries())
            if (e.path == ex.file) entry = &e;
        QCOMPARE(entry->path, ex.file);
        QCOMPARE(entry->tokens[size_t(ex.row * index.gridCols() + ex.col)], ex.token);
        const std::string csv = tmp.path().toStdString() + "/stats.csv";
        index.writeStatsCsv(csv, 5);
        std::ifstream in(csv);
        int lines = 0, bitRows = 0, tokenRows = 0;
        for (std::string line; std::getline(in, line); ++lines) {
            bitRows += line.rfind("bit,", 0) == 0;
            tokenRows += line.rfind("token,", 0) == 0;
        }
        QCOMPARE(bitRows, engine->info().bits);
        QCOMPARE(tokenRows, 5);
    }

    void deletedFileIsRemoved() {
        fs::remove(dir + "/sub/cat.png");
        qlip::IndexUpdate u;
        auto index = qlip::FolderIndex::build(dir, *engine, {}, {}, &u);
        QCOMPARE(u.removed, 1);
        QCOMPARE(u.encoded, 0);
        QCOMPARE(index.entries().size(), size_t(4));
        fs::copy_file(kHeldout + "/fluent_01.png", dir + "/sub/cat.png");
    }

    void anotherModelRebuilds() {
        auto other = openModel(kGolden); // no tokenizer: fine for images
        qlip::IndexUpdate u;
        auto index = qlip::FolderIndex::build(dir, *other, {}, {}, &u);
        QVERIFY2(hasMessage(u, "another model"), u.messages.empty() ? "no message" : u.messages[0].c_str());
        QCOMPARE(u.encoded, 5);
        QCOMPARE(u.reused, 0);
        QCOMPARE(int(index.entries()[0].tokens.size()), other->info().gridRows * other->info().gridCols);
        // And back: the emoji model rebuilds it again.
        qlip::FolderIndex::build(dir, *engine, {}, {}, &u);
        QVERIFY(hasMessage(u, "another model"));
        QCOMPARE(u.encoded, 5);
        // One object switching models in place also starts over.
        qlip::FolderIndex same(dir);
        same.update(*engine);
        u = same.update(*other);
        QVERIFY(hasMessage(u, "model changed"));
        QCOMPARE(u.encoded, 5);
        same.update(*engine);
    }

    void damagedIndexFileIsRebuilt() {
        const std::string path = qlip::FolderIndex::defaultIndexPath(dir);
        const auto size = fs::file_size(path);
        fs::resize_file(path, size / 2);
        qlip::IndexUpdate u;
        qlip::FolderIndex::build(dir, *engine, {}, {}, &u);
        QVERIFY2(hasMessage(u, "rebuilding"), u.messages.empty() ? "no message" : u.messages[0].c_str());
        QCOMPARE(u.encoded, 5);
        std::ofstream(path, std::ios::binary | std::ios::trunc) << "garbage";
        qlip::FolderIndex::build(dir, *engine, {}, {}, &u);
        QVERIFY(hasMessage(u, "rebuilding"));
        QCOMPARE(u.encoded, 5);
        qlip::FolderIndex::build(dir, *engine, {}, {}, &u);
        QVERIFY(u.messages.empty());
        QCOMPARE(u.encoded, 0);
    }

    // Index files are input like any other: values that would give bogus stats or "-nan" scores,
    // or a message about std::stoll, are refused and the index is rebuilt.
    void hostileIndexFilesAreRebuilt_data() {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("expected");
        QTest::newRow("token index 2^28") << "token" << "outside [0, 2^28)";
        QTest::newRow("token index -1") << "negative token" << "outside [0, 2^28)";
        QTest::newRow("NaN embedding") << "nan" << "is NaN or infinite";
        QTest::newRow("mtime not a number") << "mtime" << "mtime 'yesterday' is not a whole number";
        QTest::newRow("size with junk") << "size" << "size '12abc' is not a whole number";
    }
    void hostileIndexFilesAreRebuilt() {
        QFETCH(QString, damage);
        QFETCH(QString, expected);
        const std::string path = qlip::FolderIndex::defaultIndexPath(dir);
        qlip::FolderIndex::build(dir, *engine);
        {
            auto file = qlip::SafetensorsFile::open(path);
            auto doc = qlip::Json::parse(file.metadata().at("qlipx_index"));
            auto emb = file.readAsDouble("embeddings");
            auto tok = file.readAsInt64("tokens");
            std::vector<float> embF(emb.begin(), emb.end());
            if (damage == "token") tok[3] = int64_t(1) << 28;
            if (damage == "negative token") tok[0] = -1;
            if (damage == "nan") embF[1] = std::numeric_limits<float>::quiet_NaN();
            auto obj = doc.asObject();
            auto files = obj["files"].asArray();
            auto first = files[0].asObject();
            if (damage == "mtime") first["mtime"] = qlip::Json("yesterday");
            if (damage == "size") first["size"] = qlip::Json("12abc");
            files[0] = qlip::Json(first);
            obj["files"] = qlip::Json(files);
            qlip::SafetensorsWriter w;
            w.add("embeddings", qlip::DType::F32, file.find("embeddings")->shape, embF.data(), embF.size() * 4);
            w.add("tokens", qlip::DType::I64, file.find("tokens")->shape, tok.data(), tok.size() * 8);
            w.setMetadata("qlipx_index", qlip::Json(obj).dump());
            const std::string tmpPath = path + ".new";
            w.save(tmpPath);
            fs::rename(tmpPath, path);
        }
        qlip::IndexUpdate u;
        qlip::FolderIndex::build(dir, *engine, {}, {}, &u);
        QVERIFY2(hasMessage(u, expected.toStdString()), u.messages.empty() ? "no message" : u.messages[0].c_str());
        QVERIFY(hasMessage(u, "rebuilding") && !hasMessage(u, "stoll"));
        QCOMPARE(u.encoded, 5); // nothing of the bad file was kept
    }

    void customIndexPathAndCancel() {
        const std::string path = tmp.path().toStdString() + "/elsewhere.safetensors";
        qlip::FolderIndex index(dir, path);
        QVERIFY_THROWS_EXCEPTION(qlip::Cancelled, index.update(*engine, [](const qlip::IndexProgress&) { return false; }));
        auto u = qlip::FolderIndex(dir, path).update(*engine);
        QCOMPARE(u.encoded, 5);
        QVERIFY(fs::is_regular_file(path));
        QVERIFY_THROWS_EXCEPTION(qlip::Error, qlip::FolderIndex(dir + "/missing").update(*engine));
    }
};

QTEST_GUILESS_MAIN(TestFolderIndex)
#include "test_folderindex.moc"
