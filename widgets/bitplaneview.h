#pragma once
// The bit planes of one token grid, like RenderDoc's channel view: a wrapping strip of
// thumbnails (one per bit plane, labelled b0 = the most significant bit of an index) above one
// large view of the selected plane(s), scaled nearest-neighbour so each token is a crisp cell.
//
// Selection: a click on a thumbnail solos that plane; Ctrl+click toggles it in a
// multi-selection (the last selected plane cannot be removed). With one plane selected a cell is
// light where the token's bit is 1 and dark where it is 0. With k > 1 planes selected a cell is
// a grey ramp of how many of those k bits are 1: 0 = the zeros colour, k = the ones colour,
// linear in between (rampColor()). Invert swaps the two ends.
//
// Margin heat (when the grid has latents): cells whose bit is close to flipping, i.e. whose
// |latent| is below marginThreshold(), are blended towards red, the more the smaller |latent|
// (heatAlpha()); with several planes selected the smallest margin among them counts. The tint is
// part of compositeImage(); the highlight and hover outlines are painted on top. Without
// latents heat is unavailable: the toggle does nothing and the view says so.
//
// Keys: Left/Right solo the previous/next plane, Home/End the first/last, I inverts, H toggles
// margin heat, Space starts/stops the animation. A click or key that picks a plane stops the
// animation (the user wants to look at that plane). Hovering the large view emits tokenHovered(),
// clicking it tokenClicked().
#include "tokendata.h"
#include "viewtransform.h"

#include <QImage>
#include <QList>
#include <QRect>
#include <QTimer>
#include <QWidget>

#include <optional>
#include <vector>

class QAction;
class QPainter;

namespace qlipx {

class BitPlaneView : public QWidget {
    Q_OBJECT
public:
    // Plane colours: a 1 bit is near white, a 0 bit near black (darker than the panel, #1e1e20,
    // so zero regions read as "off" rather than as background; the large view is framed).
    static constexpr QRgb kOnesColor = qRgb(236, 236, 236);
    static constexpr QRgb kZerosColor = qRgb(16, 16, 18);
    static constexpr QRgb kHeatColor = qRgb(235, 40, 30);
    static constexpr QRgb kBackground = qRgb(30, 30, 32);
    static constexpr double kHeatMaxAlpha = 0.75; // at |latent| = 0; keeps the bit readable
    static constexpr float kDefaultMarginThreshold = 0.05f;
    static constexpr int kDefaultAnimationIntervalMs = 250;

    // The colour of one bit in a single-plane view.
    static QRgb planeColor(bool bit, bool inverted);
    // The colour of a cell where `ones` of `selected` planes are 1 (selected >= 1); selected == 1
    // gives planeColor().
    static QRgb rampColor(int ones, int selected, bool inverted);
    // How strongly a cell with this margin is tinted: kHeatMaxAlpha at 0, falling to 0 at
    // `threshold` and beyond as sqrt(1 - margin / threshold).
    static double heatAlpha(float margin, float threshold);
    // `base` blended towards kHeatColor by `alpha`.
    static QRgb blendHeat(QRgb base, double alpha);

    explicit BitPlaneView(QWidget* parent = nullptr);
    ~BitPlaneView() override;

    // Copies the grid. A grid with the same number of bits keeps the selection; otherwise b0 is
    // soloed. Latents of the wrong size are ignored (heat becomes unavailable); an inconsistent
    // grid is treated as empty.
    void setTokens(const TokenData& tokens);
    const TokenData& tokens() const { return m_tokens; }

    // Ascending plane numbers; empty only while there are no tokens.
    QList<int> selectedPlanes() const;
    // The plane when exactly one is selected, else -1.
    int soloPlane() const;
    // The plane last soloed or Ctrl+clicked: where Left/Right and the animation step from.
    int currentPlane() const { return m_current; }
    bool inverted() const { return m_inverted; }
    bool isAnimating() const { return m_timer.isActive(); }
    int animationInterval() const { return m_timer.interval(); }
    // What was asked for; marginHeatActive() is whether it shows (it needs latents).
    bool marginHeat() const { return m_heatWanted; }
    bool marginHeatActive() const { return m_heatWanted && m_tokens.hasLatents(); }
    bool marginHeatAvailable() const { return m_tokens.hasLatents(); }
    float marginThreshold() const { return m_threshold; }
    std::optional<TokenCell> highlightedToken() const { return m_highlight; }
    std::optional<TokenCell> hoveredToken() const { return m_hover; }

