#include "canvasview.h"

#include "canvasrenderer.h"
#include "tokencolor.h"

#include <QKeyEvent>
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
} // namespace

CanvasView::CanvasView(QWidget* parent) : QOpenGLWidget(parent), m_renderer(std::make_unique<CanvasRenderer>()) {
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setCursor(Qt::CrossCursor);
    setMinimumSize(160, 120);
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
    m_imageDirty = m_tokensDirty = true;
}

void CanvasView::setImages(const QImage& original, const QImage& reconstruction) {
    m_original = original;
    m_reconstruction = reconstruction;
    m_view.setImageSize(original.size());
    m_imageDirty = true;
    viewChanged();
}

void CanvasView::setTokens(int rows, int cols, std::vector<int64_t> indices) {
    const bool valid = rows > 0 && cols > 0 && indices.size() == size_t(rows) * size_t(cols);
    m_rows = valid ? rows : 0;
    m_cols = valid ? cols : 0;
    m_indices = valid ? std::move(indices) : std::vector<int64_t>{};
    m_tokensDirty = true;
    // Re-announce the token under the mouse: same cell, new index.
    const bool hadHover = m_hover.has_value();
    m_hover.reset();
    updateHover(m_lastMouse);
    if (hadHover && !m_hover) Q_EMIT tokenHoverLeft();
    update();
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
    if (cell.row < 0 || cell.col < 0 || cell.row >= m_rows || cell.col >= m_cols) return -1;
    return m_indices[size_t(cell.row) * m_cols + cell.col];
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
}

void CanvasView::setGridOpacity(double opacity) {
    m_fillOpacity = std::clamp(opacity, 0.0, 1.0);
    update();
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
    if (pos) cell = m_view.tokenAt(*pos, m_rows, m_cols);
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

void CanvasView::paintGL() {
    if (!m_renderer->isInitialized()) return;
    if (m_imageDirty) {
        m_renderer->setImage(currentImage());
        m_imageDirty = false;
    }
    if (m_tokensDirty) {
        std::vector<uint32_t> keys(m_indices.size());
        for (size_t i = 0; i < keys.size(); ++i) keys[i] = tokenKey(m_indices[i]);
        m_renderer->setTokens(m_rows, m_cols, keys);
        m_tokensDirty = false;
    }
    CanvasFrame frame;
    frame.imageRect = m_view.imageRectOnScreen();
    frame.viewport = QSizeF(width(), height());
    frame.showGrid = m_gridVisible;
    frame.fillOpacity = float(m_fillOpacity);
    if (m_hover) {
        frame.hoverRow = m_hover->row;
        frame.hoverCol = m_hover->col;
    }
    m_renderer->paint(frame, m_background);

    if (currentImage().isNull() && !m_placeholder.isEmpty()) {
        QPainter painter(this);
        painter.setPen(QColor(160, 160, 166));
        painter.drawText(rect().adjusted(24, 24, -24, -24), Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
    }
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
    if (event->button() == Qt::LeftButton || event->button() == Qt::MiddleButton) {
        m_dragFrom = event->position();
        setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QOpenGLWidget::mousePressEvent(event);
}

void CanvasView::mouseMoveEvent(QMouseEvent* event) {
    m_lastMouse = event->position();
    if (m_dragFrom) {
        m_view.panBy(event->position() - *m_dragFrom);
        m_dragFrom = event->position();
        viewChanged();
        return;
    }
    updateHover(m_lastMouse);
}

void CanvasView::mouseReleaseEvent(QMouseEvent* event) {
    if (m_dragFrom && (event->button() == Qt::LeftButton || event->button() == Qt::MiddleButton)) {
        m_dragFrom.reset();
        setCursor(Qt::CrossCursor);
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
