#include "bitplaneview.h"

#include <QAction>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

namespace qlipx {

namespace {
constexpr int kMargin = 8;      // around everything
constexpr int kThumbPad = 3;    // between a thumbnail and its frame / label
constexpr int kThumbGap = 6;    // between thumbnail cells
constexpr int kSectionGap = 6;  // strip -> caption -> large view
constexpr int kThumbMaxSide = 48; // 3 px per token for 16 x 16, 6 for 8 x 8
constexpr int kThumbMinSide = 16;
constexpr double kStripMaxShare = 0.45; // of the height, before thumbnails shrink

const QColor kText(200, 200, 206);
const QColor kMutedText(150, 150, 158);
const QColor kHintText(160, 160, 166);
const QColor kWarnText(230, 170, 70);
const QColor kFrame(72, 72, 80);
const QColor kFrameHover(140, 140, 150);
const QColor kAccent(74, 163, 255);     // selected thumbnails
const QColor kHighlight(255, 176, 0);   // the token synced with the canvas pick

int selectedCount(const std::vector<bool>& selected) { return int(std::count(selected.begin(), selected.end(), true)); }

QString planeLabel(int plane) { return QStringLiteral("b%1").arg(plane); }
} // namespace

// ---- colours --------------------------------------------------------------------------------

QRgb BitPlaneView::planeColor(bool bit, bool inverted) { return bit != inverted ? kOnesColor : kZerosColor; }

QRgb BitPlaneView::rampColor(int ones, int selected, bool inverted) {
    if (selected <= 1) return planeColor(ones > 0, inverted);
    double t = std::clamp(double(ones) / selected, 0.0, 1.0);
    if (inverted) t = 1 - t;
    const auto mix = [t](int zero, int one) { return int(std::lround(zero + (one - zero) * t)); };
    return qRgb(mix(qRed(kZerosColor), qRed(kOnesColor)), mix(qGreen(kZerosColor), qGreen(kOnesColor)),
                mix(qBlue(kZerosColor), qBlue(kOnesColor)));
}

double BitPlaneView::heatAlpha(float margin, float threshold) {
    if (!(threshold > 0)) return 0;
    // The square root lifts mild heat, which would hardly show on dark (zero) cells otherwise.
    return kHeatMaxAlpha * std::sqrt(std::clamp(1.0 - double(margin) / threshold, 0.0, 1.0));
}

QRgb BitPlaneView::blendHeat(QRgb base, double alpha) {
    const auto mix = [alpha](int b, int h) { return int(std::lround(b + (h - b) * alpha)); };
    return qRgb(mix(qRed(base), qRed(kHeatColor)), mix(qGreen(base), qGreen(kHeatColor)),
                mix(qBlue(base), qBlue(kHeatColor)));
}

// ---- construction and state -----------------------------------------------------------------

BitPlaneView::BitPlaneView(QWidget* parent) : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    m_timer.setInterval(kDefaultAnimationIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &BitPlaneView::stepAnimation);

    m_invertAction = new QAction(tr("Invert"), this);
    m_invertAction->setCheckable(true);
    m_invertAction->setToolTip(tr("Swap the colours of ones and zeros (I)"));
    connect(m_invertAction, &QAction::toggled, this, &BitPlaneView::setInverted);

    m_animateAction = new QAction(tr("Animate"), this);
    m_animateAction->setCheckable(true);
    m_animateAction->setToolTip(tr("Step through the bit planes (Space)"));
    connect(m_animateAction, &QAction::toggled, this, &BitPlaneView::setAnimating);

    m_heatAction = new QAction(tr("Margin heat"), this);
    m_heatAction->setCheckable(true);
    connect(m_heatAction, &QAction::toggled, this, &BitPlaneView::setMarginHeat);

    addAction(m_invertAction);
    addAction(m_animateAction);
    addAction(m_heatAction);
    setContextMenuPolicy(Qt::ActionsContextMenu);
    syncActions();
}