    // One pixel per token (cols x rows, pixel (col, row)) of one plane in plane colours (honours
    // invert, never heat); a null image when the plane or the grid does not exist. Cached.
    QImage planeImage(int plane) const;
    // What the large view shows before scaling: one pixel per token, the ramp of the selection
    // with heat applied. Null when there are no tokens. Cached.
    QImage compositeImage() const;

    // Widget geometry (for tests and tooltips); empty rects when there are no tokens.
    QRect largeViewRect() const;
    QRect thumbnailRect(int plane) const; // the plane image itself, without label or frame
    // The token under a widget position in the large view, or nothing outside it.
    std::optional<TokenCell> tokenAt(QPoint widgetPos) const;

    // Checkable actions mirroring the toggles, for a toolbar or menu (also in the context menu).
    // The heat action is disabled while the grid has no latents.
    QAction* invertAction() const { return m_invertAction; }
    QAction* animateAction() const { return m_animateAction; }
    QAction* marginHeatAction() const { return m_heatAction; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

public Q_SLOTS:
    void clear();
    // additive = false: solo `plane`. additive = true: toggle it in the selection (Ctrl+click);
    // removing the only selected plane is refused. Out-of-range planes are ignored.
    void selectPlane(int plane, bool additive = false);
    void setInverted(bool inverted);
    void toggleInverted() { setInverted(!m_inverted); }
    // Steps the solo plane through 0..bits-1 (wrapping) every animationInterval() ms, starting
    // after the current plane. Does nothing while there are no tokens.
    void setAnimating(bool animating);
    void setAnimationInterval(int ms);
    void setMarginHeat(bool on);
    void setMarginThreshold(float threshold); // > 0
    // Outlines that cell in the large view; (-1, -1) or any cell outside the grid clears it.
    void setHighlightedToken(int row, int col);

Q_SIGNALS:
    void selectionChanged();
    void invertedChanged(bool inverted);
    void animatingChanged(bool animating);
    void marginHeatChanged(bool on);
    void tokenHovered(int row, int col);
    void tokenHoverLeft();
    void tokenClicked(int row, int col);

protected:
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    // Where everything goes at the current size; recomputed on demand (cheap, never stale).
    struct Layout {
        std::vector<QRect> thumbs; // plane images
        QRect infoLine;            // the caption between the strip and the large view
        QRect large;
        double cell = 0;           // widget pixels per token in the large view
    };
    Layout layout() const;
    int thumbnailPlaneAt(QPoint pos) const;
    void rebuildPlanes();
    void rebuildComposite();
    void setSelection(std::vector<bool> selected, int current);
    void stepAnimation();
    void updateHover(std::optional<QPoint> pos);
    void syncActions();
    QString captionText() const;
    QString thumbnailToolTip(int plane) const;
    QString tokenToolTip(TokenCell cell) const;
    void paintThumbnails(QPainter& p, const Layout& l) const;
    void paintCaption(QPainter& p, const Layout& l) const;
    void paintLargeView(QPainter& p, const Layout& l) const;

    TokenData m_tokens;
    std::vector<QImage> m_planes;    // one per plane, plane colours
    std::vector<int> m_onesPerPlane; // tokens whose bit is 1, per plane (for captions)
    QImage m_composite;
    std::vector<bool> m_selected;    // per plane
    int m_current = -1;
    bool m_inverted = false;
    bool m_heatWanted = false;
    float m_threshold = kDefaultMarginThreshold;
    QTimer m_timer;
    std::optional<TokenCell> m_highlight;
    std::optional<TokenCell> m_hover;
    std::optional<QPoint> m_lastMouse; // re-evaluates the hover when the grid changes
    int m_hoverThumb = -1;
    QAction* m_invertAction = nullptr;
    QAction* m_animateAction = nullptr;
    QAction* m_heatAction = nullptr;
};

} // namespace qlipx
