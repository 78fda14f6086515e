#pragma once
// The zoomable, pannable image canvas. Layers, bottom to top, drawn in one fragment shader
// (shaders/canvas.frag): the image (original, reconstruction, or both in compare mode), the error
// heat map, the token colours (hash, latent PCA or a bit group), the grid lines, the picked and the
// hovered token; then the Dear ImGui HUD.
//
// Compare: Split shows the original left of a divider and the reconstruction right of it (drag
// the divider); Flicker alternates the two at a fixed interval. Both keep the zoom.
//
// Mouse: wheel zooms about the cursor, left or middle drag pans, a click picks a token. Keys: +/-
// zoom, Ctrl+0 fits, Ctrl+1 shows image pixels 1:1. Hovering a token emits tokenHovered().
#include "hudoverlay.h"
#include "tokencolor.h"
#include "tokendata.h"
#include "viewtransform.h"

#include <QColor>
#include <QImage>
#include <QElapsedTimer>
#include <QOpenGLWidget>
#include <QPolygonF>
#include <QTimer>

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
    enum class Compare { Off, Split, Flicker };
    Q_ENUM(Compare)
    // What a left drag does: pan (and click to pick), brush over tokens, drag a rectangle of
    // tokens, or draw a lasso. The middle button always pans.
    enum class Tool { Pick, Brush, Rect, Lasso };
    Q_ENUM(Tool)

    explicit CanvasView(QWidget* parent = nullptr);
    // The canvas's shaders are GLSL 3.30 core: call before the QApplication exists, so that every
    // QOpenGLWidget gets a 3.3 core context (the app and the GL tests both do).
    static void requestCoreProfileContexts();
    ~CanvasView() override;

    // Both images cover the same area; the token grid is laid over that area.
    void setImages(const QImage& original, const QImage& reconstruction);
    // The token grid (indices, and latents when known). An empty grid removes the overlay.
    void setTokenData(TokenData tokens);
    // Indices only: rows * cols token indices in raster order (bits unknown: hash colours only).
    void setTokens(int rows, int cols, std::vector<int64_t> indices);
    const TokenData& tokenData() const { return m_tokens; }
    void clear();
    // Shown in the middle of the canvas while there is no image (loading, hints, errors).
    void setPlaceholderText(const QString& text);

    Layer layer() const { return m_layer; }
    QImage currentImage() const { return m_layer == Layer::Original ? m_original : m_reconstruction; }
    bool gridVisible() const { return m_gridVisible; }
    double gridOpacity() const { return m_fillOpacity; }
    int gridRows() const { return m_tokens.rows; }
    int gridCols() const { return m_tokens.cols; }
    int64_t tokenIndex(TokenCell cell) const;
    std::optional<TokenCell> hoveredToken() const { return m_hover; }
    std::optional<TokenCell> pickedToken() const { return m_pick; }
    const TokenColoringOptions& coloring() const { return m_coloring; }
    // The colour each token gets in the overlay, raster order (what the shader is given).
    const std::vector<QRgb>& tokenOverlayColors() const { return m_colors; }
    Compare compare() const { return m_compare; }
    double splitPosition() const { return m_split; }
    double errorOpacity() const { return m_errorOpacity; }
    double errorRange() const { return m_errorRange; }
    bool hudVisible() const { return m_hudVisible; }
    Tool tool() const { return m_tool; }
    const std::vector<int>& selection() const { return m_selection; }
    bool hudAvailable() const { return m_hud && m_hud->isInitialized(); }
    const HudState& hudState() const { return m_hudState; }
    const ViewTransform& view() const { return m_view; }
    // Empty when GL initialisation failed (then the canvas shows nothing and says why).
    QString glError() const { return m_glError; }