BitPlaneView::~BitPlaneView() = default;

void BitPlaneView::setTokens(const TokenData& tokens) {
    const bool valid = tokens.rows > 0 && tokens.cols > 0 && tokens.bits > 0 && tokens.bits < 63 &&
                       tokens.indices.size() == size_t(tokens.count());
    if (!valid) {
        clear();
        return;
    }
    m_tokens = tokens;
    if (m_tokens.latents.size() != size_t(m_tokens.count()) * size_t(m_tokens.bits)) m_tokens.latents.clear();

    // Keep what the user is looking at across images of the same model.
    const bool keepSelection = m_selected.size() == size_t(m_tokens.bits);
    if (!keepSelection) {
        m_selected.assign(size_t(m_tokens.bits), false);
        m_selected[0] = true;
        m_current = 0;
    }
    if (m_highlight && (m_highlight->row >= m_tokens.rows || m_highlight->col >= m_tokens.cols)) m_highlight.reset();

    rebuildPlanes();
    rebuildComposite();
    syncActions();
    update();
    // The same cell may now hold another token (or none): re-announce it.
    const bool hadHover = m_hover.has_value();
    m_hover.reset();
    updateHover(m_lastMouse);
    if (hadHover && !m_hover) Q_EMIT tokenHoverLeft();
    if (!keepSelection) Q_EMIT selectionChanged();
}

void BitPlaneView::clear() {
    setAnimating(false);
    const bool hadSelection = !m_selected.empty();
    m_tokens = {};
    m_planes.clear();
    m_onesPerPlane.clear();
    m_composite = QImage();
    m_selected.clear();
    m_current = -1;
    m_highlight.reset();
    m_hoverThumb = -1;
    if (m_hover) {
        m_hover.reset();
        Q_EMIT tokenHoverLeft();
    }
    syncActions();
    update();
    if (hadSelection) Q_EMIT selectionChanged();
}

QList<int> BitPlaneView::selectedPlanes() const {
    QList<int> planes;
    for (size_t e = 0; e < m_selected.size(); ++e)
        if (m_selected[e]) planes.append(int(e));
    return planes;
}

int BitPlaneView::soloPlane() const {
    const QList<int> planes = selectedPlanes();
    return planes.size() == 1 ? planes.front() : -1;
}

void BitPlaneView::selectPlane(int plane, bool additive) {
    if (m_tokens.empty() || plane < 0 || plane >= m_tokens.bits) return;
    std::vector<bool> selected = m_selected;
    if (additive) {
        if (selected[size_t(plane)] && selectedCount(selected) == 1) return; // never select nothing
        selected[size_t(plane)] = !selected[size_t(plane)];
    } else {
        selected.assign(selected.size(), false);
        selected[size_t(plane)] = true;
    }
    setSelection(std::move(selected), plane);
}

void BitPlaneView::setSelection(std::vector<bool> selected, int current) {
    m_current = current;
    if (selected == m_selected) {
        update(); // the current plane may have moved
        return;
    }
    m_selected = std::move(selected);
    rebuildComposite();
    update();
    Q_EMIT selectionChanged();
}

void BitPlaneView::setInverted(bool inverted) {
    if (inverted == m_inverted) return;
    m_inverted = inverted;
    rebuildPlanes();
    rebuildComposite();
    syncActions();
    update();
    Q_EMIT invertedChanged(inverted);
}

void BitPlaneView::setAnimating(bool animating) {
    if (m_tokens.empty()) animating = false;
    if (animating == m_timer.isActive()) {
        syncActions();
        return;
    }
    if (animating) m_timer.start();
    else m_timer.stop();
    syncActions();
    Q_EMIT animatingChanged(animating);
}

void BitPlaneView::setAnimationInterval(int ms) { m_timer.setInterval(std::max(1, ms)); }

