// The AR prior (issue #7): config files, sampling invariants (KV cache = full recomputation, seeds,
// greedy, masked regeneration, streaming and cancel), bad requests, checkpoints and the trainer.
// Uses the shipped QLIP model for its text tower and small random priors, so it needs no training.
#include "generatefixture.h"
#include "prior/prior_impl.h"
#include "qlip/engine.h"
#include "qlip/error.h"
#include "qlip/image.h"
#include "qlip/json.h"
#include "qlip/prior.h"
#include "qlip/safetensors.h"
#include "qlip/train.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>

namespace {

const std::string kModel = std::string(QLIPX_SOURCE_DIR) + "/resources/models/qlip-emoji-64";

using qlipx_test::tinyPriorConfig;

qlip::GenerateRequest request(const std::string& prompt, uint64_t seed, int samples = 1) {
    return qlipx_test::promptRequest(prompt, seed, samples);
}

bool throwsContaining(const std::function<void()>& fn, const std::string& text) {
    try {
        fn();
    } catch (const qlip::Error& e) {
        if (std::string(e.what()).find(text) != std::string::npos) return true;
        qWarning("unexpected message: %s", e.what());
        return false;
    }
    return false;
}

} // namespace

class TestPrior : public QObject {
    Q_OBJECT
    std::unique_ptr<qlip::Engine> engine;
    std::unique_ptr<qlip::Prior> prior;

private Q_SLOTS:
    void initTestCase() {
        qlip::EngineOptions o;
        o.threads = 1;
        engine = qlip::Engine::open(kModel, o);
        prior = qlip::Prior::random(tinyPriorConfig(*engine), *engine, {}, 7);
    }

    void configRoundTripsAndRejectsImpossibleSizes() {
        auto c = tinyPriorConfig(*engine);
        auto back = qlip::PriorConfig::fromJson(qlip::Json::parse(c.toJson().dump()), "config");
        QCOMPARE(back.toJson().dump(), c.toJson().dump());
        auto bad = c;
        bad.groups = 5; // does not divide 28
        QVERIFY(throwsContaining([&] { bad.validate("x"); }, "must divide bits"));
        bad = c;
        bad.groups = 1; // a 2^28-way softmax
        QVERIFY(throwsContaining([&] { bad.validate("x"); }, "at most 16"));
        QVERIFY(throwsContaining([] { qlip::PriorConfig::fromJson(qlip::Json::parse("{\"model_type\": \"clip\"}"), "c.json"); }, "not a QLIP Explorer prior"));
    }

    void kvCacheEqualsFullRecomputation() {
        // Model level: the last position's hidden state, step by step with the cache, equals a full pass.
        auto& m = *prior->impl().model;
        torch::NoGradGuard g;
        const auto& c = prior->config();
        auto prefix = m.prefix(torch::randn({2, c.condLength, c.condWidth}));
        auto tokens = torch::randint(0, int64_t(1) << 28, {2, 10}, torch::kLong);
        auto inputs = m.tokenInputs(qlip::prior::indicesToCodes(tokens, c.bits, torch::kFloat32));
        auto full = m.backbone(torch::cat({prefix, inputs}, 1), 0, nullptr);        // [2, L + 10, D]
        auto cache = m.makeCache(2, torch::TensorOptions().dtype(torch::kFloat32));
        auto stepwise = m.backbone(prefix, 0, &cache);
        double worst = (stepwise - full.slice(1, 0, c.condLength)).abs().max().item<double>();
        for (int i = 0; i < 10; ++i) {
            auto h = m.backbone(inputs.slice(1, i, i + 1), c.condLength + i, &cache);
            worst = std::max(worst, (h.squeeze(1) - full.select(1, c.condLength + i)).abs().max().item<double>());
        }
        QVERIFY2(worst < 1e-5, qPrintable(QString::number(worst)));

        // Sampler level: the same tokens and confidences with and without the cache.
        auto req = request("an emoji of a red apple", 3, 2);
        auto cached = prior->generate(*engine, req);
        req.kvCache = false;
        auto recomputed = prior->generate(*engine, req);
        for (int s = 0; s < 2; ++s) {
            QCOMPARE(cached.grids[size_t(s)].indices, recomputed.grids[size_t(s)].indices);
            for (size_t n = 0; n < cached.confidence[size_t(s)].size(); ++n)
                QVERIFY(std::abs(cached.confidence[size_t(s)][n] - recomputed.confidence[size_t(s)][n]) < 1e-4);
        }
    }

