// Generation in the explorer window on a real GL context (Xvfb + xcb): tokens stream onto the
// canvas (preview, grid, confidence colours, empty cells for what is not sampled yet), the gallery,
// "Open in explorer" (the generated tokens become the tokens being edited), the PNG metadata,
// masked regeneration as an undoable edit, cancel, the history file, and --generate --screenshot.
// The shipped emoji model with a tiny random prior; with QLIPX_SCREENSHOT_DIR set it saves
// screenshots of the streaming and the finished run there.
#include "gltestmain.h"
#include "canvasview.h"
#include "editpanel.h"
#include "editsession.h"
#include "generatepanel.h"
#include "generationhistory.h"
#include "mainwindow.h"

#include "generatefixture.h"
#include "generationview.h"

#include "qlip/tokenedit.h"

#include <QApplication>
#include <QDockWidget>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QSemaphore>
#include <QSurfaceFormat>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>

using namespace qlipx_test;

namespace {

constexpr int kTimeoutMs = 60000;
const QString kApple = QStringLiteral(QLIPX_SOURCE_DIR "/resources/samples/red-apple.png");

// Holds the engine thread inside its first progress report until release(): the test then sees
// the window exactly as that report left it (and can cancel in the middle of the run).
class FirstReportGate {
public:
    explicit FirstReportGate(qlipx::EngineWorker* worker) {
        m_connection = QObject::connect(worker, &qlipx::EngineWorker::generationProgress, worker,
                                        [this](const qlipx::GenerationProgress&) {
                                            if (m_reports++ == 0) m_gate.acquire();
                                        }, Qt::DirectConnection);
    }
    ~FirstReportGate() {
        release();
        QObject::disconnect(m_connection);
    }
    void release() {
        if (!m_released.exchange(true)) m_gate.release();
    }

private:
    QSemaphore m_gate;
    std::atomic<int> m_reports{0};
    std::atomic<bool> m_released{false};
    QMetaObject::Connection m_connection;
};

} // namespace

class TestGenerateGl : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void streamsIntoCanvas();
    void galleryClickShowsSample();
    void savedPngCarriesMetadata();
    void openInExplorerMakesTokensCurrent();
    void regenerateSelectionIsUndoableEdit();
    void cancelKeepsWindowUsable();
    void historyFileSurvivesRestart();
    void startupGenerateScreenshot();

private:
    bool runToEnd(const qlip::GenerateRequest& request);
    void saveScreenshot(const QString& name) const;

    QTemporaryDir m_dir;
    QString m_prior;
    std::unique_ptr<qlipx::MainWindow> m_window;
    int m_fullRuns = 0;
};

void TestGenerateGl::initTestCase() {
    if (QGuiApplication::platformName() != QLatin1String("xcb"))
        QSKIP("needs a GL-capable platform: run under xvfb-run with QT_QPA_PLATFORM=xcb");
    m_prior = m_dir.filePath(QStringLiteral("tiny-prior"));
    saveTinyPrior(m_prior);
    qlipx::StartupOptions o;
    o.model = kEmojiModel;
    o.image = kApple;
    o.prior = m_prior;
    o.engine = cpuOneThread();
    o.restoreSession = false;
    o.windowSize = QSize(1400, 900);
    o.dock = QStringLiteral("generate");
    m_window = std::make_unique<qlipx::MainWindow>(o);
    QSignalSpy shown(m_window.get(), &qlipx::MainWindow::imageShown);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(shown.wait(kTimeoutMs) || !shown.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_window->prior().name, QStringLiteral("tiny-test-prior"), kTimeoutMs);
    QVERIFY(m_window->canvas()->glError().isEmpty());
}

void TestGenerateGl::cleanupTestCase() { m_window.reset(); }

void TestGenerateGl::saveScreenshot(const QString& name) const {
    const QString dir = qEnvironmentVariable("QLIPX_SCREENSHOT_DIR");
    if (!dir.isEmpty()) m_window->windowShot().save(dir + QLatin1Char('/') + name, "PNG");
}

