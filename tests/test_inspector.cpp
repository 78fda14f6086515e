// The token inspector: the text it shows for known tokens (written out by hand here), the
// margins it lists against the latents, keyboard navigation (arrows clamp at the grid's edges),
// "go to row, col" input, and the states without latents or without a pick.
#include "inspectorpanel.h"
#include "tokencolor.h"

#include <QClipboard>
#include <QLineEdit>
#include <QSignalSpy>
#include <QtTest>

#include <cmath>
#include <vector>

using qlipx::InspectorPanel;
using qlipx::TokenData;

namespace {

constexpr int kRows = 4;
constexpr int kCols = 5;
constexpr int kBits = 28;

// A 4 x 5 grid of recognisable indices; 0xABCDEF1 occurs three times.
const std::vector<int64_t> kIndices{
    0xABCDEF1, 0,         0xFFFFFFF, 0x8000000, 1,         //
    0x1234567, 0xABCDEF1, 0x0F0F0F0, 0x7FFFFFF, 42,        //
    0xABCDEF1, 3,         5,         7,         9,         //
    11,        13,        0x5555555, 0xAAAAAAA, 0x0000010, //
};

// Latents that agree with the bits (positive where the bit is 1), magnitudes varied by position.
float latent(int n, int e) {
    const bool one = (kIndices[size_t(n)] >> (kBits - 1 - e)) & 1;
    const float magnitude = 0.015f + 0.01f * float((n * 5 + e * 3) % 17);
    return one ? magnitude : -magnitude;
}

TokenData grid(int groupSize, bool latents = true) {
    TokenData d;
    d.rows = kRows;
    d.cols = kCols;
    d.bits = kBits;
    d.groupSize = groupSize;
    d.indices = kIndices;
    if (latents)
        for (int n = 0; n < kRows * kCols; ++n)
            for (int e = 0; e < kBits; ++e) d.latents.push_back(latent(n, e));
    return d;
}

} // namespace

class TestInspector : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tokenText_data();
    void tokenText();
    void marginsMatchLatents_data();
    void marginsMatchLatents();
    void arrowKeys_data();
    void arrowKeys();
    void goToToken_data();
    void goToToken();
    void goToFieldFromKeyboard();
    void noLatents();
    void noPickShowsHint();
    void newGridKeepsOrDropsPick();
    void patch();
    void copyReadout();
};

void TestInspector::tokenText_data() {
    QTest::addColumn<int>("groupSize");
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("col");
    QTest::addColumn<QString>("index");
    QTest::addColumn<QString>("hex");
    QTest::addColumn<QString>("binary");
    QTest::addColumn<QString>("groups");
    QTest::addColumn<QString>("count");
    const QString unique = QStringLiteral("1 of 20 tokens (unique)");
    QTest::newRow("0xABCDEF1") << 1 << 0 << 0 << "180150001" << "0xabcdef1" << "1010 1011 1100 1101 1110 1111 0001" << ""
                               << "3 of 20 tokens";
    QTest::newRow("zero") << 1 << 0 << 1 << "0" << "0x0000000" << "0000 0000 0000 0000 0000 0000 0000" << "" << unique;
    QTest::newRow("all ones") << 1 << 0 << 2 << "268435455" << "0xfffffff" << "1111 1111 1111 1111 1111 1111 1111" << ""
                              << unique;
    QTest::newRow("MSB only (b0 first)") << 1 << 0 << 3 << "134217728" << "0x8000000" << "1000 0000 0000 0000 0000 0000 0000"
                                         << "" << unique;
    QTest::newRow("LSB only") << 1 << 0 << 4 << "1" << "0x0000001" << "0000 0000 0000 0000 0000 0000 0001" << "" << unique;
    QTest::newRow("all but MSB") << 1 << 1 << 3 << "134217727" << "0x7ffffff" << "0111 1111 1111 1111 1111 1111 1111" << ""
                                 << unique;
    QTest::newRow("42, last column") << 1 << 1 << 4 << "42" << "0x000002a" << "0000 0000 0000 0000 0000 0010 1010" << ""
                                     << unique;
    QTest::newRow("groups of 7") << 7 << 1 << 1 << "180150001" << "0xabcdef1" << "1010101 1110011 0111101 1110001"
                                 << "g0=85 g1=115 g2=61 g3=113" << "3 of 20 tokens";
    QTest::newRow("groups of 4") << 4 << 1 << 0 << "19088743" << "0x1234567" << "0001 0010 0011 0100 0101 0110 0111"
                                 << "g0=1 g1=2 g2=3 g3=4 g4=5 g5=6 g6=7" << unique;
    QTest::newRow("groups of 2") << 2 << 3 << 2 << "89478485" << "0x5555555" << "01 01 01 01 01 01 01 01 01 01 01 01 01 01"
                                 << "g0=1 g1=1 g2=1 g3=1 g4=1 g5=1 g6=1 g7=1 g8=1 g9=1 g10=1 g11=1 g12=1 g13=1" << unique;
    QTest::newRow("groups of 14") << 14 << 3 << 3 << "178956970" << "0xaaaaaaa" << "10101010101010 10101010101010"
                                  << "g0=10922 g1=10922" << unique;
    QTest::newRow("last token") << 1 << 3 << 4 << "16" << "0x0000010" << "0000 0000 0000 0000 0000 0001 0000" << "" << unique;
}

