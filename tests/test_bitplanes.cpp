// BitPlaneView: the per-plane images against bits computed here from the indices, invert, the
// multi-selection ramp, thumbnail clicks and keys, the painted large view (grab()), the
// position -> token mapping and hover/click signals, margin heat, animation and empty data.
#include "bitplaneview.h"

#include <QAction>
#include <QtTest>

#include <cstdint>
#include <vector>

using qlipx::BitPlaneView;
using qlipx::TokenCell;
using qlipx::TokenData;

namespace {

const QSize kWidgetSize(820, 640);

// A reproducible, well-mixed index per token (every plane gets ones and zeros on a 3 x 4 grid).
int64_t patternIndex(int n, int bits) {
    const uint64_t h = (uint64_t(n) + 1) * 0x9E3779B97F4A7C15ull;
    return int64_t((h ^ (h >> 29)) & ((uint64_t(1) << bits) - 1));
}

TokenData makeTokens(int rows, int cols, int bits) {
    TokenData t;
    t.rows = rows;
    t.cols = cols;
    t.bits = bits;
    for (int n = 0; n < rows * cols; ++n) t.indices.push_back(patternIndex(n, bits));
    return t;
}

// Latents whose signs agree with the bits and whose margins are all comfortably large.
void addLatents(TokenData& t, float magnitude = 0.5f) {
    t.latents.resize(size_t(t.count()) * size_t(t.bits));
    for (int n = 0; n < t.count(); ++n)
        for (int e = 0; e < t.bits; ++e) {
            const bool one = (t.indices[size_t(n)] >> (t.bits - 1 - e)) & 1;
            t.latents[size_t(n) * size_t(t.bits) + size_t(e)] = one ? magnitude : -magnitude;
        }
}

// Bit e (0 = MSB) of an index, computed independently of TokenData::bit().
bool expectedBit(int64_t index, int bits, int e) { return (index >> (bits - 1 - e)) & 1; }

int onesAmong(int64_t index, int bits, const QList<int>& planes) {
    int ones = 0;
    for (int e : planes) ones += expectedBit(index, bits, e);
    return ones;
}

bool sameRgb(QRgb a, QRgb b) { return (a & 0xffffff) == (b & 0xffffff); }

QString rgbText(QRgb c) { return QStringLiteral("#%1").arg(c & 0xffffff, 6, 16, QLatin1Char('0')); }

QPoint cellCentre(const BitPlaneView& w, int row, int col) {
    const QRect large = w.largeViewRect();
    const TokenData& t = w.tokens();
    const double cw = double(large.width()) / t.cols, ch = double(large.height()) / t.rows;
    return QPoint(large.left() + int((col + 0.5) * cw), large.top() + int((row + 0.5) * ch));
}

QImage grabImage(BitPlaneView& w) { return w.grab().toImage().convertToFormat(QImage::Format_RGB32); }

// Shows a view at a fixed size so layout, grab() and synthesized input are deterministic.
struct ShownView {
    BitPlaneView w;
    explicit ShownView(const TokenData& t) {
        w.resize(kWidgetSize);
        w.setTokens(t);
        w.show();
    }
    bool exposed() { return QTest::qWaitForWindowExposed(&w); }
};

} // namespace

class TestBitPlanes : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void planeImagesMatchBits_data();
    void planeImagesMatchBits();
    void planeZeroIsMostSignificant();
    void invertSwapsColours();
    void multiSelectionCountsOnes_data();
    void multiSelectionCountsOnes();
    void rampEnds();
    void selectionSurvivesSameBitCount();
    void thumbnailClicks();
    void keys();
    void paintedCellsMatchTokens_data();
    void paintedCellsMatchTokens();
    void tokenAtMapsCells();
    void hoverAndClickSignals();
    void highlightOutlinesCell();
    void marginHeat();
    void marginHeatWithoutLatents();
    void animation();
    void emptyData();
    void inconsistentDataIsEmpty();
};