bool TestGenerateGl::runToEnd(const qlip::GenerateRequest& request) {
    QSignalSpy ended(m_window.get(), &qlipx::MainWindow::generationEnded);
    m_window->generate(request);
    if (!ended.wait(kTimeoutMs) && ended.isEmpty()) return false;
    if (request.keep.indices.empty() && ended.front().front().toBool()) ++m_fullRuns;
    return ended.front().front().toBool();
}

void TestGenerateGl::streamsIntoCanvas() {
    qlipx::GeneratePanel* panel = m_window->generatePanel();
    const qlip::TokenGrid imageTokens = m_window->tokens();
    FirstReportGate gate(m_window->engineWorker());
    QSignalSpy streamed(m_window.get(), &qlipx::MainWindow::generationStreamed);
    QSignalSpy ended(m_window.get(), &qlipx::MainWindow::generationEnded);
    const qlip::GenerateRequest request = promptRequest("an emoji of a red apple", 9, 2);
    m_window->generate(request);
    QVERIFY(m_window->isGenerating());
    QCOMPARE(panel->generateButton()->text(), QStringLiteral("Cancel"));
    QVERIFY(streamed.wait(kTimeoutMs));

    // The window as the first report left it (the engine thread waits in the gate).
    const auto& p = *m_window->generationProgress();
    QVERIFY(p.positionsDone > 0 && p.positionsDone < 64);
    QCOMPARE(m_window->generatedSampleShown(), 0);
    qlipx::CanvasView* canvas = m_window->canvas();
    QCOMPARE(canvas->tokenData().indices, p.grids[0].indices);
    QCOMPARE(canvas->coloring().mode, qlipx::TokenColoring::Custom);
    const auto& colours = canvas->tokenOverlayColors();
    for (int n = 0; n < 64; ++n) QCOMPARE(qAlpha(colours[size_t(n)]), n < p.positionsDone ? qlipx::kConfidenceAlpha : 0);
    // Sampled cells show the preview; the others are drawn empty (dark checks).
    const QImage shown = canvas->currentImage().convertToFormat(QImage::Format_RGB32);
    const QImage preview = p.previews[0].convertToFormat(QImage::Format_RGB32);
    QCOMPARE(shown.pixel(4, 4), preview.pixel(4, 4));     // token (0, 0): done
    QVERIFY(qGray(shown.pixel(60, 60)) < 120);            // token (7, 7): pending
    QVERIFY(shown.pixel(60, 60) != shown.pixel(58, 60));  // checkered
    QCOMPARE(panel->gallerySize(), 2);
    QVERIFY(streamed.size() == 1 && ended.isEmpty());
    saveScreenshot(QStringLiteral("generate-streaming.png"));
    gate.release();

    QVERIFY(ended.wait(kTimeoutMs) || !ended.isEmpty());
    QVERIFY(ended.front().front().toBool());
    ++m_fullRuns;
    QVERIFY(streamed.size() >= 8); // at least every row
    const auto& r = *m_window->lastGeneration();
    QCOMPARE(r.grids.size(), size_t(2));
    QCOMPARE(canvas->tokenData().indices, r.grids[0].indices);
    for (QRgb c : canvas->tokenOverlayColors()) QCOMPARE(qAlpha(c), qlipx::kConfidenceAlpha);
    QCOMPARE(canvas->currentImage().convertToFormat(QImage::Format_RGB32), r.images[0].convertToFormat(QImage::Format_RGB32));
    QCOMPARE(panel->generateButton()->text(), QStringLiteral("Generate"));
    QVERIFY(panel->openButton()->isEnabled());
    QCOMPARE(m_window->tokens().indices, imageTokens.indices); // the image being edited is untouched
    saveScreenshot(QStringLiteral("generate-finished.png"));
}

