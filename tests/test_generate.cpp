// Generation in the explorer (issue #7), without GL: the streaming logic (when reports are due,
// what the preview decodes), the engine thread (progress streams before the result, the result
// equals qlip::Prior::generate run directly, cancel, priors that fail or no longer fit), the run
// history file (round trip across a restart, cap, corrupt files), the Generate dock's controls,
// and the startup options.
#include "enginethread.h"
#include "generatepanel.h"
#include "generation.h"
#include "generationhistory.h"
#include "generationview.h"
#include "startup.h"

#include "generatefixture.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSemaphore>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include <atomic>
#include <cmath>
#include <limits>

using namespace qlipx_test;

namespace {

constexpr int kTimeoutMs = 60000;

// The worker's generation and prior signals, in arrival order, on the test thread.
struct Recorder : QObject {
    std::vector<qlipx::PriorInfo> priors;
    QStringList priorErrors;
    std::vector<qlipx::GenerationProgress> progress;
    std::vector<qlipx::GenerationResult> results;
    QStringList failures;
    QStringList events; // "progress", "finished", "failed"
    int loaded = 0;

    explicit Recorder(qlipx::EngineWorker* w) {
        connect(w, &qlipx::EngineWorker::modelLoaded, this, [this] { ++loaded; });
        connect(w, &qlipx::EngineWorker::priorChanged, this, [this](const qlipx::PriorInfo& p) { priors.push_back(p); });
        connect(w, &qlipx::EngineWorker::priorFailed, this, [this](const QString&, const QString& m) { priorErrors << m; });
        connect(w, &qlipx::EngineWorker::generationProgress, this, [this](const qlipx::GenerationProgress& p) {
            progress.push_back(p);
            events << QStringLiteral("progress");
        });
        connect(w, &qlipx::EngineWorker::generationFinished, this, [this](const qlipx::GenerationResult& r) {
            results.push_back(r);
            events << QStringLiteral("finished");
        });
        connect(w, &qlipx::EngineWorker::generationFailed, this, [this](quint64, const QString& m) {
            failures << m;
            events << QStringLiteral("failed");
        });
    }
};

qlip::GeneratedToken token(int sample, int position, int64_t index, float confidence = 0.5f) {
    return qlip::GeneratedToken{sample, position, index, confidence, false};
}

qlip::PriorConfig gridConfig(int rows, int cols) {
    qlip::PriorConfig c;
    c.gridRows = rows;
    c.gridCols = cols;
    c.bits = 28;
    return c;
}

} // namespace

class TestGenerate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    void previewFillIsMostFrequentToken();
    void streamReportsRowsAndIntervals();
    void streamSnapshotFillsPendingPositions();
    void confidenceColoursAndPendingCells();

    void workerStreamsThenMatchesDirectGenerate();
    void workerCancelMidRun();
    void workerCancelBeforeStart();
    void badPriorKeepsCurrentOne();
    void priorIsDroppedByOtherModel();
    void companionPriorFolder();

    void historyRoundTripAndCap();
    void corruptHistoryIsSetAside();
    void panelHistorySurvivesRestart();
    void panelControls();
    void startupOptions();

private:
    QTemporaryDir m_dir;
    QString m_prior; // the tiny random prior's folder
};

void TestGenerate::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_prior = m_dir.filePath(QStringLiteral("tiny-prior"));
    saveTinyPrior(m_prior);
    QVERIFY(QFile::exists(m_prior + QStringLiteral("/config.json")));
}

// ---- streaming logic ------------------------------------------------------------------------

void TestGenerate::previewFillIsMostFrequentToken() {
    QCOMPARE(qlipx::previewFillToken({}, 0), int64_t(0));
    QCOMPARE(qlipx::previewFillToken({7, 3, 7, 3, 3, 9}, 6), int64_t(3));
    QCOMPARE(qlipx::previewFillToken({7, 3, 7, 3, 3, 9}, 3), int64_t(7)); // only the first three count
    QCOMPARE(qlipx::previewFillToken({9, 4, 9, 4}, 4), int64_t(4));       // a tie goes to the smaller index
}