void TestBitPlanes::planeImagesMatchBits_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("bits");
    QTest::newRow("3x4, 28 bits (QLIP)") << 3 << 4 << 28;
    QTest::newRow("3x4, 5 bits") << 3 << 4 << 5;
    QTest::newRow("2x7, 12 bits") << 2 << 7 << 12;
    QTest::newRow("1x1, 1 bit") << 1 << 1 << 1;
}

void TestBitPlanes::planeImagesMatchBits() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, bits);
    const TokenData t = makeTokens(rows, cols, bits);
    BitPlaneView w;
    w.setTokens(t);
    for (int e = 0; e < bits; ++e) {
        const QImage plane = w.planeImage(e);
        QCOMPARE(plane.size(), QSize(cols, rows));
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) {
                const bool one = expectedBit(t.indices[size_t(r * cols + c)], bits, e);
                const QRgb want = one ? BitPlaneView::kOnesColor : BitPlaneView::kZerosColor;
                QVERIFY2(sameRgb(plane.pixel(c, r), want),
                         qPrintable(QStringLiteral("plane %1 token (%2,%3): %4, want %5")
                                        .arg(e).arg(r).arg(c).arg(rgbText(plane.pixel(c, r)), rgbText(want))));
            }
    }
    QVERIFY(w.planeImage(-1).isNull());
    QVERIFY(w.planeImage(bits).isNull());
    // A fresh grid solos b0, and the large view shows exactly that plane.
    QCOMPARE(w.selectedPlanes(), QList<int>{0});
    QCOMPARE(w.compositeImage(), w.planeImage(0));
}

void TestBitPlanes::planeZeroIsMostSignificant() {
    // 5 bits: 0b10000 has only b0 set, 0b00001 only b4.
    TokenData t;
    t.rows = 1;
    t.cols = 2;
    t.bits = 5;
    t.indices = {0b10000, 0b00001};
    BitPlaneView w;
    w.setTokens(t);
    QVERIFY(sameRgb(w.planeImage(0).pixel(0, 0), BitPlaneView::kOnesColor));
    QVERIFY(sameRgb(w.planeImage(0).pixel(1, 0), BitPlaneView::kZerosColor));
    QVERIFY(sameRgb(w.planeImage(4).pixel(0, 0), BitPlaneView::kZerosColor));
    QVERIFY(sameRgb(w.planeImage(4).pixel(1, 0), BitPlaneView::kOnesColor));
    for (int e = 1; e < 4; ++e) {
        QVERIFY(sameRgb(w.planeImage(e).pixel(0, 0), BitPlaneView::kZerosColor));
        QVERIFY(sameRgb(w.planeImage(e).pixel(1, 0), BitPlaneView::kZerosColor));
    }
}

void TestBitPlanes::invertSwapsColours() {
    QVERIFY(BitPlaneView::kOnesColor != BitPlaneView::kZerosColor);
    QVERIFY(qGray(BitPlaneView::kOnesColor) > 200); // light
    QVERIFY(qGray(BitPlaneView::kZerosColor) < 40); // dark
    const TokenData t = makeTokens(3, 4, 28);
    BitPlaneView w;
    w.setTokens(t);
    QSignalSpy spy(&w, &BitPlaneView::invertedChanged);
    w.setInverted(true);
    QVERIFY(w.inverted());
    QCOMPARE(spy.size(), 1);
    QVERIFY(w.invertAction()->isChecked());
    for (int e = 0; e < t.bits; ++e)
        for (int n = 0; n < t.count(); ++n) {
            const bool one = expectedBit(t.indices[size_t(n)], t.bits, e);
            const QRgb want = one ? BitPlaneView::kZerosColor : BitPlaneView::kOnesColor;
            QVERIFY(sameRgb(w.planeImage(e).pixel(n % t.cols, n / t.cols), want));
        }
    QCOMPARE(w.compositeImage(), w.planeImage(0));
    w.setInverted(false);
    QVERIFY(sameRgb(w.planeImage(0).pixel(0, 0),
                    expectedBit(t.indices[0], t.bits, 0) ? BitPlaneView::kOnesColor : BitPlaneView::kZerosColor));
    QCOMPARE(spy.size(), 2);
}

