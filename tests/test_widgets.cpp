// The explorer's non-GL parts: the screen -> token mapping of the canvas at several zooms and
// pans, the status readout's token text, and the engine thread (encode, failed model switch,
// bad images, latest-wins bursts).
#include "aboutdialog.h"
#include "editsession.h"
#include "enginethread.h"
#include "sessionfile.h"
#include "startup.h"
#include "statusreadout.h"
#include "theme.h"
#include "tokencolor.h"
#include "viewtransform.h"

#include "qlip/error.h"
#include "qlip/processinfo.h"
#include "qlip/tokenedit.h"

#include <QJsonArray>
#include <QtTest>

#include <random>
#include <vector>

using qlipx::TokenCell;
using qlipx::ViewTransform;

namespace {

const QString kGolden = QStringLiteral(QLIPX_TEST_DATA "/golden/tiny-b16");
const QString kSample = QStringLiteral(QLIPX_SOURCE_DIR "/resources/samples/astronaut.png");
const QString kSample2 = QStringLiteral(QLIPX_SOURCE_DIR "/resources/samples/chelsea.png");
constexpr int kTimeoutMs = 120000; // the machine may be busy; a tiny-model encode takes milliseconds

qlip::EngineOptions cpuOptions() {
    qlip::EngineOptions o;
    o.device = qlip::Device::CPU;
    o.threads = 1;
    return o;
}

// Records the worker's signals on the test (GUI) thread: `this` context makes them queued.
struct Recorder : QObject {
    std::vector<qlip::ModelInfo> loaded;
    QStringList modelErrors;
    std::vector<qlipx::EncodeResult> results;
    QStringList encodeErrors;
    int started = 0;

    explicit Recorder(qlipx::EngineWorker* w) {
        connect(w, &qlipx::EngineWorker::modelLoaded, this, [this](const qlip::ModelInfo& m) { loaded.push_back(m); });
        connect(w, &qlipx::EngineWorker::modelFailed, this, [this](const QString&, const QString& msg) { modelErrors << msg; });
        connect(w, &qlipx::EngineWorker::encodeStarted, this, [this] { ++started; });
        connect(w, &qlipx::EngineWorker::encodeFinished, this, [this](const qlipx::EncodeResult& r) { results.push_back(r); });
        connect(w, &qlipx::EngineWorker::encodeFailed, this,
                [this](quint64, const QString&, const QString& msg) { encodeErrors << msg; });
    }
};

} // namespace

class TestWidgets : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tokenAtScreenPosition_data();
    void tokenAtScreenPosition();
    void zoomKeepsTokenUnderCursor();
    void fitCentresImage();
    void tokenReadout();
    void tokenColours();

    void encodeDeliversModelGrid();
    void encodeWithoutModelFails();
    void failedModelSwitchKeepsOldModel();
    void badImageIsReported();
    void modelLoadCanBeCancelled();
    void startupOptions();
    void liveDecodeIsLatestWins();
    void sessionFilesRoundTrip();
    void badSessionFiles_data();
    void badSessionFiles();
    void burstOfEncodesIsLatestWins();
    void fileArgumentMayBeASession();
    void dataFolderIsBesideTheExecutable();
    void aboutDialogShowsTheBuild();
};

// ---- ViewTransform --------------------------------------------------------------------------

