#include "viewtransform.h"

#include <algorithm>
#include <cmath>

namespace qlipx {

void ViewTransform::setImageSize(QSize size) {
    const bool changed = size != m_imageSize;
    m_imageSize = size;
    if (changed) fit(); // a new geometry makes the old view meaningless
}

void ViewTransform::setViewportSize(QSizeF size) {
    // Keep the image point at the viewport centre where it was, unless we are fitting.
    const QPointF oldCentre(m_viewport.width() / 2, m_viewport.height() / 2);
    const QPointF newCentre(size.width() / 2, size.height() / 2);
    m_viewport = size;
    if (m_fitting) fit();
    else m_offset += newCentre - oldCentre;
}

void ViewTransform::fit(double margin) {
    m_fitting = true;
    if (m_imageSize.isEmpty() || m_viewport.isEmpty()) {
        m_zoom = 1;
        m_offset = {};
        return;
    }
    const double w = std::max(1.0, m_viewport.width() - 2 * margin);
    const double h = std::max(1.0, m_viewport.height() - 2 * margin);
    m_zoom = std::clamp(std::min(w / m_imageSize.width(), h / m_imageSize.height()), kMinZoom, kMaxZoom);
    m_offset = QPointF((m_viewport.width() - m_imageSize.width() * m_zoom) / 2,
                       (m_viewport.height() - m_imageSize.height() * m_zoom) / 2);
}

void ViewTransform::setZoom(double zoom, QPointF anchor) {
    const QPointF fixed = screenToImage(anchor);
    m_zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    m_offset = anchor - fixed * m_zoom;
    m_fitting = false;
}

void ViewTransform::panBy(QPointF delta) {
    m_offset += delta;
    m_fitting = false;
}

void ViewTransform::setView(double zoom, QPointF offset) {
    m_zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    m_offset = offset;
    m_fitting = false;
}

QRectF ViewTransform::imageRectOnScreen() const {
    return QRectF(m_offset, QSizeF(m_imageSize.width() * m_zoom, m_imageSize.height() * m_zoom));
}

std::optional<TokenCell> ViewTransform::tokenAt(QPointF screen, int rows, int cols) const {
    if (rows <= 0 || cols <= 0 || m_imageSize.isEmpty()) return std::nullopt;
    const QPointF p = screenToImage(screen);
    const double w = m_imageSize.width(), h = m_imageSize.height();
    if (p.x() < 0 || p.y() < 0 || p.x() >= w || p.y() >= h) return std::nullopt;
    // Cell c covers image x in [c * w / cols, (c + 1) * w / cols).
    const int col = std::min(cols - 1, int(std::floor(p.x() * cols / w)));
    const int row = std::min(rows - 1, int(std::floor(p.y() * rows / h)));
    return TokenCell{row, col};
}

} // namespace qlipx
