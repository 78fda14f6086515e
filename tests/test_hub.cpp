// The hub cache: SHA-256 against the FIPS 180-4 / NIST example vectors, the cache layout
// (scanning, completeness, refs, revisions), repo-id resolution and its messages, user folders.
#include "qlip/error.h"
#include "qlip/hub.h"
#include "qlip/hub_download.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

namespace hub = qlip::hub;
namespace fs = std::filesystem;

namespace {

void writeFile(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

// A snapshot laid out as huggingface_hub does: blobs by etag, relative links, refs/main.
fs::path makeSnapshot(const fs::path& root, const std::string& repoDir, const std::string& commit,
                      const std::vector<std::string>& files, bool writeMain = true) {
    const fs::path repo = root / repoDir;
    for (const auto& f : files) {
        const std::string etag = hub::sha256Hex(repoDir + f);
        writeFile(repo / "blobs" / etag, "content of " + f);
        fs::create_directories(repo / "snapshots" / commit);
        fs::create_symlink(fs::path("../../blobs") / etag, repo / "snapshots" / commit / f);
    }
    if (writeMain) writeFile(repo / "refs" / "main", commit);
    return repo / "snapshots" / commit;
}

const std::string kCommitA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kCommitB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

} // namespace

class TestHub : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sha256Vectors() {
        QCOMPARE(hub::sha256Hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(hub::sha256Hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(hub::sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                 std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        // One million 'a' fed in uneven pieces: the block buffering must not matter.
        hub::Sha256 s;
        const std::string piece(997, 'a');
        size_t left = 1000000;
        while (left) {
            const size_t n = std::min(left, piece.size() - left % 7);
            s.update(piece.data(), n);
            left -= n;
        }
        QCOMPARE(s.hexDigest(), std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
        // Lengths around the padding boundary (55, 56, 64 bytes) against an incremental feed.
        for (size_t n : {55, 56, 63, 64, 65, 119, 120}) {
            const std::string m(n, 'x');
            hub::Sha256 a;
            for (char c : m) a.update(&c, 1);
            QCOMPARE(a.hexDigest(), hub::sha256Hex(m));
        }
    }

    void repoIds() {
        QVERIFY(hub::looksLikeRepoId("nvidia/QLIP-B-16-256"));
        QVERIFY(hub::looksLikeRepoId("nvidia/QLIP-B-16-256@main"));
        QVERIFY(!hub::looksLikeRepoId("QLIP-B-16-256"));
        QVERIFY(!hub::looksLikeRepoId("a/b/c"));
        QVERIFY(!hub::looksLikeRepoId("../x"));
        QVERIFY(!hub::looksLikeRepoId("./x"));
        QVERIFY(!hub::looksLikeRepoId("/abs/path"));
        QVERIFY(!hub::looksLikeRepoId("org/na me"));
        QCOMPARE(hub::repoFolderName("nvidia/QLIP-B-16-256"), std::string("models--nvidia--QLIP-B-16-256"));
        QCOMPARE(hub::repoIdOfSnapshot("/c/hub/models--nvidia--QLIP-B-8-256/snapshots/" + kCommitA), std::string("nvidia/QLIP-B-8-256"));
        QCOMPARE(hub::repoIdOfSnapshot("/c/hub/models--nvidia--QLIP-B-8-256/snapshots/" + kCommitA + "/"), std::string("nvidia/QLIP-B-8-256"));
        QCOMPARE(hub::repoIdOfSnapshot("/some/model/folder"), std::string());
        QVERIFY(hub::isCommitHash(kCommitA));
        QVERIFY(!hub::isCommitHash("main"));
    }

    void cacheRootFromEnvironment() {
        qputenv("HF_HUB_CACHE", "/tmp/a-hub");
        QCOMPARE(hub::cacheRoot(), fs::path("/tmp/a-hub"));
        qunsetenv("HF_HUB_CACHE");
        qputenv("HF_HOME", "/tmp/a-home");
        QCOMPARE(hub::cacheRoot(), fs::path("/tmp/a-home/hub"));
        qunsetenv("HF_HOME");
        qputenv("HOME", "/tmp/a-user");
        qunsetenv("XDG_CACHE_HOME");
        QCOMPARE(hub::cacheRoot(), fs::path("/tmp/a-user/.cache/huggingface/hub"));
    }

    void scanAndResolve() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        qputenv("HF_HUB_CACHE", dir.path().toUtf8());
        const auto all = hub::modelFiles();
        const fs::path full = makeSnapshot(root, "models--nvidia--QLIP-B-16-256", kCommitA, all);
        makeSnapshot(root, "models--org--partial", kCommitB, {"config.json", "vocab.json"});
        makeSnapshot(root, "models--org--nolink", kCommitA, {"config.json", "model.safetensors"}, false);
        // A dataset-like repo without model files is not listed.
        makeSnapshot(root, "models--org--other", kCommitA, {"data.csv"});
        // An interrupted download leaves blobs/<etag>.incomplete.
        writeFile(root / "models--org--partial" / "blobs" / "abc.incomplete", std::string(5000, 'x'));

        auto models = hub::scanCache(root);
        QCOMPARE(models.size(), size_t(3));
        const auto find = [&](const std::string& id) {
            for (const auto& m : models) if (m.repoId == id) return m;
            return hub::ModelEntry{};
        };
        auto b16 = find("nvidia/QLIP-B-16-256");
        QVERIFY(b16.complete && b16.usable);
        QCOMPARE(b16.revision, kCommitA);
        QCOMPARE(b16.refs, std::vector<std::string>{"main"});
        QCOMPARE(b16.status(), std::string("complete"));
        uint64_t expect = 0;
        for (const auto& f : all) expect += std::string("content of " + f).size();
        QCOMPARE(b16.bytes, expect);
        auto partial = find("org/partial");
        QVERIFY(!partial.usable && !partial.complete);
        QCOMPARE(partial.partialBytes, uint64_t(5000));
        QVERIFY2(partial.status().find("model.safetensors") != std::string::npos, partial.status().c_str());
        QVERIFY2(partial.status().find("interrupted") != std::string::npos, partial.status().c_str());
        auto nolink = find("org/nolink");
        QVERIFY(nolink.usable && !nolink.complete);
        QVERIFY(nolink.refs.empty());

        // A file the repository does not have (.no_exist) does not make a snapshot incomplete.
        for (const auto& f : {"vocab.json", "merges.txt", "preprocessor_config.json"})
            writeFile(root / "models--org--nolink" / ".no_exist" / kCommitA / f, "");
        QVERIFY(find("org/nolink").usable);
        models = hub::scanCache(root);
        QVERIFY(find("org/nolink").complete);

        // Resolution: refs/main, a commit, a unique prefix; a folder is taken as it is.
        QCOMPARE(hub::findSnapshot(root, "nvidia/QLIP-B-16-256").value(), full);
        QCOMPARE(hub::findSnapshot(root, "nvidia/QLIP-B-16-256", kCommitA).value(), full);
        QCOMPARE(hub::findSnapshot(root, "nvidia/QLIP-B-16-256", "aaaaaaa").value(), full);
        QVERIFY(!hub::findSnapshot(root, "nvidia/QLIP-B-16-256", "v2"));
        QVERIFY(!hub::findSnapshot(root, "org/nolink")); // no refs/main
        QCOMPARE(hub::resolveModelArgument("nvidia/QLIP-B-16-256"), full.string());
        QCOMPARE(hub::resolveModelArgument("org/nolink@" + kCommitA), (root / "models--org--nolink/snapshots" / kCommitA).string());
        QCOMPARE(hub::resolveModelArgument(dir.path().toStdString()), dir.path().toStdString());

        // A dangling link (its blob deleted) is a missing file.
        QVERIFY(fs::read_symlink(full / "merges.txt").is_relative());
        QVERIFY(fs::remove(full / fs::read_symlink(full / "merges.txt")));
        models = hub::scanCache(root);
        QCOMPARE(find("nvidia/QLIP-B-16-256").missing, std::vector<std::string>{"merges.txt"});

        // Messages that say what to do.
        try {
            hub::resolveModelArgument("nvidia/QLIP-L-14-392");
            QFAIL("a model that is not cached must not resolve");
        } catch (const qlip::Error& e) {
            const std::string m = e.what();
            QVERIFY2(m.find("qlipx download nvidia/QLIP-L-14-392") != std::string::npos, e.what());
            QVERIFY2(m.find(root.string()) != std::string::npos, e.what());
        }
        try {
            hub::resolveModelArgument("org/partial@" + kCommitB);
            QFAIL("an unusable snapshot must not resolve");
        } catch (const qlip::Error& e) {
            QVERIFY2(std::string(e.what()).find("incomplete (no model.safetensors, preprocessor_config.json, merges.txt)") != std::string::npos, e.what());
        }
        qunsetenv("HF_HUB_CACHE");
    }

    void userFolders() {
        QTemporaryDir config, models;
        qputenv("XDG_CONFIG_HOME", config.path().toUtf8());
        const fs::path root = models.path().toStdString();
        writeFile(root / "one" / "config.json", "{}");
        writeFile(root / "one" / "model.safetensors", "x");
        writeFile(root / "many" / "a" / "config.json", "{}");
        writeFile(root / "many" / "b" / "config.json", "{}");
        writeFile(root / "env" / "config.json", "{}");
        hub::addUserFolder(root / "one");
        hub::addUserFolder(root / "many");
        hub::addUserFolder(root / "one"); // no duplicate
        QCOMPARE(hub::userFolders().size(), size_t(2));
        qputenv("QLIPX_MODEL_PATH", QByteArray::fromStdString((root / "env").string()));
        qputenv("HF_HUB_CACHE", QByteArray::fromStdString((root / "no-cache").string()));
        auto list = hub::listModels();
        std::vector<std::string> names;
        for (const auto& m : list) names.push_back(m.repoId);
        QCOMPARE(names, (std::vector<std::string>{"env", "one", "a", "b"}));
        QVERIFY(list[1].usable);
        QVERIFY(!list[2].usable); // config.json only
        QVERIFY(hub::removeUserFolder(root / "many"));
        QVERIFY(!hub::removeUserFolder(root / "many"));
        QCOMPARE(hub::userFolders().size(), size_t(2)); // env + one
        qunsetenv("QLIPX_MODEL_PATH");
        qunsetenv("HF_HUB_CACHE");
        qunsetenv("XDG_CONFIG_HOME");
    }
};

QTEST_GUILESS_MAIN(TestHub)
#include "test_hub.moc"