void TestWidgets::tokenAtScreenPosition_data() {
    QTest::addColumn<QSize>("image");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<double>("zoom");
    QTest::addColumn<QPointF>("offset"); // screen position of the image's top-left corner
    QTest::addColumn<QPointF>("screen");
    QTest::addColumn<int>("row");        // -1: outside the image
    QTest::addColumn<int>("col");

    const QSize sq(128, 128); // 16 x 16 tokens of 8 x 8 pixels
    // zoom 1: cells are 8 screen pixels
    QTest::newRow("1x origin") << sq << 16 << 16 << 1.0 << QPointF(0, 0) << QPointF(0, 0) << 0 << 0;
    QTest::newRow("1x last pixel of cell 0") << sq << 16 << 16 << 1.0 << QPointF(0, 0) << QPointF(7.9, 7.9) << 0 << 0;
    QTest::newRow("1x first pixel of cell 1") << sq << 16 << 16 << 1.0 << QPointF(0, 0) << QPointF(8, 0) << 0 << 1;
    QTest::newRow("1x bottom-right") << sq << 16 << 16 << 1.0 << QPointF(0, 0) << QPointF(127.9, 127.9) << 15 << 15;
    QTest::newRow("1x right of image") << sq << 16 << 16 << 1.0 << QPointF(0, 0) << QPointF(128, 5) << -1 << -1;
    QTest::newRow("1x left of image") << sq << 16 << 16 << 1.0 << QPointF(0, 0) << QPointF(-0.1, 5) << -1 << -1;
    // zoom 4, panned to (100, 50): cells are 32 screen pixels
    QTest::newRow("4x corner") << sq << 16 << 16 << 4.0 << QPointF(100, 50) << QPointF(100, 50) << 0 << 0;
    QTest::newRow("4x before border") << sq << 16 << 16 << 4.0 << QPointF(100, 50) << QPointF(131.9, 81.9) << 0 << 0;
    QTest::newRow("4x after border") << sq << 16 << 16 << 4.0 << QPointF(100, 50) << QPointF(132, 82) << 1 << 1;
    QTest::newRow("4x row 3 col 5") << sq << 16 << 16 << 4.0 << QPointF(100, 50) << QPointF(261, 147) << 3 << 5;
    QTest::newRow("4x last") << sq << 16 << 16 << 4.0 << QPointF(100, 50) << QPointF(611.9, 561.9) << 15 << 15;
    QTest::newRow("4x above") << sq << 16 << 16 << 4.0 << QPointF(100, 50) << QPointF(300, 49.9) << -1 << -1;
    QTest::newRow("4x right") << sq << 16 << 16 << 4.0 << QPointF(100, 50) << QPointF(612, 60) << -1 << -1;
    // zoom 0.5, panned partly off-screen to (-10, 20): cells are 4 screen pixels
    QTest::newRow("0.5x corner") << sq << 16 << 16 << 0.5 << QPointF(-10, 20) << QPointF(-10, 20) << 0 << 0;
    QTest::newRow("0.5x diagonal") << sq << 16 << 16 << 0.5 << QPointF(-10, 20) << QPointF(-6, 24) << 1 << 1;
    QTest::newRow("0.5x row 7 col 15") << sq << 16 << 16 << 0.5 << QPointF(-10, 20) << QPointF(52, 50) << 7 << 15;
    QTest::newRow("0.5x right edge") << sq << 16 << 16 << 0.5 << QPointF(-10, 20) << QPointF(54, 50) << -1 << -1;
    // fractional zoom and offset, as after a fit: cells are 50 screen pixels
    QTest::newRow("6.25x") << sq << 16 << 16 << 6.25 << QPointF(12.5, 0.25) << QPointF(137.5, 475.25) << 9 << 2;
    QTest::newRow("6.25x just inside") << sq << 16 << 16 << 6.25 << QPointF(12.5, 0.25) << QPointF(812.4, 800.2) << 15 << 15;
    // a non-square image, 10 x 6 tokens of 16 pixels, zoom 2
    const QSize wide(160, 96);
    QTest::newRow("wide top") << wide << 6 << 10 << 2.0 << QPointF(0, 0) << QPointF(33, 1) << 0 << 1;
    QTest::newRow("wide last") << wide << 6 << 10 << 2.0 << QPointF(0, 0) << QPointF(319, 191) << 5 << 9;
    QTest::newRow("wide outside") << wide << 6 << 10 << 2.0 << QPointF(0, 0) << QPointF(320, 0) << -1 << -1;
    // 8 x 8 grid on a 64 x 64 image (the emoji model) at 12x
    QTest::newRow("emoji 12x") << QSize(64, 64) << 8 << 8 << 12.0 << QPointF(40, 8) << QPointF(40 + 96 * 7 + 1, 8 + 96 * 2 + 95) << 2 << 7;
}

void TestWidgets::tokenAtScreenPosition() {
    QFETCH(QSize, image);
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(double, zoom);
    QFETCH(QPointF, offset);
    QFETCH(QPointF, screen);
    QFETCH(int, row);
    QFETCH(int, col);
    ViewTransform v;
    v.setViewportSize(QSizeF(900, 700));
    v.setImageSize(image);
    v.setView(zoom, offset);
    const auto cell = v.tokenAt(screen, rows, cols);
    if (row < 0) {
        QVERIFY2(!cell, "expected no token outside the image");
    } else {
        QVERIFY(cell.has_value());
        QCOMPARE(cell->row, row);
        QCOMPARE(cell->col, col);
    }
}

