// The explorer window on a real GL context (Xvfb + xcb; QOpenGLWidget does not work on the
// offscreen platform): opens the golden model and a sample image, waits for the encode, and checks
// that the canvas is not blank, that the grid borders are drawn exactly on the cell borders, that
// hovering reports the right token, and that the layers and the export work.
// With QLIPX_SCREENSHOT_DIR set it also saves window screenshots there.
#include "gltestmain.h"
#include "bitplaneview.h"
#include "canvasview.h"
#include "editpanel.h"
#include "editsession.h"
#include "inspectorpanel.h"
#include "layerspanel.h"
#include "mainwindow.h"
#include "querypanel.h"
#include "searchpanel.h"
#include "statscharts.h"
#include "statusreadout.h"
#include "tokencolor.h"

#include <QApplication>
#include <QtCharts/QBarSet>
#include <QClipboard>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QMimeData>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QTemporaryDir>
#include <QSurfaceFormat>
#include <QtTest>

#include <cmath>
#include <set>

#include "qlip/image.h"
#include "qlip/tokenedit.h"

using qlipx::CanvasView;

namespace {

const QString kGolden = QStringLiteral(QLIPX_TEST_DATA "/golden/tiny-b16");
const QString kSample = QStringLiteral(QLIPX_SOURCE_DIR "/resources/samples/astronaut.png");
const QString kSample2 = QStringLiteral(QLIPX_SOURCE_DIR "/resources/samples/chelsea.png");
constexpr int kTimeoutMs = 120000;

qlip::EngineOptions cpuEngine() {
    qlip::EngineOptions o;
    o.device = qlip::Device::CPU;
    o.threads = 1;
    return o;
}

double luma(QRgb c) { return 0.299 * qRed(c) + 0.587 * qGreen(c) + 0.114 * qBlue(c); }

double pixelDifference(const QImage& a, const QImage& b, int x, int y) {
    const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
    return (std::abs(qRed(p) - qRed(q)) + std::abs(qGreen(p) - qGreen(q)) + std::abs(qBlue(p) - qBlue(q))) / 3.0;
}

} // namespace

class TestCanvasGl : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void canvasIsNotBlank();
    void gridLinesOnCellBorders();
    void tokenColoursMatchHash();
    void hoverReportsToken();
    void layersAndExport();
    void dropOpensImage();
    void failedModelSwitchKeepsModel();
    void pickIsSharedByAllViews();
    void inspectorFollowsHoverUntilPick();
    void arrowKeysMovePick();
    void layersPanelDrivesCanvas();
    void qualityIsShown();
    void exportAllPlanes();
    void pasteEncodesClipboardImage();
    void badImagesKeepState_data();
    void badImagesKeepState();
    void flipBitDecodesLive();
    void brushStrokeIsOneStep();
    void selectionOperations();
    void transplantBetweenImages();
    void sessionsRoundTrip();
    void recoveryAfterKill();
    void sensitivityMap();
    void zeroShotQuery();
    void labelFiles();
    void folderSearch();
    void screenshotWithPanels();
    void sessionIsRestored(); // last: it replaces the window

private:
    QImage grab() const { return m_window->canvas()->grabFramebuffer().convertToFormat(QImage::Format_RGB32); }
    // Device pixel (x, y) at the centre of token (row, col), or on its left border.
    QPoint cellCentre(int row, int col) const;
    void saveScreenshot(const QString& name) const;

    std::unique_ptr<qlipx::MainWindow> m_window;
};

void TestCanvasGl::initTestCase() {
    if (QGuiApplication::platformName() != QLatin1String("xcb"))
        QSKIP("needs a GL-capable platform: run under xvfb-run with QT_QPA_PLATFORM=xcb");
    qlipx::StartupOptions o;
    o.model = kGolden;
    o.image = kSample;
    o.engine.device = qlip::Device::CPU;
    o.engine.threads = 1;
    o.restoreSession = false;
    o.windowSize = QSize(1100, 760);
    m_window = std::make_unique<qlipx::MainWindow>(o);
    QSignalSpy shown(m_window.get(), &qlipx::MainWindow::imageShown);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(shown.wait(kTimeoutMs) || !shown.isEmpty());
    QVERIFY(m_window->canvas()->glError().isEmpty());
    QCOMPARE(m_window->canvas()->gridRows(), 16);
    QTest::qWait(100);
}

void TestCanvasGl::cleanupTestCase() { m_window.reset(); }

void TestCanvasGl::init() {
    // Error boxes of earlier tests are not modal, but they would sit over the canvas and take the
    // synthetic mouse events.
    for (QWidget* w : QApplication::topLevelWidgets())
        if (w->inherits("QMessageBox")) w->close();
    QApplication::processEvents();
    // Every test starts from the encoded tokens.
    if (m_window && m_window->edits())
        while (m_window->edits()->undoStack()->canUndo()) m_window->edits()->undoStack()->undo();
}

QPoint TestCanvasGl::cellCentre(int row, int col) const {
    const auto& v = m_window->canvas()->view();
    const double cell = v.imageSize().width() / double(m_window->canvas()->gridCols());
    const QPointF p = v.imageToScreen(QPointF((col + 0.5) * cell, (row + 0.5) * cell));
    const double dpr = m_window->canvas()->devicePixelRatioF();
    return QPoint(int(p.x() * dpr), int(p.y() * dpr));
}

// A second window on a given model and image (the default emoji model has a tokenizer; the
// golden model of the main window has none), shown once its first image is encoded.
static std::unique_ptr<qlipx::MainWindow> defaultModelWindow(const QString& model, const QString& image) {
    qlipx::StartupOptions o;
    o.model = model;
    o.image = image;
    o.engine.device = qlip::Device::CPU;
    o.engine.threads = 1;
    o.restoreSession = false;
    auto window = std::make_unique<qlipx::MainWindow>(o);
    QSignalSpy shown(window.get(), &qlipx::MainWindow::imageShown);
    window->show();
    if (!shown.wait(kTimeoutMs) && shown.isEmpty()) qWarning("the first image was not shown in time");
    return window;
}

static void saveShot(qlipx::MainWindow& window, const QString& name) {
    const QString dir = qEnvironmentVariable("QLIPX_SCREENSHOT_DIR");
    if (!dir.isEmpty()) QVERIFY(window.windowShot().save(dir + QLatin1Char('/') + name, "PNG"));
}

void TestCanvasGl::saveScreenshot(const QString& name) const {
    const QString dir = qEnvironmentVariable("QLIPX_SCREENSHOT_DIR");
    if (dir.isEmpty()) return;
    QVERIFY(m_window->windowShot().save(dir + QLatin1Char('/') + name, "PNG"));
}

