#pragma once
// The readout of one picked token, in the spirit of RenderDoc's pixel history: where it is, its
// index in decimal / hex / binary (b0 = MSB) and per BSQ group, its colour on the canvas, how
// often it occurs in the image, the image patch it covers, and the margin |z| of every bit (how
// far each bit is from flipping, the smallest highlighted). Text is selectable with the mouse;
// Ctrl+C copies the whole readout as plain text.
//
// Keys (the panel takes focus on click; the window may forward keys too): arrows move the pick
// one token (clamped to the grid), Home / End go to the first / last column, Ctrl+G opens an
// inline "go to row,col" field, Esc closes it. Moves update the panel and emit pickRequested()
// so the window can follow (crop the patch, move the canvas marker).
#include "tokendata.h"
#include "viewtransform.h"

#include <QImage>
#include <QWidget>

#include <vector>

class QLabel;
class QLineEdit;

namespace qlipx {

class MarginBars;
class PatchView;

class InspectorPanel : public QWidget {
    Q_OBJECT
public:
    explicit InspectorPanel(QWidget* parent = nullptr);

    // Keeps the pick when it is still inside the new grid (same cell, new token).
    void setTokens(const TokenData& data);
    const TokenData& tokens() const { return m_data; }
    // The model-input pixels under the picked token, drawn scaled up with nearest-neighbour.
    // Stays until the next setPatch(), setPick(-1, -1) or clear(): call it after setPick().
    void setPatch(const QImage& patch);
    QImage patch() const;

    // {-1, -1} when nothing is picked.
    TokenCell pick() const { return m_pick; }
    bool hasPick() const;

    // The exact strings on screen (empty while nothing is picked).
    QString headerText() const;     // "Hover or click a token" when nothing is picked
    QString indexText() const;      // decimal
    QString hexText() const;        // "0x" + lowercase, padded to ceil(bits / 4) digits
    QString binaryText() const;     // qlipx::binaryText(): b0 (MSB) first, chunked
    QString rulerText() const;      // bit numbers above binaryText()
    QString groupText() const;      // "g0=3 g1=12 ..."; empty when groupSize is 1
    QString countText() const;      // "4 of 256 tokens"
    QString marginNoteText() const; // title of the margin list, or why there is none
    QString goToMessage() const;    // the last goToToken() error, empty after a success
    // The margins in the bar list, bit 0 first (empty without latents or pick).
    std::vector<float> shownMargins() const;
    int highlightedBit() const; // the smallest-margin bit, -1 if none
    // A value per token from a map on the canvas (e.g. "text map" or "sensitivity"), shown for the
    // picked token; empty values hide the row.
    void setTokenValues(const QString& title, std::vector<float> values);
    QString tokenValueText() const; // the shown value, empty when none
    // Everything above as plain text (what Ctrl+C copies).
    QString readoutText() const;

public Q_SLOTS:
    // (-1, -1) or any cell outside the grid clears the pick and shows a hint.
    void setPick(int row, int col);
    void clear();
    // Accepts "row,col" or "row col" (blanks around numbers allowed). On success picks the token
    // and emits pickRequested(); otherwise returns false and shows why (goToMessage()).
    bool goToToken(const QString& text);
    // Shows and focuses the inline go-to field (Ctrl+G).
    void showGoTo();

Q_SIGNALS:
    void pickRequested(int row, int col);

protected:
    void keyPressEvent(QKeyEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildUi();
    void refresh();
    void refreshMargins();
    void movePick(int dRow, int dCol);
    void requestPick(int row, int col);
    void hideGoTo();
    void copyReadout() const;
    int pickedToken() const; // raster index n, or -1

    TokenData m_data;
    std::vector<int> m_countOf; // occurrences of each token's index, per raster position
    float m_maxMargin = 0.f;    // the largest |z| in the image: a full margin bar
    TokenCell m_pick{-1, -1};

    QLabel* m_header = nullptr;
    QLabel* m_keysHint = nullptr;
    QWidget* m_details = nullptr;
    PatchView* m_patch = nullptr;
    QLabel* m_cell = nullptr;
    QLabel* m_index = nullptr;
    QLabel* m_hex = nullptr;
    QLabel* m_swatch = nullptr;
    QLabel* m_colour = nullptr;
    QLabel* m_count = nullptr;
    QLabel* m_mapKey = nullptr;
    QLabel* m_map = nullptr;
    QString m_mapTitle;
    std::vector<float> m_mapValues;
    QLabel* m_binaryKey = nullptr;
    QLabel* m_ruler = nullptr;
    QLabel* m_binary = nullptr;
    QLabel* m_groupsKey = nullptr;
    QLabel* m_groups = nullptr;
    QLabel* m_marginNote = nullptr;
    QLabel* m_marginScale = nullptr;
    MarginBars* m_margins = nullptr;
    QWidget* m_goToRow = nullptr;
    QLineEdit* m_goTo = nullptr;
    QLabel* m_goToMessage = nullptr;
};

} // namespace qlipx
