// Downloads from a local mock of the Hugging Face hub (tests/tools/mock_hub.py, real response
// headers), through both transports: libcurl (qlipx) and Qt Network (the explorer). Checks the
// cache layout huggingface_hub expects, resume with HTTP Range, checksum failures, the 401/403/404,
// timeout and no-network messages, cancel, and that the loader opens the result by repo id.
#include "hubtransport.h"
#include "mockhub.h"

#include "qlip/engine.h"
#include "qlip/error.h"
#include "qlip/hub.h"
#include "qlip/hub_download.h"
#include "qlip/json.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

namespace hub = qlip::hub;
namespace fs = std::filesystem;

namespace {

const char* kRepo = MockHub::kRepo;

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

class TestHubDownload : public QObject {
    Q_OBJECT
    MockHub m_hub;
    QString m_endpoint;
    std::unique_ptr<QTemporaryDir> m_cache;

    std::unique_ptr<hub::HttpTransport> transport() {
        QFETCH_GLOBAL(QString, kind);
        if (kind == "qt") return std::make_unique<qlipx::QtHubTransport>();
        return hub::makeCurlTransport();
    }

    void configure(const std::string& json) { QVERIFY(m_hub.configure(json)); }
    qlip::Json mockLog() { return m_hub.log(); }

    hub::DownloadOptions options() {
        hub::DownloadOptions o;
        o.repoId = kRepo;
        o.cacheRoot = m_cache->path().toStdString();
        o.endpoint = m_endpoint.toStdString();
        o.token = "";
        return o;
    }

    fs::path repoDir() { return fs::path(m_cache->path().toStdString()) / "models--nvidia--QLIP-B-16-256"; }

    std::string expectFailure(const hub::DownloadOptions& o, const hub::DownloadCallback& cb = {}) {
        auto t = transport();
        try {
            hub::download(*t, o, cb);
        } catch (const qlip::Cancelled&) {
            return "cancelled";
        } catch (const qlip::Error& e) {
            return e.what();
        }
        return "no error";
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(qlip::hub::curlAvailable());
        const QString error = m_hub.start();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_endpoint = m_hub.endpoint();
    }

    void initTestCase_data() {
        QTest::addColumn<QString>("kind");
        QTest::newRow("curl") << QStringLiteral("curl");
        QTest::newRow("qt") << QStringLiteral("qt");
    }

    void init() {
        m_cache = std::make_unique<QTemporaryDir>();
        configure("{}");
    }

    void downloadsTheHubLayout() {
        auto t = transport();
        std::vector<hub::DownloadProgress> seen;
        auto r = hub::download(*t, options(), [&](const hub::DownloadProgress& p) {
            seen.push_back(p);
            return true;
        });
        QCOMPARE(r.fetched, 5);
        QVERIFY(hub::isCommitHash(r.commit));
        QCOMPARE(readAll(repoDir() / "refs" / "main"), r.commit);
        QCOMPARE(r.snapshot, repoDir() / "snapshots" / r.commit);
        const fs::path golden = fs::path(QLIPX_SOURCE_DIR) / "tests/data/golden/tiny-b16";
        for (const auto& name : hub::modelFiles()) {
            const fs::path pointer = r.snapshot / name;
            QVERIFY2(fs::is_symlink(pointer), name.c_str());
            const fs::path target = fs::read_symlink(pointer);
            QCOMPARE(target.parent_path(), fs::path("../../blobs")); // relative, as huggingface_hub makes them
            QVERIFY(fs::is_regular_file(repoDir() / "blobs" / target.filename()));
        }
        // LFS: the blob is named by the sha256 of its content; the bytes are the served ones.
        const std::string weights = readAll(golden / "model.safetensors");
        QCOMPARE(fs::read_symlink(r.snapshot / "model.safetensors").filename().string(), hub::sha256Hex(weights));
        QVERIFY(readAll(r.snapshot / "model.safetensors") == weights);
        // Regular files: named by their git blob id (the hub's ETag), 40 hex digits.
        QCOMPARE(fs::read_symlink(r.snapshot / "config.json").filename().string().size(), size_t(40));
        // Only what the engine reads: README.md, inputs/outputs.safetensors were not fetched.
        for (const auto& other : {"README.md", "inputs.safetensors", "outputs.safetensors"}) QVERIFY(!fs::exists(r.snapshot / other));
        const auto log = mockLog();
        for (const auto& entry : log.asArray()) {
            const std::string path = entry.find("path")->asString();
            QVERIFY2(path.find("README") == std::string::npos && path.find("outputs") == std::string::npos, path.c_str());
        }
        QVERIFY(fs::directory_iterator(repoDir() / "blobs") != fs::directory_iterator());
        for (const auto& e : fs::directory_iterator(repoDir() / "blobs")) QVERIFY(e.path().extension() != ".incomplete");
        // Progress: bytes only grow, the total is the sum of the five files, the last says done.
        QVERIFY(!seen.empty());
        QCOMPARE(seen.back().stage, std::string("done"));
        QCOMPARE(seen.back().done, seen.back().total);
        for (size_t i = 1; i < seen.size(); ++i) QVERIFY(seen[i].done >= seen[i - 1].done);
        // The cache lists it as complete, and the engine opens it by repo id.
        auto models = hub::scanCache(m_cache->path().toStdString());
        QCOMPARE(models.size(), size_t(1));
        QVERIFY(models[0].complete);
        qputenv("HF_HUB_CACHE", m_cache->path().toUtf8());
        auto engine = qlip::Engine::open(kRepo, {qlip::Device::CPU});
        qunsetenv("HF_HUB_CACHE");
        QCOMPARE(engine->info().name, std::string(kRepo));
        QCOMPARE(engine->info().folder, r.snapshot.string());
        QVERIFY(engine->hasTokenizer());

        // A second download asks only for the revision and changes nothing.
        configure("{}");
        auto again = hub::download(*t, options());
        QVERIFY(again.upToDate());
        QCOMPARE(again.bytesReceived, uint64_t(0));
        QCOMPARE(mockLog().asArray().size(), size_t(1));
    }