void TestGenerate::streamReportsRowsAndIntervals() {
    qlip::GenerateRequest r;
    r.samples = 2;
    qlipx::GenerationStream stream(gridConfig(2, 4), r, 1, 40);
    // Position 0: sample 0 never triggers a report, sample 1 does only when the interval passed.
    QVERIFY(!stream.add(token(0, 0, 5), 0));
    QVERIFY(!stream.add(token(1, 0, 5), 10)); // 10 ms after the (virtual) last report at 0
    QCOMPARE(stream.positionsDone(), 1);
    QVERIFY(!stream.add(token(0, 1, 5), 45));
    QVERIFY(stream.add(token(1, 1, 5), 45)); // 45 ms >= 40 ms
    stream.reported(46, 30);                  // the decode took 30 ms: the next report waits 90 ms
    QVERIFY(!stream.add(token(0, 2, 5), 130));
    QVERIFY(!stream.add(token(1, 2, 5), 130)); // 84 ms < 90 ms
    QVERIFY(!stream.add(token(0, 3, 5), 131));
    QVERIFY(stream.add(token(1, 3, 5), 131));  // the end of row 0: always reported
    stream.reported(132, 1);
    QVERIFY(!stream.add(token(0, 4, 5), 140));
    QVERIFY(!stream.add(token(1, 4, 5), 140));
    QVERIFY(stream.add(token(1, 5, 5), 172)); // back to the 40 ms floor
    QVERIFY(!stream.add(token(0, 7, 5), 173));
    QVERIFY(stream.add(token(1, 7, 5), 173)); // the last row ends: the final state is reported too
    QCOMPARE(stream.positionsDone(), 8);
}

void TestGenerate::streamSnapshotFillsPendingPositions() {
    qlip::GenerateRequest r;
    r.samples = 1;
    qlipx::GenerationStream stream(gridConfig(2, 3), r, 1);
    for (auto [pos, index] : {std::pair{0, 4}, {1, 8}, {2, 8}, {3, 1}}) stream.add(token(0, pos, index, 0.25f * (pos + 1)), 0);
    qlipx::GenerationProgress p = stream.snapshot(7);
    QCOMPARE(p.job, quint64(7));
    QCOMPARE(p.positionsDone, 4);
    QCOMPARE(p.positions, 6);
    QCOMPARE(p.grids.front().indices, (std::vector<int64_t>{4, 8, 8, 1, 8, 8})); // pending: the most frequent (8)
    QCOMPARE(p.confidence.front(), (std::vector<float>{0.25f, 0.5f, 0.75f, 1.0f, 0, 0}));

    // A masked run previews the tokens it started from where nothing is sampled yet.
    qlip::GenerateRequest m;
    m.samples = 1;
    m.keep = qlip::TokenGrid{2, 3, 28, 1, {10, 11, 12, 13, 14, 15}, {}};
    m.regenerate = {0, 1, 0, 0, 1, 0};
    qlipx::GenerationStream masked(gridConfig(2, 3), m, 1);
    masked.add(qlip::GeneratedToken{0, 0, 10, 1, true}, 0);
    masked.add(token(0, 1, 99), 0);
    qlipx::GenerationProgress q = masked.snapshot(1);
    QCOMPARE(q.grids.front().indices, (std::vector<int64_t>{10, 99, 12, 13, 14, 15}));
    QCOMPARE(q.regenerate, m.regenerate);
}

