// The token edit operations: each tool changes exactly the intended bits (data-driven over tool x
// region x bit), edits undo to bit-identical grids over long random sequences, brush strokes merge,
// and paste / copy / revert / digest behave at the grid's edges.
#include "qlip/error.h"
#include "qlip/tokenedit.h"

#include <QtTest>

#include <random>
#include <set>

using namespace qlip;

namespace {

TokenGrid randomGrid(int rows, int cols, int bits, uint64_t seed, bool latents = true) {
    TokenGrid g;
    g.rows = rows, g.cols = cols, g.bits = bits;
    std::mt19937_64 rng(seed);
    for (int n = 0; n < rows * cols; ++n) g.indices.push_back(int64_t(rng() & ((uint64_t(1) << bits) - 1)));
    if (latents)
        for (int n = 0; n < rows * cols; ++n)
            for (int e = 0; e < bits; ++e) {
                const float m = 0.01f + float(rng() % 1000) / 1000.f;
                g.latents.push_back(g.bit(n, e) ? m : -m);
            }
    return g;
}

// The region of a test row, by name.
CellSet region(const TokenGrid& g, const QString& name) {
    if (name == "one") return {g.cols + 2};
    if (name == "rect") return rectCells(g, 1, 1, 4, 5);
    if (name == "rect reversed") return rectCells(g, 4, 5, 1, 1);
    if (name == "rect clipped") return rectCells(g, -3, 5, 2, 40);
    if (name == "lasso") return polygonCells(g, {{0.2, 0.2}, {5.8, 0.2}, {0.2, 5.8}}); // a triangle
    if (name == "brush") return brushCells(g, 3, 3, 2);
    return {};
}

} // namespace

class TestTokenEdit : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void regions();
    void bitTools_data();
    void bitTools();
    void flipOneBit();
    void rotate();
    void fillPasteRevert();
    void undoRedoRandomSequences();
    void mergeStrokes();
    void latentsFollowBits();
    void badEdits();
    void digest();
};

void TestTokenEdit::regions() {
    const TokenGrid g = randomGrid(6, 8, 28, 1);
    QCOMPARE(region(g, "rect").size(), size_t(12));
    QCOMPARE(region(g, "rect"), region(g, "rect reversed"));
    QCOMPARE(region(g, "rect clipped"), (CellSet{5, 6, 7, 13, 14, 15}));
    // Triangle with legs along row 0 and column 0: cell (r, c) is inside when r + c + 1 < 6.
    CellSet tri;
    for (int r = 0; r < 6; ++r)
        for (int c = 0; c < 8; ++c)
            if (r + c + 1.0 < 6.0) tri.push_back(r * 8 + c);
    QCOMPARE(region(g, "lasso"), tri);
    QCOMPARE(brushCells(g, 0, 0, 0), (CellSet{0}));
    QCOMPARE(brushCells(g, 3, 3, 1), (CellSet{19, 26, 27, 28, 35}));
    QVERIFY(polygonCells(g, {{0, 0}, {1, 1}}).empty());
}

void TestTokenEdit::bitTools_data() {
    QTest::addColumn<QString>("regionName");
    QTest::addColumn<int>("op");
    QTest::addColumn<quint64>("mask");
    for (const char* r : {"one", "rect", "lasso", "brush", "rect clipped"})
        for (int op : {int(BitOp::Set), int(BitOp::Clear), int(BitOp::Toggle), int(BitOp::Randomize)})
            for (quint64 mask : {quint64(1), quint64(1) << 27, quint64(0x0f0f0f0), (quint64(1) << 28) - 1})
                QTest::newRow(qPrintable(QStringLiteral("%1 op%2 mask %3").arg(r).arg(op).arg(mask, 0, 16))) << QString(r) << op << mask;
}