void BitPlaneView::stepAnimation() {
    if (m_tokens.empty()) {
        setAnimating(false);
        return;
    }
    selectPlane((m_current + 1) % m_tokens.bits);
}

void BitPlaneView::setMarginHeat(bool on) {
    if (on == m_heatWanted) return;
    m_heatWanted = on;
    rebuildComposite();
    syncActions();
    update();
    Q_EMIT marginHeatChanged(on);
}

void BitPlaneView::setMarginThreshold(float threshold) {
    if (!(threshold > 0) || threshold == m_threshold) return;
    m_threshold = threshold;
    rebuildComposite();
    update();
}

void BitPlaneView::setHighlightedToken(int row, int col) {
    std::optional<TokenCell> cell;
    if (row >= 0 && col >= 0 && row < m_tokens.rows && col < m_tokens.cols) cell = TokenCell{row, col};
    if (cell == m_highlight) return;
    m_highlight = cell;
    update();
}

void BitPlaneView::syncActions() {
    // Setting the state an action already has emits nothing, so this cannot loop.
    m_invertAction->setChecked(m_inverted);
    m_animateAction->setChecked(m_timer.isActive());
    m_animateAction->setEnabled(!m_tokens.empty());
    m_heatAction->setChecked(m_heatWanted);
    m_heatAction->setEnabled(marginHeatAvailable());
    m_heatAction->setToolTip(marginHeatAvailable()
                                 ? tr("Tint bits close to flipping (|latent| below %1) red (H)").arg(double(m_threshold))
                                 : tr("Margin heat needs the latents, and this grid has none"));
}

// ---- images ---------------------------------------------------------------------------------

void BitPlaneView::rebuildPlanes() {
    const int bits = m_tokens.bits;
    m_planes.assign(size_t(bits), QImage());
    m_onesPerPlane.assign(size_t(bits), 0);
    for (int e = 0; e < bits; ++e) {
        QImage image(m_tokens.cols, m_tokens.rows, QImage::Format_RGB32);
        int ones = 0;
        for (int r = 0; r < m_tokens.rows; ++r) {
            auto* line = reinterpret_cast<QRgb*>(image.scanLine(r));
            for (int c = 0; c < m_tokens.cols; ++c) {
                const bool bit = m_tokens.bit(r * m_tokens.cols + c, e);
                ones += bit;
                line[c] = planeColor(bit, m_inverted);
            }
        }
        m_planes[size_t(e)] = image;
        m_onesPerPlane[size_t(e)] = ones;
    }
}

void BitPlaneView::rebuildComposite() {
    const QList<int> planes = selectedPlanes();
    if (m_tokens.empty() || planes.isEmpty()) {
        m_composite = QImage();
        return;
    }
    const bool heat = marginHeatActive();
    if (planes.size() == 1 && !heat) {
        m_composite = m_planes[size_t(planes.front())]; // shared, no copy
        return;
    }
    QImage image(m_tokens.cols, m_tokens.rows, QImage::Format_RGB32);
    for (int r = 0; r < m_tokens.rows; ++r) {
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(r));
        for (int c = 0; c < m_tokens.cols; ++c) {
            const int n = r * m_tokens.cols + c;
            int ones = 0;
            float margin = std::numeric_limits<float>::infinity();
            for (int e : planes) {
                ones += m_tokens.bit(n, e);
                margin = std::min(margin, m_tokens.margin(n, e));
            }
            QRgb colour = rampColor(ones, int(planes.size()), m_inverted);
            if (heat) colour = blendHeat(colour, heatAlpha(margin, m_threshold));
            line[c] = colour;
        }
    }
    m_composite = image;
}

QImage BitPlaneView::planeImage(int plane) const {
    if (plane < 0 || size_t(plane) >= m_planes.size()) return {};
    return m_planes[size_t(plane)];
}

QImage BitPlaneView::compositeImage() const { return m_composite; }

// ---- geometry -------------------------------------------------------------------------------