void TestGenerate::confidenceColoursAndPendingCells() {
    const std::vector<float> confidence{1.f, 0.f, 0.5f, 0.f};
    const std::vector<uint8_t> mask{1, 0, 1, 1};
    const auto colours = qlipx::confidenceColors(confidence, 2, mask);
    QCOMPARE(qAlpha(colours[0]), qlipx::kConfidenceAlpha); // sampled
    QCOMPARE(qAlpha(colours[1]), 0);   // kept: untinted
    QCOMPARE(qAlpha(colours[2]), 0);   // not sampled yet: untinted (the picture shows it empty)
    QVERIFY(qRed(colours[0]) > 200 && qGreen(colours[0]) > 200); // confidence 1: the pale top of the scale
    QCOMPARE(qlipx::pendingPositions(4, 2, mask), (std::vector<uint8_t>{0, 0, 1, 1}));
    QCOMPARE(qlipx::meanConfidence(confidence, 3, mask), 0.75);

    // A white 2x2-token picture: the pending token's cell becomes dark, the others stay white.
    QImage white(16, 16, QImage::Format_RGB32);
    white.fill(Qt::white);
    const QImage shown = qlipx::withPendingCellsEmpty(white, 2, 2, {0, 0, 0, 1});
    QCOMPARE(shown.pixel(2, 2), qRgb(255, 255, 255));
    QVERIFY(qGray(shown.pixel(12, 12)) < 130);
    QVERIFY(shown.pixel(12, 12) != shown.pixel(14, 12)); // a checkerboard, not a flat colour
}

// ---- engine thread ----------------------------------------------------------------------------

void TestGenerate::workerStreamsThenMatchesDirectGenerate() {
    qlipx::EngineThread engine(cpuOneThread());
    Recorder rec(engine.worker());
    engine.requestModel(kEmojiModel);
    QTRY_VERIFY_WITH_TIMEOUT(!rec.priors.empty(), kTimeoutMs); // the model load says which prior goes with it
    // The shipped model finds the embedded prior next to it, when that is installed.
    const QString embedded = qlipx::defaultPriorFolder();
    QCOMPARE(rec.priors.back().available(), !embedded.isEmpty());
    engine.requestOpenPrior(m_prior);
    QTRY_VERIFY_WITH_TIMEOUT(rec.priors.size() == 2, kTimeoutMs);
    QCOMPARE(rec.priors.back().name, QStringLiteral("tiny-test-prior"));
    QCOMPARE(rec.priors.back().rows, 8);

    const qlip::GenerateRequest request = promptRequest("an emoji of a red apple", 5, 3);
    engine.requestGenerate(1, request);
    QTRY_VERIFY_WITH_TIMEOUT(!rec.events.isEmpty() && rec.events.back() != QLatin1String("progress"), kTimeoutMs);
    QVERIFY2(rec.failures.isEmpty(), qPrintable(rec.failures.join(QLatin1Char('\n'))));
    QCOMPARE(rec.results.size(), size_t(1));
    // Progress came first, at least once per row, and the finished signal last.
    QVERIFY(rec.progress.size() >= 8);
    QCOMPARE(rec.events.back(), QStringLiteral("finished"));
    QCOMPARE(rec.events.count(QStringLiteral("progress")), int(rec.progress.size()));

    // The engine's own run gives the very same tokens and confidences.
    auto reference = qlip::Engine::open(kEmojiModel.toStdString(), cpuOneThread());
    auto prior = qlip::Prior::open(m_prior.toStdString(), *reference);
    const qlip::GenerateResult direct = prior->generate(*reference, request);
    const qlipx::GenerationResult& r = rec.results.front();
    QCOMPARE(r.grids.size(), size_t(3));
    for (size_t s = 0; s < 3; ++s) {
        QCOMPARE(r.grids[s].indices, direct.grids[s].indices);
        QCOMPARE(r.confidence[s], direct.confidence[s]);
        QCOMPARE(r.images[s].size(), QSize(64, 64));
    }
    QCOMPARE(r.prior, QStringLiteral("tiny-test-prior"));

    // Every report: all samples, their previews, and the tokens done so far are the final ones.
    int lastDone = 0;
    for (const auto& p : rec.progress) {
        QVERIFY(p.positionsDone > lastDone);
        lastDone = p.positionsDone;
        QCOMPARE(p.grids.size(), size_t(3));
        QCOMPARE(p.previews.size(), size_t(3));
        QCOMPARE(p.previews.front().size(), QSize(64, 64));
        for (size_t s = 0; s < 3; ++s)
            for (int n = 0; n < p.positionsDone; ++n) QCOMPARE(p.grids[s].indices[size_t(n)], r.grids[s].indices[size_t(n)]);
    }
    QCOMPARE(rec.progress.back().positionsDone, 64);
}