    void seedsReproduceAndDoNotDependOnBatchSize() {
        auto one = prior->generate(*engine, request("a cat", 11, 1));
        auto again = prior->generate(*engine, request("a cat", 11, 1));
        auto three = prior->generate(*engine, request("a cat", 11, 3));
        QCOMPARE(one.grids[0].indices, again.grids[0].indices);
        QCOMPARE(one.grids[0].indices, three.grids[0].indices); // sample 0 is sample 0 in any batch
        QVERIFY(three.grids[1].indices != three.grids[0].indices);
        auto other = prior->generate(*engine, request("a cat", 12, 1));
        QVERIFY(other.grids[0].indices != one.grids[0].indices);
        one.grids[0].validate("generated grid");
        QCOMPARE(one.grids[0].rows, engine->info().gridRows);
        QCOMPARE(one.grids[0].bits, 28);
    }

    void temperatureZeroIsGreedyAndIgnoresTheSeed() {
        auto a = request("a dog", 1), b = request("a dog", 2);
        a.sampling.temperature = b.sampling.temperature = 0;
        auto ra = prior->generate(*engine, a), rb = prior->generate(*engine, b);
        QCOMPARE(ra.grids[0].indices, rb.grids[0].indices);
    }

    void topKBeyondTheVocabularyKeepsEverything() {
        auto all = request("a star", 5), huge = request("a star", 5);
        huge.sampling.topK = 1 << 20;
        QCOMPARE(prior->generate(*engine, all).grids[0].indices, prior->generate(*engine, huge).grids[0].indices);
    }

    void emptyPromptAndGuidanceZeroAreUnconditional() {
        // CFG 0 keeps only the unconditional branch: the same tokens as an empty prompt.
        auto uncond = request("", 21), zero = request("a red heart", 21);
        zero.sampling.cfgScale = 0;
        QCOMPARE(prior->generate(*engine, uncond).grids[0].indices, prior->generate(*engine, zero).grids[0].indices);
        // A negative prompt replaces the null condition in the unconditional branch.
        auto neg = request("a red heart", 21);
        neg.negativePrompt = "a blue heart";
        QVERIFY(prior->generate(*engine, neg).grids[0].indices != prior->generate(*engine, request("a red heart", 21)).grids[0].indices);
    }

    void longPromptIsTruncatedWithANotice() {
        std::string longPrompt;
        while (longPrompt.size() < 10000) longPrompt += "apple ";
        auto r = prior->generate(*engine, request(longPrompt, 1));
        QCOMPARE(int(r.notices.size()), 1);
        QVERIFY(r.notices[0].find("cut to the model's 32-token context") != std::string::npos);
        QVERIFY(prior->generate(*engine, request("apple", 1)).notices.empty());
    }

