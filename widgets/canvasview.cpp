#include "canvasview.h"

#include "canvasrenderer.h"
#include "tokencolor.h"

#include <QKeyEvent>
#include <QLineF>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QPainter>
#include <QSurfaceFormat>
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

void CanvasView::requestCoreProfileContexts() {
    QSurfaceFormat format;
    format.setVersion(3, 3);
    format.setProfile(QSurfaceFormat::CoreProfile);
    QSurfaceFormat::setDefaultFormat(format);
}

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
    recolor();
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

void CanvasView::recolor() {
    const bool custom = m_coloring.mode == TokenColoring::Custom && m_customColors.size() == size_t(m_tokens.count());
    m_colors = custom ? m_customColors : tokenColors(m_tokens, m_coloring);
    m_tokensDirty = true;
}

void CanvasView::setCustomTokenColors(std::vector<QRgb> colors) {
    m_customColors = std::move(colors);
    recolor();
    update();
}

void CanvasView::setColoring(const TokenColoringOptions& options) {
    m_coloring = options;
    recolor();
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

void CanvasView::setTool(Tool tool) {
    m_tool = tool;
    m_toolActive = false;
    m_lasso.clear();
    setCursor(tool == Tool::Pick ? Qt::CrossCursor : Qt::PointingHandCursor);
    update();
}

void CanvasView::setSelection(std::vector<int> cells) {
    m_selection = std::move(cells);
    update();
}

QPointF CanvasView::toGrid(QPointF pos) const {
    const QPointF img = m_view.screenToImage(pos);
    const QSize size = m_view.imageSize();
    if (size.isEmpty() || m_tokens.rows == 0) return {};
    return QPointF(img.x() / size.width() * m_tokens.cols, img.y() / size.height() * m_tokens.rows);
}

bool CanvasView::toolPress(QMouseEvent* event) {
    if (m_tool == Tool::Pick || event->button() != Qt::LeftButton || m_tokens.rows == 0) return false;
    m_toolActive = true;
    const QPointF g = toGrid(event->position());
    if (m_tool == Tool::Brush) {
        m_lastBrushed = m_view.tokenAt(event->position(), m_tokens.rows, m_tokens.cols);
        if (m_lastBrushed) Q_EMIT brushed(m_lastBrushed->row, m_lastBrushed->col, true);
        else m_lastBrushed = TokenCell{-1, -1};
    } else if (m_tool == Tool::Rect) {
        m_rectFrom = m_rectTo = g;
    } else {
        m_lasso = QPolygonF({g});
    }
    update();
    return true;
}

bool CanvasView::toolMove(QMouseEvent* event) {
    if (!m_toolActive) return false;
    const QPointF g = toGrid(event->position());
    if (m_tool == Tool::Brush) {
        const auto cell = m_view.tokenAt(event->position(), m_tokens.rows, m_tokens.cols);
        if (cell && cell != m_lastBrushed) {
            const bool start = m_lastBrushed && m_lastBrushed->row < 0;
            m_lastBrushed = cell;
            Q_EMIT brushed(cell->row, cell->col, start);
        }
    } else if (m_tool == Tool::Rect) {
        m_rectTo = g;
    } else {
        m_lasso << g;
    }
    updateHover(event->position());
    update();
    return true;
}

bool CanvasView::toolRelease(QMouseEvent* event) {
    if (!m_toolActive || event->button() != Qt::LeftButton) return false;
    m_toolActive = false;
    if (m_tool == Tool::Brush) {
        m_lastBrushed.reset();
        Q_EMIT strokeFinished();
    } else if (m_tool == Tool::Rect) {
        // Every cell the rectangle touches, from the press to the release.
        const int r0 = int(std::floor(std::min(m_rectFrom.y(), m_rectTo.y()))), r1 = int(std::floor(std::max(m_rectFrom.y(), m_rectTo.y()))) + 1;
        const int c0 = int(std::floor(std::min(m_rectFrom.x(), m_rectTo.x()))), c1 = int(std::floor(std::max(m_rectFrom.x(), m_rectTo.x()))) + 1;
        Q_EMIT rectSelected(std::max(r0, 0), std::max(c0, 0), std::min(r1, m_tokens.rows), std::min(c1, m_tokens.cols));
    } else {
        const QPolygonF path = std::exchange(m_lasso, QPolygonF());
        Q_EMIT lassoSelected(path);
    }
    update();
    return true;
}

void CanvasView::paintToolOverlay() {
    const bool rubberBand = m_toolActive && (m_tool == Tool::Rect || m_tool == Tool::Lasso);
    if (m_selection.empty() && !rubberBand) return;
    if (m_tokens.rows == 0) return;
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF img = m_view.imageRectOnScreen();
    const double cw = img.width() / m_tokens.cols, ch = img.height() / m_tokens.rows;
    auto cellRect = [&](int n) { return QRectF(img.left() + (n % m_tokens.cols) * cw, img.top() + (n / m_tokens.cols) * ch, cw, ch); };
    // Selected cells: a blue wash, and a border only where a neighbour is not selected.
    std::vector<char> selected(size_t(m_tokens.count()), 0);
    for (int n : m_selection)
        if (n >= 0 && n < m_tokens.count()) selected[size_t(n)] = 1;
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(70, 150, 255, 70));
    for (int n : m_selection)
        if (n >= 0 && n < m_tokens.count()) p.drawRect(cellRect(n));
    p.setPen(QPen(QColor(90, 170, 255), 2));
    auto isSel = [&](int r, int c) { return r >= 0 && c >= 0 && r < m_tokens.rows && c < m_tokens.cols && selected[size_t(r * m_tokens.cols + c)]; };
    for (int n : m_selection) {
        if (n < 0 || n >= m_tokens.count()) continue;
        const int r = n / m_tokens.cols, c = n % m_tokens.cols;
        const QRectF q = cellRect(n);
        if (!isSel(r - 1, c)) p.drawLine(q.topLeft(), q.topRight());
        if (!isSel(r + 1, c)) p.drawLine(q.bottomLeft(), q.bottomRight());
        if (!isSel(r, c - 1)) p.drawLine(q.topLeft(), q.bottomLeft());
        if (!isSel(r, c + 1)) p.drawLine(q.topRight(), q.bottomRight());
    }
    if (!rubberBand) return;
    auto toScreen = [&](QPointF g) { return QPointF(img.left() + g.x() * cw, img.top() + g.y() * ch); };
    p.setPen(QPen(QColor(255, 255, 255), 1.5, Qt::DashLine));
    p.setBrush(QColor(255, 255, 255, 30));
    if (m_tool == Tool::Rect) p.drawRect(QRectF(toScreen(m_rectFrom), toScreen(m_rectTo)).normalized());
    else {
        QPolygonF screen;
        for (const QPointF& g : m_lasso) screen << toScreen(g);
        p.drawPolygon(screen);
    }
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
    paintToolOverlay();
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
    if (toolPress(event)) return event->accept();
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
    if (toolMove(event)) return;
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
    if (toolRelease(event)) return event->accept();
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