void TestWidgets::zoomKeepsTokenUnderCursor() {
    ViewTransform v;
    v.setViewportSize(QSizeF(800, 600));
    v.setImageSize(QSize(128, 128));
    QVERIFY(v.isFitting());
    const QPointF anchors[] = {{400, 300}, {130, 40}, {650, 550}, {401.7, 299.3}};
    for (const QPointF& anchor : anchors) {
        for (double factor : {1.2, 2.0, 1 / 1.5, 8.0, 1 / 8.0}) {
            const auto before = v.tokenAt(anchor, 16, 16);
            const QPointF imageBefore = v.screenToImage(anchor);
            v.zoomBy(factor, anchor);
            QVERIFY(!v.isFitting());
            QVERIFY(std::abs(v.screenToImage(anchor).x() - imageBefore.x()) < 1e-9);
            QVERIFY(std::abs(v.screenToImage(anchor).y() - imageBefore.y()) < 1e-9);
            QCOMPARE(v.tokenAt(anchor, 16, 16), before);
        }
    }
    // Panning moves the image under the cursor by exactly the drag.
    v.setView(4, QPointF(0, 0));
    QCOMPARE(v.tokenAt(QPointF(10, 10), 16, 16), std::optional<TokenCell>(TokenCell{0, 0}));
    v.panBy(QPointF(-64, -32)); // two cells left, one cell up
    QCOMPARE(v.tokenAt(QPointF(10, 10), 16, 16), std::optional<TokenCell>(TokenCell{1, 2}));
    // Zoom is clamped.
    v.setZoom(1e6, QPointF(0, 0));
    QCOMPARE(v.zoom(), ViewTransform::kMaxZoom);
}

void TestWidgets::fitCentresImage() {
    ViewTransform v;
    v.setImageSize(QSize(128, 128));
    v.setViewportSize(QSizeF(800, 600)); // fits on resize while fitting
    QCOMPARE(v.zoom(), (600.0 - 32) / 128);
    QCOMPARE(v.offset(), QPointF((800 - 568) / 2.0, 16));
    QCOMPARE(v.tokenAt(QPointF(400, 300), 16, 16), std::optional<TokenCell>(TokenCell{8, 8}));
    v.zoomBy(2, QPointF(400, 300));
    v.setViewportSize(QSizeF(1000, 600)); // not fitting any more: the centre stays put
    QCOMPARE(v.tokenAt(QPointF(500, 300), 16, 16), std::optional<TokenCell>(TokenCell{8, 8}));
    v.fit();
    QVERIFY(v.isFitting());
    QVERIFY(v.imageRectOnScreen().top() >= 16 - 1e-9);
}

void TestWidgets::tokenReadout() {
    // 123456789 = 0x75BCD15: 7 hex digits for 28 bits
    QCOMPARE(qlipx::StatusReadout::formatToken(3, 7, 16, 123456789, 28), QStringLiteral("row 3  col 7  (#55)  index 123456789  0x75BCD15"));
    QCOMPARE(qlipx::StatusReadout::formatToken(0, 1, 8, 5, 28), QStringLiteral("row 0  col 1  (#1)  index 5  0x0000005"));
    QCOMPARE(qlipx::StatusReadout::formatToken(7, 7, 8, (int64_t(1) << 28) - 1, 28),
             QStringLiteral("row 7  col 7  (#63)  index 268435455  0xFFFFFFF"));
    QCOMPARE(qlipx::StatusReadout::formatToken(1, 2, 8, 0x3F, 18), QStringLiteral("row 1  col 2  (#10)  index 63  0x0003F"));
}

void TestWidgets::tokenColours() {
    QCOMPARE(qlipx::tokenColor(42), qlipx::tokenColor(42));
    QVERIFY(qlipx::tokenColor(42) != qlipx::tokenColor(43));
    QCOMPARE(qlipx::tokenKey(5), 5u);
    QCOMPARE(qlipx::tokenKey((int64_t(1) << 32) | 5), 4u); // high word folded in
    int distinct = 0;
    for (int i = 1; i < 64; ++i) distinct += qlipx::tokenColor(i) != qlipx::tokenColor(i - 1);
    QCOMPARE(distinct, 63);
}

// ---- engine thread --------------------------------------------------------------------------