    void resumesADroppedConnection() {
        // The connection drops after 4 MB once: the same run continues with a Range request.
        configure(R"({"drop_after": 4000000, "drop_count": 1})");
        auto t = transport();
        auto r = hub::download(*t, options());
        QCOMPARE(r.bytesResumed, uint64_t(4000000));
        bool ranged = false;
        const qlip::Json requests = mockLog(); // kept alive: the loop reads into it
        for (const auto& e : requests.asArray())
            if (e.find("range")->isString()) ranged = e.find("range")->asString() == "bytes=4000000-";
        QVERIFY(ranged);
        QVERIFY(readAll(r.snapshot / "model.safetensors") == readAll(fs::path(QLIPX_SOURCE_DIR) / "tests/data/golden/tiny-b16/model.safetensors"));
    }

    void resumesABodyCutShortWithoutAnError() {
        // Qt Network now and then reports a body cut by a closed connection as a normal end. Any
        // transport doing so must still lead to a Range request, not to a deleted partial file.
        struct CutsLookClean : hub::HttpTransport {
            std::unique_ptr<hub::HttpTransport> inner;
            hub::HttpResponse perform(const hub::HttpRequest& request, const hub::BodySink& sink) override {
                hub::HttpResponse r = inner->perform(request, sink);
                if (sink && r.failure != hub::HttpResponse::Failure::None && r.failure != hub::HttpResponse::Failure::Cancelled) {
                    r.failure = hub::HttpResponse::Failure::None;
                    r.failureText.clear();
                    r.status = 200;
                }
                return r;
            }
        } t;
        t.inner = transport();
        configure(R"({"drop_after": 3000000, "drop_count": 1})");
        auto r = hub::download(t, options());
        QCOMPARE(r.bytesResumed, uint64_t(3000000));
        QVERIFY(readAll(r.snapshot / "model.safetensors") == readAll(fs::path(QLIPX_SOURCE_DIR) / "tests/data/golden/tiny-b16/model.safetensors"));
    }

    void resumesAcrossRuns() {
        // Every transfer drops after 3 MB and no retry is allowed: the run fails, keeps the part...
        configure(R"({"drop_after": 3000000, "drop_count": 100})");
        auto o = options();
        o.retries = 0;
        const std::string message = expectFailure(o);
        QVERIFY2(message.find("resume") != std::string::npos, message.c_str());
        const fs::path part = repoDir() / "blobs" / (hub::sha256Hex(readAll(fs::path(QLIPX_SOURCE_DIR) / "tests/data/golden/tiny-b16/model.safetensors")) + ".incomplete");
        QVERIFY(fs::exists(part));
        const auto kept = fs::file_size(part);
        QVERIFY(kept > 0 && kept <= 3000000);
        QVERIFY(!fs::exists(repoDir() / "snapshots" / hub::findSnapshot(m_cache->path().toStdString(), kRepo)->filename() / "model.safetensors"));
        // ...and the next run continues from it.
        configure("{}");
        auto t = transport();
        auto r = hub::download(*t, options());
        QCOMPARE(r.bytesResumed, uint64_t(kept));
        QVERIFY(!fs::exists(part));
        QVERIFY(hub::scanCache(m_cache->path().toStdString())[0].complete);
    }