public Q_SLOTS:
    void setLayer(qlipx::CanvasView::Layer layer);
    void toggleLayer();
    void setGridVisible(bool visible);
    void setGridOpacity(double opacity); // 0..1, the token colours; borders stay visible
    void setColoring(const qlipx::TokenColoringOptions& options);
    // Colours for TokenColoring::Custom, one per token (raster order); ignored when the count
    // does not match the grid (then Custom shows the hash colours). A colour's alpha scales the
    // layer's opacity for that token (qRgba(..., 0): the token is not tinted).
    void setCustomTokenColors(std::vector<QRgb> colors);
    void setCompare(qlipx::CanvasView::Compare mode);
    void setSplitPosition(double fraction); // 0..1 of the image width
    void setFlickerInterval(int ms);
    void setErrorOpacity(double opacity);   // 0 hides the heat map
    void setErrorRange(double range);       // error (0..1 of full scale) at the top of the map
    void setPickedToken(int row, int col);  // (-1, -1) clears the pick
    void setHudVisible(bool visible);
    void setTool(qlipx::CanvasView::Tool tool);
    // Tokens drawn as selected (raster indices); empty clears.
    void setSelection(std::vector<int> cells);
    void setHudState(const qlipx::HudState& state);
    void fitToView();
    void zoomOneToOne();
    void zoomIn();
    void zoomOut();

Q_SIGNALS:
    void tokenHovered(int row, int col, qint64 index);
    void tokenHoverLeft();
    void tokenClicked(int row, int col);
    void compareChanged(qlipx::CanvasView::Compare mode);
    void splitMoved(double fraction);
    // Brush: every token the pointer enters while the button is down (strokeStart on the press).
    void brushed(int row, int col, bool strokeStart);
    void strokeFinished();
    // Rect: rows [row0, row1) x cols [col0, col1) on release. Lasso: the path in grid units
    // (x = column, y = row) on release.
    void rectSelected(int row0, int col0, int row1, int col1);
    void lassoSelected(const QPolygonF& gridPolygon);
    // Grid visibility, token colours, their opacity or the heat map changed (panels follow).
    void displayChanged();
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
    bool nearDivider(QPointF pos) const;
    void uploadDirtyTextures();
    int frameImage() const; // CanvasFrame::Image
    void paintHud(double frameMs);
    void paintToolOverlay();
    QPointF toGrid(QPointF widgetPos) const; // grid units: x = column, y = row
    bool toolPress(QMouseEvent* event);
    bool toolMove(QMouseEvent* event);
    bool toolRelease(QMouseEvent* event);

    std::unique_ptr<CanvasRenderer> m_renderer;
    ViewTransform m_view;
    QImage m_original;
    QImage m_reconstruction;
    Layer m_layer = Layer::Original;
    TokenData m_tokens;
    TokenColoringOptions m_coloring;
    std::vector<QRgb> m_colors;
    std::vector<QRgb> m_customColors;
    void recolor();
    bool m_gridVisible = true;
    double m_fillOpacity = 0.25;
    bool m_imageDirty = false;
    bool m_tokensDirty = false;
    std::optional<TokenCell> m_hover;
    std::optional<TokenCell> m_pick;
    std::optional<QPointF> m_lastMouse;
    std::optional<QPointF> m_dragFrom;
    std::optional<QPointF> m_pressAt;  // a press that becomes a pick if the mouse hardly moves
    bool m_draggingSplit = false;
    Compare m_compare = Compare::Off;
    double m_split = 0.5;
    QTimer m_flicker;
    double m_errorOpacity = 0;
    double m_errorRange = 0.25;
    std::unique_ptr<HudOverlay> m_hud;
    bool m_hudVisible = false;
    HudState m_hudState;
    QElapsedTimer m_frameClock;
    Tool m_tool = Tool::Pick;
    std::vector<int> m_selection;
    bool m_toolActive = false;            // the left button is down in Brush/Rect/Lasso
    std::optional<TokenCell> m_lastBrushed;
    QPointF m_rectFrom, m_rectTo;         // grid units
    QPolygonF m_lasso;                    // grid units
    QString m_glError;
    QString m_placeholder;
    QColor m_background{30, 30, 32};
};

} // namespace qlipx
