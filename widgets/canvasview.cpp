#include "canvasview.h"

#include "canvasrenderer.h"
#include "tokencolor.h"

#include <QKeyEvent>
#include <QLineF>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace qlipx {

namespace {
constexpr double kKeyZoomStep = 1.41421356237; // two presses double the zoom
constexpr double kWheelZoomPerNotch = 1.2;
constexpr double kDividerGrabPixels = 6;
constexpr double kClickSlopPixels = 3; // a press that moves less than this is a click, not a pan
} // namespace

CanvasView::CanvasView(QWidget* parent) : QOpenGLWidget(parent), m_renderer(std::make_unique<CanvasRenderer>()) {
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setCursor(Qt::CrossCursor);
    setMinimumSize(160, 120);
    m_flicker.setInterval(500);
    connect(&m_flicker, &QTimer::timeout, this, &CanvasView::toggleLayer);
}

CanvasView::~CanvasView() {
    if (context()) {
        makeCurrent();
        cleanupGL();
        doneCurrent();
    }
}

void CanvasView::cleanupGL() {
    // The context may announce its destruction from ~QOpenGLWidget, after ~CanvasView: disconnect first.
    if (context()) disconnect(context(), &QOpenGLContext::aboutToBeDestroyed, this, &CanvasView::cleanupGL);
    if (m_renderer) m_renderer->release();
    if (m_hud) m_hud->release();
    m_hud.reset();
    m_imageDirty = m_tokensDirty = true;
}

void CanvasView::setImages(const QImage& original, const QImage& reconstruction) {
    m_original = original;
    m_reconstruction = reconstruction;
    m_view.setImageSize(original.size());
    m_imageDirty = true;
    viewChanged();
}

void CanvasView::setTokenData(TokenData tokens) {
    const bool valid = tokens.rows > 0 && tokens.cols > 0 && tokens.indices.size() == size_t(tokens.count()) &&
                       (tokens.latents.empty() || tokens.latents.size() == size_t(tokens.count()) * size_t(tokens.bits));
    m_tokens = valid ? std::move(tokens) : TokenData{};
    m_colors = tokenColors(m_tokens, m_coloring);
    m_tokensDirty = true;
    if (m_pick && (m_pick->row >= m_tokens.rows || m_pick->col >= m_tokens.cols)) m_pick.reset();
    // Re-announce the token under the mouse: same cell, new index.
    const bool hadHover = m_hover.has_value();
    m_hover.reset();
    updateHover(m_lastMouse);
    if (hadHover && !m_hover) Q_EMIT tokenHoverLeft();
    update();
}

void CanvasView::setTokens(int rows, int cols, std::vector<int64_t> indices) {
    TokenData t;
    t.rows = rows;
    t.cols = cols;
    t.indices = std::move(indices);
    setTokenData(std::move(t));
}

void CanvasView::clear() {
    setTokens(0, 0, {});
    setImages({}, {});
}

void CanvasView::setPlaceholderText(const QString& text) {
    m_placeholder = text;
    update();
}

int64_t CanvasView::tokenIndex(TokenCell cell) const {
    if (cell.row < 0 || cell.col < 0 || cell.row >= m_tokens.rows || cell.col >= m_tokens.cols) return -1;
    return m_tokens.index(cell.row, cell.col);
}

void CanvasView::setLayer(Layer layer) {
    if (layer == m_layer) return;
    m_layer = layer;
    m_imageDirty = true;
    update();
    Q_EMIT layerChanged(layer);
}

void CanvasView::toggleLayer() { setLayer(m_layer == Layer::Original ? Layer::Reconstruction : Layer::Original); }

void CanvasView::setGridVisible(bool visible) {
    m_gridVisible = visible;
    update();
    Q_EMIT displayChanged();
}

void CanvasView::setGridOpacity(double opacity) {
    m_fillOpacity = std::clamp(opacity, 0.0, 1.0);
    update();
    Q_EMIT displayChanged();
}

void CanvasView::setColoring(const TokenColoringOptions& options) {
    m_coloring = options;
    m_colors = tokenColors(m_tokens, m_coloring);
    m_tokensDirty = true;
    update();
    Q_EMIT displayChanged();
}

void CanvasView::setCompare(Compare mode) {
    if (mode == m_compare) return;
    m_compare = mode;
    if (mode == Compare::Flicker) m_flicker.start();
    else m_flicker.stop();
    update();
    Q_EMIT compareChanged(mode);
}