BitPlaneView::Layout BitPlaneView::layout() const {
    Layout l;
    if (m_tokens.empty()) return l;
    const QRect area = rect().adjusted(kMargin, kMargin, -kMargin, -kMargin);
    const QFontMetrics fm(font());
    const int labelH = fm.height();
    const int bits = m_tokens.bits;
    const int longest = std::max(m_tokens.rows, m_tokens.cols);

    // Thumbnails: an integer number of pixels per token while that is at least 1, so they stay
    // crisp; shrink them until the strip takes at most kStripMaxShare of the height.
    int tw = 0, th = 0, cellW = 0, cellH = 0, perRow = 1, stripRows = 1;
    for (int side = kThumbMaxSide;; side -= 4) {
        double scale = double(side) / longest;
        if (scale >= 1) scale = std::floor(scale);
        tw = std::max(1, int(std::lround(m_tokens.cols * scale)));
        th = std::max(1, int(std::lround(m_tokens.rows * scale)));
        cellW = std::max(tw, fm.horizontalAdvance(planeLabel(bits - 1))) + 2 * kThumbPad;
        cellH = th + 2 * kThumbPad + labelH;
        perRow = std::clamp((area.width() + kThumbGap) / (cellW + kThumbGap), 1, bits);
        stripRows = (bits + perRow - 1) / perRow;
        perRow = (bits + stripRows - 1) / stripRows; // balance the rows: 14 + 14, not 20 + 8
        const int stripH = stripRows * cellH + (stripRows - 1) * kThumbGap;
        if (stripH <= area.height() * kStripMaxShare || side - 4 < kThumbMinSide) break;
    }
    const int stripW = perRow * cellW + (perRow - 1) * kThumbGap;
    const int x0 = area.left() + std::max(0, (area.width() - stripW) / 2);
    l.thumbs.resize(size_t(bits));
    for (int e = 0; e < bits; ++e) {
        const int x = x0 + (e % perRow) * (cellW + kThumbGap);
        const int y = area.top() + (e / perRow) * (cellH + kThumbGap);
        l.thumbs[size_t(e)] = QRect(x + (cellW - tw) / 2, y + kThumbPad, tw, th);
    }
    const int stripBottom = area.top() + stripRows * cellH + (stripRows - 1) * kThumbGap;

    l.infoLine = QRect(area.left(), stripBottom + kSectionGap, area.width(), labelH + 4);

    // The large view: whole pixels per token when the grid fits at least 1:1, centred; 1 px is
    // kept free around it for the frame.
    const QRect avail = QRect(QPoint(area.left(), l.infoLine.bottom() + 1 + kSectionGap), area.bottomRight())
                            .adjusted(1, 1, -1, -1);
    if (avail.width() < 1 || avail.height() < 1) return l;
    double cell = std::min(double(avail.width()) / m_tokens.cols, double(avail.height()) / m_tokens.rows);
    if (cell >= 1) cell = std::floor(cell);
    const int w = std::max(1, int(std::lround(m_tokens.cols * cell)));
    const int h = std::max(1, int(std::lround(m_tokens.rows * cell)));
    l.cell = cell;
    l.large = QRect(avail.left() + (avail.width() - w) / 2, avail.top() + (avail.height() - h) / 2, w, h);
    return l;
}

QRect BitPlaneView::largeViewRect() const { return layout().large; }

QRect BitPlaneView::thumbnailRect(int plane) const {
    const Layout l = layout();
    if (plane < 0 || size_t(plane) >= l.thumbs.size()) return {};
    return l.thumbs[size_t(plane)];
}

std::optional<TokenCell> BitPlaneView::tokenAt(QPoint widgetPos) const {
    const Layout l = layout();
    if (l.large.isEmpty() || !l.large.contains(widgetPos)) return std::nullopt;
    // Pixel centres, so a pixel on a cell boundary belongs to the cell it mostly covers.
    const int col = int(std::floor((widgetPos.x() - l.large.left() + 0.5) / l.cell));
    const int row = int(std::floor((widgetPos.y() - l.large.top() + 0.5) / l.cell));
    return TokenCell{std::clamp(row, 0, m_tokens.rows - 1), std::clamp(col, 0, m_tokens.cols - 1)};
}

