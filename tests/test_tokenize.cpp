// Dataset tokenization (qlip/tokenize.h) on the embedded model: shard assignment, input listing,
// the shard files and their manifests, resume, failures, atomic output, verify and merge.
#include "fileio.h"
#include "errorof.h"
#include "qlip/engine.h"
#include "qlip/error.h"
#include "qlip/image.h"
#include "qlip/json.h"
#include "qlip/tar.h"
#include "qlip/tokenize.h"
#include "qlip/webdataset.h"

#include <QtTest>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace qlip;

namespace {

const std::string kModel = std::string(QLIPX_SOURCE_DIR) + "/resources/models/qlip-emoji-64";
const std::string kSamples = std::string(QLIPX_SOURCE_DIR) + "/resources/samples";

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary);
    out << data;
}

std::map<std::string, wds::Sample> samplesOf(const std::string& tarPath) {
    std::ifstream in(tarPath, std::ios::binary);
    tar::Reader reader(in, tarPath);
    wds::SampleReader samples(reader);
    std::map<std::string, wds::Sample> out;
    wds::Sample s;
    while (samples.next(s)) out[s.key] = s;
    return out;
}

bool anyContains(const std::vector<std::string>& lines, const std::string& part) {
    for (const auto& l : lines)
        if (l.find(part) != std::string::npos) return true;
    return false;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}


} // namespace

class TestTokenize : public QObject {
    Q_OBJECT
    std::unique_ptr<Engine> engine;
    QTemporaryDir tmp;
    std::string images;              // 9 images in a folder tree + 1 corrupt
    std::vector<tokenize::InputItem> items;
    std::string digest;

    std::string path(const std::string& name) const { return (fs::path(tmp.path().toStdString()) / name).string(); }

    tokenize::Options options(const std::string& outDir, tokenize::ShardSpec shard) const {
        tokenize::Options o;
        o.outDir = outDir;
        o.shard = shard;
        o.batch = 3;
        o.workers = 2;
        o.modelSha256 = digest;
        return o;
    }