void TestGenerateGl::galleryClickShowsSample() {
    QVERIFY(m_window->lastGeneration());
    QListWidget* gallery = m_window->generatePanel()->gallery();
    gallery->scrollToItem(gallery->item(1));
    QTest::mouseClick(gallery->viewport(), Qt::LeftButton, {}, gallery->visualItemRect(gallery->item(1)).center());
    QCOMPARE(m_window->generatedSampleShown(), 1);
    QCOMPARE(m_window->canvas()->tokenData().indices, m_window->lastGeneration()->grids[1].indices);
}

void TestGenerateGl::savedPngCarriesMetadata() {
    const auto& r = *m_window->lastGeneration();
    const QString path = m_dir.filePath(QStringLiteral("sample.png"));
    QVERIFY(m_window->saveGeneratedPng(1, path));
    const QImage image(path); // Qt's PNG reader keeps the tEXt chunks as the image's texts
    QCOMPARE(image.convertToFormat(QImage::Format_RGB32), r.images[1].convertToFormat(QImage::Format_RGB32));
    for (const auto& [key, value] : qlip::generationMetadata(r.request, 1, r.model.toStdString(), r.prior.toStdString()))
        QCOMPARE(image.text(QString::fromStdString(key)), QString::fromStdString(value));
    QVERIFY(image.text(QStringLiteral("qlipx-generation")).contains(QStringLiteral("\"seed\":\"9\"")));
}

void TestGenerateGl::openInExplorerMakesTokensCurrent() {
    const qlip::TokenGrid generated = m_window->lastGeneration()->grids[1];
    m_window->generatePanel()->selectSample(1);
    QSignalSpy shown(m_window.get(), &qlipx::MainWindow::imageShown);
    QTest::mouseClick(m_window->generatePanel()->openButton(), Qt::LeftButton);
    QCOMPARE(shown.size(), 1);
    QCOMPARE(m_window->generatedSampleShown(), -1);
    QCOMPARE(m_window->tokens().indices, generated.indices);
    QCOMPARE(m_window->edits()->original().indices, generated.indices);
    QVERIFY(!m_window->edits()->isEdited());
    QVERIFY(QFileInfo::exists(m_window->imagePath()));
    QCOMPARE(m_window->result()->reconstruction, m_window->lastGeneration()->images[1]);
    QCOMPARE(m_window->canvas()->tokenData().indices, generated.indices);
    QVERIFY(m_window->canvas()->coloring().mode != qlipx::TokenColoring::Custom); // the colouring from before the run

    // The Edit dock works on them: one bit flip changes exactly that token, and is decoded.
    m_window->editPanel()->setTool(qlipx::EditTool::FlipBit);
    const auto& view = m_window->canvas()->view();
    const double cell = view.imageSize().width() / 8.0;
    const QPointF at = view.imageToScreen(QPointF(3.5 * cell, 2.5 * cell));
    QTest::mouseClick(m_window->canvas(), Qt::LeftButton, {}, at.toPoint());
    const qlip::TokenGrid& now = m_window->tokens();
    int changed = 0;
    for (int n = 0; n < 64; ++n) changed += now.indices[size_t(n)] != generated.indices[size_t(n)];
    QCOMPARE(changed, 1);
    QVERIFY(now.indices[19] != generated.indices[19]);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->decodedSerial(), m_window->tokensSerial(), kTimeoutMs);
    m_window->editPanel()->setTool(qlipx::EditTool::Pick);
    m_window->edits()->undoStack()->undo();
    QCOMPARE(m_window->tokens().indices, generated.indices);
}