void TestCanvasGl::canvasIsNotBlank() {
    const QImage img = grab();
    QVERIFY(!img.isNull());
    QCOMPARE(img.size(), m_window->canvas()->size() * m_window->canvas()->devicePixelRatioF());
    // Luma spread inside the image rectangle.
    const QRect r = m_window->canvas()->view().imageRectOnScreen().toRect().intersected(img.rect());
    QVERIFY(r.width() > 300 && r.height() > 300); // fitted into the window
    double sum = 0, sum2 = 0;
    int n = 0;
    for (int y = r.top(); y < r.bottom(); y += 3)
        for (int x = r.left(); x < r.right(); x += 3) {
            const double l = luma(img.pixel(x, y));
            sum += l;
            sum2 += l * l;
            ++n;
        }
    const double mean = sum / n, sd = std::sqrt(std::max(0.0, sum2 / n - mean * mean));
    QVERIFY2(sd > 20, qPrintable(QStringLiteral("luma standard deviation %1").arg(sd)));
    // Outside the image: the canvas background.
    QCOMPARE(luma(img.pixel(2, 2)), luma(qRgb(30, 30, 32)));
}

void TestCanvasGl::gridLinesOnCellBorders() {
    CanvasView* canvas = m_window->canvas();
    canvas->setGridOpacity(0); // borders only, so that cell interiors must equal the plain image
    canvas->setGridVisible(true);
    const QImage withGrid = grab();
    canvas->setGridVisible(false);
    const QImage plain = grab();
    canvas->setGridVisible(true);
    canvas->setGridOpacity(0.25);

    const auto& v = canvas->view();
    const double dpr = canvas->devicePixelRatioF();
    const int cols = canvas->gridCols();
    const double cell = v.imageSize().width() / double(cols);
    double interior = 0, border = 0;
    int samples = 0;
    for (int c = 1; c < cols; ++c) {        // interior vertical borders
        for (int r = 0; r < canvas->gridRows(); ++r) {
            const QPoint centre = cellCentre(r, c);
            const double xBorder = v.imageToScreen(QPointF(c * cell, 0)).x() * dpr;
            // The pixels on either side of the border (one dark, one light) and the cell's centre.
            const int x0 = int(std::floor(xBorder)) - 1, x1 = int(std::floor(xBorder));
            border += std::max(pixelDifference(withGrid, plain, x0, centre.y()), pixelDifference(withGrid, plain, x1, centre.y()));
            interior += pixelDifference(withGrid, plain, centre.x(), centre.y());
            ++samples;
        }
    }
    interior /= samples;
    border /= samples;
    qInfo("mean difference grid/no grid: on borders %.1f, at cell centres %.2f (of 255)", border, interior);
    QVERIFY2(interior < 1.0, "the grid must not change cell interiors when token colours are off");
    QVERIFY2(border > 40, "cell borders must be visible");

    // With token colours on, interiors change too.
    const QImage tinted = grab();
    QVERIFY(pixelDifference(tinted, plain, cellCentre(5, 5).x(), cellCentre(5, 5).y()) > 3);
}

void TestCanvasGl::tokenColoursMatchHash() {
    // At full opacity each cell shows exactly tokenColor(index), the CPU mirror of the shader's hash.
    CanvasView* canvas = m_window->canvas();
    canvas->setGridOpacity(1);
    const QImage img = grab();
    canvas->setGridOpacity(0.25);
    const auto& tokens = m_window->result()->tokens;
    int worst = 0;
    for (int r = 0; r < tokens.rows; ++r)
        for (int c = 0; c < tokens.cols; ++c) {
            const QRgb got = img.pixel(cellCentre(r, c));
            const QColor want = qlipx::tokenColor(tokens.at(r, c));
            worst = std::max({worst, std::abs(qRed(got) - want.red()), std::abs(qGreen(got) - want.green()),
                              std::abs(qBlue(got) - want.blue())});
        }
    QVERIFY2(worst <= 2, qPrintable(QStringLiteral("largest channel difference %1").arg(worst)));
}

void TestCanvasGl::hoverReportsToken() {
    CanvasView* canvas = m_window->canvas();
    QSignalSpy hovered(canvas, &CanvasView::tokenHovered);
    const double dpr = canvas->devicePixelRatioF();
    const QPoint target = cellCentre(3, 5) / dpr;
    QTest::mouseMove(canvas, target);
    QTRY_VERIFY(!hovered.isEmpty());
    const auto args = hovered.takeLast();
    QCOMPARE(args.at(0).toInt(), 3);
    QCOMPARE(args.at(1).toInt(), 5);
    const auto& tokens = m_window->result()->tokens;
    QCOMPARE(args.at(2).toLongLong(), qlonglong(tokens.at(3, 5)));
    QVERIFY2(m_window->readout()->tokenText().startsWith(QStringLiteral("row 3  col 5  (#53)  index ")), qPrintable(m_window->readout()->tokenText()));
    QVERIFY(m_window->readout()->modelText().contains(QStringLiteral("16×16 × 28 bits")));
    // The hovered cell gets an outline.
    canvas->update();
    const QImage img = grab();
    QTest::qWait(50);
    saveScreenshot(QStringLiteral("explorer-original.png"));
    // The outline is black on the cell's left border and white 1.5-2.5 pixels inside it.
    const int y = cellCentre(3, 5).y();
    const double xBorder = canvas->view().imageToScreen(QPointF(5 * 8, 0)).x() * dpr;
    const QRgb onBorder = img.pixel(int(std::ceil(xBorder - 0.5)), y);
    const QRgb inside = img.pixel(int(std::floor(xBorder + 2)), y);
    QVERIFY2(luma(onBorder) < 40, qPrintable(QStringLiteral("border pixel luma %1").arg(luma(onBorder))));
    QVERIFY2(qRed(inside) > 240 && qGreen(inside) > 240 && qBlue(inside) > 240, "white inside the border");
}

void TestCanvasGl::layersAndExport() {
    CanvasView* canvas = m_window->canvas();
    canvas->setLayer(CanvasView::Layer::Original);
    const QImage original = grab();
    canvas->setLayer(CanvasView::Layer::Reconstruction);
    const QImage recon = grab();
    saveScreenshot(QStringLiteral("explorer-reconstruction.png"));
    int differing = 0;
    for (int r = 0; r < 16; ++r)
        for (int c = 0; c < 16; ++c) differing += pixelDifference(original, recon, cellCentre(r, c).x(), cellCentre(r, c).y()) > 2;
    QVERIFY2(differing > 128, "the reconstruction layer shows another image");
    canvas->setLayer(CanvasView::Layer::Original);

    QTemporaryDir dir;
    const QString path = dir.path() + QStringLiteral("/view.png");
    QVERIFY(m_window->exportView(path));
    const QImage saved(path);
    QCOMPARE(saved.size(), original.size());

    // Zooming in about the centre keeps the centre token under the centre.
    const QPointF mid(canvas->width() / 2.0, canvas->height() / 2.0);
    const auto before = canvas->view().tokenAt(mid, 16, 16);
    canvas->zoomIn();
    canvas->zoomIn();
    QCOMPARE(canvas->view().tokenAt(mid, 16, 16), before);
    canvas->fitToView();
}

void TestCanvasGl::dropOpensImage() {
    QSignalSpy shown(m_window.get(), &qlipx::MainWindow::imageShown);
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(kSample2)});
    const QPoint at = m_window->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &drop);
    QVERIFY(shown.wait(kTimeoutMs) || !shown.isEmpty());
    QCOMPARE(shown.front().at(0).toString(), kSample2);
    QCOMPARE(m_window->imagePath(), kSample2);
    QCOMPARE(m_window->result()->sourceSize, QSize(451, 300));
    QVERIFY(m_window->windowTitle().startsWith(QStringLiteral("chelsea.png")));
}