int BitPlaneView::thumbnailPlaneAt(QPoint pos) const {
    const Layout l = layout();
    const int labelH = fontMetrics().height();
    for (size_t e = 0; e < l.thumbs.size(); ++e)
        if (l.thumbs[e].adjusted(-kThumbPad, -kThumbPad, kThumbPad, kThumbPad + labelH).contains(pos)) return int(e);
    return -1;
}

QSize BitPlaneView::sizeHint() const { return {560, 520}; }

QSize BitPlaneView::minimumSizeHint() const { return {220, 200}; }

// ---- text -----------------------------------------------------------------------------------

QString BitPlaneView::captionText() const {
    const QList<int> planes = selectedPlanes();
    QString text;
    if (planes.size() == 1) {
        const int e = planes.front();
        const double share = 100.0 * m_onesPerPlane[size_t(e)] / m_tokens.count();
        text = tr("%1  ·  bit %2 of the index  ·  %3% ones")
                   .arg(planeLabel(e))
                   .arg(m_tokens.bits - 1 - e)
                   .arg(share, 0, 'f', 0);
    } else {
        QStringList names;
        for (int e : planes) names << planeLabel(e);
        text = tr("%1 planes (%2)  ·  grey = how many are 1").arg(planes.size()).arg(names.join(QLatin1Char(' ')));
    }
    if (m_inverted) text += tr("  ·  inverted");
    return text;
}

QString BitPlaneView::thumbnailToolTip(int plane) const {
    const double share = 100.0 * m_onesPerPlane[size_t(plane)] / m_tokens.count();
    return tr("%1: bit %2 of the index (2^%2)\n%3 of %4 tokens are 1 (%5%)\nClick: solo  ·  Ctrl+click: add/remove")
        .arg(planeLabel(plane))
        .arg(m_tokens.bits - 1 - plane)
        .arg(m_onesPerPlane[size_t(plane)])
        .arg(m_tokens.count())
        .arg(share, 0, 'f', 1);
}

QString BitPlaneView::tokenToolTip(TokenCell cell) const {
    const int n = cell.row * m_tokens.cols + cell.col;
    QString text = tr("Token (%1, %2)  index %3").arg(cell.row).arg(cell.col).arg(m_tokens.indices[size_t(n)]);
    for (int e : selectedPlanes()) {
        text += QStringLiteral("\n%1 = %2").arg(planeLabel(e)).arg(int(m_tokens.bit(n, e)));
        if (m_tokens.hasLatents()) text += tr("   |z| %1").arg(double(m_tokens.margin(n, e)), 0, 'f', 3);
    }
    return text;
}

// ---- painting -------------------------------------------------------------------------------

void BitPlaneView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(kBackground));
    if (m_tokens.empty()) {
        p.setPen(kHintText);
        p.drawText(rect().adjusted(24, 24, -24, -24), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("No tokens yet — open an image"));
        return;
    }
    const Layout l = layout();
    paintThumbnails(p, l);
    paintCaption(p, l);
    paintLargeView(p, l);
}

void BitPlaneView::paintThumbnails(QPainter& p, const Layout& l) const {
    const QFontMetrics fm(font());
    QFont bold = font();
    bold.setBold(true);
    for (size_t e = 0; e < l.thumbs.size(); ++e) {
        const QRect& thumb = l.thumbs[e];
        const bool selected = m_selected[e];
        // Frame: a 2 px accent ring around selected planes, a thin grey one otherwise.
        if (selected) p.fillRect(thumb.adjusted(-2, -2, 2, 2), kAccent);
        else p.fillRect(thumb.adjusted(-1, -1, 1, 1), int(e) == m_hoverThumb ? kFrameHover : kFrame);
        p.drawImage(thumb, m_planes[e]);

        const QRect label(thumb.center().x() - 40, thumb.bottom() + 1 + kThumbPad, 80, fm.height());
        p.setFont(selected ? bold : font());
        p.setPen(selected ? kAccent : (int(e) == m_hoverThumb ? kText : kMutedText));
        p.drawText(label, Qt::AlignHCenter | Qt::AlignTop, planeLabel(int(e)));
    }
    p.setFont(font());
}