void TestInspector::tokenText() {
    QFETCH(int, groupSize);
    QFETCH(int, row);
    QFETCH(int, col);
    InspectorPanel panel;
    panel.setTokens(grid(groupSize));
    panel.setPick(row, col);
    QCOMPARE(panel.pick().row, row);
    QCOMPARE(panel.pick().col, col);
    QTEST(panel.indexText(), "index");
    QTEST(panel.hexText(), "hex");
    QTEST(panel.binaryText(), "binary");
    QTEST(panel.groupText(), "groups");
    QTEST(panel.countText(), "count");
    // The digits, spaces aside, are the index in binary, MSB first.
    const int64_t index = kIndices[size_t(row * kCols + col)];
    QCOMPARE(panel.binaryText().remove(QLatin1Char(' ')), QString::number(index, 2).rightJustified(kBits, QLatin1Char('0')));
    QVERIFY(panel.rulerText().startsWith(QStringLiteral("b0")));
    QVERIFY(panel.headerText().contains(QStringLiteral("row %1, col %2").arg(row).arg(col)));
    QVERIFY(panel.readoutText().contains(qlipx::tokenColor(index).name()));
}

void TestInspector::marginsMatchLatents_data() {
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("col");
    for (int n : {0, 3, 7, 12, 19}) QTest::addRow("token %d", n) << n / kCols << n % kCols;
}

void TestInspector::marginsMatchLatents() {
    QFETCH(int, row);
    QFETCH(int, col);
    InspectorPanel panel;
    panel.setTokens(grid(1));
    panel.setPick(row, col);
    const int n = row * kCols + col;
    const std::vector<float> shown = panel.shownMargins();
    QCOMPARE(int(shown.size()), kBits);
    int smallest = 0;
    for (int e = 0; e < kBits; ++e) {
        QCOMPARE(shown[size_t(e)], std::fabs(latent(n, e)));
        if (std::fabs(latent(n, e)) < std::fabs(latent(n, smallest))) smallest = e;
    }
    QCOMPARE(panel.highlightedBit(), smallest);
    QVERIFY(panel.marginNoteText().contains(QStringLiteral("b%1 ").arg(smallest)));
}

void TestInspector::arrowKeys_data() {
    QTest::addColumn<int>("startRow");
    QTest::addColumn<int>("startCol");
    QTest::addColumn<int>("key");
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("col");
    QTest::addColumn<bool>("emitted");
    QTest::newRow("right") << 1 << 1 << int(Qt::Key_Right) << 1 << 2 << true;
    QTest::newRow("left") << 1 << 1 << int(Qt::Key_Left) << 1 << 0 << true;
    QTest::newRow("up") << 1 << 1 << int(Qt::Key_Up) << 0 << 1 << true;
    QTest::newRow("down") << 1 << 1 << int(Qt::Key_Down) << 2 << 1 << true;
    QTest::newRow("left edge") << 2 << 0 << int(Qt::Key_Left) << 2 << 0 << false;
    QTest::newRow("top edge") << 0 << 3 << int(Qt::Key_Up) << 0 << 3 << false;
    QTest::newRow("right edge") << 2 << kCols - 1 << int(Qt::Key_Right) << 2 << kCols - 1 << false;
    QTest::newRow("bottom edge") << kRows - 1 << 2 << int(Qt::Key_Down) << kRows - 1 << 2 << false;
    QTest::newRow("home") << 2 << 3 << int(Qt::Key_Home) << 2 << 0 << true;
    QTest::newRow("end") << 2 << 1 << int(Qt::Key_End) << 2 << kCols - 1 << true;
    QTest::newRow("no pick: first token") << -1 << -1 << int(Qt::Key_Right) << 0 << 0 << true;
}