void TestCanvasGl::failedModelSwitchKeepsModel() {
    QSignalSpy failed(m_window.get(), &qlipx::MainWindow::failed);
    const std::string name = m_window->model()->name;
    m_window->openModel(QStringLiteral("/nonexistent/qlip-model"));
    QVERIFY(failed.wait(kTimeoutMs) || !failed.isEmpty());
    QVERIFY(failed.front().at(0).toString().contains(QStringLiteral("does not exist")));
    QCOMPARE(m_window->model()->name, name);
    QVERIFY(m_window->readout()->modelText().startsWith(QString::fromStdString(name)));
    QCOMPARE(m_window->canvas()->gridRows(), 16);
}

void TestCanvasGl::sessionIsRestored() {
    m_window.reset();
    qlipx::StartupOptions o;
    o.model = kGolden;
    o.image = kSample2;
    o.engine.device = qlip::Device::CPU;
    o.engine.threads = 1;
    o.restoreSession = true;
    {
        qlipx::MainWindow first(o);
        QSignalSpy shown(&first, &qlipx::MainWindow::imageShown);
        first.show();
        QVERIFY(shown.wait(kTimeoutMs) || !shown.isEmpty());
        first.canvas()->setLayer(CanvasView::Layer::Reconstruction);
        first.canvas()->setGridOpacity(0.6);
        first.close(); // saves the session
    }
    o.model.clear();
    o.image.clear();
    qlipx::MainWindow second(o);
    QSignalSpy shown(&second, &qlipx::MainWindow::imageShown);
    second.show();
    QVERIFY(shown.wait(kTimeoutMs) || !shown.isEmpty());
    QCOMPARE(second.imagePath(), QFileInfo(kSample2).absoluteFilePath());
    QCOMPARE(QFileInfo(QString::fromStdString(second.model()->folder)).canonicalFilePath(), QFileInfo(kGolden).canonicalFilePath());
    QCOMPARE(second.canvas()->layer(), CanvasView::Layer::Reconstruction);
    QCOMPARE(second.canvas()->gridOpacity(), 0.6);
    second.close();

    // A remembered model that no longer loads falls back to the default model.
    QTemporaryDir broken;
    QSettings().setValue(QStringLiteral("session/lastModel"), broken.path());
    qlipx::MainWindow third(o);
    QSignalSpy changed(&third, &qlipx::MainWindow::modelChanged);
    QVERIFY(changed.wait(kTimeoutMs) || !changed.isEmpty());
    QCOMPARE(QFileInfo(QString::fromStdString(third.model()->folder)).canonicalFilePath(), QFileInfo(qlipx::defaultModelFolder()).canonicalFilePath());
}

void TestCanvasGl::pickIsSharedByAllViews() {
    CanvasView* canvas = m_window->canvas();
    const auto& tokens = m_window->result()->tokens;
    const double dpr = canvas->devicePixelRatioF();
    for (auto [row, col] : {std::pair{0, 0}, std::pair{4, 11}, std::pair{15, 15}}) {
        QTest::mouseClick(canvas, Qt::LeftButton, {}, cellCentre(row, col) / dpr);
        QVERIFY(canvas->pickedToken() && canvas->pickedToken()->row == row && canvas->pickedToken()->col == col);
        // The inspector reads the engine's own index for that cell, the bit planes outline it.
        QCOMPARE(m_window->inspector()->indexText(), QString::number(tokens.at(row, col)));
        QCOMPARE(m_window->inspector()->pick().row, row);
        QCOMPARE(m_window->inspector()->pick().col, col);
        QVERIFY(m_window->bitPlanes()->highlightedToken() && m_window->bitPlanes()->highlightedToken()->row == row);
        // Its margins are the engine's latents.
        const auto margins = m_window->inspector()->shownMargins();
        QCOMPARE(int(margins.size()), tokens.bits);
        const size_t n = size_t(row * tokens.cols + col);
        for (int e = 0; e < tokens.bits; ++e) QCOMPARE(margins[size_t(e)], std::abs(tokens.latents[n * size_t(tokens.bits) + size_t(e)]));
        // The patch is the model-input pixels under the token.
        const int cell = m_window->result()->input.width() / tokens.cols;
        QCOMPARE(m_window->inspector()->patch(), m_window->result()->input.copy(col * cell, row * cell, cell, cell));
    }
    // A click in the bit-plane view moves the pick on the canvas.
    qlipx::BitPlaneView* planes = m_window->bitPlanes();
    const QRect large = planes->largeViewRect();
    const QPoint p(large.left() + large.width() * 7 / 16 + large.width() / 32, large.top() + large.height() * 2 / 16 + large.height() / 32);
    QTest::mouseClick(planes, Qt::LeftButton, {}, p);
    QVERIFY(canvas->pickedToken() && canvas->pickedToken()->row == 2 && canvas->pickedToken()->col == 7);
    QCOMPARE(m_window->inspector()->indexText(), QString::number(tokens.at(2, 7)));
}

void TestCanvasGl::inspectorFollowsHoverUntilPick() {
    CanvasView* canvas = m_window->canvas();
    const auto& tokens = m_window->result()->tokens;
    const double dpr = canvas->devicePixelRatioF();
    m_window->pickToken(-1, -1);
    QTest::mouseMove(canvas, cellCentre(9, 3) / dpr);
    QTRY_COMPARE(m_window->inspector()->pick().row, 9);
    QCOMPARE(m_window->inspector()->indexText(), QString::number(tokens.at(9, 3)));
    // Once a token is picked, hovering elsewhere leaves the inspector on the pick.
    m_window->pickToken(1, 1);
    QTest::mouseMove(canvas, cellCentre(12, 12) / dpr);
    QTest::qWait(50);
    QCOMPARE(m_window->inspector()->pick().row, 1);
    QCOMPARE(m_window->inspector()->indexText(), QString::number(tokens.at(1, 1)));
}

void TestCanvasGl::arrowKeysMovePick() {
    CanvasView* canvas = m_window->canvas();
    m_window->pickToken(5, 5);
    canvas->setFocus();
    QTest::keyClick(canvas, Qt::Key_Right);
    QTest::keyClick(canvas, Qt::Key_Down);
    QTest::keyClick(canvas, Qt::Key_Down);
    QVERIFY(canvas->pickedToken() && canvas->pickedToken()->row == 7 && canvas->pickedToken()->col == 6);
    m_window->pickToken(0, 0);
    QTest::keyClick(canvas, Qt::Key_Up);
    QTest::keyClick(canvas, Qt::Key_Left);
    QVERIFY(canvas->pickedToken() && canvas->pickedToken()->row == 0 && canvas->pickedToken()->col == 0); // clamped
    QCOMPARE(m_window->inspector()->pick().row, 0);
}

