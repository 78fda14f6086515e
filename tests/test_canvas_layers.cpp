// The canvas layers on a real GL context (Xvfb + xcb), on synthetic images whose every pixel is
// known: compare split and flicker, the error heat map, PCA and bit-group token colours, the
// picked-token ring and the ImGui HUD. Skips itself on platforms without GL.
#include "canvasview.h"
#include "tokencolor.h"

#include <QGuiApplication>
#include <QtTest>

#include <cmath>
#include <random>

using qlipx::CanvasView;
using qlipx::TokenColoring;

namespace {

constexpr int kImage = 64, kGrid = 8; // 8x8 tokens of 8x8 pixels

// Original: a horizontal ramp; reconstruction: the same ramp darkened by a known step per row.
QImage original() {
    QImage img(kImage, kImage, QImage::Format_RGB32);
    for (int y = 0; y < kImage; ++y)
        for (int x = 0; x < kImage; ++x) img.setPixel(x, y, qRgb(40 + 3 * x, 200 - 2 * x, 90));
    return img;
}

QImage reconstruction() {
    QImage img = original();
    for (int y = 0; y < kImage; ++y)
        for (int x = 0; x < kImage; ++x) {
            const QRgb p = img.pixel(x, y);
            const int d = (y / kGrid) * 6; // error grows by 6 levels per token row
            img.setPixel(x, y, qRgb(std::max(qRed(p) - d, 0), std::max(qGreen(p) - d, 0), std::max(qBlue(p) - d, 0)));
        }
    return img;
}

qlipx::TokenData tokens(int bits = 12) {
    qlipx::TokenData t;
    t.rows = t.cols = kGrid;
    t.bits = bits;
    std::mt19937 rng(3);
    std::normal_distribution<float> normal;
    for (int n = 0; n < kGrid * kGrid; ++n) {
        std::vector<float> z(static_cast<size_t>(bits));
        int64_t index = 0;
        for (int e = 0; e < bits; ++e) {
            z[size_t(e)] = normal(rng) + (e < 3 ? 2.f * float(n % 4) - 3.f : 0.f); // structure on the first bits
            index = (index << 1) | (z[size_t(e)] > 0 ? 1 : 0);
        }
        t.indices.push_back(index);
        t.latents.insert(t.latents.end(), z.begin(), z.end());
    }
    return t;
}

int channelDistance(QRgb a, QRgb b) {
    return std::max({std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)), std::abs(qBlue(a) - qBlue(b))});
}

} // namespace

class TestCanvasLayers : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void splitShowsBothSides();
    void flickerAlternates();
    void errorHeatMap();
    void tokenColourModes_data();
    void tokenColourModes();
    void clickPicksToken();
    void hudDrawsOnlyInItsCorner();
    void selectionIsDrawn();
    void rectToolSelectsCells();

private:
    QImage grab() { return m_canvas->grabFramebuffer().convertToFormat(QImage::Format_RGB32); }
    // Device pixel at image pixel (x, y) (image pixel centres).
    QPoint at(double x, double y) const {
        const QPointF p = m_canvas->view().imageToScreen(QPointF(x + 0.5, y + 0.5)) * m_canvas->devicePixelRatioF();
        return QPoint(int(p.x()), int(p.y()));
    }
    std::unique_ptr<CanvasView> m_canvas;
};

void TestCanvasLayers::initTestCase() {
    if (QGuiApplication::platformName() != QLatin1String("xcb"))
        QSKIP("needs a GL-capable platform: run under xvfb-run with QT_QPA_PLATFORM=xcb");
    m_canvas = std::make_unique<CanvasView>();
    m_canvas->resize(640, 640);
    m_canvas->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_canvas.get()));
    m_canvas->setImages(original(), reconstruction());
    m_canvas->setTokenData(tokens());
    m_canvas->fitToView();
    QVERIFY(m_canvas->glError().isEmpty());
}

void TestCanvasLayers::init() {
    m_canvas->setCompare(CanvasView::Compare::Off);
    m_canvas->setLayer(CanvasView::Layer::Original);
    m_canvas->setGridVisible(false);
    m_canvas->setErrorOpacity(0);
    m_canvas->setHudVisible(false);
    m_canvas->setPickedToken(-1, -1);
}