void TestTokenEdit::bitTools() {
    QFETCH(QString, regionName);
    QFETCH(int, op);
    QFETCH(quint64, mask);
    const TokenGrid g = randomGrid(6, 8, 28, 7);
    const CellSet cells = region(g, regionName);
    TokenGrid edited = g;
    applyEdit(edited, applyBits(g, cells, mask, BitOp(op), 42));
    const std::set<int> inRegion(cells.begin(), cells.end());
    int changedBitsOutsideMask = 0, randomizedDiffers = 0;
    for (int n = 0; n < g.count(); ++n)
        for (int e = 0; e < 28; ++e) {
            const bool was = g.bit(n, e), now = edited.bit(n, e);
            const bool targeted = inRegion.count(n) && (mask >> e & 1);
            if (!targeted) {
                changedBitsOutsideMask += was != now;
                continue;
            }
            switch (BitOp(op)) {
            case BitOp::Set: QVERIFY(now); break;
            case BitOp::Clear: QVERIFY(!now); break;
            case BitOp::Toggle: QCOMPARE(now, !was); break;
            case BitOp::Randomize: randomizedDiffers += was != now; break;
            }
        }
    QCOMPARE(changedBitsOutsideMask, 0);
    // Random bits: deterministic for a seed.
    if (BitOp(op) == BitOp::Randomize) {
        TokenGrid again = g;
        applyEdit(again, applyBits(g, cells, mask, BitOp::Randomize, 42));
        QCOMPARE(again.indices, edited.indices);
    }
}

void TestTokenEdit::flipOneBit() {
    const TokenGrid g = randomGrid(4, 4, 28, 3);
    for (int e : {0, 13, 27}) {
        const TokenEdit edit = flipBit(g, 5, e);
        QCOMPARE(edit.size(), size_t(1));
        QCOMPARE(edit[0].after, g.indices[5] ^ (int64_t(1) << (27 - e))); // channel 0 is the MSB
    }
    QVERIFY(flipBit(g, 5, 28).empty());
    QVERIFY(flipBit(g, 99, 0).empty());
}

void TestTokenEdit::rotate() {
    TokenGrid g;
    g.rows = 1, g.cols = 2, g.bits = 4;
    g.indices = {0b1001, 0b0110};
    TokenGrid r = g;
    applyEdit(r, rotateBits(g, {0, 1}, 1));
    QCOMPARE(r.indices, (std::vector<int64_t>{0b0011, 0b1100}));
    r = g;
    applyEdit(r, rotateBits(g, {0, 1}, -1));
    QCOMPARE(r.indices, (std::vector<int64_t>{0b1100, 0b0011}));
    QVERIFY(rotateBits(g, {0, 1}, 4).empty());
}

void TestTokenEdit::fillPasteRevert() {
    const TokenGrid a = randomGrid(6, 8, 28, 11), b = randomGrid(6, 8, 28, 12);
    TokenGrid g = a;
    applyEdit(g, fillTokens(g, rectCells(g, 0, 0, 2, 2), 12345));
    QCOMPARE(g.at(1, 1), int64_t(12345));
    QCOMPARE(g.at(2, 2), a.at(2, 2));
    // Transplant: 3x3 tokens of b, pasted at (4, 6): only the 2x2 that fits lands.
    const TokenGrid clip = copyTokens(b, 0, 0, 3, 3);
    QCOMPARE(clip.rows, 3);
    const TokenEdit paste = pasteTokens(g, clip, 4, 6);
    applyEdit(g, paste);
    for (int r = 0; r < 6; ++r)
        for (int c = 0; c < 8; ++c) {
            const bool inPaste = r >= 4 && c >= 6;
            if (inPaste) QCOMPARE(g.at(r, c), b.at(r - 4, c - 6));
            else if (r >= 2 || c >= 2) QCOMPARE(g.at(r, c), a.at(r, c));
        }
    // Revert a region to the original tokens.
    applyEdit(g, revertTokens(g, a, rectCells(g, 0, 0, 6, 8)));
    QCOMPARE(g.indices, a.indices);
    TokenGrid wrongBits = clip;
    wrongBits.bits = 16;
    QVERIFY_THROWS_EXCEPTION(Error, pasteTokens(g, wrongBits, 0, 0));
    QVERIFY_THROWS_EXCEPTION(Error, fillTokens(g, {0}, int64_t(1) << 28));
}