void TestCanvasGl::layersPanelDrivesCanvas() {
    CanvasView* canvas = m_window->canvas();
    qlipx::LayersPanel* layers = m_window->layers();
    layers->compareBox()->setCurrentIndex(layers->compareBox()->findData(int(CanvasView::Compare::Split)));
    QCOMPARE(canvas->compare(), CanvasView::Compare::Split);
    canvas->setCompare(CanvasView::Compare::Off); // and the panel follows the canvas
    QCOMPARE(layers->compareBox()->currentData().toInt(), int(CanvasView::Compare::Off));
    layers->errorOpacitySlider()->setValue(60);
    QCOMPARE(canvas->errorOpacity(), 0.6);
    layers->errorOpacitySlider()->setValue(0);
    layers->coloringBox()->setCurrentIndex(layers->coloringBox()->findData(int(qlipx::TokenColoring::LatentPca)));
    QCOMPARE(canvas->coloring().mode, qlipx::TokenColoring::LatentPca);
    // PCA colours come from the latents: not the hash colours.
    QVERIFY(canvas->tokenOverlayColors() != qlipx::tokenColors(canvas->tokenData(), {}));
    layers->coloringBox()->setCurrentIndex(0);
    QCOMPARE(canvas->tokenOverlayColors(), qlipx::tokenColors(canvas->tokenData(), {}));
}

void TestCanvasGl::qualityIsShown() {
    const auto& r = *m_window->result();
    QVERIFY(r.psnr > 0 && r.psnr < 100);
    QVERIFY(r.ssim > -1 && r.ssim <= 1);
    QVERIFY2(m_window->layers()->qualityText().contains(QString::number(r.psnr, 'f', 2)), qPrintable(m_window->layers()->qualityText()));
}

void TestCanvasGl::exportAllPlanes() {
    QTemporaryDir dir;
    QCOMPARE(m_window->exportAllPlanes(dir.path(), 4), 28);
    const auto& tokens = m_window->result()->tokens;
    for (int e : {0, 13, 27}) {
        const QString base = QFileInfo(m_window->imagePath()).completeBaseName();
        QImage plane(dir.path() + QStringLiteral("/%1-b%2.png").arg(base).arg(e, 2, 10, QLatin1Char('0')));
        QCOMPARE(plane.size(), QSize(16 * 4, 16 * 4));
        for (int n = 0; n < tokens.count(); n += 7) {
            const int row = n / tokens.cols, col = n % tokens.cols;
            const bool one = luma(plane.pixel(col * 4 + 2, row * 4 + 2)) > 128;
            QCOMPARE(one, tokens.bit(n, e));
        }
    }
}

void TestCanvasGl::pasteEncodesClipboardImage() {
    QImage img(40, 30, QImage::Format_RGB32);
    img.fill(qRgb(200, 40, 40));
    QApplication::clipboard()->setImage(img);
    QSignalSpy shown(m_window.get(), &qlipx::MainWindow::imageShown);
    QVERIFY(m_window->pasteImage());
    QVERIFY(shown.wait(kTimeoutMs) || !shown.isEmpty());
    QCOMPARE(m_window->result()->sourceSize, QSize(40, 30));
    QVERIFY(m_window->imagePath().endsWith(QStringLiteral(".png")));
    // Text on the clipboard is not an image: nothing happens.
    QApplication::clipboard()->setText(QStringLiteral("hello"));
    QVERIFY(!m_window->pasteImage());
    // Back to the sample for the tests that follow.
    m_window->openImage(kSample);
    QVERIFY(shown.wait(kTimeoutMs));
}

void TestCanvasGl::badImagesKeepState_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("why"); // a word the message must contain
    QTest::newRow("unreadable") << "not-an-image.png" << false << "not a readable image";
    QTest::newRow("empty") << "empty.png" << false << "empty";
    QTest::newRow("truncated") << "truncated.png" << false << "truncated";
    QTest::newRow("0x0") << "zero-size.png" << false << "PNG";
    QTest::newRow("30000x30000") << "huge-30000.png" << false << "30000x30000";
    QTest::newRow("missing") << "no-such-file.png" << false << "no-such-file.png";
    QTest::newRow("grey") << "grey.png" << true << "";
    QTest::newRow("16-bit grey") << "grey-16bit.png" << true << "";
    QTest::newRow("CMYK JPEG") << "cmyk.jpg" << true << "";
    QTest::newRow("animated GIF") << "animated.gif" << true << "";
}

void TestCanvasGl::badImagesKeepState() {
    QFETCH(QString, file);
    QFETCH(bool, valid);
    QFETCH(QString, why);
    const QString path = QStringLiteral(QLIPX_TEST_DATA "/bad-images/") + file;
    const QString before = m_window->imagePath();
    const auto beforeTokens = m_window->result()->tokens.indices;
    QSignalSpy failed(m_window.get(), &qlipx::MainWindow::failed);
    QSignalSpy shown(m_window.get(), &qlipx::MainWindow::imageShown);
    m_window->openImage(path);
    if (!valid) {
        QVERIFY(failed.wait(kTimeoutMs) || !failed.isEmpty());
        const QString message = failed.front().front().toString();
        QVERIFY2(message.contains(file) && message.contains(why, Qt::CaseInsensitive), qPrintable(message));
        QCOMPARE(m_window->imagePath(), before);              // the current image stays
        QCOMPARE(m_window->result()->tokens.indices, beforeTokens);
        QVERIFY(!m_window->canvas()->currentImage().isNull());
    } else {
        QVERIFY(shown.wait(kTimeoutMs) || !shown.isEmpty());
        QCOMPARE(m_window->imagePath(), path);
        QCOMPARE(m_window->result()->tokens.rows, 16);
        m_window->openImage(before);
        QVERIFY(shown.wait(kTimeoutMs));
    }
}

void TestCanvasGl::flipBitDecodesLive() {
    CanvasView* canvas = m_window->canvas();
    qlipx::EditPanel* panel = m_window->editPanel();
    const qlip::TokenGrid before = m_window->tokens();
    panel->setTool(qlipx::EditTool::FlipBit);
    QCOMPARE(canvas->tool(), CanvasView::Tool::Pick);
    const double dpr = canvas->devicePixelRatioF();
    QTest::mouseClick(canvas, Qt::LeftButton, {}, cellCentre(3, 4) / dpr);
    const qlip::TokenGrid after = m_window->tokens();
    const int n = 3 * after.cols + 4;
    for (int i = 0; i < after.count(); ++i) {
        const int64_t diff = after.indices[size_t(i)] ^ before.indices[size_t(i)];
        QCOMPARE(diff, i == n ? (int64_t(1) << (after.bits - 1 - panel->bit())) : int64_t(0)); // exactly that bit
    }
    // The reconstruction on screen becomes the decode of the edited tokens.
    QTRY_COMPARE_WITH_TIMEOUT(m_window->decodedSerial(), m_window->tokensSerial(), kTimeoutMs);
    auto reference = qlip::Engine::open(kGolden.toStdString(), cpuEngine());
    QCOMPARE(m_window->editedReconstruction(), qlipx::toQImage(reference->decodeToImage(after)));
    QVERIFY(m_window->lastEditLatencyMs() > 0);
    QVERIFY(m_window->editPanel()->statusText().contains(QStringLiteral("1 of 256 tokens edited")));
    // Undo brings back the encoded tokens and their reconstruction.
    m_window->edits()->undoStack()->undo();
    QCOMPARE(m_window->tokens().indices, before.indices);
    QCOMPARE(m_window->editedReconstruction(), m_window->result()->reconstruction);
    panel->setTool(qlipx::EditTool::Pick);
}