void TestWidgets::encodeDeliversModelGrid() {
    qlipx::EngineThread engine(cpuOptions());
    Recorder rec(engine.worker());
    engine.requestModel(kGolden);
    QTRY_COMPARE_WITH_TIMEOUT(rec.loaded.size(), size_t(1), kTimeoutMs);
    const qlip::ModelInfo& m = rec.loaded.front();
    QCOMPARE(m.gridRows, 16);
    QCOMPARE(m.gridCols, 16);
    QCOMPARE(m.bits, 28);
    QCOMPARE(m.device, std::string("cpu"));

    engine.requestEncode(kSample);
    QTRY_COMPARE_WITH_TIMEOUT(rec.results.size(), size_t(1), kTimeoutMs);
    QVERIFY2(rec.encodeErrors.isEmpty(), qPrintable(rec.encodeErrors.join('\n')));
    const qlipx::EncodeResult& r = rec.results.front();
    QCOMPARE(r.path, kSample);
    QCOMPARE(r.tokens.rows, m.gridRows);
    QCOMPARE(r.tokens.cols, m.gridCols);
    QCOMPARE(r.tokens.bits, m.bits);
    QCOMPARE(r.tokens.indices.size(), size_t(m.gridRows * m.gridCols));
    QCOMPARE(r.tokens.latents.size(), size_t(m.gridRows * m.gridCols * m.bits));
    for (int64_t index : r.tokens.indices) QVERIFY(index >= 0 && index < (int64_t(1) << m.bits));
    QCOMPARE(r.sourceSize, QSize(512, 512));
    QCOMPARE(r.input.size(), QSize(m.imageSize, m.imageSize));
    QCOMPARE(r.reconstruction.size(), QSize(m.imageSize, m.imageSize));
    QCOMPARE(r.model, QString::fromStdString(m.name));
    QVERIFY(r.encodeMs > 0 && r.decodeMs > 0 && r.loadMs > 0);
}

void TestWidgets::encodeWithoutModelFails() {
    qlipx::EngineThread engine(cpuOptions());
    Recorder rec(engine.worker());
    engine.requestEncode(kSample);
    QTRY_COMPARE_WITH_TIMEOUT(rec.encodeErrors.size(), 1, kTimeoutMs);
    QVERIFY(rec.encodeErrors.front().contains(QStringLiteral("no model")));
    QVERIFY(rec.results.empty());
}

void TestWidgets::failedModelSwitchKeepsOldModel() {
    qlipx::EngineThread engine(cpuOptions());
    Recorder rec(engine.worker());
    engine.requestModel(kGolden);
    QTRY_COMPARE_WITH_TIMEOUT(rec.loaded.size(), size_t(1), kTimeoutMs);

    QTemporaryDir dir;
    const QString empty = dir.path() + QStringLiteral("/not-a-model");
    QVERIFY(QDir().mkpath(empty));
    engine.requestModel(empty);                                // no config.json
    engine.requestModel(dir.path() + QStringLiteral("/gone")); // no folder
    QTRY_COMPARE_WITH_TIMEOUT(rec.modelErrors.size(), 2, kTimeoutMs);
    QVERIFY2(rec.modelErrors[0].contains(QStringLiteral("config.json")), qPrintable(rec.modelErrors[0]));
    QVERIFY2(rec.modelErrors[1].contains(QStringLiteral("does not exist")), qPrintable(rec.modelErrors[1]));
    QCOMPARE(rec.loaded.size(), size_t(1));

    // The old model still encodes.
    engine.requestEncode(kSample);
    QTRY_COMPARE_WITH_TIMEOUT(rec.results.size(), size_t(1), kTimeoutMs);
    QCOMPARE(rec.results.front().model, QString::fromStdString(rec.loaded.front().name));
    QCOMPARE(rec.results.front().tokens.rows, 16);
}

void TestWidgets::badImageIsReported() {
    QTemporaryDir dir;
    const QString truncated = dir.path() + QStringLiteral("/truncated.png");
    {
        QFile in(kSample), out(truncated);
        QVERIFY(in.open(QIODevice::ReadOnly) && out.open(QIODevice::WriteOnly));
        out.write(in.read(300));
    }
    qlipx::EngineThread engine(cpuOptions());
    Recorder rec(engine.worker());
    engine.requestModel(kGolden);
    QTRY_COMPARE_WITH_TIMEOUT(rec.loaded.size(), size_t(1), kTimeoutMs);
    engine.requestEncode(truncated);
    QTRY_COMPARE_WITH_TIMEOUT(rec.encodeErrors.size(), 1, kTimeoutMs);
    QVERIFY2(rec.encodeErrors[0].contains(QStringLiteral("truncated.png")), qPrintable(rec.encodeErrors[0]));
    engine.requestEncode(dir.path() + QStringLiteral("/missing.png"));
    QTRY_COMPARE_WITH_TIMEOUT(rec.encodeErrors.size(), 2, kTimeoutMs);
    engine.requestEncode(kSample2);
    QTRY_COMPARE_WITH_TIMEOUT(rec.results.size(), size_t(1), kTimeoutMs);
    QCOMPARE(rec.results.front().sourceSize, QSize(451, 300));
}