void TestBitPlanes::multiSelectionCountsOnes_data() {
    QTest::addColumn<int>("bits");
    QTest::addColumn<QList<int>>("planes");
    QTest::addColumn<bool>("inverted");
    QTest::newRow("28: b0 b1") << 28 << QList<int>{0, 1} << false;
    QTest::newRow("28: b0 b5 b13 b27") << 28 << QList<int>{0, 5, 13, 27} << false;
    QTest::newRow("28: all") << 28 << [] { QList<int> all; for (int e = 0; e < 28; ++e) all << e; return all; }() << false;
    QTest::newRow("28: b2 b3 b4 inverted") << 28 << QList<int>{2, 3, 4} << true;
    QTest::newRow("5: b1 b3 b4") << 5 << QList<int>{1, 3, 4} << false;
}

void TestBitPlanes::multiSelectionCountsOnes() {
    QFETCH(int, bits);
    QFETCH(QList<int>, planes);
    QFETCH(bool, inverted);
    const TokenData t = makeTokens(3, 4, bits);
    BitPlaneView w;
    w.setTokens(t);
    w.setInverted(inverted);
    w.selectPlane(planes.front());
    for (qsizetype i = 1; i < planes.size(); ++i) w.selectPlane(planes[i], true);
    QCOMPARE(w.selectedPlanes(), planes);
    QCOMPARE(w.soloPlane(), -1);

    const int k = int(planes.size());
    const QImage composite = w.compositeImage();
    QCOMPARE(composite.size(), QSize(t.cols, t.rows));
    for (int n = 0; n < t.count(); ++n) {
        const int ones = onesAmong(t.indices[size_t(n)], bits, planes);
        // The ramp, computed here: linear from the zeros colour (0 ones) to the ones colour (k).
        double f = double(ones) / k;
        if (inverted) f = 1 - f;
        const int grey = qGray(BitPlaneView::kZerosColor) +
                         int(std::lround((qGray(BitPlaneView::kOnesColor) - qGray(BitPlaneView::kZerosColor)) * f));
        const QRgb got = composite.pixel(n % t.cols, n / t.cols);
        QVERIFY2(std::abs(qGray(got) - grey) <= 2,
                 qPrintable(QStringLiteral("token %1: %2 ones of %3, grey %4, want %5").arg(n).arg(ones).arg(k).arg(qGray(got)).arg(grey)));
        QVERIFY(sameRgb(got, BitPlaneView::rampColor(ones, k, inverted)));
    }
}

void TestBitPlanes::rampEnds() {
    for (int k = 1; k <= 28; ++k) {
        QVERIFY(sameRgb(BitPlaneView::rampColor(0, k, false), BitPlaneView::kZerosColor));
        QVERIFY(sameRgb(BitPlaneView::rampColor(k, k, false), BitPlaneView::kOnesColor));
        QVERIFY(sameRgb(BitPlaneView::rampColor(0, k, true), BitPlaneView::kOnesColor));
        for (int i = 1; i <= k; ++i)
            QVERIFY(qGray(BitPlaneView::rampColor(i, k, false)) > qGray(BitPlaneView::rampColor(i - 1, k, false)));
    }
}

void TestBitPlanes::selectionSurvivesSameBitCount() {
    BitPlaneView w;
    QSignalSpy spy(&w, &BitPlaneView::selectionChanged);
    w.setTokens(makeTokens(3, 4, 28));
    QCOMPARE(spy.size(), 1);
    w.selectPlane(7);
    w.selectPlane(9, true);
    w.setTokens(makeTokens(5, 5, 28)); // another image, same model
    QCOMPARE(w.selectedPlanes(), (QList<int>{7, 9}));
    w.setTokens(makeTokens(3, 4, 5)); // another model
    QCOMPARE(w.selectedPlanes(), QList<int>{0});
}