void TestCanvasGl::brushStrokeIsOneStep() {
    CanvasView* canvas = m_window->canvas();
    qlipx::EditPanel* panel = m_window->editPanel();
    const qlip::TokenGrid before = m_window->tokens();
    const int steps = m_window->edits()->undoStack()->index();
    panel->setTool(qlipx::EditTool::PaintBit); // default: set bit b0 to 1, radius 0
    const double dpr = canvas->devicePixelRatioF();
    QTest::mousePress(canvas, Qt::LeftButton, {}, cellCentre(2, 2) / dpr);
    for (int c = 3; c <= 6; ++c) QTest::mouseMove(canvas, cellCentre(2, c) / dpr);
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, cellCentre(2, 6) / dpr);
    const qlip::TokenGrid& after = m_window->tokens();
    for (int c = 0; c < after.cols; ++c) {
        const int n = 2 * after.cols + c;
        QCOMPARE(after.bit(n, 0), c >= 2 && c <= 6 ? true : before.bit(n, 0));
    }
    QCOMPARE(m_window->edits()->undoStack()->index(), steps + 1); // one stroke, one step
    m_window->edits()->undoStack()->undo();
    QCOMPARE(m_window->tokens().indices, before.indices);
    panel->setTool(qlipx::EditTool::Pick);
}

void TestCanvasGl::selectionOperations() {
    CanvasView* canvas = m_window->canvas();
    qlipx::EditPanel* panel = m_window->editPanel();
    const qlip::TokenGrid before = m_window->tokens();
    panel->setTool(qlipx::EditTool::SelectRect);
    const double dpr = canvas->devicePixelRatioF();
    QTest::mousePress(canvas, Qt::LeftButton, {}, cellCentre(1, 1) / dpr);
    QTest::mouseMove(canvas, cellCentre(3, 5) / dpr);
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, cellCentre(3, 5) / dpr);
    QCOMPARE(m_window->selection(), qlip::rectCells(before, 1, 1, 4, 6));
    QCOMPARE(canvas->selection(), m_window->selection());
    {
        // The selection is drawn: a blue wash over the selected cells only.
        const QImage with = grab();
        canvas->setSelection({});
        const QImage without = grab();
        canvas->setSelection(m_window->selection());
        const QRgb in = with.pixel(cellCentre(2, 3)), inPlain = without.pixel(cellCentre(2, 3));
        QVERIFY2(qBlue(in) > qBlue(inPlain) + 10, qPrintable(QStringLiteral("%1 vs %2").arg(in, 0, 16).arg(inPlain, 0, 16)));
        QCOMPARE(with.pixel(cellCentre(8, 8)), without.pixel(cellCentre(8, 8)));
    }
    m_window->runSelectionOperation(qlipx::SelectionOp::Invert); // bit b0 of the 15 tokens
    const std::set<int> sel(m_window->selection().begin(), m_window->selection().end());
    for (int n = 0; n < before.count(); ++n)
        QCOMPARE(m_window->tokens().indices[size_t(n)] ^ before.indices[size_t(n)], sel.count(n) ? (int64_t(1) << (before.bits - 1)) : int64_t(0));
    saveScreenshot(QStringLiteral("explorer-edit.png"));
    m_window->runSelectionOperation(qlipx::SelectionOp::Revert);
    QCOMPARE(m_window->tokens().indices, before.indices);
    m_window->runSelectionOperation(qlipx::SelectionOp::Deselect);
    QVERIFY(canvas->selection().empty());
    panel->setTool(qlipx::EditTool::Pick);
    while (m_window->edits()->undoStack()->canUndo()) m_window->edits()->undoStack()->undo();
}

void TestCanvasGl::transplantBetweenImages() {
    // Copy a 2x3 block of tokens from the astronaut, open the cat, paste at (10, 12).
    QSignalSpy shown(m_window.get(), &qlipx::MainWindow::imageShown);
    const qlip::TokenGrid astronaut = m_window->tokens();
    m_window->selectTokens(qlip::rectCells(astronaut, 4, 4, 6, 7));
    m_window->runSelectionOperation(qlipx::SelectionOp::Copy);
    m_window->openImage(kSample2);
    QVERIFY(shown.wait(kTimeoutMs));
    const qlip::TokenGrid cat = m_window->tokens();
    m_window->pickToken(10, 12);
    QVERIFY(m_window->pasteTokensAtPick());
    const qlip::TokenGrid& mixed = m_window->tokens();
    for (int r = 0; r < mixed.rows; ++r)
        for (int c = 0; c < mixed.cols; ++c) {
            const bool pasted = r >= 10 && r < 12 && c >= 12 && c < 15;
            QCOMPARE(mixed.at(r, c), pasted ? astronaut.at(r - 6, c - 8) : cat.at(r, c));
        }
    // Tokens round-trip through .npy; a grid of another shape is refused and nothing is lost.
    QTemporaryDir dir;
    const QString npy = dir.path() + QStringLiteral("/mixed.npy");
    QVERIFY(m_window->saveTokens(npy));
    QVERIFY(QFileInfo::exists(dir.path() + QStringLiteral("/mixed.json")));
    m_window->edits()->undoStack()->undo();
    QCOMPARE(m_window->tokens().indices, cat.indices);
    QVERIFY(m_window->loadTokens(npy));
    QCOMPARE(m_window->tokens().indices, mixed.indices);
    qlip::TokenGrid small = cat;
    small.rows = 8, small.cols = 8;
    small.indices.resize(64);
    small.latents.clear();
    qlip::saveTokens((dir.path() + QStringLiteral("/small.npy")).toStdString(), small, {});
    QSignalSpy failed(m_window.get(), &qlipx::MainWindow::failed);
    QVERIFY(!m_window->loadTokens(dir.path() + QStringLiteral("/small.npy")));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(m_window->tokens().indices, mixed.indices);
    // The decoded PNG says which model and which tokens made it.
    QTRY_COMPARE_WITH_TIMEOUT(m_window->decodedSerial(), m_window->tokensSerial(), kTimeoutMs);
    const QString png = dir.path() + QStringLiteral("/decoded.png");
    QVERIFY(m_window->exportDecodedPng(png));
    const QImage saved(png);
    QCOMPARE(saved.text(QStringLiteral("qlip:tokens-digest")), QString::fromStdString(qlip::tokenDigest(mixed)));
    QCOMPARE(saved.text(QStringLiteral("qlip:model")), m_window->result()->model);
    QCOMPARE(saved.convertToFormat(QImage::Format_RGB888), m_window->editedReconstruction().convertToFormat(QImage::Format_RGB888));
    m_window->openImage(kSample);
    QVERIFY(shown.wait(kTimeoutMs));
}