void TestWidgets::modelLoadCanBeCancelled() {
    qlipx::EngineThread engine(cpuOptions());
    qlipx::EngineWorker* w = engine.worker();
    Recorder rec(w);
    engine.requestModel(kGolden);
    QTRY_COMPARE_WITH_TIMEOUT(rec.loaded.size(), size_t(1), kTimeoutMs);

    // Cancel from inside the load, a third of the way through (a direct connection runs on the
    // engine thread, like a user pressing Cancel while the tensors are being copied).
    QSignalSpy cancelled(w, &qlipx::EngineWorker::modelLoadCancelled);
    QSignalSpy progress(w, &qlipx::EngineWorker::modelLoadProgress);
    auto c = connect(w, &qlipx::EngineWorker::modelLoadProgress, w, [w](const QString&, double f) { if (f > 0.3) w->cancelLoad(); },
                     Qt::DirectConnection);
    engine.requestModel(kGolden);
    QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kTimeoutMs);
    QCOMPARE(rec.loaded.size(), size_t(1));
    QVERIFY(rec.modelErrors.isEmpty()); // a cancel is not an error
    QVERIFY(!progress.isEmpty() && progress.last().at(1).toDouble() < 1.0);
    disconnect(c);
    // The old model still encodes, and the next load is not cancelled by the old request.
    engine.requestEncode(kSample2);
    QTRY_COMPARE_WITH_TIMEOUT(rec.results.size(), size_t(1), kTimeoutMs);
    engine.requestModel(kGolden);
    QTRY_COMPARE_WITH_TIMEOUT(rec.loaded.size(), size_t(2), kTimeoutMs);
    QCOMPARE(cancelled.count(), 1);
}

void TestWidgets::startupOptions() {
    const auto o = qlipx::parseCommandLine({QStringLiteral("qlip-explorer"), QStringLiteral("--compare"), QStringLiteral("split"),
                                            QStringLiteral("--pick"), QStringLiteral("3, 4"), QStringLiteral("--heat"), QStringLiteral("0.5"),
                                            QStringLiteral("--colour-by"), QStringLiteral("pca"), QStringLiteral("--hud"),
                                            QStringLiteral("--dock"), QStringLiteral("statistics"), QStringLiteral("--size"),
                                            QStringLiteral("900x700"), QStringLiteral("--threads"), QStringLiteral("1"),
                                            QStringLiteral("--open-session"), QStringLiteral("s.qlipxsession"), QStringLiteral("img.png")});
    QCOMPARE(o.compare, QStringLiteral("split"));
    QCOMPARE(o.pickRow, 3);
    QCOMPARE(o.pickCol, 4);
    QCOMPARE(o.heat, 0.5);
    QCOMPARE(o.coloring, QStringLiteral("pca"));
    QVERIFY(o.hud);
    QCOMPARE(o.dock, QStringLiteral("statistics"));
    QCOMPARE(o.windowSize, QSize(900, 700));
    QCOMPARE(o.image, QStringLiteral("img.png"));
    QCOMPARE(o.session, QStringLiteral("s.qlipxsession"));
    const auto plain = qlipx::parseCommandLine({QStringLiteral("qlip-explorer")});
    QVERIFY(plain.compare.isEmpty() && plain.pickRow < 0 && plain.heat < 0 && !plain.hud && plain.restoreSession);
}