    void runAllShards(const std::string& outDir, int n) {
        for (int i = 0; i < n; ++i) tokenize::tokenizeShard(*engine, items, options(outDir, {i, n}));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp.isValid());
        EngineOptions o;
        o.device = Device::CPU;
        o.threads = 1;
        engine = Engine::open(kModel, o);
        digest = tokenize::modelDigest(kModel);
        QCOMPARE(digest.size(), size_t(64));
        // Small images (quick to decode) of different sizes, some in a sub-folder, one corrupt.
        images = path("images");
        fs::create_directories(images + "/sub");
        int n = 0;
        for (const char* name : {"astronaut", "chelsea", "red-apple"}) {
            const ImageRGB8 full = loadImage(kSamples + "/" + name + ".png");
            for (int size : {72, 96, 130}) {
                const std::string dir = n % 2 ? images + "/sub" : images;
                savePng(dir + "/" + name + "-" + std::to_string(size) + ".png", resizePil(full, size, size * 3 / 4));
                ++n;
            }
        }
        writeFile(images + "/zz-corrupt.png", "\x89PNG\r\n\x1a\n this is not a png");
        writeFile(images + "/notes.txt", "not an image: not listed");
        items = tokenize::listInputs({images});
        QCOMPARE(items.size(), size_t(10));
    }

    void shardAssignmentCoversEachItemOnce() {
        for (size_t total : {0, 1, 7, 100})
            for (int n : {1, 2, 3, 8}) {
                std::vector<int> hits(total, 0);
                for (int i = 0; i < n; ++i) {
                    const auto mine = tokenize::assignedItems(total, {i, n});
                    QCOMPARE(mine, tokenize::assignedItems(total, {i, n})); // deterministic
                    for (size_t p : mine) {
                        QCOMPARE(int(p % size_t(n)), i);
                        ++hits[p];
                    }
                }
                for (int h : hits) QCOMPARE(h, 1);
            }
        QCOMPARE(tokenize::shardBaseName({3, 8}), std::string("shard-00003-of-00008"));
    }

    void shardSpecs() {
        const auto s = tokenize::parseShardSpec("3/8");
        QCOMPARE(s.index, 3);
        QCOMPARE(s.count, 8);
        for (const char* bad : {"8/8", "-1/4", "3", "a/4", "1/0", "1/"})
            QVERIFY2(!errorOf([&] { tokenize::parseShardSpec(bad); }).empty(), bad);
        auto env = [](std::map<std::string, std::string> vars) {
            return [vars](const char* name) -> const char* {
                auto it = vars.find(name);
                return it == vars.end() ? nullptr : it->second.c_str();
            };
        };
        auto slurm = tokenize::shardFromEnvironment(0, env({{"SLURM_ARRAY_TASK_ID", "5"}, {"SLURM_ARRAY_TASK_COUNT", "4"}, {"SLURM_ARRAY_TASK_MIN", "3"}}));
        QCOMPARE(slurm.index, 2);
        QCOMPARE(slurm.count, 4);
        // With --num-shards the array id is the shard: a resubmitted subset keeps its numbers.
        auto subset = tokenize::shardFromEnvironment(4, env({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "1"}, {"SLURM_ARRAY_TASK_MIN", "2"}}));
        QCOMPARE(subset.index, 2);
        QCOMPARE(subset.count, 4);
        auto k8s = tokenize::shardFromEnvironment(16, env({{"JOB_COMPLETION_INDEX", "15"}}));
        QCOMPARE(k8s.index, 15);
        QCOMPARE(k8s.count, 16);
        QVERIFY(errorOf([&] { tokenize::shardFromEnvironment(0, env({{"JOB_COMPLETION_INDEX", "1"}})); }).find("--num-shards") != std::string::npos);
        QVERIFY(errorOf([&] { tokenize::shardFromEnvironment(4, env({{"JOB_COMPLETION_INDEX", "4"}})); }).find("outside") != std::string::npos);
        QVERIFY(errorOf([&] { tokenize::shardFromEnvironment(4, env({{"JOB_COMPLETION_INDEX", "x"}})); }).find("JOB_COMPLETION_INDEX") != std::string::npos);
        QVERIFY(!errorOf([&] { tokenize::shardFromEnvironment(4, env({})); }).empty());
    }

    void listingIsSortedAndDeduplicated() {
        for (size_t i = 1; i < items.size(); ++i) QVERIFY(items[i - 1].id < items[i].id);
        QVERIFY(items.back().id.find("zz-corrupt.png") != std::string::npos);
        // A file list (relative to its folder) naming an image twice and one that is also in the folder.
        writeFile(path("list.txt"), "# a comment\nimages/red-apple-72.png\n\nimages/red-apple-72.png\n" + fs::path(images).filename().string() + "/sub/../astronaut-72.png\n");
        const auto listed = tokenize::listInputs({path("list.txt")});
        QCOMPARE(listed.size(), size_t(2));
        QCOMPARE(tokenize::listInputs({images, images}).size(), items.size());
        QVERIFY(tokenize::inputDigest(items) != tokenize::inputDigest(listed));
        QCOMPARE(tokenize::inputDigest(items), tokenize::inputDigest(tokenize::listInputs({images})));
        const auto msg = errorOf([&] { tokenize::listInputs({images, path("no-such-folder")}); });
        QVERIFY2(msg.find("no-such-folder") != std::string::npos && msg.find("does not exist") != std::string::npos, msg.c_str());
    }

    void tarInputs() {
        // A WebDataset shard: two images with captions, a sample without an image, and a truncated tail.
        std::ostringstream out;
        tar::Writer w(out, "in.tar");
        const std::string png = readFile(images + "/astronaut-72.png");
        w.add("a/s1.png", png.data(), png.size());
        w.add("a/s1.txt", "cat", 3);
        w.add("a/s2.txt", "no image", 8);
        w.add("a/s3.png", png.data(), png.size());
        w.finish();
        writeFile(path("in.tar"), out.str());
        auto listed = tokenize::listInputs({path("in.tar")});
        QCOMPARE(listed.size(), size_t(3));
        QCOMPARE(listed[0].id, path("in.tar") + "#a/s1");
        QCOMPARE(listed[0].member, std::string("a/s1.png"));
        QCOMPARE(listed[0].size, uint64_t(png.size()));
        QVERIFY(listed[1].note.find("no image member") != std::string::npos);
        writeFile(path("cut.tar"), out.str().substr(0, 512 * 3 + png.size() / 2));
        listed = tokenize::listInputs({path("cut.tar")});
        QVERIFY(!listed.empty());
        QVERIFY2(listed.back().note.find("truncated") != std::string::npos, listed.back().note.c_str());
        // Tokenized, the tar samples give the same tokens as the file.
        const auto fromTar = tokenize::listInputs({path("in.tar")});
        tokenize::Options o = options(path("tar-out"), {0, 1});
        const auto r = tokenize::tokenizeShard(*engine, fromTar, o);
        QCOMPARE(r.samples, size_t(2));
        QCOMPARE(r.failures, size_t(1));
        const auto samples = samplesOf(r.tarPath);
        QCOMPARE(text(samples.at("000000000").find("tokens.npy")->data), text(samples.at("000000002").find("tokens.npy")->data));
    }

    static std::string text(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

    void shardContentsAndFailures() {
        const std::string out = path("one");
        const auto r = tokenize::tokenizeShard(*engine, items, options(out, {0, 1}));
        QVERIFY(!r.skipped);
        QCOMPARE(r.samples, size_t(9));
        QCOMPARE(r.failures, size_t(1));
        const auto samples = samplesOf(r.tarPath);
        QCOMPARE(samples.size(), size_t(9));
        // Each sample's tokens are exactly what Engine::encode gives for that image.
        for (const auto& [key, s] : samples) {
            const auto meta = Json::parse(text(s.find("json")->data), key);
            const std::string source = meta.find("source")->asString();
            const auto expected = engine->encodeImage(loadImage(source));
            const auto& npy = s.find("tokens.npy")->data;
            std::vector<int64_t> got(size_t(expected.count()));
            std::memcpy(got.data(), npy.data() + npy.size() - got.size() * 8, got.size() * 8);
            QCOMPARE(got, expected.indices);
            QCOMPARE(meta.find("model_sha256")->asString(), digest);
            QVERIFY(meta.find("width")->asInt() > 0);
            QVERIFY(s.find("embedding.npy") == nullptr);
        }
        const auto manifest = Json::parse(readFile(r.manifestPath), r.manifestPath);
        QCOMPARE(manifest.find("samples")->asInt(), int64_t(9));
        QCOMPARE(manifest.find("items")->asArray().size(), size_t(10));
        const auto& failures = manifest.find("failures")->asArray();
        QCOMPARE(failures.size(), size_t(1));
        QVERIFY(failures[0].find("source")->asString().find("zz-corrupt.png") != std::string::npos);
        QVERIFY(failures[0].find("reason")->asString().find("zz-corrupt.png") != std::string::npos);
        QCOMPARE(manifest.find("model")->find("sha256")->asString(), digest);
        QCOMPARE(manifest.find("inputs")->find("sha256")->asString(), tokenize::inputDigest(items));
        QCOMPARE(manifest.find("config")->find("grid")->asArray().size(), size_t(2));
        // Nothing temporary is left.
        for (const auto& e : fs::directory_iterator(out)) QVERIFY2(e.path().string().find(".tmp-") == std::string::npos, e.path().c_str());
    }

    void embeddings() {
        auto o = options(path("emb"), {0, 2});
        o.embeddings = true;
        const auto r = tokenize::tokenizeShard(*engine, items, o);
        const auto samples = samplesOf(r.tarPath);
        QVERIFY(!samples.empty());
        for (const auto& [key, s] : samples) {
            const auto* e = s.find("embedding.npy");
            QVERIFY(e);
            const size_t dim = size_t(engine->info().projectionDim);
            std::vector<float> v(dim);
            std::memcpy(v.data(), e->data.data() + e->data.size() - dim * 4, dim * 4);
            double norm = 0;
            for (float x : v) norm += double(x) * x;
            QVERIFY(std::abs(norm - 1) < 1e-4);
            const auto meta = Json::parse(text(s.find("json")->data), key);
            const auto expected = engine->embedImages({engine->preprocess(loadImage(meta.find("source")->asString()))}).front();
            for (size_t j = 0; j < dim; ++j) QVERIFY(std::abs(v[j] - expected[j]) < 1e-5f);
        }
    }

    void mergeIsTheSameForEveryShardCount() {
        std::string reference;
        for (int n : {1, 2, 3, 4}) {
            const std::string out = path("merge-src-" + std::to_string(n));
            runAllShards(out, n);
            const auto report = tokenize::verify(out);
            QVERIFY2(report.ok, joined(report.problems).c_str());
            QCOMPARE(report.numShards, n);
            QCOMPARE(report.inputs, size_t(10));
            QCOMPARE(report.samples, size_t(9));
            QCOMPARE(report.failures, size_t(1));
            const auto m = tokenize::merge(out, path("merged-" + std::to_string(n)));
            QCOMPARE(m.samples, size_t(9));
            const std::string bytes = readFile(m.tarPath) + readFile(m.manifestPath);
            if (n == 1) reference = bytes;
            else QVERIFY2(bytes == reference, ("merge of " + std::to_string(n) + " shards differs from 1 shard").c_str());
        }
    }

    void resumeSkipsFinishedShards() {
        const std::string out = path("resume");
        auto o = options(out, {1, 2});
        tokenize::tokenizeShard(*engine, items, o);
        const auto before = fs::last_write_time(out + "/shard-00001-of-00002.manifest.json");
        o.resume = true;
        QVERIFY(tokenize::tokenizeShard(*engine, items, o).skipped);
        QCOMPARE(fs::last_write_time(out + "/shard-00001-of-00002.manifest.json"), before);
        // Another configuration must not be mixed into the same folder.
        o.embeddings = true;
        const auto msg = errorOf([&] { tokenize::tokenizeShard(*engine, items, o); });
        QVERIFY2(msg.find("another model, configuration or input set") != std::string::npos, msg.c_str());
        // Without --resume the shard is redone, and still verifies with its sibling.
        o.embeddings = false;
        o.resume = false;
        QVERIFY(!tokenize::tokenizeShard(*engine, items, o).skipped);
        tokenize::tokenizeShard(*engine, items, options(out, {0, 2}));
        QVERIFY(tokenize::verify(out).ok);
    }

    void killedTaskLeavesAnUnfinishedShard() {
        const std::string out = path("killed");
        runAllShards(out, 3);
        // What a task killed mid-run leaves: its partial temporary tar and no manifest.
        fs::remove(out + "/shard-00001-of-00003.manifest.json");
        fs::rename(out + "/shard-00001-of-00003.tar", out + "/shard-00001-of-00003.tar.tmp-4242");
        auto report = tokenize::verify(out);
        QVERIFY(!report.ok);
        QVERIFY2(anyContains(report.problems, "shard 1/3: unfinished"), joined(report.problems).c_str());
        const auto msg = errorOf([&] { tokenize::merge(out, path("killed-merged")); });
        QVERIFY2(msg.find("does not verify") != std::string::npos && msg.find("shard 1/3") != std::string::npos, msg.c_str());
        QVERIFY(!fs::exists(path("killed-merged") + "/tokens.tar"));
        // Re-running with --resume redoes only that shard and removes the stale temporary.
        for (int i = 0; i < 3; ++i) {
            auto o = options(out, {i, 3});
            o.resume = true;
            QCOMPARE(tokenize::tokenizeShard(*engine, items, o).skipped, i != 1);
        }
        QVERIFY(!fs::exists(out + "/shard-00001-of-00003.tar.tmp-4242"));
        report = tokenize::verify(out);
        QVERIFY2(report.ok, joined(report.problems).c_str());
    }

    void verifyFindsMissingCorruptAndDuplicate() {
        const std::string out = path("bad");
        runAllShards(out, 3);
        QVERIFY(tokenize::verify(out).ok);
        // Missing shard.
        fs::rename(out + "/shard-00002-of-00003.manifest.json", path("m2.json"));
        fs::rename(out + "/shard-00002-of-00003.tar", path("t2.tar"));
        auto report = tokenize::verify(out);
        QVERIFY2(anyContains(report.problems, "shard 2/3: missing"), joined(report.problems).c_str());
        fs::rename(path("m2.json"), out + "/shard-00002-of-00003.manifest.json");
        fs::rename(path("t2.tar"), out + "/shard-00002-of-00003.tar");
        QVERIFY(tokenize::verify(out).ok);
        // Corrupt shard: one byte changed.
        const std::string tarPath = out + "/shard-00000-of-00003.tar";
        const std::string good = readFile(tarPath);
        std::string bad = good;
        bad[600] ^= 1;
        writeFile(tarPath, bad);
        report = tokenize::verify(out);
        QVERIFY2(anyContains(report.problems, "shard 0/3: corrupt"), joined(report.problems).c_str());
        writeFile(tarPath, good.substr(0, good.size() - 2048)); // truncated
        QVERIFY(anyContains(tokenize::verify(out).problems, "shard 0/3: corrupt"));
        writeFile(tarPath, good);
        // Duplicate: shard 1 also claims an item of shard 0.
        const std::string m1 = out + "/shard-00001-of-00003.manifest.json";
        const std::string m1text = readFile(m1);
        const auto m0 = Json::parse(readFile(out + "/shard-00000-of-00003.manifest.json"));
        auto doc = Json::parse(m1text).asObject();
        auto list = doc["items"].asArray();
        list.push_back(m0.find("items")->asArray().front());
        doc["items"] = Json(list);
        writeFile(m1, Json(doc).dump());
        report = tokenize::verify(out);
        QVERIFY2(anyContains(report.problems, "also belongs to another shard") && anyContains(report.problems, "is also in another shard"),
                 joined(report.problems).c_str());
        writeFile(m1, m1text);
        // A corrupt manifest, and shards of another count in the same folder.
        writeFile(m1, "{\"format\": ");
        QVERIFY(anyContains(tokenize::verify(out).problems, "shard 1/3: corrupt manifest"));
        writeFile(m1, m1text);
        tokenize::tokenizeShard(*engine, items, options(out, {0, 2}));
        QVERIFY(anyContains(tokenize::verify(out).problems, "mixes shards of different counts"));
        QVERIFY(!tokenize::verify(path("no-such-output")).ok);
    }
};

QTEST_GUILESS_MAIN(TestTokenize)
#include "test_tokenize.moc"