    void maskedRegenerationOnlyChangesTheMask() {
        auto base = prior->generate(*engine, request("a tree", 4)).grids[0];
        const int rows = base.rows, cols = base.cols;
        for (int trial = 0; trial < 3; ++trial) {
            auto req = request("a tree", 100 + uint64_t(trial));
            req.keep = base;
            req.regenerate.assign(size_t(rows * cols), 0);
            for (int r = 2 + trial; r < 5 + trial; ++r)
                for (int c = 1; c < 4; ++c) req.regenerate[size_t(r * cols + c)] = 1;
            int keptReports = 0;
            auto out = prior->generate(*engine, req, [&](const qlip::GeneratedToken& t) {
                keptReports += t.kept;
                return true;
            });
            int changedInside = 0;
            for (int n = 0; n < rows * cols; ++n) {
                if (!req.regenerate[size_t(n)]) QCOMPARE(out.grids[0].indices[size_t(n)], base.indices[size_t(n)]);
                else changedInside += out.grids[0].indices[size_t(n)] != base.indices[size_t(n)];
            }
            QCOMPARE(keptReports, rows * cols - 9);
            QCOMPARE(int(out.sampledTokens), 9);
            QVERIFY(changedInside > 0);
        }
        auto bad = request("a tree", 1);
        bad.keep = base;
        bad.regenerate.assign(3, 1);
        QVERIFY(throwsContaining([&] { prior->generate(*engine, bad); }, "regeneration mask has 3 entries"));
    }