void TestInspector::arrowKeys() {
    QFETCH(int, startRow);
    QFETCH(int, startCol);
    QFETCH(int, key);
    QFETCH(int, row);
    QFETCH(int, col);
    QFETCH(bool, emitted);
    InspectorPanel panel;
    panel.setTokens(grid(1));
    panel.setPick(startRow, startCol);
    QSignalSpy spy(&panel, &InspectorPanel::pickRequested);
    QTest::keyClick(&panel, Qt::Key(key));
    QCOMPARE(panel.pick().row, row);
    QCOMPARE(panel.pick().col, col);
    QCOMPARE(spy.count(), emitted ? 1 : 0);
    if (emitted) {
        QCOMPARE(spy.at(0).at(0).toInt(), row);
        QCOMPARE(spy.at(0).at(1).toInt(), col);
        QCOMPARE(panel.indexText(), QString::number(kIndices[size_t(row * kCols + col)]));
    }
}

void TestInspector::goToToken_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("col");
    QTest::addColumn<QString>("message"); // a piece of the error
    QTest::newRow("comma") << "2,3" << true << 2 << 3 << "";
    QTest::newRow("space") << "3 4" << true << 3 << 4 << "";
    QTest::newRow("blanks around") << "  0 ,  1 " << true << 0 << 1 << "";
    QTest::newRow("row too big") << "4,0" << false << 1 << 1 << "row 4 is outside 0..3";
    QTest::newRow("col too big") << "0,5" << false << 1 << 1 << "col 5 is outside 0..4";
    QTest::newRow("negative") << "-1,2" << false << 1 << 1 << "row -1 is outside";
    QTest::newRow("both outside") << "9 9" << false << 1 << 1 << "col 9 is outside 0..4";
    QTest::newRow("words") << "abc" << false << 1 << 1 << "Cannot read \"abc\"";
    QTest::newRow("empty") << "" << false << 1 << 1 << "Cannot read";
    QTest::newRow("three numbers") << "1,2,3" << false << 1 << 1 << "Cannot read";
    QTest::newRow("one number") << "7" << false << 1 << 1 << "Cannot read";
    QTest::newRow("decimal") << "1.5,2" << false << 1 << 1 << "Cannot read";
}

void TestInspector::goToToken() {
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(int, row);
    QFETCH(int, col);
    QFETCH(QString, message);
    InspectorPanel panel;
    panel.setTokens(grid(1));
    panel.setPick(1, 1);
    QSignalSpy spy(&panel, &InspectorPanel::pickRequested);
    QCOMPARE(panel.goToToken(text), ok);
    QCOMPARE(panel.pick().row, row);
    QCOMPARE(panel.pick().col, col);
    QCOMPARE(spy.count(), ok ? 1 : 0);
    if (ok) {
        QVERIFY(panel.goToMessage().isEmpty());
    } else {
        QVERIFY2(panel.goToMessage().contains(message, Qt::CaseInsensitive), qPrintable(panel.goToMessage()));
    }
    // Without tokens nothing can be reached.
    InspectorPanel empty;
    QVERIFY(!empty.goToToken(QStringLiteral("0,0")));
    QVERIFY(!empty.goToMessage().isEmpty());
}

void TestInspector::goToFieldFromKeyboard() {
    InspectorPanel panel;
    panel.setTokens(grid(1));
    panel.setPick(0, 0);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    auto* field = panel.findChild<QLineEdit*>();
    QVERIFY(field);
    QVERIFY(!field->isVisible());
    QSignalSpy spy(&panel, &InspectorPanel::pickRequested);
    QTest::keyClick(&panel, Qt::Key_G, Qt::ControlModifier);
    QVERIFY(field->isVisible());
    QTest::keyClick(field, Qt::Key_Down); // typing: arrows must not move the pick
    QCOMPARE(spy.count(), 0);
    QTest::keyClicks(field, QStringLiteral("2, 3"));
    QTest::keyClick(field, Qt::Key_Return);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(panel.pick().row, 2);
    QCOMPARE(panel.pick().col, 3);
    QVERIFY(!field->isVisible());
    // A bad entry keeps the field open with the reason; Esc closes it.
    QTest::keyClick(&panel, Qt::Key_G, Qt::ControlModifier);
    field->clear();
    QTest::keyClicks(field, QStringLiteral("7,7"));
    QTest::keyClick(field, Qt::Key_Return);
    QVERIFY(field->isVisible());
    QVERIFY(panel.goToMessage().contains(QStringLiteral("outside")));
    QTest::keyClick(field, Qt::Key_Escape);
    QVERIFY(!field->isVisible());
    QCOMPARE(panel.pick().row, 2);
    QCOMPARE(spy.count(), 1);
}