void TestCanvasLayers::splitShowsBothSides() {
    m_canvas->setCompare(CanvasView::Compare::Split);
    m_canvas->setSplitPosition(0.5);
    const QImage img = grab();
    const QImage o = original(), r = reconstruction();
    // Row 60 has an error of 42 levels: left of the divider the original, right the reconstruction.
    QVERIFY(channelDistance(img.pixel(at(10, 60)), o.pixel(10, 60)) <= 1);
    QVERIFY(channelDistance(img.pixel(at(50, 60)), r.pixel(50, 60)) <= 1);
    QVERIFY(channelDistance(img.pixel(at(50, 60)), o.pixel(50, 60)) > 30);
    // Dragging the divider to the right edge shows the original everywhere.
    const QPointF divider = m_canvas->view().imageToScreen(QPointF(kImage / 2.0, 30));
    QSignalSpy moved(m_canvas.get(), &CanvasView::splitMoved);
    QTest::mousePress(m_canvas.get(), Qt::LeftButton, {}, divider.toPoint());
    QTest::mouseMove(m_canvas.get(), m_canvas->view().imageToScreen(QPointF(kImage * 0.9, 30)).toPoint());
    QTest::mouseRelease(m_canvas.get(), Qt::LeftButton, {}, m_canvas->view().imageToScreen(QPointF(kImage * 0.9, 30)).toPoint());
    QVERIFY(!moved.isEmpty());
    QVERIFY(std::abs(m_canvas->splitPosition() - 0.9) < 0.03);
    QVERIFY(channelDistance(grab().pixel(at(50, 60)), o.pixel(50, 60)) <= 1);
}

void TestCanvasLayers::flickerAlternates() {
    QSignalSpy layers(m_canvas.get(), &CanvasView::layerChanged);
    m_canvas->setFlickerInterval(40);
    m_canvas->setCompare(CanvasView::Compare::Flicker);
    QTRY_VERIFY(layers.count() >= 3);
    m_canvas->setCompare(CanvasView::Compare::Off);
    const int after = int(layers.count());
    QTest::qWait(150);
    QCOMPARE(int(layers.count()), after); // stopping stops the timer
}

void TestCanvasLayers::errorHeatMap() {
    m_canvas->setErrorOpacity(1);
    m_canvas->setErrorRange(0.25);
    const QImage img = grab();
    for (int row : {0, 3, 7}) {
        const double err = row * 6 / 255.0; // every channel is off by the same amount
        const QRgb want = qlipx::heatColor(err / 0.25).rgb();
        const QRgb got = img.pixel(at(20, row * kGrid + 4));
        QVERIFY2(channelDistance(got, want) <= 2, qPrintable(QStringLiteral("row %1: got %2 want %3")
                                                                 .arg(row).arg(got, 0, 16).arg(want, 0, 16)));
    }
    // Half opacity blends with the image.
    m_canvas->setErrorOpacity(0.5);
    const QRgb half = grab().pixel(at(20, 60)), base = original().pixel(20, 60), heat = qlipx::heatColor(42 / 255.0 / 0.25).rgb();
    QVERIFY(std::abs(qRed(half) - (qRed(base) + qRed(heat)) / 2) <= 2);
}

void TestCanvasLayers::tokenColourModes_data() {
    QTest::addColumn<int>("mode");
    QTest::addColumn<int>("bitStart");
    QTest::addColumn<int>("bitCount");
    QTest::newRow("hash") << int(TokenColoring::IndexHash) << 0 << 7;
    QTest::newRow("pca") << int(TokenColoring::LatentPca) << 0 << 7;
    QTest::newRow("bits 0-2") << int(TokenColoring::BitGroup) << 0 << 3;
    QTest::newRow("bits 5-11") << int(TokenColoring::BitGroup) << 5 << 7;
}

void TestCanvasLayers::tokenColourModes() {
    QFETCH(int, mode);
    QFETCH(int, bitStart);
    QFETCH(int, bitCount);
    m_canvas->setColoring({TokenColoring(mode), bitStart, bitCount});
    m_canvas->setGridVisible(true);
    m_canvas->setGridOpacity(1);
    const QImage img = grab();
    const auto want = qlipx::tokenColors(m_canvas->tokenData(), m_canvas->coloring());
    QCOMPARE(m_canvas->tokenOverlayColors(), want);
    int worst = 0;
    for (int r = 0; r < kGrid; ++r)
        for (int c = 0; c < kGrid; ++c)
            worst = std::max(worst, channelDistance(img.pixel(at(c * kGrid + 4, r * kGrid + 4)), want[size_t(r * kGrid + c)]));
    QVERIFY2(worst <= 1, qPrintable(QStringLiteral("largest channel difference %1").arg(worst)));
    m_canvas->setGridOpacity(0.25);
    m_canvas->setColoring({});
}