void TestCanvasGl::sessionsRoundTrip() {
    // Two edits, one undone: the session brings back the tokens, the history and its position.
    const qlip::TokenGrid start = m_window->tokens();
    m_window->selectTokens(qlip::rectCells(start, 0, 0, 2, 2));
    m_window->runSelectionOperation(qlipx::SelectionOp::Invert);
    m_window->pickToken(5, 5);
    m_window->runSelectionOperation(qlipx::SelectionOp::FillPicked);
    const std::vector<int64_t> afterFill = m_window->tokens().indices;
    m_window->edits()->undoStack()->undo();
    const std::vector<int64_t> afterInvert = m_window->tokens().indices;
    QTemporaryDir dir;
    const QString path = dir.path() + QStringLiteral("/s.qlipxsession");
    QVERIFY(m_window->saveSession(path));

    // Back to the plain tokens, then open the session.
    while (m_window->edits()->undoStack()->canUndo()) m_window->edits()->undoStack()->undo();
    QSignalSpy shown(m_window.get(), &qlipx::MainWindow::imageShown);
    m_window->openSession(path);
    QVERIFY(shown.wait(kTimeoutMs));
    QCOMPARE(m_window->tokens().indices, afterInvert);
    QCOMPARE(m_window->edits()->historyIndex(), 1);
    QCOMPARE(m_window->edits()->undoStack()->count(), 2);
    m_window->edits()->undoStack()->redo();
    QCOMPARE(m_window->tokens().indices, afterFill);
    QVERIFY(m_window->canvas()->pickedToken() && m_window->canvas()->pickedToken()->row == 5);

    // A future-version or truncated session is refused and nothing changes.
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    f.close();
    for (const QByteArray& bad : {QByteArray(bytes).replace("\"version\": 1", "\"version\": 2"), bytes.left(bytes.size() / 3)}) {
        const QString badPath = dir.path() + QStringLiteral("/bad.qlipxsession");
        QFile b(badPath);
        QVERIFY(b.open(QIODevice::WriteOnly));
        b.write(bad);
        b.close();
        QSignalSpy failed(m_window.get(), &qlipx::MainWindow::failed);
        m_window->openSession(badPath);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(m_window->tokens().indices, afterFill);
        QCOMPARE(m_window->edits()->historyIndex(), 2);
    }
}

// Kill the explorer with SIGKILL right after an edit was autosaved; a new run restores it.
void TestCanvasGl::recoveryAfterKill() {
    QTemporaryDir dir;
    const QString recovery = dir.path() + QStringLiteral("/recovery.qlipxsession");
    // The edit: the tokens of the sample with a corner filled.
    qlip::TokenGrid edited = m_window->tokens();
    qlip::applyEdit(edited, qlip::fillTokens(edited, qlip::rectCells(edited, 0, 0, 4, 4), 777));
    const QString editFile = dir.path() + QStringLiteral("/edited.npy");
    qlip::saveTokens(editFile.toStdString(), edited, {});

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QLIPX_RECOVERY_FILE"), recovery);
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.path() + QStringLiteral("/config"));
    QProcess first;
    first.setProcessEnvironment(env);
    first.start(QStringLiteral(QLIPX_EXPLORER_BIN), {QStringLiteral("--fresh"), QStringLiteral("--threads"), QStringLiteral("1"),
                                                     QStringLiteral("--model"), kGolden, QStringLiteral("--apply-tokens"), editFile, kSample});
    QVERIFY(first.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(recovery), kTimeoutMs);
    first.kill(); // SIGKILL: no clean exit, the recovery file stays
    QVERIFY(first.waitForFinished());
    QCOMPARE(first.exitStatus(), QProcess::CrashExit);

    const QString out = dir.path() + QStringLiteral("/restored.npy");
    QProcess second;
    second.setProcessEnvironment(env);
    second.start(QStringLiteral(QLIPX_EXPLORER_BIN), {QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--model"), kGolden,
                                                      QStringLiteral("--restore-recovery"), QStringLiteral("--dump-tokens"), out, kSample});
    QVERIFY(second.waitForFinished(kTimeoutMs));
    QVERIFY2(second.exitCode() == 0, second.readAllStandardError().constData());
    const qlip::TokenGrid restored = qlip::loadTokens(out.toStdString(), 16, 16, 28);
    QCOMPARE(restored.indices, edited.indices);
}

void TestCanvasGl::sensitivityMap() {
    m_window->editPanel()->setTool(qlipx::EditTool::Pick);
    const qlip::TokenGrid grid = m_window->tokens();
    m_window->computeSensitivity(false); // the panel's bit: b0
    QTRY_COMPARE_WITH_TIMEOUT(m_window->sensitivityMap().size(), size_t(grid.count()), kTimeoutMs);
    auto reference = qlip::Engine::open(kGolden.toStdString(), cpuEngine());
    const qlip::ImageRGB8 base = reference->decodeToImage(grid);
    for (int n : {0, 100, 255}) {
        qlip::TokenGrid flipped = grid;
        flipped.setBit(n, 0, !grid.bit(n, 0));
        const qlip::ImageRGB8 img = reference->decodeToImage(flipped);
        double sum = 0;
        for (size_t i = 0; i < img.rgb.size(); ++i) sum += std::abs(int(img.rgb[i]) - int(base.rgb[i]));
        QVERIFY(std::abs(m_window->sensitivityMap()[size_t(n)] - sum / double(img.rgb.size())) < 0.6);
    }
    // The canvas shows it: custom colours, the hottest token at the top of the colour map.
    QCOMPARE(m_window->canvas()->coloring().mode, qlipx::TokenColoring::Custom);
    const auto& map = m_window->sensitivityMap();
    const size_t hottest = size_t(std::max_element(map.begin(), map.end()) - map.begin());
    QCOMPARE(m_window->canvas()->tokenOverlayColors()[hottest], qlipx::heatColor(1.0).rgb());
    saveScreenshot(QStringLiteral("explorer-sensitivity.png"));

    // All bits, cancelled at once: the map stays as it was, nothing is reported as an error.
    const std::vector<float> before = m_window->sensitivityMap();
    QSignalSpy failed(m_window.get(), &qlipx::MainWindow::failed);
    m_window->computeSensitivity(true);
    m_window->cancelSensitivity();
    QTest::qWait(300);
    QCOMPARE(failed.count(), 0);
    QCOMPARE(m_window->sensitivityMap(), before);
    m_window->canvas()->setColoring({});
}