void TestGenerateGl::regenerateSelectionIsUndoableEdit() {
    const qlip::TokenGrid before = m_window->tokens();
    m_window->selectTokens(qlip::rectCells(before, 0, 0, 3, 3)); // rows 0-2, columns 0-2
    qlip::GenerateRequest params = promptRequest("an emoji of a red apple", 21, 1);
    QSignalSpy ended(m_window.get(), &qlipx::MainWindow::generationEnded);
    {
        // While it streams: the tokens around the selection are the image's and untinted; inside
        // it, the sampled ones carry their confidence and the others are drawn empty.
        FirstReportGate gate(m_window->engineWorker());
        QSignalSpy streamed(m_window.get(), &qlipx::MainWindow::generationStreamed);
        QVERIFY(m_window->regenerateSelection(params));
        QVERIFY(streamed.wait(kTimeoutMs));
        const auto& p = *m_window->generationProgress();
        QVERIFY(p.positionsDone >= 1 && p.positionsDone < 19); // the first report comes before the last selected token
        const auto& colours = m_window->canvas()->tokenOverlayColors();
        const QImage shown = m_window->canvas()->currentImage().convertToFormat(QImage::Format_RGB32);
        for (int n = 0; n < 64; ++n) {
            const bool selected = n / 8 < 3 && n % 8 < 3;
            QCOMPARE(qAlpha(colours[size_t(n)]), selected && n < p.positionsDone ? qlipx::kConfidenceAlpha : 0);
            if (n >= 24) QCOMPARE(p.grids[0].indices[size_t(n)], before.indices[size_t(n)]);
        }
        QVERIFY(qGray(shown.pixel(20, 20)) < 120); // token (2, 2): selected, not sampled yet
        saveScreenshot(QStringLiteral("generate-masked.png"));
        gate.release();
        QVERIFY(ended.wait(kTimeoutMs) || !ended.isEmpty());
    }
    QVERIFY(ended.front().front().toBool());
    const auto& r = *m_window->lastGeneration();
    const qlip::TokenGrid& after = m_window->tokens();
    int inside = 0;
    for (int n = 0; n < 64; ++n) {
        const bool selected = n / 8 < 3 && n % 8 < 3;
        QCOMPARE(after.indices[size_t(n)], selected ? r.grids[0].indices[size_t(n)] : before.indices[size_t(n)]);
        inside += after.indices[size_t(n)] != before.indices[size_t(n)];
    }
    QVERIFY(inside > 0); // a random prior does not redraw nine 28-bit tokens identically
    QCOMPARE(m_window->generatedSampleShown(), -1); // the canvas shows the edited image
    QVERIFY(m_window->edits()->undoStack()->undoText().contains(QStringLiteral("Regenerate 9 tokens")));
    m_window->edits()->undoStack()->undo();
    QCOMPARE(m_window->tokens().indices, before.indices);
    m_window->selectTokens({});
}

void TestGenerateGl::cancelKeepsWindowUsable() {
    qlipx::GeneratePanel* panel = m_window->generatePanel();
    const qlip::TokenGrid imageTokens = m_window->tokens();
    QSignalSpy ended(m_window.get(), &qlipx::MainWindow::generationEnded);
    {
        FirstReportGate gate(m_window->engineWorker());
        QSignalSpy streamed(m_window.get(), &qlipx::MainWindow::generationStreamed);
        panel->setRequest(promptRequest("a cat", 4, 4));
        QTest::mouseClick(panel->generateButton(), Qt::LeftButton);
        QVERIFY(streamed.wait(kTimeoutMs));
        QCOMPARE(panel->generateButton()->text(), QStringLiteral("Cancel"));
        QTest::mouseClick(panel->generateButton(), Qt::LeftButton); // Cancel
        gate.release();
        QVERIFY(ended.wait(kTimeoutMs) || !ended.isEmpty());
    }
    QCOMPARE(ended.front().front().toBool(), false);
    QCOMPARE(panel->message(), QStringLiteral("Cancelled"));
    QCOMPARE(panel->generateButton()->text(), QStringLiteral("Generate"));
    QVERIFY(!m_window->isGenerating());
    QCOMPARE(m_window->generatedSampleShown(), -1);
    QCOMPARE(m_window->canvas()->tokenData().indices, imageTokens.indices);
    // Still usable: the next run streams and finishes.
    QVERIFY(runToEnd(promptRequest("a cat", 4, 1)));
    QCOMPARE(m_window->lastGeneration()->grids.size(), size_t(1));
}

