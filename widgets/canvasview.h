#pragma once
// The zoomable, pannable image canvas: one image layer (the original or its reconstruction)
// with the token-grid overlay drawn in the fragment shader (shaders/canvas.frag).
//
// Mouse: wheel zooms about the cursor, left or middle drag pans. Keys: +/- zoom, Ctrl+0 fits,
// Ctrl+1 shows image pixels 1:1. Hovering a token emits tokenHovered().
#include "viewtransform.h"

#include <QColor>
#include <QImage>
#include <QOpenGLWidget>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace qlipx {

class CanvasRenderer;

class CanvasView : public QOpenGLWidget {
    Q_OBJECT
public:
    enum class Layer { Original, Reconstruction };
    Q_ENUM(Layer)

    explicit CanvasView(QWidget* parent = nullptr);
    ~CanvasView() override;

    // Both images cover the same area; the token grid is laid over that area.
    void setImages(const QImage& original, const QImage& reconstruction);
    // indices: rows * cols token indices in raster order. An empty grid removes the overlay.
    void setTokens(int rows, int cols, std::vector<int64_t> indices);
    void clear();
    // Shown in the middle of the canvas while there is no image (loading, hints, errors).
    void setPlaceholderText(const QString& text);

    Layer layer() const { return m_layer; }
    QImage currentImage() const { return m_layer == Layer::Original ? m_original : m_reconstruction; }
    bool gridVisible() const { return m_gridVisible; }
    double gridOpacity() const { return m_fillOpacity; }
    int gridRows() const { return m_rows; }
    int gridCols() const { return m_cols; }
    int64_t tokenIndex(TokenCell cell) const;
    std::optional<TokenCell> hoveredToken() const { return m_hover; }
    const ViewTransform& view() const { return m_view; }
    // Empty when GL initialisation failed (then the canvas shows nothing and says why).
    QString glError() const { return m_glError; }

public Q_SLOTS:
    void setLayer(qlipx::CanvasView::Layer layer);
    void toggleLayer();
    void setGridVisible(bool visible);
    void setGridOpacity(double opacity); // 0..1, the token colours; borders stay visible
    void fitToView();
    void zoomOneToOne();
    void zoomIn();
    void zoomOut();

Q_SIGNALS:
    void tokenHovered(int row, int col, qint64 index);
    void tokenHoverLeft();
    void zoomChanged(double zoom);
    void layerChanged(qlipx::CanvasView::Layer layer);

protected:
    void initializeGL() override;
    void resizeGL(int w, int h) override;
    void paintGL() override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    void cleanupGL();
    void updateHover(std::optional<QPointF> pos);
    void viewChanged();
    QPointF viewportCentre() const;

    std::unique_ptr<CanvasRenderer> m_renderer;
    ViewTransform m_view;
    QImage m_original;
    QImage m_reconstruction;
    Layer m_layer = Layer::Original;
    int m_rows = 0;
    int m_cols = 0;
    std::vector<int64_t> m_indices;
    bool m_gridVisible = true;
    double m_fillOpacity = 0.25;
    bool m_imageDirty = false;
    bool m_tokensDirty = false;
    std::optional<TokenCell> m_hover;
    std::optional<QPointF> m_lastMouse;
    std::optional<QPointF> m_dragFrom;
    QString m_glError;
    QString m_placeholder;
    QColor m_background{30, 30, 32};
};

} // namespace qlipx