void TestGenerate::workerCancelMidRun() {
    // The first report holds the engine thread until the test has cancelled: the cancel is
    // guaranteed to land in the middle of the run, whatever the machine's speed.
    QSemaphore gate;
    std::atomic<int> reports{0};
    qlipx::EngineThread engine(cpuOneThread());
    Recorder rec(engine.worker());
    QObject::connect(engine.worker(), &qlipx::EngineWorker::generationProgress, engine.worker(),
                     [&](const qlipx::GenerationProgress&) {
                         if (reports++ == 0) gate.acquire();
                     }, Qt::DirectConnection);
    engine.requestModel(kEmojiModel);
    engine.requestOpenPrior(m_prior);
    QTRY_VERIFY_WITH_TIMEOUT(rec.priors.size() == 2, kTimeoutMs);
    engine.requestGenerate(1, promptRequest("a cat", 1, 4));
    QTRY_VERIFY_WITH_TIMEOUT(reports.load() == 1, kTimeoutMs);
    engine.worker()->cancelGeneration();
    gate.release();
    QTRY_VERIFY_WITH_TIMEOUT(!rec.failures.isEmpty(), kTimeoutMs);
    QCOMPARE(rec.failures.front(), QStringLiteral("cancelled"));
    QVERIFY(rec.results.empty());
    QCOMPARE(reports.load(), 1); // no report after the cancel

    // A run requested after the cancel is not affected by it.
    engine.requestGenerate(2, promptRequest("a cat", 1, 1));
    QTRY_VERIFY_WITH_TIMEOUT(rec.results.size() == 1, kTimeoutMs);
    QCOMPARE(rec.results.front().job, quint64(2));
}

void TestGenerate::workerCancelBeforeStart() {
    qlipx::EngineThread engine(cpuOneThread());
    Recorder rec(engine.worker());
    engine.requestModel(kEmojiModel);
    engine.requestOpenPrior(m_prior);
    engine.requestGenerate(1, promptRequest("", 3, 2)); // waits behind the model load
    engine.worker()->cancelGeneration();
    QTRY_VERIFY_WITH_TIMEOUT(!rec.failures.isEmpty(), kTimeoutMs);
    QCOMPARE(rec.failures.front(), QStringLiteral("cancelled"));
    QVERIFY(rec.progress.empty());
}

void TestGenerate::badPriorKeepsCurrentOne() {
    qlipx::EngineThread engine(cpuOneThread());
    Recorder rec(engine.worker());
    engine.requestModel(kEmojiModel);
    engine.requestOpenPrior(m_prior);
    QTRY_VERIFY_WITH_TIMEOUT(rec.priors.size() == 2, kTimeoutMs);
    engine.requestOpenPrior(m_dir.filePath(QStringLiteral("no-such-prior")));
    QTRY_VERIFY_WITH_TIMEOUT(!rec.priorErrors.isEmpty(), kTimeoutMs);
    QVERIFY2(rec.priorErrors.front().contains(QStringLiteral("does not exist")), qPrintable(rec.priorErrors.front()));
    QCOMPARE(rec.priors.size(), size_t(2));
    engine.requestGenerate(1, promptRequest("", 2, 1)); // the tiny prior still answers
    QTRY_VERIFY_WITH_TIMEOUT(rec.results.size() == 1, kTimeoutMs);
    QCOMPARE(rec.results.front().prior, QStringLiteral("tiny-test-prior"));
}