void TestCanvasLayers::clickPicksToken() {
    m_canvas->setGridVisible(true);
    QSignalSpy clicked(m_canvas.get(), &CanvasView::tokenClicked);
    const QPoint p = m_canvas->view().imageToScreen(QPointF(5 * kGrid + 4, 2 * kGrid + 4)).toPoint();
    QTest::mouseClick(m_canvas.get(), Qt::LeftButton, {}, p);
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).toInt(), 2);
    QCOMPARE(clicked.at(0).at(1).toInt(), 5);
    QVERIFY(m_canvas->pickedToken() && m_canvas->pickedToken()->row == 2 && m_canvas->pickedToken()->col == 5);
    // The picked cell's border turns yellow.
    const QPointF left = m_canvas->view().imageToScreen(QPointF(5 * kGrid, 2 * kGrid + 4)) * m_canvas->devicePixelRatioF();
    const QRgb ring = grab().pixel(int(left.x()) + 1, int(left.y()));
    QVERIFY2(qRed(ring) > 200 && qGreen(ring) > 170 && qBlue(ring) < 80, qPrintable(QString::number(ring, 16)));
    // A drag pans and does not pick.
    QTest::mousePress(m_canvas.get(), Qt::LeftButton, {}, p);
    QTest::mouseMove(m_canvas.get(), p + QPoint(40, 0));
    QTest::mouseRelease(m_canvas.get(), Qt::LeftButton, {}, p + QPoint(40, 0));
    QCOMPARE(clicked.count(), 1);
    m_canvas->fitToView();
}

void TestCanvasLayers::hudDrawsOnlyInItsCorner() {
    const QImage before = grab();
    qlipx::HudState s;
    s.model = QStringLiteral("synthetic");
    s.device = QStringLiteral("CPU");
    s.encodeMs = 12.5;
    m_canvas->setHudState(s);
    m_canvas->setHudVisible(true);
    const QImage after = grab();
    QVERIFY(m_canvas->hudAvailable());
    const double dpr = m_canvas->devicePixelRatioF();
    int changedCorner = 0, changedElsewhere = 0;
    for (int y = 0; y < after.height(); y += 2)
        for (int x = 0; x < after.width(); x += 2) {
            const bool differs = after.pixel(x, y) != before.pixel(x, y);
            if (x < 60 * dpr && y < 60 * dpr) changedCorner += differs;
            else if (x > 400 * dpr || y > 400 * dpr) changedElsewhere += differs;
        }
    QVERIFY2(changedCorner > 100, qPrintable(QString::number(changedCorner)));
    QCOMPARE(changedElsewhere, 0);
    if (const QString dir = qEnvironmentVariable("QLIPX_SCREENSHOT_DIR"); !dir.isEmpty()) after.save(dir + QStringLiteral("/canvas-hud.png"));
    m_canvas->setHudVisible(false);
    QCOMPARE(grab(), before);
}

void TestCanvasLayers::selectionIsDrawn() {
    const QImage before = grab();
    m_canvas->setSelection({9, 10, 17});                  // (1,1), (1,2), (2,1)
    const QImage after = grab();
    m_canvas->setSelection({});
    // Selected cells get a blue wash; others are untouched.
    const QRgb a = before.pixel(at(1 * kGrid + 4, 1 * kGrid + 4)), b = after.pixel(at(1 * kGrid + 4, 1 * kGrid + 4));
    QVERIFY2(qBlue(b) > qBlue(a) + 10, qPrintable(QStringLiteral("%1 -> %2").arg(a, 0, 16).arg(b, 0, 16)));
    QCOMPARE(after.pixel(at(5 * kGrid + 4, 5 * kGrid + 4)), before.pixel(at(5 * kGrid + 4, 5 * kGrid + 4)));
    QCOMPARE(grab(), before);
}

void TestCanvasLayers::rectToolSelectsCells() {
    m_canvas->setTool(CanvasView::Tool::Rect);
    QSignalSpy rect(m_canvas.get(), &CanvasView::rectSelected);
    const QPoint from = m_canvas->view().imageToScreen(QPointF(1 * kGrid + 4, 2 * kGrid + 4)).toPoint();
    const QPoint to = m_canvas->view().imageToScreen(QPointF(3 * kGrid + 4, 5 * kGrid + 4)).toPoint();
    QTest::mousePress(m_canvas.get(), Qt::LeftButton, {}, from);
    QTest::mouseMove(m_canvas.get(), to);
    QTest::mouseRelease(m_canvas.get(), Qt::LeftButton, {}, to);
    QCOMPARE(rect.count(), 1);
    QCOMPARE(rect.at(0).at(0).toInt(), 2); // rows 2..5, cols 1..3
    QCOMPARE(rect.at(0).at(1).toInt(), 1);
    QCOMPARE(rect.at(0).at(2).toInt(), 6);
    QCOMPARE(rect.at(0).at(3).toInt(), 4);
    m_canvas->setTool(CanvasView::Tool::Pick);
}

QTEST_MAIN(TestCanvasLayers)
#include "test_canvas_layers.moc"