// Property: any sequence of edits, undone in reverse order, gives back the grid bit for bit; redo
// gives the edited grid again.
void TestTokenEdit::undoRedoRandomSequences() {
    for (uint64_t seed = 0; seed < 20; ++seed) {
        std::mt19937_64 rng(seed);
        const TokenGrid start = randomGrid(8, 8, 28, seed + 100);
        TokenGrid g = start;
        std::vector<TokenEdit> history;
        std::vector<std::vector<int64_t>> states{g.indices};
        for (int step = 0; step < 300; ++step) {
            const int r = int(rng() % 8), c = int(rng() % 8);
            TokenEdit e;
            switch (rng() % 6) {
            case 0: e = flipBit(g, r * 8 + c, int(rng() % 28)); break;
            case 1: e = applyBits(g, brushCells(g, r, c, int(rng() % 3)), rng() & 0xfffffff, BitOp(rng() % 4), rng()); break;
            case 2: e = rotateBits(g, rectCells(g, r, c, r + 3, c + 2), int(rng() % 9) - 4); break;
            case 3: e = fillTokens(g, rectCells(g, r, c, 8, 8), int64_t(rng() & 0xfffffff)); break;
            case 4: e = pasteTokens(g, copyTokens(start, 0, 0, 4, 4), r - 2, c - 2); break;
            default: e = revertTokens(g, start, brushCells(g, r, c, 2)); break;
            }
            applyEdit(g, e);
            history.push_back(e);
            states.push_back(g.indices);
        }
        for (size_t i = history.size(); i-- > 0;) {
            undoEdit(g, history[i]);
            QCOMPARE(g.indices, states[i]);
        }
        QCOMPARE(g.indices, start.indices);
        QCOMPARE(g.latents, start.latents); // signs came back with the bits
        for (size_t i = 0; i < history.size(); ++i) applyEdit(g, history[i]);
        QCOMPARE(g.indices, states.back());
    }
}

void TestTokenEdit::mergeStrokes() {
    const TokenGrid start = randomGrid(6, 6, 28, 5);
    TokenGrid g = start;
    TokenEdit stroke;
    // A brush that toggles bit 3 twice over cell 14 and once over 15: 14 ends unchanged.
    for (const CellSet& dab : {CellSet{14}, CellSet{14, 15}}) {
        const TokenEdit e = applyBits(g, dab, uint64_t(1) << 3, BitOp::Toggle);
        applyEdit(g, e);
        stroke = mergeEdits(stroke, e);
    }
    QCOMPARE(stroke.size(), size_t(1));
    QCOMPARE(stroke[0].n, 15);
    undoEdit(g, stroke);
    QCOMPARE(g.indices, start.indices);
}

void TestTokenEdit::latentsFollowBits() {
    TokenGrid g = randomGrid(2, 2, 28, 9);
    const TokenGrid before = g;
    applyEdit(g, flipBit(g, 1, 4));
    const size_t z = size_t(1) * 28 + 4;
    QCOMPARE(g.latents[z], -before.latents[z]);             // same margin, new sign
    QCOMPARE(g.latents[z] > 0, g.bit(1, 4));
    for (size_t i = 0; i < g.latents.size(); ++i)
        if (i != z) QCOMPARE(g.latents[i], before.latents[i]);
}

void TestTokenEdit::badEdits() {
    TokenGrid g = randomGrid(2, 2, 28, 1);
    QVERIFY_THROWS_EXCEPTION(Error, applyEdit(g, TokenEdit{{7, 0, 1}}));         // outside the grid
    QVERIFY_THROWS_EXCEPTION(Error, applyEdit(g, TokenEdit{{0, g.indices[0] + 1, 5}})); // stale edit
}

void TestTokenEdit::digest() {
    const TokenGrid a = randomGrid(4, 4, 28, 1);
    TokenGrid b = a;
    QCOMPARE(tokenDigest(a), tokenDigest(b));
    QCOMPARE(tokenDigest(a).size(), size_t(16));
    applyEdit(b, flipBit(b, 0, 27));
    QVERIFY(tokenDigest(a) != tokenDigest(b));
    TokenGrid c = a;
    c.rows = 2, c.cols = 8;
    QVERIFY(tokenDigest(a) != tokenDigest(c)); // the shape counts
}

QTEST_GUILESS_MAIN(TestTokenEdit)
#include "test_tokenedit.moc"