void CanvasView::setSplitPosition(double fraction) {
    m_split = std::clamp(fraction, 0.0, 1.0);
    update();
    Q_EMIT splitMoved(m_split);
}

void CanvasView::setFlickerInterval(int ms) { m_flicker.setInterval(std::max(ms, 30)); }

void CanvasView::setErrorOpacity(double opacity) {
    m_errorOpacity = std::clamp(opacity, 0.0, 1.0);
    update();
    Q_EMIT displayChanged();
}

void CanvasView::setErrorRange(double range) {
    m_errorRange = std::clamp(range, 0.004, 1.0);
    update();
    Q_EMIT displayChanged();
}

void CanvasView::setPickedToken(int row, int col) {
    std::optional<TokenCell> cell;
    if (row >= 0 && col >= 0 && row < m_tokens.rows && col < m_tokens.cols) cell = TokenCell{row, col};
    if (cell == m_pick) return;
    m_pick = cell;
    update();
}

void CanvasView::setHudVisible(bool visible) {
    m_hudVisible = visible;
    update();
}

void CanvasView::setHudState(const HudState& state) {
    m_hudState = state;
    if (m_hudVisible) update();
}

bool CanvasView::nearDivider(QPointF pos) const {
    if (m_compare != Compare::Split || m_original.isNull()) return false;
    const QRectF r = m_view.imageRectOnScreen();
    const double x = r.left() + m_split * r.width();
    return std::abs(pos.x() - x) <= kDividerGrabPixels && pos.y() >= r.top() && pos.y() <= r.bottom();
}

QPointF CanvasView::viewportCentre() const { return QPointF(width() / 2.0, height() / 2.0); }

void CanvasView::fitToView() {
    m_view.fit();
    viewChanged();
}

void CanvasView::zoomOneToOne() {
    m_view.zoomOneToOne(viewportCentre());
    viewChanged();
}

void CanvasView::zoomIn() {
    m_view.zoomBy(kKeyZoomStep, viewportCentre());
    viewChanged();
}

void CanvasView::zoomOut() {
    m_view.zoomBy(1 / kKeyZoomStep, viewportCentre());
    viewChanged();
}

void CanvasView::viewChanged() {
    updateHover(m_lastMouse);
    update();
    Q_EMIT zoomChanged(m_view.zoom());
}

void CanvasView::updateHover(std::optional<QPointF> pos) {
    std::optional<TokenCell> cell;
    if (pos) cell = m_view.tokenAt(*pos, m_tokens.rows, m_tokens.cols);
    if (cell == m_hover) return;
    m_hover = cell;
    update();
    if (cell) Q_EMIT tokenHovered(cell->row, cell->col, qint64(tokenIndex(*cell)));
    else Q_EMIT tokenHoverLeft();
}

// ---- GL -----------------------------------------------------------------------------------

void CanvasView::initializeGL() {
    connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, &CanvasView::cleanupGL);
    if (!m_renderer->initialize()) {
        m_glError = m_renderer->error();
        qWarning("CanvasView: %s", qPrintable(m_glError));
    }
    m_imageDirty = m_tokensDirty = true;
}

void CanvasView::resizeGL(int w, int h) {
    m_view.setViewportSize(QSizeF(w, h)); // QOpenGLWidget passes logical pixels
    Q_EMIT zoomChanged(m_view.zoom());
}

void CanvasView::uploadDirtyTextures() {
    if (m_imageDirty) {
        m_renderer->setImages(m_original, m_reconstruction);
        m_imageDirty = false;
    }
    if (m_tokensDirty) {
        m_renderer->setTokenColors(m_tokens.rows, m_tokens.cols, m_colors);
        m_tokensDirty = false;
    }
}

int CanvasView::frameImage() const {
    if (m_compare == Compare::Split && !m_reconstruction.isNull()) return int(CanvasFrame::Image::Split);
    if (m_layer == Layer::Reconstruction && !m_reconstruction.isNull()) return int(CanvasFrame::Image::Reconstruction);
    return int(CanvasFrame::Image::Original);
}