void TestBitPlanes::thumbnailClicks() {
    ShownView v(makeTokens(3, 4, 28));
    QVERIFY(v.exposed());
    BitPlaneView& w = v.w;
    QSignalSpy spy(&w, &BitPlaneView::selectionChanged);
    for (int e = 0; e < 28; ++e) QVERIFY2(w.rect().contains(w.thumbnailRect(e)), qPrintable(QString::number(e)));
    QVERIFY(!w.thumbnailRect(3).intersects(w.largeViewRect()));

    QTest::mouseClick(&w, Qt::LeftButton, {}, w.thumbnailRect(5).center());
    QCOMPARE(w.selectedPlanes(), QList<int>{5});
    QCOMPARE(w.soloPlane(), 5);
    QCOMPARE(spy.size(), 1);
    QTest::mouseClick(&w, Qt::LeftButton, Qt::ControlModifier, w.thumbnailRect(9).center());
    QCOMPARE(w.selectedPlanes(), (QList<int>{5, 9}));
    QCOMPARE(w.soloPlane(), -1);
    QTest::mouseClick(&w, Qt::LeftButton, Qt::ControlModifier, w.thumbnailRect(27).center());
    QCOMPARE(w.selectedPlanes(), (QList<int>{5, 9, 27}));
    QTest::mouseClick(&w, Qt::LeftButton, Qt::ControlModifier, w.thumbnailRect(5).center());
    QCOMPARE(w.selectedPlanes(), (QList<int>{9, 27}));
    QTest::mouseClick(&w, Qt::LeftButton, Qt::ControlModifier, w.thumbnailRect(27).center());
    QCOMPARE(w.selectedPlanes(), QList<int>{9});
    // The last selected plane stays.
    QTest::mouseClick(&w, Qt::LeftButton, Qt::ControlModifier, w.thumbnailRect(9).center());
    QCOMPARE(w.selectedPlanes(), QList<int>{9});
    QCOMPARE(spy.size(), 5);
    // A plain click on a multi-selection solos again.
    QTest::mouseClick(&w, Qt::LeftButton, Qt::ControlModifier, w.thumbnailRect(1).center());
    QTest::mouseClick(&w, Qt::LeftButton, {}, w.thumbnailRect(0).center());
    QCOMPARE(w.selectedPlanes(), QList<int>{0});
    // The label under a thumbnail is part of it.
    const QRect t12 = w.thumbnailRect(12);
    QTest::mouseClick(&w, Qt::LeftButton, {}, QPoint(t12.center().x(), t12.bottom() + 8));
    QCOMPARE(w.soloPlane(), 12);
    // A click on empty space changes nothing.
    QTest::mouseClick(&w, Qt::LeftButton, {}, QPoint(1, 1));
    QCOMPARE(w.soloPlane(), 12);
}

void TestBitPlanes::keys() {
    BitPlaneView w;
    w.setTokens(makeTokens(3, 4, 5));
    w.selectPlane(2);
    QTest::keyClick(&w, Qt::Key_Right);
    QCOMPARE(w.soloPlane(), 3);
    QTest::keyClick(&w, Qt::Key_Right);
    QTest::keyClick(&w, Qt::Key_Right); // stops at the last plane
    QCOMPARE(w.soloPlane(), 4);
    QTest::keyClick(&w, Qt::Key_Left);
    QCOMPARE(w.soloPlane(), 3);
    QTest::keyClick(&w, Qt::Key_Home);
    QCOMPARE(w.soloPlane(), 0);
    QTest::keyClick(&w, Qt::Key_Left); // stops at b0
    QCOMPARE(w.soloPlane(), 0);
    QTest::keyClick(&w, Qt::Key_End);
    QCOMPARE(w.soloPlane(), 4);
    // From a multi-selection, Left/Right step from the plane picked last.
    w.selectPlane(1);
    w.selectPlane(3, true);
    QTest::keyClick(&w, Qt::Key_Right);
    QCOMPARE(w.selectedPlanes(), QList<int>{4});

    QVERIFY(!w.inverted());
    QTest::keyClick(&w, Qt::Key_I);
    QVERIFY(w.inverted());
    QTest::keyClick(&w, Qt::Key_I);
    QVERIFY(!w.inverted());
}