void TestInspector::noLatents() {
    InspectorPanel panel;
    panel.setTokens(grid(1, false));
    panel.setPick(2, 2);
    QVERIFY(panel.marginNoteText().contains(QStringLiteral("no latents (tokens loaded from a file)"), Qt::CaseInsensitive));
    QVERIFY(panel.shownMargins().empty());
    QCOMPARE(panel.highlightedBit(), -1);
    QCOMPARE(panel.indexText(), QStringLiteral("5")); // the rest of the readout is still there
    // And with latents the note is a different one.
    panel.setTokens(grid(1, true));
    QVERIFY(!panel.marginNoteText().contains(QStringLiteral("no latents"), Qt::CaseInsensitive));
    QCOMPARE(int(panel.shownMargins().size()), kBits);
}

void TestInspector::noPickShowsHint() {
    InspectorPanel panel;
    QCOMPARE(panel.headerText(), QStringLiteral("Hover or click a token")); // before any tokens
    panel.setTokens(grid(1));
    panel.setPick(1, 2);
    QVERIFY(panel.headerText() != QStringLiteral("Hover or click a token"));
    panel.setPick(-1, -1);
    QCOMPARE(panel.headerText(), QStringLiteral("Hover or click a token"));
    QVERIFY(!panel.hasPick());
    QVERIFY(panel.indexText().isEmpty());
    QVERIFY(panel.hexText().isEmpty());
    QVERIFY(panel.shownMargins().empty());
    QVERIFY(panel.readoutText().isEmpty());
    panel.setPick(kRows, 0); // outside the grid: no pick either
    QCOMPARE(panel.headerText(), QStringLiteral("Hover or click a token"));
    QCOMPARE(panel.pick().row, -1);
    panel.setPick(1, 2);
    panel.clear();
    QCOMPARE(panel.headerText(), QStringLiteral("Hover or click a token"));
}

void TestInspector::newGridKeepsOrDropsPick() {
    InspectorPanel panel;
    panel.setTokens(grid(1));
    panel.setPick(3, 4);
    TokenData other = grid(1);
    other.indices[size_t(3 * kCols + 4)] = 0x123;
    panel.setTokens(other); // same grid, new tokens: same cell, new readout
    QCOMPARE(panel.pick().row, 3);
    QCOMPARE(panel.hexText(), QStringLiteral("0x0000123"));
    TokenData small;
    small.rows = 2;
    small.cols = 2;
    small.bits = kBits;
    small.indices = {1, 2, 3, 4};
    panel.setTokens(small); // (3, 4) is gone
    QVERIFY(!panel.hasPick());
    QCOMPARE(panel.headerText(), QStringLiteral("Hover or click a token"));
}

void TestInspector::patch() {
    InspectorPanel panel;
    panel.setTokens(grid(1));
    panel.setPick(1, 1);
    QImage image(16, 16, QImage::Format_RGB32);
    image.fill(Qt::red);
    panel.setPatch(image);
    QCOMPARE(panel.patch(), image);
    panel.setPick(1, 2);
    QCOMPARE(panel.patch(), image); // until the window sends the next one
    panel.setPick(-1, -1);
    QVERIFY(panel.patch().isNull());
}

void TestInspector::copyReadout() {
    InspectorPanel panel;
    panel.setTokens(grid(4));
    panel.setPick(0, 0);
    QGuiApplication::clipboard()->clear();
    QTest::keyClick(&panel, Qt::Key_C, Qt::ControlModifier);
    const QString copied = QGuiApplication::clipboard()->text();
    if (copied.isEmpty() && panel.readoutText().isEmpty()) QFAIL("nothing to copy");
    QCOMPARE(copied, panel.readoutText());
    QVERIFY(copied.contains(QStringLiteral("0xabcdef1")));
    QVERIFY(copied.contains(QStringLiteral("1010 1011 1100 1101 1110 1111 0001")));
    QVERIFY(copied.contains(QStringLiteral("g0=10 g1=11")));
    QVERIFY(copied.contains(QStringLiteral("b27\t")));
}

QTEST_MAIN(TestInspector)
#include "test_inspector.moc"