void TestCanvasGl::zeroShotQuery() {
    // The golden model has no tokenizer: the panel says so.
    m_window->queryPanel()->setLabels({QStringLiteral("a cat")});
    m_window->queryPanel()->run();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->queryPanel()->message().contains(QStringLiteral("no tokenizer")), kTimeoutMs);

    // The default (emoji) model on the red apple: three labels, the right one wins.
    const QString model = QStringLiteral(QLIPX_SOURCE_DIR "/resources/models/qlip-emoji-64");
    const QString apple = QStringLiteral(QLIPX_SOURCE_DIR "/resources/samples/red-apple.png");
    auto owned = defaultModelWindow(model, apple);
    qlipx::MainWindow& window = *owned;
    QSignalSpy shown(&window, &qlipx::MainWindow::imageShown);
    qlipx::QueryPanel* panel = window.queryPanel();
    QSignalSpy answered(&window, &qlipx::MainWindow::queryAnswered);
    const QStringList labels{QStringLiteral("rocket"), QStringLiteral("red apple"), QStringLiteral("cat face"), QStringLiteral("rocket")};
    panel->setLabels(labels);
    panel->setTemplateIndex(1); // "an emoji of {}"
    panel->run();
    QVERIFY(answered.wait(kTimeoutMs));
    const qlipx::QueryResult r = *window.lastQuery();
    QCOMPARE(r.labels.size(), 3); // the duplicate is dropped
    QCOMPARE(panel->chartLabels().value(0), QStringLiteral("red apple"));
    auto e = qlip::Engine::open(model.toStdString(), cpuEngine());
    const auto image = e->embedImages({e->preprocess(qlip::loadImage(apple.toStdString(), e->preprocessConfig().alpha))}).front();
    std::vector<std::string> prompts;
    for (const QString& l : r.labels) prompts.push_back(QStringLiteral("an emoji of %1").arg(l).toStdString());
    const auto z = e->zeroShot(image, e->embedTexts(prompts));
    for (size_t i = 0; i < z.probabilities.size(); ++i) {
        QVERIFY(std::abs(z.probabilities[i] - r.probabilities[i]) < 1e-5);
        QVERIFY(std::abs(z.cosine[i] - r.cosines[i]) < 1e-5);
    }
    // The chart lists the labels best first.
    const QStringList bars = panel->chartLabels();
    QCOMPARE(bars.size(), 3);
    for (int i = 1; i < bars.size(); ++i)
        QVERIFY(r.probabilities[size_t(r.labels.indexOf(bars[i - 1]))] >= r.probabilities[size_t(r.labels.indexOf(bars[i]))]);

    // The template ensemble: the mean of the normalised embeddings, re-normalised.
    panel->setTemplateIndex(3);
    panel->run();
    QVERIFY(answered.wait(kTimeoutMs));
    const qlipx::QueryResult ens = *window.lastQuery();
    const std::vector<std::string> templates{"{}", "an emoji of {}", "a picture of {}", "a photo of a {}"};
    std::vector<std::vector<float>> texts;
    for (const QString& l : ens.labels) {
        std::vector<float> mean;
        for (const std::string& t : templates) {
            std::string p = t;
            p.replace(p.find("{}"), 2, l.toStdString());
            const auto v = e->embedTexts({p}).front();
            if (mean.empty()) mean.assign(v.size(), 0.f);
            for (size_t k = 0; k < v.size(); ++k) mean[k] += v[k];
        }
        double n = 0;
        for (float v : mean) n += double(v) * v;
        for (float& v : mean) v = float(v / std::sqrt(n));
        texts.push_back(mean);
    }
    const auto ze = e->zeroShot(image, texts);
    for (size_t i = 0; i < ze.probabilities.size(); ++i) QVERIFY(std::abs(ze.probabilities[i] - ens.probabilities[i]) < 1e-5);

    // Where does "red apple" match? The map lands on the canvas as token colours, hotter on the
    // apple than on the white corners.
    QSignalSpy mapped(&window, &qlipx::MainWindow::tokenMapShown);
    QCOMPARE(panel->mapLabel(), QStringLiteral("red apple")); // the best label is offered first
    Q_EMIT panel->mapRequested(QStringLiteral("red apple"), panel->templates());
    QVERIFY(mapped.wait(kTimeoutMs));
    const auto& map = window.tokenMap();
    QCOMPARE(map.size(), size_t(64));
    double centre = 0, corners = 0;
    for (int row = 2; row < 6; ++row)
        for (int col = 2; col < 6; ++col) centre += map[size_t(row * 8 + col)] / 16.0;
    for (int n : {0, 7, 56, 63}) corners += map[size_t(n)] / 4.0;
    qInfo("red apple map: centre %.3f, corners %.3f", centre, corners);
    QVERIFY(centre > corners);
    QCOMPARE(window.canvas()->coloring().mode, qlipx::TokenColoring::Custom);
    // The range control: with the lower half of the range cut, the coldest half of the tokens share
    // the coldest colour.
    panel->setRange(0.5, 1.0);
    {
        const auto [lo, hi] = std::minmax_element(map.begin(), map.end());
        const double mid = *lo + 0.5 * (*hi - *lo);
        for (size_t n = 0; n < map.size(); ++n)
            if (map[n] <= mid) QCOMPARE(window.canvas()->tokenOverlayColors()[n], qlipx::heatColor(0.0).rgb());
        QCOMPARE(window.canvas()->tokenOverlayColors()[size_t(std::max_element(map.begin(), map.end()) - map.begin())],
                 qlipx::heatColor(1.0).rgb());
    }
    panel->setRange(0.0, 1.0);
    window.pickToken(3, 3); // the inspector reads the map's value of the picked token
    QCOMPARE(window.inspector()->tokenValueText(), QString::number(double(map[27]), 'f', 4));
    saveShot(window, QStringLiteral("explorer-query.png"));
    // The exact (occlusion) map agrees on where the apple is.
    Q_EMIT panel->occlusionRequested(QStringLiteral("red apple"), panel->templates());
    QVERIFY(mapped.wait(kTimeoutMs));
    const auto& exact = window.tokenMap();
    double exactCentre = 0, exactCorners = 0;
    for (int row = 2; row < 6; ++row)
        for (int col = 2; col < 6; ++col) exactCentre += exact[size_t(row * 8 + col)] / 16.0;
    for (int n : {0, 7, 56, 63}) exactCorners += exact[size_t(n)] / 4.0;
    qInfo("red apple occlusion map: centre %.4f, corners %.4f", exactCentre, exactCorners);
    QVERIFY(exactCentre > exactCorners);

    // No labels: a message, no query.
    panel->setLabels({});
    const int before = int(answered.count());
    panel->run();
    QTest::qWait(100);
    QCOMPARE(int(answered.count()), before);
    QVERIFY(panel->message().contains(QStringLiteral("label")));
}

void TestCanvasGl::labelFiles() {
    QTemporaryDir dir;
    auto write = [&](const QString& name, const QByteArray& bytes) {
        QFile f(dir.path() + QLatin1Char('/') + name);
        f.open(QIODevice::WriteOnly);
        f.write(bytes);
        return f.fileName();
    };
    QStringList labels;
    QString error;
    QVERIFY(qlipx::QueryPanel::readLabelFile(write(QStringLiteral("a.txt"), "# comment\ncat\n\n dog \ncat\nr\xc3\xa9sum\xc3\xa9\n"), &labels, &error));
    QCOMPARE(labels, (QStringList{QStringLiteral("cat"), QStringLiteral("dog"), QString::fromUtf8("résumé")}));
    QVERIFY(!qlipx::QueryPanel::readLabelFile(write(QStringLiteral("latin1.txt"), "caf\xe9\n"), &labels, &error));
    QVERIFY2(error.contains(QStringLiteral("latin1.txt', line 1: not valid UTF-8")), qPrintable(error));
    QVERIFY(!qlipx::QueryPanel::readLabelFile(write(QStringLiteral("empty.txt"), "# nothing\n"), &labels, &error));
    QVERIFY(!qlipx::QueryPanel::readLabelFile(dir.path() + QStringLiteral("/missing.txt"), &labels, &error));
    QByteArray many;
    for (int i = 0; i < 10000; ++i) many += "label " + QByteArray::number(i) + "\n";
    QVERIFY(qlipx::QueryPanel::readLabelFile(write(QStringLiteral("many.txt"), many), &labels, &error));
    QCOMPARE(labels.size(), 10000);
    // The shipped emoji label set loads.
    QVERIFY(qlipx::QueryPanel::readLabelFile(QStringLiteral(QLIPX_SOURCE_DIR "/resources/labels/emoji-fluent.txt"), &labels, &error));
    QCOMPARE(labels.size(), 1594);
    QVERIFY(qlipx::QueryPanel::readLabelFile(QStringLiteral(QLIPX_SOURCE_DIR "/resources/labels/imagenet-1k.txt"), &labels, &error));
    QCOMPARE(labels.size(), 1000); // no two classes share a label
    QCOMPARE(labels.front(), QStringLiteral("tench"));
}