void TestBitPlanes::paintedCellsMatchTokens_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("bits");
    QTest::addColumn<QList<int>>("planes");
    QTest::addColumn<bool>("inverted");
    QTest::newRow("3x4/28 b0") << 3 << 4 << 28 << QList<int>{0} << false;
    QTest::newRow("3x4/28 b27") << 3 << 4 << 28 << QList<int>{27} << false;
    QTest::newRow("3x4/28 b13 inverted") << 3 << 4 << 28 << QList<int>{13} << true;
    QTest::newRow("3x4/28 b1 b2 b3") << 3 << 4 << 28 << QList<int>{1, 2, 3} << false;
    QTest::newRow("3x4/5 b2") << 3 << 4 << 5 << QList<int>{2} << false;
    QTest::newRow("16x16/28 b6") << 16 << 16 << 28 << QList<int>{6} << false;
    QTest::newRow("5x9/28 b0 b4") << 5 << 9 << 28 << QList<int>{0, 4} << true;
}

void TestBitPlanes::paintedCellsMatchTokens() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, bits);
    QFETCH(QList<int>, planes);
    QFETCH(bool, inverted);
    const TokenData t = makeTokens(rows, cols, bits);
    BitPlaneView w;
    w.resize(kWidgetSize);
    w.setTokens(t);
    w.setInverted(inverted);
    w.selectPlane(planes.front());
    for (qsizetype i = 1; i < planes.size(); ++i) w.selectPlane(planes[i], true);

    // Square cells of whole pixels, centred, taking a good part of the widget.
    const QRect large = w.largeViewRect();
    QCOMPARE(large.width() % cols, 0);
    QCOMPARE(large.height() % rows, 0);
    QCOMPARE(large.width() / cols, large.height() / rows);
    QVERIFY(large.width() / cols >= 8);
    QVERIFY(std::abs(large.center().x() - w.width() / 2) <= 1);

    const QImage shot = grabImage(w);
    const int k = int(planes.size());
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            const int ones = onesAmong(t.index(r, c), bits, planes);
            const QRgb want = k == 1 ? ((ones == 1) != inverted ? BitPlaneView::kOnesColor : BitPlaneView::kZerosColor)
                                     : BitPlaneView::rampColor(ones, k, inverted);
            const QRgb got = shot.pixel(cellCentre(w, r, c));
            QVERIFY2(sameRgb(got, want), qPrintable(QStringLiteral("cell (%1,%2): painted %3, want %4")
                                                        .arg(r).arg(c).arg(rgbText(got), rgbText(want))));
        }
    // The thumbnails are painted too: each one's centre pixel is its plane's colour there.
    for (int e = 0; e < bits; ++e) {
        const QRect th = w.thumbnailRect(e);
        const int col = int((th.center().x() - th.left() + 0.5) * cols / th.width());
        const int row = int((th.center().y() - th.top() + 0.5) * rows / th.height());
        QVERIFY2(sameRgb(shot.pixel(th.center()), w.planeImage(e).pixel(col, row)), qPrintable(QString::number(e)));
    }
}

void TestBitPlanes::tokenAtMapsCells() {
    const TokenData t = makeTokens(3, 4, 28);
    BitPlaneView w;
    w.resize(kWidgetSize);
    w.setTokens(t);
    const QRect large = w.largeViewRect();
    for (int r = 0; r < t.rows; ++r)
        for (int c = 0; c < t.cols; ++c) {
            const auto cell = w.tokenAt(cellCentre(w, r, c));
            QVERIFY(cell.has_value());
            QCOMPARE(*cell, (TokenCell{r, c}));
        }
    // The corners of the large view belong to the corner cells.
    QCOMPARE(w.tokenAt(large.topLeft()), (std::optional<TokenCell>{TokenCell{0, 0}}));
    QCOMPARE(w.tokenAt(large.bottomRight()), (std::optional<TokenCell>{TokenCell{2, 3}}));
    // Nothing outside.
    QVERIFY(!w.tokenAt(large.topLeft() - QPoint(1, 1)));
    QVERIFY(!w.tokenAt(QPoint(large.right() + 1, large.center().y())));
    QVERIFY(!w.tokenAt(QPoint(large.center().x(), large.bottom() + 1)));
    QVERIFY(!w.tokenAt(w.thumbnailRect(0).center()));
    QVERIFY(!w.tokenAt(QPoint(0, 0)));
}

