#pragma once
// The GL side of CanvasView: shader program, the two image textures (original, reconstruction)
// and the token-colour texture (one RGBA texel per token).
// Every method must run with the widget's context current (inside initializeGL/paintGL, or
// between makeCurrent/doneCurrent).
#include <QImage>
#include <QOpenGLExtraFunctions>
#include <QRectF>
#include <QRgb>

#include <cstdint>
#include <memory>
#include <vector>

class QOpenGLShaderProgram;
class QOpenGLTexture;
class QOpenGLVertexArrayObject;

namespace qlipx {

struct CanvasFrame {
    enum class Image { Original = 0, Reconstruction = 1, Split = 2 };
    QRectF imageRect;        // where the image goes, in the widget's logical pixels
    QSizeF viewport;         // the widget's logical size
    Image image = Image::Original;
    float split = 0.5f;      // Split: the divider, as a fraction of the image width
    bool showGrid = true;
    float fillOpacity = 0.35f;
    float lineOpacity = 0.65f;
    float errorOpacity = 0.f;
    float errorRange = 0.25f; // error (fraction of full scale) at the top of the heat map
    int hoverRow = -1;
    int hoverCol = -1;
    int pickRow = -1;
    int pickCol = -1;
};

class CanvasRenderer : protected QOpenGLExtraFunctions {
public:
    CanvasRenderer();
    ~CanvasRenderer();

    // Compiles the shaders from the Qt resources; returns false (and sets error()) on failure.
    bool initialize();
    bool isInitialized() const { return m_program != nullptr; }
    QString error() const { return m_error; }

    void setImages(const QImage& original, const QImage& reconstruction);
    // colors: rows * cols opaque colours in raster order (see tokenColors()).
    void setTokenColors(int rows, int cols, const std::vector<QRgb>& colors);
    void paint(const CanvasFrame& frame, QColor background);
    // Frees every GL object (the context must be current).
    void release();

private:
    std::unique_ptr<QOpenGLShaderProgram> m_program;
    std::unique_ptr<QOpenGLVertexArrayObject> m_vao;
    std::unique_ptr<QOpenGLTexture> m_original;
    std::unique_ptr<QOpenGLTexture> m_reconstruction;
    GLuint m_tokens = 0;
    int m_rows = 0;
    int m_cols = 0;
    QString m_error;
};

} // namespace qlipx