void TestGenerate::priorIsDroppedByOtherModel() {
    qlipx::EngineThread engine(cpuOneThread());
    Recorder rec(engine.worker());
    engine.requestModel(kEmojiModel);
    engine.requestOpenPrior(m_prior);
    QTRY_VERIFY_WITH_TIMEOUT(rec.priors.size() == 2, kTimeoutMs);
    // The golden test model makes 16x16 grids: the 8x8 prior cannot serve it.
    engine.requestModel(QStringLiteral(QLIPX_TEST_DATA "/golden/tiny-b16"));
    QTRY_VERIFY_WITH_TIMEOUT(rec.priors.size() == 3, kTimeoutMs);
    QVERIFY(!rec.priors.back().available());
    QVERIFY2(rec.priors.back().note.contains(QStringLiteral("closed")), qPrintable(rec.priors.back().note));
    engine.requestGenerate(1, promptRequest("", 1, 1));
    QTRY_VERIFY_WITH_TIMEOUT(!rec.failures.isEmpty(), kTimeoutMs);
    QVERIFY(rec.failures.front().contains(QStringLiteral("no prior")));
}

void TestGenerate::companionPriorFolder() {
    QTemporaryDir dir;
    const QString model = dir.filePath(QStringLiteral("my-model"));
    QVERIFY(QDir().mkpath(model));
    QCOMPARE(qlipx::companionPriorFolder(model), QString());
    QVERIFY(QDir().mkpath(model + QStringLiteral("-prior")));
    QFile config(model + QStringLiteral("-prior/config.json"));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.close();
    QCOMPARE(qlipx::companionPriorFolder(model + QStringLiteral("/")), QFileInfo(model + QStringLiteral("-prior")).canonicalFilePath());
    QCOMPARE(qlipx::companionPriorFolder(QString()), QString());
}

// ---- history ----------------------------------------------------------------------------------

void TestGenerate::historyRoundTripAndCap() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sub/history.json"));
    qlipx::GenerationHistory history(path, 3);
    QCOMPARE(history.load(), QString()); // no file yet: empty, no complaint
    for (int i = 0; i < 5; ++i) {
        qlip::GenerateRequest r = promptRequest(QStringLiteral("run %1 100%2").arg(i).toStdString(), 18446744073709551000ull + uint64_t(i), 1 + i);
        r.negativePrompt = "blurry";
        r.sampling.temperature = 0.7f;
        r.sampling.topK = 50;
        r.sampling.topP = 0.9f;
        r.sampling.cfgLast = i == 4 ? 20 : std::numeric_limits<int>::max();
        auto record = qlipx::GenerationRecord::of(r, QStringLiteral("qlip-explorer-emoji-64"), QStringLiteral("prior-a"),
                                                  QDateTime(QDate(2026, 11, 27), QTime(12, i, 7, 250), Qt::UTC));
        record.seconds = 1.5;
        QVERIFY(history.append(record));
    }
    QCOMPARE(history.records().size(), size_t(3));

    qlipx::GenerationHistory again(path, 3);
    QCOMPARE(again.load(), QString());
    QCOMPARE(again.records().size(), size_t(3));
    const qlipx::GenerationRecord& last = again.records().back();
    QCOMPARE(last.prompt, QStringLiteral("run 4 100%2"));
    QCOMPARE(last.negativePrompt, QStringLiteral("blurry"));
    QCOMPARE(last.sampling.seed, 18446744073709551004ull); // 64-bit seeds survive JSON
    QCOMPARE(last.sampling.temperature, 0.7f);
    QCOMPARE(last.sampling.topK, 50);
    QCOMPARE(last.sampling.topP, 0.9f);
    QCOMPARE(last.sampling.cfgScale, 3.0f);
    QCOMPARE(last.sampling.cfgLast, 20);
    QCOMPARE(again.records().front().sampling.cfgLast, std::numeric_limits<int>::max());
    QCOMPARE(last.samples, 5);
    QCOMPARE(last.model, QStringLiteral("qlip-explorer-emoji-64"));
    QCOMPARE(last.time, QDateTime(QDate(2026, 11, 27), QTime(12, 4, 7, 250), Qt::UTC));
    QCOMPARE(again.records().front().prompt, QStringLiteral("run 2 100%2")); // the two oldest were dropped
    const qlip::GenerateRequest rerun = last.request();
    QCOMPARE(rerun.sampling.seed, 18446744073709551004ull);
    QCOMPARE(rerun.samples, 5);
    QVERIFY(last.summary().contains(QStringLiteral("100%2"))); // a "%2" in a prompt is text, not a placeholder
}