void TestGenerateGl::historyFileSurvivesRestart() {
    const QString path = qlipx::GenerationHistory::defaultPath();
    QVERIFY(QFileInfo::exists(path));
    qlipx::GenerationHistory history(path);
    QCOMPARE(history.load(), QString());
    QCOMPARE(int(history.records().size()), m_fullRuns); // masked and cancelled runs are not listed
    QCOMPARE(history.records().front().prompt, QStringLiteral("an emoji of a red apple"));
    QCOMPARE(history.records().front().sampling.seed, quint64(9));
    QCOMPARE(history.records().front().model, QString::fromStdString(m_window->model()->name));
    qlipx::GeneratePanel restarted(path);
    QCOMPARE(restarted.historyRows(), m_fullRuns);
    // Run again: the same seed gives the same tokens.
    const std::vector<int64_t> first = m_window->lastGeneration()->grids[0].indices;
    m_window->generatePanel()->activateHistoryRow(0);
    QVERIFY(runToEnd(m_window->generatePanel()->request()));
    QCOMPARE(m_window->lastGeneration()->grids[0].indices, first);
}

void TestGenerateGl::startupGenerateScreenshot() {
    const QString shot = m_dir.filePath(QStringLiteral("startup.png"));
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QLIPX_GENERATION_HISTORY"), m_dir.filePath(QStringLiteral("startup-history.json")));
    app.setProcessEnvironment(env);
    app.start(QStringLiteral(QLIPX_EXPLORER_BIN),
              {QStringLiteral("--model"), kEmojiModel, QStringLiteral("--prior"), m_prior, QStringLiteral("--threads"), QStringLiteral("1"),
               QStringLiteral("--prompt"), QStringLiteral("an emoji of a cat"), QStringLiteral("--seed"), QStringLiteral("5"),
               QStringLiteral("--samples"), QStringLiteral("3"), QStringLiteral("--generate"), QStringLiteral("--dock"),
               QStringLiteral("generate"), QStringLiteral("--size"), QStringLiteral("1200x800"), QStringLiteral("--screenshot"), shot, kApple});
    QVERIFY(app.waitForFinished(kTimeoutMs));
    QVERIFY2(app.exitCode() == 0, app.readAllStandardError().constData());
    QCOMPARE(QImage(shot).size(), QSize(1200, 800));
    qlipx::GenerationHistory history(m_dir.filePath(QStringLiteral("startup-history.json")));
    QCOMPARE(history.load(), QString());
    QCOMPARE(history.records().size(), size_t(1));
    QCOMPARE(history.records().front().samples, 3);
    QCOMPARE(history.records().front().prompt, QStringLiteral("an emoji of a cat"));

    // --screenshot-row: the picture is taken while the tokens stream in, and the app quits.
    const QString streaming = m_dir.filePath(QStringLiteral("streaming.png"));
    app.start(QStringLiteral(QLIPX_EXPLORER_BIN),
              {QStringLiteral("--model"), kEmojiModel, QStringLiteral("--prior"), m_prior, QStringLiteral("--threads"), QStringLiteral("1"),
               QStringLiteral("--generate"), QStringLiteral("--screenshot-row"), QStringLiteral("3"), QStringLiteral("--size"),
               QStringLiteral("1000x800"), QStringLiteral("--screenshot"), streaming, kApple});
    QVERIFY(app.waitForFinished(kTimeoutMs));
    QVERIFY2(app.exitCode() == 0, app.readAllStandardError().constData());
    QCOMPARE(QImage(streaming).size(), QSize(1000, 800));
    QCOMPARE(history.load(), QString());
    QCOMPARE(history.records().size(), size_t(1)); // the run did not finish: not in the history
}

int main(int argc, char** argv) { return runGlTest<TestGenerateGl>(argc, argv); }

#include "test_generate_gl.moc"