void BitPlaneView::paintCaption(QPainter& p, const Layout& l) const {
    const QRect line = l.infoLine;
    const QFontMetrics fm(font());
    const int sw = fm.height() - 4; // swatch side
    int x = line.right();

    // Legend, drawn right to left: "[swatch] text" items.
    const auto item = [&](const QColor& swatch, const QString& text, const QColor& textColour) {
        const int tw = fm.horizontalAdvance(text);
        x -= tw;
        p.setPen(textColour);
        p.drawText(QRect(x, line.top(), tw, line.height()), Qt::AlignVCenter | Qt::AlignLeft, text);
        if (swatch.isValid()) {
            x -= sw + 4;
            const QRect s(x, line.center().y() - sw / 2, sw, sw);
            p.fillRect(s, swatch);
            p.setPen(kFrame);
            p.drawRect(s.adjusted(0, 0, -1, -1));
        }
        x -= 12;
    };

    if (m_heatWanted && !marginHeatAvailable()) item(QColor(), tr("heat: no latents in this grid"), kWarnText);
    else if (marginHeatActive())
        item(QColor(blendHeat(kZerosColor, kHeatMaxAlpha)), tr("|z| < %1").arg(double(m_threshold)), kText);

    const int k = int(selectedPlanes().size());
    if (k == 1) {
        item(QColor(planeColor(false, m_inverted)), QStringLiteral("0"), kText);
        item(QColor(planeColor(true, m_inverted)), QStringLiteral("1"), kText);
    } else {
        // The ramp: k + 1 adjoining swatches from "0 ones" to "k ones".
        const QString high = QString::number(k);
        const int tw = fm.horizontalAdvance(high);
        x -= tw;
        p.setPen(kText);
        p.drawText(QRect(x, line.top(), tw, line.height()), Qt::AlignVCenter, high);
        const int step = std::max(3, std::min(sw, 96 / (k + 1)));
        x -= 4 + step * (k + 1);
        for (int i = 0; i <= k; ++i)
            p.fillRect(QRect(x + i * step, line.center().y() - sw / 2, step, sw), QColor(rampColor(i, k, m_inverted)));
        p.setPen(kFrame);
        p.drawRect(QRect(x, line.center().y() - sw / 2, step * (k + 1), sw).adjusted(0, 0, -1, -1));
        x -= 4 + fm.horizontalAdvance(QStringLiteral("0"));
        p.setPen(kText);
        p.drawText(QRect(x, line.top(), line.width(), line.height()), Qt::AlignVCenter | Qt::AlignLeft,
                   QStringLiteral("0"));
        x -= 12;
    }

    const QRect textRect(line.left(), line.top(), std::max(0, x - line.left()), line.height());
    p.setPen(kText);
    p.drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft, fm.elidedText(captionText(), Qt::ElideRight, textRect.width()));
}