void TestGenerate::corruptHistoryIsSetAside() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("history.json"));
    for (const QByteArray& bad : {QByteArray("{ not json"), QByteArray("[1, 2, 3]"), QByteArray("{\"format\": \"qlipx-generation-history\", \"version\": 99}")}) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bad);
        f.close();
        qlipx::GenerationHistory history(path);
        const QString message = history.load();
        QVERIFY2(message.contains(QStringLiteral("could not be read")), qPrintable(message));
        QVERIFY(history.records().empty());
        QVERIFY(!QFile::exists(path));
        QVERIFY(QFile::exists(path + QStringLiteral(".corrupt")));
        QVERIFY(history.append(qlipx::GenerationRecord::of(promptRequest("x", 1, 1), {}, {}, QDateTime::currentDateTimeUtc())));
        QVERIFY(QFile::remove(path));
    }
    // One bad entry among good ones: skipped and counted, the others kept.
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QJsonObject good = qlipx::GenerationRecord::of(promptRequest("ok", 1, 2), {}, {}, QDateTime::currentDateTimeUtc()).toJson();
    f.write(QJsonDocument(QJsonObject{{"format", "qlipx-generation-history"}, {"version", 1},
                                      {"runs", QJsonArray{good, QJsonObject{{"prompt", 5}}, good}}}).toJson());
    f.close();
    qlipx::GenerationHistory history(path);
    QVERIFY(history.load().contains(QStringLiteral("1 unreadable")));
    QCOMPARE(history.records().size(), size_t(2));
}

void TestGenerate::panelHistorySurvivesRestart() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("history.json"));
    qlip::GenerateRequest request = promptRequest("an emoji of a cat", 424242, 6);
    request.sampling.temperature = 0.8f;
    {
        qlipx::GeneratePanel panel(path);
        QCOMPARE(panel.historyRows(), 0);
        panel.recordRun(qlipx::GenerationRecord::of(request, QStringLiteral("m"), QStringLiteral("p"), QDateTime::currentDateTimeUtc()));
        panel.recordRun(qlipx::GenerationRecord::of(promptRequest("second", 1, 1), QStringLiteral("m"), QStringLiteral("p"),
                                                    QDateTime::currentDateTimeUtc()));
        QCOMPARE(panel.historyRows(), 2);
    }
    qlipx::GeneratePanel panel(path); // a restart
    QCOMPARE(panel.historyRows(), 2);
    QVERIFY(panel.historyList()->item(0)->text().contains(QStringLiteral("second"))); // newest first
    panel.setPrior({QStringLiteral("p"), {}, 1, 8, 8, 4, 64, 2, {}});
    panel.activateHistoryRow(1);
    const qlip::GenerateRequest restored = panel.request();
    QCOMPARE(restored.prompt, request.prompt);
    QCOMPARE(restored.sampling.seed, request.sampling.seed);
    QCOMPARE(restored.sampling.temperature, 0.8f);
    QCOMPARE(restored.samples, 6);
    QSignalSpy again(&panel, &qlipx::GeneratePanel::generateRequested);
    panel.runHistoryRowAgain(1);
    QCOMPARE(again.size(), 1);
    QCOMPARE(again.front().front().value<qlip::GenerateRequest>().sampling.seed, quint64(424242));

    // A corrupt file: the panel says so and starts an empty history.
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("\x00\x01garbage", 9);
    f.close();
    qlipx::GeneratePanel fresh(path);
    QCOMPARE(fresh.historyRows(), 0);
    QVERIFY2(fresh.message().contains(QStringLiteral("could not be read")), qPrintable(fresh.message()));
}