// A burst of 1,000 edits: the worker decodes far fewer than that, the last image is the decode of
// the last tokens (never a stale state), and memory does not grow with the burst.
void TestWidgets::liveDecodeIsLatestWins() {
    qlipx::EngineThread engine(cpuOptions());
    qlipx::EngineWorker* w = engine.worker();
    Recorder rec(w);
    engine.requestModel(kGolden);
    engine.requestEncode(kSample);
    QTRY_COMPARE_WITH_TIMEOUT(rec.results.size(), size_t(1), kTimeoutMs);
    qlip::TokenGrid g = rec.results.front().tokens;

    std::vector<std::pair<quint64, QImage>> decoded;
    connect(w, &qlipx::EngineWorker::decodeFinished, this,
            [&](quint64 serial, const QImage& image, double) { decoded.emplace_back(serial, image); });
    auto rss = [] { return qint64(qlip::residentBytes()); };
    const qint64 before = rss();
    std::mt19937 rng(5);
    for (quint64 serial = 1; serial <= 1000; ++serial) {
        const int n = int(rng() % uint32_t(g.count())), e = int(rng() % uint32_t(g.bits));
        g.setBit(n, e, !g.bit(n, e));
        engine.requestDecode(serial, g);
    }
    QTRY_VERIFY_WITH_TIMEOUT(!decoded.empty() && decoded.back().first == 1000, kTimeoutMs);
    QTest::qWait(200);
    QCOMPARE(decoded.back().first, quint64(1000));
    QVERIFY(decoded.size() <= 1000);
    for (size_t i = 1; i < decoded.size(); ++i) QVERIFY(decoded[i].first > decoded[i - 1].first); // never older

    qlip::EngineOptions o = cpuOptions();
    auto reference = qlip::Engine::open(kGolden.toStdString(), o);
    QCOMPARE(decoded.back().second, qlipx::toQImage(reference->decodeToImage(g)));
    const qint64 growth = rss() - before;
    qInfo("%zu decodes for 1000 edits; RSS grew by %lld MB", decoded.size(), growth >> 20);
    QVERIFY(growth < (300 << 20));

    // How many of a burst run depends on how fast the worker is; that it coalesces does not: 1,000
    // requests queued while the worker is busy (here: all posted from one call on its thread)
    // give one decode, of the newest tokens.
    decoded.clear();
    QMetaObject::invokeMethod(w, [w, g] {
        for (quint64 serial = 2001; serial <= 3000; ++serial) w->decodeTokens(serial, g);
    }, Qt::QueuedConnection);
    QTRY_VERIFY_WITH_TIMEOUT(!decoded.empty(), kTimeoutMs);
    QTest::qWait(200);
    QCOMPARE(decoded.size(), size_t(1));
    QCOMPARE(decoded.front().first, quint64(3000));
}

namespace {

qlipx::SessionData sampleSession() {
    qlipx::SessionData s;
    s.image = QStringLiteral("/data/cat.png");
    s.model = QStringLiteral("/models/qlip");
    s.modelName = QStringLiteral("qlip-test");
    s.original.rows = 2, s.original.cols = 3, s.original.bits = 28;
    s.original.indices = {0, 1, (int64_t(1) << 28) - 1, 12345, 7, 99};
    qlip::TokenGrid g = s.original;
    const qlip::TokenEdit a = qlip::flipBit(g, 1, 0);
    qlip::applyEdit(g, a);
    const qlip::TokenEdit b = qlip::fillTokens(g, {0, 5}, 4242);
    s.history = {{QStringLiteral("flip"), a}, {QStringLiteral("fill"), b}};
    s.historyIndex = 1;
    s.view[QStringLiteral("pick")] = QJsonArray{1, 2};
    return s;
}

} // namespace

void TestWidgets::sessionFilesRoundTrip() {
    QTemporaryDir dir;
    const qlipx::SessionData s = sampleSession();
    const QString path = dir.path() + QStringLiteral("/a.qlipxsession");
    QString error;
    QVERIFY2(qlipx::saveSessionFile(path, s, &error), qPrintable(error));
    const qlipx::SessionData back = qlipx::loadSessionFile(path);
    QCOMPARE(back.image, s.image);
    QCOMPARE(back.model, s.model);
    QCOMPARE(back.original.indices, s.original.indices);
    QCOMPARE(back.original.rows, 2);
    QCOMPARE(back.history.size(), size_t(2));
    QVERIFY(back.history[0].edit == s.history[0].edit && back.history[1].edit == s.history[1].edit);
    QCOMPARE(back.history[1].text, QStringLiteral("fill"));
    QCOMPARE(back.historyIndex, 1);
    QCOMPARE(back.view.value(QStringLiteral("pick")).toArray().at(1).toInt(), 2);
    // An EditSession rebuilt from it lands on the same tokens, and redo/undo walk the history.
    qlipx::EditSession edits;
    edits.restore(back.original, back.history, back.historyIndex);
    QCOMPARE(edits.current().at(0, 1), s.original.at(0, 1) ^ (int64_t(1) << 27));
    edits.undoStack()->redo();
    QCOMPARE(edits.current().at(0, 0), int64_t(4242));
    edits.undoStack()->setIndex(0);
    QCOMPARE(edits.current().indices, s.original.indices);
    // Saving over an existing file is atomic: a failed write leaves the old file.
    QVERIFY(!qlipx::saveSessionFile(dir.path() + QStringLiteral("/missing-dir/x.qlipxsession"), s, &error));
    QVERIFY(error.contains(QStringLiteral("cannot write")));
}