void TestBitPlanes::hoverAndClickSignals() {
    ShownView v(makeTokens(3, 4, 28));
    QVERIFY(v.exposed());
    BitPlaneView& w = v.w;
    QSignalSpy hovered(&w, &BitPlaneView::tokenHovered);
    QSignalSpy left(&w, &BitPlaneView::tokenHoverLeft);
    QSignalSpy clicked(&w, &BitPlaneView::tokenClicked);

    QTest::mouseMove(&w, cellCentre(w, 1, 2));
    QTRY_COMPARE(hovered.size(), 1);
    QCOMPARE(hovered.last().at(0).toInt(), 1);
    QCOMPARE(hovered.last().at(1).toInt(), 2);
    QCOMPARE(w.hoveredToken(), (std::optional<TokenCell>{TokenCell{1, 2}}));
    // Within the same cell: no new signal.
    QTest::mouseMove(&w, cellCentre(w, 1, 2) + QPoint(3, 2));
    QTest::mouseMove(&w, cellCentre(w, 2, 0));
    QTRY_COMPARE(hovered.size(), 2);
    QCOMPARE(hovered.last().at(0).toInt(), 2);
    QCOMPARE(hovered.last().at(1).toInt(), 0);
    QCOMPARE(left.size(), 0);
    QTest::mouseMove(&w, w.thumbnailRect(4).center());
    QTRY_COMPARE(left.size(), 1);
    QVERIFY(!w.hoveredToken());

    QTest::mouseClick(&w, Qt::LeftButton, {}, cellCentre(w, 0, 3));
    QCOMPARE(clicked.size(), 1);
    QCOMPARE(clicked.last().at(0).toInt(), 0);
    QCOMPARE(clicked.last().at(1).toInt(), 3);
    // A click on a thumbnail is not a token click.
    QTest::mouseClick(&w, Qt::LeftButton, {}, w.thumbnailRect(4).center());
    QCOMPARE(clicked.size(), 1);
}

void TestBitPlanes::highlightOutlinesCell() {
    const TokenData t = makeTokens(3, 4, 28);
    BitPlaneView w;
    w.resize(kWidgetSize);
    w.setTokens(t);
    const QImage before = grabImage(w);
    w.setHighlightedToken(1, 2);
    QCOMPARE(w.highlightedToken(), (std::optional<TokenCell>{TokenCell{1, 2}}));
    const QImage after = grabImage(w);
    const QRect large = w.largeViewRect();
    const int cell = large.width() / t.cols;
    const QPoint topLeft(large.left() + 2 * cell, large.top() + 1 * cell);
    // The cell's edge changes, its centre keeps the plane colour, other cells are untouched.
    QVERIFY(before.pixel(topLeft + QPoint(cell / 2, 0)) != after.pixel(topLeft + QPoint(cell / 2, 0)));
    QCOMPARE(after.pixel(cellCentre(w, 1, 2)), before.pixel(cellCentre(w, 1, 2)));
    QCOMPARE(after.pixel(cellCentre(w, 0, 0)), before.pixel(cellCentre(w, 0, 0)));
    w.setHighlightedToken(-1, -1);
    QVERIFY(!w.highlightedToken());
    QCOMPARE(grabImage(w), before);
    w.setHighlightedToken(3, 0); // outside the grid
    QVERIFY(!w.highlightedToken());
}