void CanvasView::paintGL() {
    if (!m_renderer->isInitialized()) return;
    m_frameClock.start();
    uploadDirtyTextures();
    CanvasFrame frame;
    frame.imageRect = m_view.imageRectOnScreen();
    frame.viewport = QSizeF(width(), height());
    frame.image = CanvasFrame::Image(frameImage());
    frame.split = float(m_split);
    frame.showGrid = m_gridVisible;
    frame.fillOpacity = float(m_fillOpacity);
    frame.errorOpacity = float(m_errorOpacity);
    frame.errorRange = float(m_errorRange);
    if (m_hover) {
        frame.hoverRow = m_hover->row;
        frame.hoverCol = m_hover->col;
    }
    if (m_pick) {
        frame.pickRow = m_pick->row;
        frame.pickCol = m_pick->col;
    }
    m_renderer->paint(frame, m_background);

    if (m_original.isNull() && !m_placeholder.isEmpty()) {
        QPainter painter(this);
        painter.setPen(QColor(160, 160, 166));
        painter.drawText(rect().adjusted(24, 24, -24, -24), Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
    }
    if (m_hudVisible) paintHud(double(m_frameClock.nsecsElapsed()) / 1e6);
}

void CanvasView::paintHud(double frameMs) {
    if (!m_hud) {
        m_hud = std::make_unique<HudOverlay>();
        if (!m_hud->initialize()) qWarning("CanvasView: the ImGui HUD could not start its GL backend");
    }
    if (m_hud->isInitialized()) m_hud->render(size(), devicePixelRatioF(), m_hudState, frameMs);
}

// ---- input --------------------------------------------------------------------------------

void CanvasView::wheelEvent(QWheelEvent* event) {
    const int delta = event->angleDelta().y(); // 120 per wheel notch
    if (delta == 0) return;
    m_view.zoomBy(std::pow(kWheelZoomPerNotch, delta / 120.0), event->position());
    m_lastMouse = event->position();
    viewChanged();
    event->accept();
}

void CanvasView::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && nearDivider(event->position())) {
        m_draggingSplit = true;
        event->accept();
        return;
    }
    if (event->button() == Qt::LeftButton || event->button() == Qt::MiddleButton) {
        m_dragFrom = event->position();
        if (event->button() == Qt::LeftButton) m_pressAt = event->position();
        event->accept();
        return;
    }
    QOpenGLWidget::mousePressEvent(event);
}

void CanvasView::mouseMoveEvent(QMouseEvent* event) {
    m_lastMouse = event->position();
    if (m_draggingSplit) {
        const QRectF r = m_view.imageRectOnScreen();
        if (r.width() > 0) setSplitPosition((event->position().x() - r.left()) / r.width());
        return;
    }
    if (m_pressAt && QLineF(*m_pressAt, event->position()).length() > kClickSlopPixels) m_pressAt.reset();
    if (m_dragFrom) {
        if (!m_pressAt) setCursor(Qt::ClosedHandCursor);
        m_view.panBy(event->position() - *m_dragFrom);
        m_dragFrom = event->position();
        viewChanged();
        return;
    }
    setCursor(nearDivider(event->position()) ? Qt::SplitHCursor : Qt::CrossCursor);
    updateHover(m_lastMouse);
}

void CanvasView::mouseReleaseEvent(QMouseEvent* event) {
    if (m_draggingSplit && event->button() == Qt::LeftButton) {
        m_draggingSplit = false;
        event->accept();
        return;
    }
    if (m_dragFrom && (event->button() == Qt::LeftButton || event->button() == Qt::MiddleButton)) {
        m_dragFrom.reset();
        setCursor(Qt::CrossCursor);
        if (m_pressAt && event->button() == Qt::LeftButton) {
            if (auto cell = m_view.tokenAt(*m_pressAt, m_tokens.rows, m_tokens.cols)) {
                setPickedToken(cell->row, cell->col);
                Q_EMIT tokenClicked(cell->row, cell->col);
            }
        }
        m_pressAt.reset();
        event->accept();
        return;
    }
    QOpenGLWidget::mouseReleaseEvent(event);
}

void CanvasView::keyPressEvent(QKeyEvent* event) {
    const bool ctrl = event->modifiers() & Qt::ControlModifier;
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomIn(); break;
    case Qt::Key_Minus: zoomOut(); break;
    case Qt::Key_0:
        if (!ctrl) return QOpenGLWidget::keyPressEvent(event);
        fitToView();
        break;
    case Qt::Key_1:
        if (!ctrl) return QOpenGLWidget::keyPressEvent(event);
        zoomOneToOne();
        break;
    default: return QOpenGLWidget::keyPressEvent(event);
    }
    event->accept();
}

void CanvasView::leaveEvent(QEvent* event) {
    m_lastMouse.reset();
    updateHover(std::nullopt);
    QOpenGLWidget::leaveEvent(event);
}

} // namespace qlipx