void BitPlaneView::paintLargeView(QPainter& p, const Layout& l) const {
    if (l.large.isEmpty()) return;
    p.fillRect(l.large.adjusted(-1, -1, 1, 1), kFrame);
    // No SmoothPixmapTransform: nearest-neighbour, each token a sharp cell.
    p.drawImage(QRectF(l.large.topLeft(), QSizeF(m_tokens.cols * l.cell, m_tokens.rows * l.cell)), m_composite);

    const auto cellRect = [&](TokenCell c) {
        return QRectF(l.large.left() + c.col * l.cell, l.large.top() + c.row * l.cell, l.cell, l.cell);
    };
    p.setBrush(Qt::NoBrush);
    if (m_hover && m_hover != m_highlight && l.cell >= 4) {
        p.setPen(QPen(kAccent, 1));
        p.drawRect(cellRect(*m_hover).adjusted(0.5, 0.5, -0.5, -0.5));
    }
    if (m_highlight) {
        // A dark ring outside an amber one: visible on white, black and red cells alike.
        const QRectF r = cellRect(*m_highlight);
        p.setPen(QPen(Qt::black, 1));
        p.drawRect(r.adjusted(-1.5, -1.5, 1.5, 1.5));
        p.setPen(QPen(kHighlight, 2));
        p.drawRect(r.adjusted(0, 0, 0, 0));
    }
}

// ---- input ----------------------------------------------------------------------------------

bool BitPlaneView::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip && !m_tokens.empty()) {
        const auto* help = static_cast<QHelpEvent*>(event);
        QString text;
        if (const int plane = thumbnailPlaneAt(help->pos()); plane >= 0) text = thumbnailToolTip(plane);
        else if (const auto cell = tokenAt(help->pos())) text = tokenToolTip(*cell);
        if (text.isEmpty()) QToolTip::hideText();
        else QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

void BitPlaneView::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton || m_tokens.empty()) {
        QWidget::mousePressEvent(event);
        return;
    }
    const QPoint pos = event->position().toPoint();
    if (const int plane = thumbnailPlaneAt(pos); plane >= 0) {
        setAnimating(false);
        selectPlane(plane, event->modifiers().testFlag(Qt::ControlModifier));
    } else if (const auto cell = tokenAt(pos)) {
        Q_EMIT tokenClicked(cell->row, cell->col);
    }
    event->accept();
}

void BitPlaneView::mouseMoveEvent(QMouseEvent* event) {
    const QPoint pos = event->position().toPoint();
    m_lastMouse = pos;
    updateHover(pos);
    const int thumb = m_tokens.empty() ? -1 : thumbnailPlaneAt(pos);
    if (thumb != m_hoverThumb) {
        m_hoverThumb = thumb;
        update();
    }
    QWidget::mouseMoveEvent(event);
}

void BitPlaneView::leaveEvent(QEvent* event) {
    m_lastMouse.reset();
    updateHover(std::nullopt);
    if (m_hoverThumb != -1) {
        m_hoverThumb = -1;
        update();
    }
    QWidget::leaveEvent(event);
}

void BitPlaneView::updateHover(std::optional<QPoint> pos) {
    std::optional<TokenCell> cell;
    if (pos && !m_tokens.empty()) cell = tokenAt(*pos);
    if (cell == m_hover) return;
    const bool had = m_hover.has_value();
    m_hover = cell;
    update();
    if (cell) Q_EMIT tokenHovered(cell->row, cell->col);
    else if (had) Q_EMIT tokenHoverLeft();
}

void BitPlaneView::keyPressEvent(QKeyEvent* event) {
    if (m_tokens.empty()) {
        QWidget::keyPressEvent(event);
        return;
    }
    const int last = m_tokens.bits - 1;
    const auto solo = [this](int plane) {
        setAnimating(false);
        selectPlane(plane);
    };
    switch (event->key()) {
    case Qt::Key_Left: solo(std::max(0, m_current - 1)); break;
    case Qt::Key_Right: solo(std::min(last, m_current + 1)); break;
    case Qt::Key_Home: solo(0); break;
    case Qt::Key_End: solo(last); break;
    case Qt::Key_I: toggleInverted(); break;
    case Qt::Key_H: setMarginHeat(!m_heatWanted); break;
    case Qt::Key_Space: setAnimating(!isAnimating()); break;
    default: QWidget::keyPressEvent(event); return;
    }
    event->accept();
}

} // namespace qlipx