void TestGenerate::panelControls() {
    QTemporaryDir dir;
    qlipx::GeneratePanel panel(dir.filePath(QStringLiteral("h.json")));
    QVERIFY(!panel.generateButton()->isEnabled()); // no prior yet
    panel.setPrior({QStringLiteral("p"), {}, 1, 8, 8, 4, 64, 2, {}});
    QVERIFY(panel.generateButton()->isEnabled());
    qlip::GenerateRequest r = promptRequest("a dog", 77, 9);
    r.negativePrompt = "a cat";
    r.sampling.topK = 12;
    r.sampling.topP = 0.5f;
    r.sampling.temperature = 0;
    panel.setRequest(r);
    const qlip::GenerateRequest back = panel.request();
    QCOMPARE(back.prompt, r.prompt);
    QCOMPARE(back.negativePrompt, r.negativePrompt);
    QCOMPARE(back.samples, 9);
    QCOMPARE(back.sampling.seed, quint64(77));
    QCOMPARE(back.sampling.topK, 12);
    QCOMPARE(back.sampling.topP, 0.5f);
    QCOMPARE(back.sampling.temperature, 0.0f);
    QCOMPARE(back.sampling.cfgScale, 3.0f);

    QSignalSpy generate(&panel, &qlipx::GeneratePanel::generateRequested);
    QSignalSpy cancel(&panel, &qlipx::GeneratePanel::cancelRequested);
    QTest::mouseClick(panel.generateButton(), Qt::LeftButton);
    QCOMPARE(generate.size(), 1);
    panel.setRunning(true);
    QCOMPARE(panel.generateButton()->text(), QStringLiteral("Cancel"));
    QVERIFY(!panel.regenerateButton()->isEnabled());
    QTest::mouseClick(panel.generateButton(), Qt::LeftButton);
    QCOMPARE(cancel.size(), 1);
    QCOMPARE(generate.size(), 1);
    panel.setRunning(false);
    QCOMPARE(panel.generateButton()->text(), QStringLiteral("Generate"));

    // The dice draws another seed (2^-32 chance of the same one).
    auto* dice = panel.findChild<QToolButton*>();
    QVERIFY(dice);
    const quint64 before = panel.request().sampling.seed;
    dice->click();
    QVERIFY(panel.request().sampling.seed != before);

    // The gallery: one item per sample, a click selects it.
    QImage img(64, 64, QImage::Format_RGB32);
    img.fill(Qt::red);
    panel.setGallery({img, img, img}, {0.5, 0.25, std::nan("")});
    QCOMPARE(panel.gallerySize(), 3);
    QVERIFY(panel.gallery()->item(0)->text().contains(QStringLiteral("0.50")));
    QSignalSpy selected(&panel, &qlipx::GeneratePanel::sampleSelected);
    panel.gallery()->setCurrentRow(2);
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.front().front().toInt(), 2);
}

void TestGenerate::startupOptions() {
    const auto o = qlipx::parseCommandLine({QStringLiteral("qlip-explorer"), QStringLiteral("--prompt"), QStringLiteral("a red apple"),
                                            QStringLiteral("--generate"), QStringLiteral("--seed"), QStringLiteral("18446744073709551615"),
                                            QStringLiteral("--samples"), QStringLiteral("12"), QStringLiteral("--prior"),
                                            QStringLiteral("/p"), QStringLiteral("--dock"), QStringLiteral("generate")});
    QCOMPARE(o.prompt, QStringLiteral("a red apple"));
    QVERIFY(o.generate);
    QVERIFY(o.seed.has_value());
    QCOMPARE(*o.seed, quint64(18446744073709551615ull));
    QCOMPARE(o.samples, 12);
    QCOMPARE(o.prior, QStringLiteral("/p"));
    QCOMPARE(o.dock, QStringLiteral("generate"));
    const auto d = qlipx::parseCommandLine({QStringLiteral("qlip-explorer")});
    QVERIFY(!d.generate);
    QVERIFY(!d.seed.has_value());
    QCOMPARE(d.samples, 0);
}

int main(int argc, char** argv) {
    // The history and caches go to throw-away folders, never the user's.
    QTemporaryDir home;
    for (const char* v : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"})
        qputenv(v, (home.path() + QLatin1Char('/') + QLatin1String(v)).toLocal8Bit());
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("qlip-explorer-tests"));
    TestGenerate test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_generate.moc"