void TestWidgets::badSessionFiles_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("why");
    const QByteArray good = qlipx::sessionToJson(sampleSession());
    QTest::newRow("truncated") << good.left(good.size() / 2) << "truncated";
    QTest::newRow("empty") << QByteArray() << "not a session";
    QTest::newRow("other JSON") << QByteArray("{\"a\": 1}") << "not a QLIP Explorer session";
    QByteArray future = good;
    future.replace("\"version\": 1", "\"version\": 7");
    QTest::newRow("future version") << future << "newer QLIP Explorer (session version 7";
    QByteArray bigToken = good;
    bigToken.replace("268435455", "268435456");
    QTest::newRow("token outside 28 bits") << bigToken << "outside";
    QByteArray staleHistory = good;
    staleHistory.replace("\n        1,\n        268435455", "\n        0,\n        268435455"); // token 1 is not what the flip starts from
    QTest::newRow("history does not fit") << staleHistory << "does not fit";
    QByteArray badIndex = good;
    badIndex.replace("\"historyIndex\": 1", "\"historyIndex\": 5");
    QTest::newRow("history index") << badIndex << "historyIndex";
    QByteArray mismatch = good;
    mismatch.replace("\"rows\": 2", "\"rows\": 3");
    QTest::newRow("grid shape") << mismatch << "session";
    QByteArray wrapsToTwo = good; // 2^32 + 2: a plain cast to int would read 2 rows
    wrapsToTwo.replace("\"rows\": 2", "\"rows\": 4294967298");
    QTest::newRow("rows beyond int") << wrapsToTwo << "grid.rows is 4294967298";
    QByteArray hugeBits = good;
    hugeBits.replace("\"bits\": 28", "\"bits\": 4294967324");
    QTest::newRow("bits beyond int") << hugeBits << "grid.bits";
}

void TestWidgets::badSessionFiles() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, why);
    try {
        qlipx::sessionFromJson(bytes, QStringLiteral("s.qlipxsession"));
        QFAIL("accepted a bad session");
    } catch (const qlip::Error& e) {
        const QString message = QString::fromUtf8(e.what());
        QVERIFY2(message.startsWith(QStringLiteral("s.qlipxsession")) && message.contains(why, Qt::CaseInsensitive), qPrintable(message));
    }
}

void TestWidgets::burstOfEncodesIsLatestWins() {
    QTemporaryDir dir;
    QStringList paths;
    for (int i = 0; i < 20; ++i) {
        paths << dir.path() + QStringLiteral("/image%1.png").arg(i, 2, 10, QLatin1Char('0'));
        QVERIFY(QFile::copy(i % 2 ? kSample2 : kSample, paths.back()));
    }
    qlipx::EngineThread engine(cpuOptions());
    Recorder rec(engine.worker());
    engine.requestModel(kGolden);
    QTRY_COMPARE_WITH_TIMEOUT(rec.loaded.size(), size_t(1), kTimeoutMs);

    // Hold the engine thread so that the whole burst is queued before it runs anything, as when
    // requests arrive during a long encode.
    QSemaphore hold;
    QMetaObject::invokeMethod(engine.worker(), [&hold] { hold.acquire(); }, Qt::QueuedConnection);
    for (const QString& p : paths) engine.requestEncode(p);
    hold.release();
    QTRY_VERIFY_WITH_TIMEOUT(!rec.results.empty(), kTimeoutMs);
    QTest::qWait(300); // nothing else may arrive
    QVERIFY(rec.encodeErrors.isEmpty());
    QCOMPARE(rec.results.size(), size_t(1));
    QCOMPARE(rec.started, 1);
    QCOMPARE(rec.results.back().path, paths.back());
    QCOMPARE(rec.results.back().sourceSize, QSize(451, 300));
    QCOMPARE(rec.results.back().request, quint64(20));

    // Without the hold, some early requests may run while the burst is being posted, but the last
    // result is always the newest request's, and results come in request order.
    rec.results.clear();
    for (const QString& p : paths) engine.requestEncode(p);
    QTRY_VERIFY_WITH_TIMEOUT(!rec.results.empty() && rec.results.back().path == paths.back(), kTimeoutMs);
    QTest::qWait(300);
    QCOMPARE(rec.results.back().path, paths.back());
    QCOMPARE(rec.results.back().request, quint64(40));
    for (size_t i = 1; i < rec.results.size(); ++i) QVERIFY(rec.results[i].request > rec.results[i - 1].request);
}