void TestBitPlanes::marginHeat() {
    TokenData t = makeTokens(3, 4, 28);
    addLatents(t);
    const int hotRow = 1, hotCol = 2, hotPlane = 3;
    const int hot = hotRow * t.cols + hotCol;
    t.latents[size_t(hot) * size_t(t.bits) + size_t(hotPlane)] *= 0.002f; // |z| = 0.001: about to flip

    BitPlaneView w;
    w.resize(kWidgetSize);
    w.setTokens(t);
    QVERIFY(w.marginHeatAvailable());
    QVERIFY(w.marginHeatAction()->isEnabled());
    w.selectPlane(hotPlane);
    const QImage plainShot = grabImage(w);
    QCOMPARE(w.compositeImage(), w.planeImage(hotPlane));

    QSignalSpy spy(&w, &BitPlaneView::marginHeatChanged);
    w.setMarginHeat(true);
    QCOMPARE(spy.size(), 1);
    QVERIFY(w.marginHeatActive());
    const QImage composite = w.compositeImage();
    const QRgb base = w.planeImage(hotPlane).pixel(hotCol, hotRow);
    QVERIFY(!sameRgb(composite.pixel(hotCol, hotRow), base));
    QVERIFY(qRed(composite.pixel(hotCol, hotRow)) > qGreen(composite.pixel(hotCol, hotRow)) + 60); // red
    QVERIFY(sameRgb(composite.pixel(hotCol, hotRow),
                    BitPlaneView::blendHeat(base, BitPlaneView::heatAlpha(0.001f, w.marginThreshold()))));
    // Every other token is far from flipping: unchanged.
    for (int n = 0; n < t.count(); ++n)
        if (n != hot)
            QVERIFY(sameRgb(composite.pixel(n % t.cols, n / t.cols), w.planeImage(hotPlane).pixel(n % t.cols, n / t.cols)));
    // ... and the painted cell changes with it.
    const QImage heatShot = grabImage(w);
    const QPoint centre = cellCentre(w, hotRow, hotCol);
    QVERIFY(!sameRgb(heatShot.pixel(centre), plainShot.pixel(centre)));
    QVERIFY(sameRgb(heatShot.pixel(centre), composite.pixel(hotCol, hotRow)));
    QVERIFY(sameRgb(heatShot.pixel(cellCentre(w, 0, 0)), plainShot.pixel(cellCentre(w, 0, 0))));

    // Another plane of the same token is not close to flipping.
    w.selectPlane(hotPlane + 1);
    QCOMPARE(w.compositeImage(), w.planeImage(hotPlane + 1));
    // Raising the threshold above every margin heats every cell.
    w.setMarginThreshold(1.0f);
    for (int n = 0; n < t.count(); ++n)
        QVERIFY(!sameRgb(w.compositeImage().pixel(n % t.cols, n / t.cols), w.planeImage(hotPlane + 1).pixel(n % t.cols, n / t.cols)));
    // Off again: plain planes.
    w.setMarginHeat(false);
    QCOMPARE(w.compositeImage(), w.planeImage(hotPlane + 1));
}

void TestBitPlanes::marginHeatWithoutLatents() {
    BitPlaneView w;
    w.resize(kWidgetSize);
    w.setTokens(makeTokens(3, 4, 28));
    QVERIFY(!w.marginHeatAvailable());
    QVERIFY(!w.marginHeatAction()->isEnabled());
    const QRect large = w.largeViewRect();
    const QImage before = grabImage(w).copy(large);
    w.setMarginHeat(true);
    QVERIFY(!w.marginHeatActive());
    QCOMPARE(w.compositeImage(), w.planeImage(0));
    QCOMPARE(grabImage(w).copy(large), before);

    // Latents of the wrong size are dropped rather than read out of bounds.
    TokenData bad = makeTokens(3, 4, 28);
    bad.latents.assign(5, 0.0f);
    w.setTokens(bad);
    QVERIFY(!w.marginHeatAvailable());
    QCOMPARE(w.compositeImage(), w.planeImage(0));
}