    void tokensStreamInRasterOrderAndCancelStops() {
        std::vector<std::pair<int, int>> seen;
        auto r = prior->generate(*engine, request("a moon", 9, 2), [&](const qlip::GeneratedToken& t) {
            seen.emplace_back(t.position, t.sample);
            return true;
        });
        const int n = engine->info().gridRows * engine->info().gridCols;
        QCOMPARE(int(seen.size()), 2 * n);
        for (size_t i = 0; i < seen.size(); ++i) {
            QCOMPARE(seen[i].first, int(i / 2));
            QCOMPARE(seen[i].second, int(i % 2));
        }
        for (float c : r.confidence[0]) QVERIFY(c > 0 && c <= 1);
        int calls = 0;
        bool cancelled = false;
        try {
            prior->generate(*engine, request("a moon", 9), [&](const qlip::GeneratedToken&) { return ++calls < 10; });
        } catch (const qlip::Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        QCOMPARE(calls, 10);
        QCOMPARE(prior->generate(*engine, request("a moon", 9, 2)).grids[0].indices, r.grids[0].indices); // still usable
    }

    void badRequestsAreClearErrors() {
        auto r = request("x", 1);
        r.samples = 0;
        QVERIFY(throwsContaining([&] { prior->generate(*engine, r); }, "number of samples"));
        r = request("x", 1);
        r.sampling.temperature = -1;
        QVERIFY(throwsContaining([&] { prior->generate(*engine, r); }, "temperature"));
        r = request("x", 1);
        r.sampling.cfgScale = std::numeric_limits<float>::quiet_NaN();
        QVERIFY(throwsContaining([&] { prior->generate(*engine, r); }, "guidance scale"));
    }

    void aPriorForAnotherModelIsRefused() {
        auto c = tinyPriorConfig(*engine);
        c.gridRows = 16;
        c.gridCols = 16;
        QVERIFY(throwsContaining([&] { qlip::Prior::random(c, *engine); }, "grid 16x16 vs the model's 8x8"));
        c = tinyPriorConfig(*engine);
        c.qlipModel = "QLIP-B-16-256";
        QVERIFY(throwsContaining([&] { qlip::Prior::random(c, *engine); }, "trained on the tokens of 'QLIP-B-16-256'"));
    }

    void checkpointRoundTripsAndBadFilesListEveryProblem() {
        QTemporaryDir dir;
        const std::string f32 = dir.path().toStdString() + "/f32", bf16 = dir.path().toStdString() + "/bf16";
        prior->save(f32, "F32");
        prior->save(bf16, "BF16");
        auto back = qlip::Prior::open(f32, *engine);
        QCOMPARE(back->parameters(), prior->parameters());
        auto req = request("a rocket", 8, 2);
        QCOMPARE(back->generate(*engine, req).grids[1].indices, prior->generate(*engine, req).grids[1].indices);
        QVERIFY(std::filesystem::file_size(bf16 + "/model.safetensors") < std::filesystem::file_size(f32 + "/model.safetensors") * 6 / 10);
        qlip::Prior::open(bf16, *engine)->generate(*engine, req);

        // A file with one tensor missing and one misshaped: both reported in one error.
        auto file = qlip::SafetensorsFile::open(f32 + "/model.safetensors");
        qlip::SafetensorsWriter w;
        bool skipped = false, bent = false;
        for (const auto& t : file.tensors()) {
            if (!skipped && t.name == "norm.weight") { skipped = true; continue; }
            auto shape = t.shape;
            if (!bent && t.name == "bits_embedding.weight") { shape = {shape[0] * shape[1]}; bent = true; }
            w.add(t.name, t.dtype, shape, file.data(t), size_t(t.end - t.begin));
        }
        const std::string broken = dir.path().toStdString() + "/broken";
        std::filesystem::create_directories(broken);
        std::filesystem::copy_file(f32 + "/config.json", broken + "/config.json");
        w.save(broken + "/model.safetensors");
        try {
            qlip::Prior::open(broken, *engine);
            QFAIL("a broken prior opened");
        } catch (const qlip::Error& e) {
            const std::string msg = e.what();
            QVERIFY(msg.find("2 problems") != std::string::npos);
            QVERIFY(msg.find("missing tensor norm.weight") != std::string::npos);
            QVERIFY(msg.find("bits_embedding.weight: file [1792]") != std::string::npos);
        }
        QVERIFY(throwsContaining([&] { qlip::Prior::open(dir.path().toStdString() + "/nothing", *engine); }, "does not exist"));
    }

    void bf16PriorSamplesValidGrids() {
        // The explorer runs the prior in bf16 when the QLIP engine is bf16.
        QTemporaryDir dir;
        prior->save(dir.path().toStdString(), "F32");
        qlip::PriorOptions o;
        o.precision = "bf16";
        auto half = qlip::Prior::open(dir.path().toStdString(), *engine, o);
        auto req = request("an emoji of a red apple", 3, 2);
        auto cached = half->generate(*engine, req);
        for (const auto& g : cached.grids) g.validate("bf16 grid");
        for (float c : cached.confidence[1]) QVERIFY(c > 0 && c <= 1);
        req.kvCache = false;
        QCOMPARE(half->generate(*engine, req).grids[0].indices.size(), cached.grids[0].indices.size());
        o.precision = "fp8";
        QVERIFY(throwsContaining([&] { qlip::Prior::open(dir.path().toStdString(), *engine, o); }, "not supported"));
    }

    void cudaSamplingMatchesItsOwnFullRecomputation() {
        if (!qlip::cudaAvailable()) QSKIP("this LibTorch has no CUDA device");
        qlip::EngineOptions o;
        o.device = qlip::Device::CUDA;
        auto gpu = qlip::Engine::open(kModel, o);
        auto p = qlip::Prior::random(tinyPriorConfig(*gpu), *gpu, {}, 7);
        auto req = request("an emoji of a red apple", 3, 2);
        auto cached = p->generate(*gpu, req);
        req.kvCache = false;
        QCOMPARE(cached.grids[1].indices, p->generate(*gpu, req).grids[1].indices);
        cached.grids[0].validate("CUDA grid");
    }

    void trainerLowersTheLossAndResumes() {
        // Four solid-colour images with captions: the prior learns them in a few dozen steps.
        QTemporaryDir dir;
        const std::string data = dir.path().toStdString() + "/data", out = dir.path().toStdString() + "/prior";
        std::filesystem::create_directories(data);
        const uint8_t colours[4][3] = {{220, 30, 30}, {30, 30, 220}, {30, 180, 30}, {240, 200, 20}};
        const char* names[4] = {"red", "blue", "green", "yellow"};
        for (int i = 0; i < 4; ++i) {
            qlip::ImageRGB8 img{64, 64, std::vector<uint8_t>(64 * 64 * 3, 255)};
            for (int y = 16; y < 48; ++y)
                for (int x = 16; x < 48; ++x) std::copy_n(colours[i], 3, img.pixel(x, y));
            qlip::savePng(data + "/" + names[i] + ".png", img);
            std::ofstream(data + "/" + names[i] + ".txt") << "a " << names[i] << " square\n" << names[i] << "\n";
        }
        std::ofstream(data + "/uncaptioned.txt") << "no image here\n";
        qlip::PriorTrainOptions o;
        o.data = data;
        o.qlip = kModel;
        o.out = out;
        o.width = 64;
        o.layers = 2;
        o.heads = 2;
        o.mlp = 128;
        o.headMlp = 64;
        o.batch = 4;
        o.steps = 60;
        o.stopAt = 40;
        o.warmup = 5;
        o.lr = 3e-3;
        o.logEvery = 10;
        o.threads = 1;
        std::vector<qlip::PriorTrainProgress> log;
        qlip::trainPrior(o, [&](const qlip::PriorTrainProgress& p) { log.push_back(p); });
        QCOMPARE(log.front().images, int64_t(4));
        QVERIFY(log.size() >= 4);
        QVERIFY2(log.back().loss < 0.7 * log[1].loss, qPrintable(QString("%1 -> %2").arg(log[1].loss).arg(log.back().loss)));
        QCOMPARE(log.back().step, 40);
        QVERIFY(std::filesystem::exists(out + "/checkpoint/state.json"));
        QVERIFY(std::filesystem::exists(out + "/train-loss.png"));

        // Resume: continues at step 40 and finishes the schedule.
        o.stopAt = 0;
        log.clear();
        qlip::trainPrior(o, [&](const qlip::PriorTrainProgress& p) { log.push_back(p); });
        QCOMPARE(log[1].step, 50);
        QCOMPARE(log.back().step, 60);
        auto trained = qlip::Prior::open(out, *engine);
        QCOMPARE(trained->config().qlipModel, engine->info().name);
        trained->generate(*engine, request("a red square", 0));

        // Warm start (--init): the new run begins where the trained prior ended, with its sizes.
        qlip::PriorTrainOptions w = o;
        w.out = dir.path().toStdString() + "/warm";
        w.init = out;
        w.width = 32; // ignored: the init prior's sizes apply
        w.steps = 10;
        w.stopAt = 0;
        w.lr = 1e-4;
        std::vector<qlip::PriorTrainProgress> warmLog;
        qlip::trainPrior(w, [&](const qlip::PriorTrainProgress& p) { warmLog.push_back(p); });
        QCOMPARE(warmLog.back().step, 10);
        QVERIFY2(warmLog.back().loss < 1.2 * log.back().loss,
                 qPrintable(QString("warm start %1 vs trained %2").arg(warmLog.back().loss).arg(log.back().loss)));
        auto warm = qlip::Prior::open(w.out, *engine);
        QCOMPARE(warm->config().width, 64);
        QCOMPARE(warm->config().name, std::string("warm"));
        w.init = dir.path().toStdString() + "/no-such-prior";
        w.out = dir.path().toStdString() + "/warm2";
        QVERIFY(throwsContaining([&] { qlip::trainPrior(w, [](const qlip::PriorTrainProgress&) {}); }, "no-such-prior"));

        // No usable pairs: a clear error.
        const std::string empty = dir.path().toStdString() + "/empty";
        std::filesystem::create_directories(empty);
        o.data = empty;
        o.out = dir.path().toStdString() + "/p2";
        QVERIFY(throwsContaining([&] { qlip::trainPrior(o, [](const qlip::PriorTrainProgress&) {}); }, "no usable training pairs"));
    }
};

QTEST_GUILESS_MAIN(TestPrior)
#include "test_prior.moc"
