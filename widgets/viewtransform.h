#pragma once
// Where the image sits on the canvas: a uniform zoom (screen pixels per image pixel) and the
// screen position of the image's top-left corner. Pure geometry, no GL, so the mapping from a
// mouse position to a token can be unit-tested at any zoom and pan.
//
// Screen coordinates are the widget's logical pixels, origin top-left, y down; image
// coordinates are image pixels, origin at the image's top-left corner.
#include <QPointF>
#include <QRectF>
#include <QSize>
#include <QSizeF>

#include <optional>

namespace qlipx {

struct TokenCell {
    int row = 0;
    int col = 0;
    bool operator==(const TokenCell&) const = default;
};

class ViewTransform {
public:
    static constexpr double kMinZoom = 1.0 / 64;
    static constexpr double kMaxZoom = 256;

    void setImageSize(QSize size); // refits when the size changes
    void setViewportSize(QSizeF size);
    QSize imageSize() const { return m_imageSize; }
    QSizeF viewportSize() const { return m_viewport; }

    double zoom() const { return m_zoom; }
    QPointF offset() const { return m_offset; }
    // True until the user zooms or pans; while it holds, a viewport resize refits the image.
    bool isFitting() const { return m_fitting; }

    // Largest zoom at which the whole image fits the viewport with `margin` pixels around it,
    // centred.
    void fit(double margin = 16);
    // Sets the zoom (clamped to [kMinZoom, kMaxZoom]) keeping the image point under `anchor` still.
    void setZoom(double zoom, QPointF anchor);
    void zoomBy(double factor, QPointF anchor) { setZoom(m_zoom * factor, anchor); }
    // 1 image pixel = 1 screen pixel, keeping the image point under `anchor` still.
    void zoomOneToOne(QPointF anchor) { setZoom(1.0, anchor); }
    void panBy(QPointF delta);
    // Places the image with zoom `zoom` and its top-left corner at `offset` (no clamping of the offset).
    void setView(double zoom, QPointF offset);

    QPointF imageToScreen(QPointF image) const { return m_offset + image * m_zoom; }
    QPointF screenToImage(QPointF screen) const { return (screen - m_offset) / m_zoom; }
    QRectF imageRectOnScreen() const;

    // The token under a screen position for a rows x cols grid that covers the whole image, or
    // nothing when the position is outside the image (or the grid is empty).
    std::optional<TokenCell> tokenAt(QPointF screen, int rows, int cols) const;

private:
    QSize m_imageSize;
    QSizeF m_viewport;
    double m_zoom = 1;
    QPointF m_offset;
    bool m_fitting = true;
};

} // namespace qlipx