void TestBitPlanes::animation() {
    BitPlaneView w;
    QCOMPARE(w.animationInterval(), BitPlaneView::kDefaultAnimationIntervalMs);
    w.setAnimating(true); // nothing to animate yet
    QVERIFY(!w.isAnimating());

    w.setTokens(makeTokens(3, 4, 5));
    w.selectPlane(2);
    QList<int> seen;
    connect(&w, &BitPlaneView::selectionChanged, &w, [&] { seen << w.soloPlane(); });
    QSignalSpy spy(&w, &BitPlaneView::animatingChanged);
    w.setAnimationInterval(10);
    QCOMPARE(w.animationInterval(), 10);
    w.setAnimating(true);
    QVERIFY(w.isAnimating());
    QVERIFY(w.animateAction()->isChecked());
    QCOMPARE(spy.size(), 1);
    QTRY_VERIFY(seen.size() >= 6);
    // Solo planes, one step at a time, wrapping after the last: 3 4 0 1 2 3.
    QCOMPARE(seen.mid(0, 6), (QList<int>{3, 4, 0, 1, 2, 3}));
    w.setAnimating(false);
    QVERIFY(!w.isAnimating());
    QCOMPARE(spy.size(), 2);
    const qsizetype steps = seen.size();
    QTest::qWait(60);
    QCOMPARE(seen.size(), steps);

    // A user pick stops the animation.
    w.setAnimating(true);
    QTest::keyClick(&w, Qt::Key_Home);
    QVERIFY(!w.isAnimating());
    QCOMPARE(w.soloPlane(), 0);
    // Clearing stops it too.
    w.setAnimating(true);
    w.clear();
    QVERIFY(!w.isAnimating());
}

void TestBitPlanes::emptyData() {
    BitPlaneView w;
    w.resize(kWidgetSize);
    QVERIFY(w.selectedPlanes().isEmpty());
    QCOMPARE(w.soloPlane(), -1);
    QVERIFY(w.planeImage(0).isNull());
    QVERIFY(w.compositeImage().isNull());
    QVERIFY(w.largeViewRect().isEmpty());
    QVERIFY(w.thumbnailRect(0).isEmpty());
    QVERIFY(!w.tokenAt(QPoint(410, 320)));
    w.selectPlane(0);
    w.setHighlightedToken(0, 0);
    QTest::keyClick(&w, Qt::Key_Right);
    QTest::mouseClick(&w, Qt::LeftButton, {}, QPoint(30, 30));
    QVERIFY(w.selectedPlanes().isEmpty());
    QVERIFY(!w.highlightedToken());

    // Only the hint, in the middle: the top band and the corners are plain background.
    const QImage shot = grabImage(w);
    int textPixels = 0;
    for (int y = 0; y < shot.height(); ++y)
        for (int x = 0; x < shot.width(); ++x) {
            const bool background = sameRgb(shot.pixel(x, y), BitPlaneView::kBackground);
            if (!background) {
                ++textPixels;
                QVERIFY2(std::abs(y - shot.height() / 2) < 40, qPrintable(QStringLiteral("stray pixel at %1,%2").arg(x).arg(y)));
            }
        }
    QVERIFY(textPixels > 20); // the hint is there

    // Going back to empty after data.
    w.setTokens(makeTokens(3, 4, 28));
    QVERIFY(!w.selectedPlanes().isEmpty());
    QSignalSpy spy(&w, &BitPlaneView::selectionChanged);
    w.clear();
    QCOMPARE(spy.size(), 1);
    QVERIFY(w.selectedPlanes().isEmpty());
    QVERIFY(w.planeImage(0).isNull());
    QVERIFY(w.tokens().empty());
}

void TestBitPlanes::inconsistentDataIsEmpty() {
    BitPlaneView w;
    TokenData t = makeTokens(3, 4, 28);
    t.indices.pop_back();
    w.setTokens(t);
    QVERIFY(w.tokens().empty());
    QVERIFY(w.planeImage(0).isNull());
    TokenData noBits = makeTokens(3, 4, 28);
    noBits.bits = 0;
    w.setTokens(noBits);
    QVERIFY(w.selectedPlanes().isEmpty());
}

QTEST_MAIN(TestBitPlanes)
#include "test_bitplanes.moc"