void TestCanvasGl::folderSearch() {
    const QString model = QStringLiteral(QLIPX_SOURCE_DIR "/resources/models/qlip-emoji-64");
    const QString apple = QStringLiteral(QLIPX_SOURCE_DIR "/resources/samples/red-apple.png");
    QTemporaryDir dir;
    QDir().mkpath(dir.path() + QStringLiteral("/sub"));
    for (const QFileInfo& f : QDir(QStringLiteral(QLIPX_TEST_DATA "/emoji-heldout")).entryInfoList({QStringLiteral("fluent_*.png")}))
        QVERIFY(QFile::copy(f.absoluteFilePath(), dir.path() + QStringLiteral("/sub/") + f.fileName()));
    QVERIFY(QFile::copy(apple, dir.path() + QStringLiteral("/apple-copy.png")));
    QFile broken(dir.path() + QStringLiteral("/broken.png"));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("not a png");
    broken.close();

    auto owned = defaultModelWindow(model, apple);
    qlipx::MainWindow& window = *owned;
    QSignalSpy shown(&window, &qlipx::MainWindow::imageShown);
    QSignalSpy answered(&window, &qlipx::MainWindow::searchAnswered);

    // Like the image on the canvas: its copy comes first, at cosine 1.
    window.searchFolder(dir.path(), QString());
    QVERIFY(answered.wait(kTimeoutMs));
    const qlipx::SearchResult like = *window.lastSearch();
    QCOMPARE(like.encoded, 13);                 // 12 emoji + the copy; the broken file is skipped
    QCOMPARE(like.skipped.size(), 1);
    QVERIFY(like.skipped.front().contains(QStringLiteral("broken.png")));
    QVERIFY(!like.hits.empty());
    QCOMPARE(QFileInfo(like.hits.front().path).fileName(), QStringLiteral("apple-copy.png"));
    QVERIFY(like.hits.front().score > 0.999f);
    QCOMPARE(window.searchPanel()->resultPaths().value(0), like.hits.front().path);
    // The index lives with the app's data, not in the searched folder.
    QVERIFY(!QFileInfo::exists(dir.path() + QStringLiteral("/.qlipx-index.safetensors")));
    const QString indexFile = qlipx::EngineWorker::indexFileFor(dir.path());
    QVERIFY(QFileInfo::exists(indexFile));

    // By text: nothing is encoded again, and the apple ranks first for "red apple".
    window.searchFolder(dir.path(), QStringLiteral("red apple"));
    QVERIFY(answered.wait(kTimeoutMs));
    const qlipx::SearchResult text = *window.lastSearch();
    QCOMPARE(text.encoded, 0);
    QCOMPARE(text.reused, 13);
    QCOMPARE(QFileInfo(text.hits.front().path).fileName(), QStringLiteral("apple-copy.png"));
    for (size_t i = 1; i < text.hits.size(); ++i) QVERIFY(text.hits[i - 1].score >= text.hits[i].score);

    // The whole folder's token statistics in the charts: 13 images of 64 tokens.
    window.showFolderCharts();
    // The most frequent tokens come with their exemplar patch, cut from the model input.
    const auto& frequent = window.lastSearch()->frequent;
    QVERIFY(!frequent.empty() && frequent.size() <= 8);
    QCOMPARE(window.searchPanel()->frequentTokensShown(), int(frequent.size()));
    QCOMPARE(frequent.front().patch.size(), QSize(8, 8)); // 64x64 input, 8x8 grid
    for (size_t i = 1; i < frequent.size(); ++i) QVERIFY(frequent[i - 1].count >= frequent[i].count);
    const qlip::TokenGrid& all = window.lastSearch()->folderTokens;
    QCOMPARE(all.count(), 13 * 64);
    QCOMPARE(window.charts()->balanceSet()->count(), 28);
    for (int e : {0, 13, 27}) {
        int ones = 0;
        for (int n = 0; n < all.count(); ++n) ones += all.bit(n, e);
        QVERIFY(std::abs(window.charts()->balanceSet()->at(e) - double(ones) / all.count()) < 1e-9);
    }
    QFile::remove(indexFile);
    // A result opens in the explorer.
    Q_EMIT window.searchPanel()->openRequested(text.hits[1].path);
    QVERIFY(shown.wait(kTimeoutMs));
    QCOMPARE(window.imagePath(), text.hits[1].path);
    if (const QString shots = qEnvironmentVariable("QLIPX_SCREENSHOT_DIR"); !shots.isEmpty()) {
        window.findChild<QDockWidget*>(QStringLiteral("searchDock"))->raise();
        QTest::qWait(100);
        window.windowShot().save(shots + QStringLiteral("/explorer-search.png"));
    }
}

void TestCanvasGl::screenshotWithPanels() {
    if (qEnvironmentVariable("QLIPX_SCREENSHOT_DIR").isEmpty()) QSKIP("set QLIPX_SCREENSHOT_DIR to write screenshots");
    m_window->pickToken(6, 9);
    m_window->canvas()->setCompare(CanvasView::Compare::Split);
    m_window->canvas()->setErrorOpacity(0.5);
    QTest::qWait(100);
    saveScreenshot(QStringLiteral("explorer-panels.png"));
    auto* charts = m_window->findChild<QDockWidget*>(QStringLiteral("chartsDock"));
    QVERIFY(charts);
    charts->raise();
    m_window->canvas()->setCompare(CanvasView::Compare::Off);
    m_window->canvas()->setColoring({qlipx::TokenColoring::LatentPca, 0, 7});
    m_window->canvas()->setGridOpacity(0.7);
    QTest::qWait(100);
    saveScreenshot(QStringLiteral("explorer-statistics.png"));
    m_window->findChild<QDockWidget*>(QStringLiteral("planesDock"))->raise();
    m_window->canvas()->setColoring({});
    m_window->canvas()->setGridOpacity(0.25);
    m_window->canvas()->setErrorOpacity(0);
}

int main(int argc, char** argv) { return runGlTest<TestCanvasGl>(argc, argv); }

#include "test_canvas_gl.moc"