    void rejectsACorruptBlob() {
        configure(R"({"corrupt": true})");
        const std::string message = expectFailure(options());
        QVERIFY2(message.find("corrupt") != std::string::npos && message.find("sha256") != std::string::npos, message.c_str());
        auto snap = hub::findSnapshot(m_cache->path().toStdString(), kRepo);
        QVERIFY(snap);
        QVERIFY(!fs::exists(*snap / "model.safetensors")); // not linked
        for (const auto& e : fs::directory_iterator(repoDir() / "blobs")) {
            QVERIFY2(e.path().extension() != ".incomplete", e.path().c_str()); // deleted
            QVERIFY(fs::file_size(e.path()) < 1000000);                      // no weights blob kept
        }
    }

    void gatedRepos() {
        configure(R"({"gated": true, "token": "hf_right"})");
        std::string m = expectFailure(options());
        QVERIFY2(m.find("401") != std::string::npos && m.find("HF_TOKEN") != std::string::npos && m.find("licence") != std::string::npos,
                 m.c_str());
        auto o = options();
        o.token = "hf_wrong";
        m = expectFailure(o);
        QVERIFY2(m.find("gated") != std::string::npos && m.find("403") != std::string::npos, m.c_str());
        o.token = "hf_right";
        configure(R"({"gated": true, "token": "hf_right"})");
        auto t = transport();
        auto r = hub::download(*t, o);
        QCOMPARE(r.fetched, 5);
        // The token goes to the hub, never to the CDN the LFS redirect points at.
        const qlip::Json requests = mockLog(); // kept alive: the loop reads into it
        for (const auto& e : requests.asArray()) {
            const bool cdn = e.find("path")->asString().rfind("/cdn-lfs/", 0) == 0;
            QVERIFY2(e.find("authorization")->asBool() == !cdn, e.find("path")->asString().c_str());
        }
    }

    void notFound() {
        auto o = options();
        o.repoId = "nvidia/QLIP-X-99";
        std::string m = expectFailure(o);
        QVERIFY2(m.find("repository nvidia/QLIP-X-99 not found") != std::string::npos && m.find("404") != std::string::npos, m.c_str());
        o = options();
        o.revision = "v9";
        m = expectFailure(o);
        QVERIFY2(m.find("revision 'v9' not found") != std::string::npos, m.c_str());
        o = options();
        o.files = {"config.json", "model.safetensors", "tokenizer.json"};
        auto t = transport();
        auto r = hub::download(*t, o); // an optional file the repo lacks is recorded, not an error
        QVERIFY(fs::exists(repoDir() / ".no_exist" / r.commit / "tokenizer.json"));
        o.files = {"model.safetensors"};
        QCOMPARE(hub::download(*t, o).fetched, 0);
    }

    void checksDiskSpaceFirst() {
        auto o = options();
        o.keepFreeBytes = uint64_t(1) << 60; // more than any disk has
        const std::string m = expectFailure(o);
        QVERIFY2(m.find("not enough disk space") != std::string::npos && m.find("it needs 15 MB") != std::string::npos, m.c_str());
        for (const auto& e : fs::directory_iterator(repoDir() / "blobs")) QVERIFY2(false, e.path().c_str()); // nothing fetched
    }

    void timeoutsAndNoNetwork() {
        configure(R"({"stall": true})");
        auto o = options();
        o.retries = 0;
        o.downloadTimeoutSeconds = 2;
        std::string m = expectFailure(o);
        QVERIFY2(m.find("timed out") != std::string::npos, m.c_str());
        configure("{}");
        o = options();
        o.endpoint = "http://127.0.0.1:9"; // nothing listens there
        m = expectFailure(o);
        QVERIFY2(m.find("cannot reach") != std::string::npos, m.c_str());
    }

    void cancels() {
        configure(R"({"rate": 2000000})");
        int calls = 0;
        const std::string m = expectFailure(options(), [&](const hub::DownloadProgress& p) {
            return !(p.stage == "downloading" && p.done > 1000000 && ++calls > 0);
        });
        QCOMPARE(m, std::string("cancelled"));
        bool partKept = false;
        for (const auto& e : fs::directory_iterator(repoDir() / "blobs")) partKept |= e.path().extension() == ".incomplete";
        QVERIFY(partKept);
    }
};

QTEST_GUILESS_MAIN(TestHubDownload)
#include "test_hub_download.moc"