// What a file manager passes ("qlip-explorer %f"): a session opens as a session, anything else as
// an image; a session given twice is a usage error (exit 2, tested by the CLI, not here).
void TestWidgets::fileArgumentMayBeASession() {
    const auto session = qlipx::parseCommandLine({QStringLiteral("qlip-explorer"), QStringLiteral("/tmp/edits.QlipxSession")});
    QCOMPARE(session.session, QStringLiteral("/tmp/edits.QlipxSession"));
    QVERIFY(session.image.isEmpty());
    const auto image = qlipx::parseCommandLine({QStringLiteral("qlip-explorer"), QStringLiteral("photo.qlipxsession.png")});
    QCOMPARE(image.image, QStringLiteral("photo.qlipxsession.png"));
    QVERIFY(image.session.isEmpty());
}

// The build tree mirrors the install layout: this test program lives in <build>/tests, so the
// data folder is <build>/share/qlip-explorer, which links to resources/ (cmake/InstallLayout.cmake).
void TestWidgets::dataFolderIsBesideTheExecutable() {
    const QStringList folders = qlipx::dataFolders();
    QCOMPARE(folders.size(), 1);
    QCOMPARE(folders.front(), QDir::cleanPath(QCoreApplication::applicationDirPath() + QStringLiteral("/../share/qlip-explorer")));
    QVERIFY(QFileInfo::exists(qlipx::defaultModelFolder() + QStringLiteral("/model.safetensors")));
    QVERIFY(QFileInfo::exists(qlipx::defaultPriorFolder() + QStringLiteral("/model.safetensors")));
    QVERIFY(qlipx::defaultImage().endsWith(QStringLiteral("/samples/red-apple.png")));
    QVERIFY(!qlipx::defaultModelFolder().contains(QStringLiteral(QLIPX_SOURCE_DIR "/resources"))); // found via the layout, not the source path

    qputenv("QLIPX_DATA_DIR", QByteArray("/nonexistent/qlipx-data"));
    QCOMPARE(qlipx::dataFolders(), QStringList{QStringLiteral("/nonexistent/qlipx-data")});
    QVERIFY(qlipx::defaultModelFolder().isEmpty());
    qunsetenv("QLIPX_DATA_DIR");
}

// Help > About: every row the issue asks for, with real values. QLIPX_ABOUT_PNG=FILE also saves a
// picture of the dialog in the explorer's theme (for the docs).
void TestWidgets::aboutDialogShowsTheBuild() {
    if (!qEnvironmentVariableIsEmpty("QLIPX_ABOUT_PNG")) qlipx::applyDarkTheme(*qobject_cast<QApplication*>(QCoreApplication::instance()));
    qlipx::AboutDialog dialog;
    QMap<QString, QString> rows;
    for (const auto& [label, value] : dialog.rows()) rows[label] = value;
    QVERIFY(QRegularExpression(QStringLiteral("^\\d+\\.\\d+\\.\\d+$")).match(rows.value(QStringLiteral("version"))).hasMatch());
    QVERIFY(!rows.value(QStringLiteral("commit")).isEmpty());
    QVERIFY(QRegularExpression(QStringLiteral("^\\d+\\.\\d+")).match(rows.value(QStringLiteral("LibTorch"))).hasMatch());
    QVERIFY(rows.value(QStringLiteral("Qt")).startsWith(QString::fromLatin1(qVersion())));
    QVERIFY(rows.value(QStringLiteral("CUDA")).contains(QStringLiteral("available")));
    QVERIFY(!rows.value(QStringLiteral("CPU kernels")).isEmpty());
    QVERIFY(!rows.value(QStringLiteral("BLAS")).isEmpty());
    QVERIFY(rows.value(QStringLiteral("built")).contains(QStringLiteral(" ")));
    QCOMPARE(rows.value(QStringLiteral("data")), qlipx::dataFolders().value(0));
    const QString report = qlipx::aboutReportText();
    QVERIFY(report.startsWith(QStringLiteral("qlip-explorer %1 (commit ").arg(rows.value(QStringLiteral("version")))));
    QVERIFY(report.contains(QStringLiteral("Qt:")));
    if (const QString png = qEnvironmentVariable("QLIPX_ABOUT_PNG"); !png.isEmpty()) {
        dialog.adjustSize();
        QVERIFY(dialog.grab().save(png));
    }
}

QTEST_MAIN(TestWidgets)
#include "test_widgets.moc"
